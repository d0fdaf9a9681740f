"""The commands of SPEC section 5, one module per family, routed by the engine."""

from __future__ import annotations

import importlib

# In the order `help` lists them: the daily loop first, settings and data after.
FAMILIES = (
    "bot.commands.checkin",
    "bot.commands.stats",
    "bot.commands.coaching",
    "bot.commands.basics",
    "bot.commands.data",
    "bot.commands.admin",
    "bot.commands.home",
)


def load_all() -> None:
    """Import every command family so it registers its handlers (idempotent)."""
    for name in FAMILIES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as err:
            if err.name != name:
                raise
