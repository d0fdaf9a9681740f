"""`ContactBook`: what a platform told Needle about its users (DM channels, profiles), in memory
and in the database, so a restart does not cost a lookup call per member.

The first time a workspace is needed after a start, all its known users are read in one
query; afterwards reads come from memory. Writes go to both, and only when something changed,
so learning from every event costs nothing when nothing is new.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime

from bot.clock import Clock, SystemClock
from bot.storage.contacts import (
    Contact,
    forget_contacts,
    save_dm_channel,
    save_profile,
    team_contacts,
)
from bot.storage.db import Database

log = logging.getLogger(__name__)


class ContactBook:
    """One platform's contacts, per (workspace, user); `database` None keeps them in memory."""

    def __init__(
        self, database: Database | None, platform: str, clock: Clock | None = None
    ) -> None:
        self.database = database
        self.platform = platform
        self.clock: Clock = clock or SystemClock()
        self._teams: dict[str, dict[str, Contact]] = {}
        self._loading: dict[str, asyncio.Lock] = {}

    def now(self) -> datetime:
        """The current instant, from the book's clock."""
        return self.clock.now()

    async def get(self, team_id: str, user_id: str) -> Contact | None:
        """What is known of a user, or None."""
        return (await self._team(team_id)).get(user_id)

    async def remember_dm(self, team_id: str, user_id: str, channel: str) -> None:
        """Keep the DM channel between Needle and a user (a database write only when new)."""
        if not channel:
            return
        people = await self._team(team_id)
        known = people.get(user_id) or Contact(team_id, user_id)
        if known.dm_channel == channel:
            return
        people[user_id] = replace(known, dm_channel=channel)
        await self._write(save_dm_channel, self.platform, team_id, user_id, channel)

    async def remember_profile(self, contact: Contact) -> None:
        """Keep a user's profile (with when it was fetched)."""
        people = await self._team(contact.team_id)
        known = people.get(contact.user_id)
        channel = known.dm_channel if known is not None else None
        people[contact.user_id] = replace(contact, dm_channel=channel)
        await self._write(save_profile, self.platform, contact)

    async def forget_team(self, team_id: str) -> None:
        """Drop everything known about a workspace's users (Needle was removed from it)."""
        self._teams.pop(team_id, None)
        await self._write(forget_contacts, self.platform, team_id=team_id)

    def forget_user_in_memory(self, user_id: str) -> None:
        """Drop a user from memory in every workspace (their rows go with `forget-me`)."""
        for people in self._teams.values():
            people.pop(user_id, None)

    async def _team(self, team_id: str) -> dict[str, Contact]:
        people = self._teams.get(team_id)
        if people is not None:
            return people
        lock = self._loading.setdefault(team_id, asyncio.Lock())
        async with lock:
            people = self._teams.get(team_id)
            if people is None:
                people = {}
                if self.database is not None:
                    try:
                        async with self.database.transaction() as session:
                            people = await team_contacts(session, self.platform, team_id)
                    except Exception:  # the cache is an optimisation: ask the platform instead
                        log.exception(
                            "could not read the contacts of %s/%s", self.platform, team_id
                        )
                self._teams[team_id] = people
        self._loading.pop(team_id, None)
        return people

    async def _write(
        self, fn: Callable[..., Awaitable[object]], *args: object, **kwargs: object
    ) -> None:
        if self.database is None:
            return
        try:
            async with self.database.transaction() as session:
                await fn(session, *args, **kwargs)
        except Exception:  # losing the cache costs a lookup later, never an answer
            log.exception("could not save a %s contact", self.platform)
