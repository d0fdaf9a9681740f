"""The commands of Needle, one module per family; `build_router` composes them.

Each family module has a `register(router)` that adds its commands, buttons, forms and
conversations to the router it is given; nothing is registered by importing a module.
"""

from __future__ import annotations

from bot.commands import (
    admin,
    basics,
    checkin,
    coaching,
    dashboard,
    data,
    home,
    outcomes,
    returns,
    smalltalk,
    stats,
    targets,
    team,
)
from bot.router import Router

# In the order `help` lists them: the daily loop first, settings and data after.
FAMILIES = (
    checkin,
    outcomes,
    stats,
    returns,
    team,
    dashboard,
    coaching,
    targets,
    basics,
    data,
    admin,
    home,
    smalltalk,
)


def build_router() -> Router:
    """A router with every command family of Needle, in `help` order."""
    router = Router()
    for family in FAMILIES:
        family.register(router)
    return router
