"""The adapter protocol every chat platform implements, and the Outbox that routes to them."""

from __future__ import annotations

import logging
from typing import Protocol, runtime_checkable

from bot.context import ChannelCheck, ForgetListener
from bot.messages import APOLOGY, Address, Incoming, Outgoing, Reply

log = logging.getLogger(__name__)

# APOLOGY is what an adapter says when the engine itself could not be reached or raised.
__all__ = ["APOLOGY", "Adapter", "CoachEngine", "DeliveryError", "Outbox"]


class CoachEngine(Protocol):
    """What an adapter needs of Needle's engine (`bot.engine.Engine`)."""

    async def handle(self, incoming: Incoming) -> list[Reply]:
        """Answer one Incoming."""
        ...


@runtime_checkable
class EngineHooks(Protocol):
    """What the engine takes from adapters beyond Incomings (`bot.engine.Engine` has it all;
    a scripted test engine may not): news that a team is gone, a check that a channel is a
    team's own, and a listener for people who asked to be forgotten."""

    async def team_removed(self, platform: str, team_id: str) -> None:
        """Needle was removed from a team on `platform`."""
        ...

    def add_channel_check(self, platform: str, check: ChannelCheck) -> None:
        """`check(team_id, channel_id)` says whether a channel is one of the team's own."""
        ...

    def add_forget_listener(self, listener: ForgetListener) -> None:
        """Call `listener(platform, user_id)` after a person's data was deleted."""
        ...


class DeliveryError(Exception):
    """A message could not be delivered.

    `permanent` is True when retrying cannot help (account deactivated, DMs closed, bot removed
    from the team); the scheduler then marks the member undeliverable instead of retrying.
    """

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@runtime_checkable
class Adapter(Protocol):
    """A chat platform: start, stop, send. It owns nothing else."""

    platform: str

    async def start(self) -> None:
        """Connect and begin feeding incoming events to the engine."""

    async def stop(self) -> None:
        """Disconnect cleanly."""

    async def send(self, address: Address, reply: Reply) -> None:
        """Deliver one reply; raise DeliveryError when it cannot be delivered."""


class Outbox:
    """Routes unprompted replies (prompts, nudges, recaps) to the adapter of their platform."""

    def __init__(self) -> None:
        self._adapters: dict[str, Adapter] = {}

    def register(self, adapter: Adapter) -> None:
        """Make `adapter` the route for its platform."""
        self._adapters[adapter.platform] = adapter

    @property
    def platforms(self) -> frozenset[str]:
        """The platforms that currently have an adapter."""
        return frozenset(self._adapters)

    async def send(self, outgoing: Outgoing) -> None:
        """Deliver one Outgoing through its platform's adapter; DeliveryError when no adapter
        serves it or the adapter cannot deliver it."""
        adapter = self._adapters.get(outgoing.address.platform)
        if adapter is None:
            raise DeliveryError(
                f"no adapter for platform {outgoing.address.platform!r}", permanent=False
            )
        await adapter.send(outgoing.address, outgoing.reply)
