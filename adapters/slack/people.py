"""Who a Slack member is: `users.info` looked up at first contact, refreshed on `user_change`.

The directory keeps one `Person` per (workspace, user) in memory: time zone, display name and
whether they are an admin (workspace admin or owner, or the member who first installed
Needle there).

The admin flag is a right, so it is trusted for ADMIN_FRESH_SECONDS only: a `user_change`
reaches one instance of Needle, and the others learn of a demotion when their copy expires
and `users.info` is asked again (at most once a minute per active member, well inside that
method's rate tier). When that look-up fails, the member is kept with the admin flag unknown.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from time import monotonic
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.translate import person_from_user
from bot.messages import Person

log = logging.getLogger(__name__)

# Looks up the user id of whoever installed Needle in a workspace (OAuth), or None.
InstallerLookup = Callable[[str], Awaitable[str | None]]
ADMIN_FRESH_SECONDS = 60.0


class Directory:
    """An in-memory cache of `Person`s, filled from `users.info`."""

    def __init__(
        self,
        installer_of: InstallerLookup | None = None,
        max_size: int = 50_000,
        *,
        clock: Callable[[], float] | None = None,
    ) -> None:
        # (workspace, user) -> the Person and when (clock seconds) Slack said it.
        self._people: dict[tuple[str, str], tuple[Person, float]] = {}
        self._installer_of = installer_of
        self._max_size = max_size
        self._clock = clock if clock is not None else monotonic

    async def person(self, client: AsyncWebClient, team_id: str, user_id: str) -> Person:
        """The member's Person: from `users.info` the first time and once the admin flag is
        older than ADMIN_FRESH_SECONDS (admin unknown when that look-up fails)."""
        key = (team_id, user_id)
        known = self._people.get(key)
        if known is not None and self._clock() - known[1] < ADMIN_FRESH_SECONDS:
            return known[0]
        try:
            response = await client.users_info(user=user_id)
        except (SlackApiError, SlackClientError, OSError) as err:
            log.warning("users.info failed for %s/%s: %s", team_id, user_id, err)
            return Person(is_admin=None) if known is None else replace(known[0], is_admin=None)
        user = response.get("user") or {}
        person = await self._person_of(team_id, user)
        self._remember(key, person)
        return person

    async def refresh(self, team_id: str, user: dict[str, Any]) -> Person:
        """Take a `user_change` event's user object as the member's new Person."""
        person = await self._person_of(team_id, user)
        self._remember((team_id, str(user.get("id", ""))), person)
        return person

    def forget_team(self, team_id: str) -> None:
        """Drop every cached member of a workspace (Needle was uninstalled there)."""
        for key in [k for k in self._people if k[0] == team_id]:
            del self._people[key]

    def forget_person(self, user_id: str) -> None:
        """Drop a person from every workspace's cache (they asked to be forgotten)."""
        for key in [k for k in self._people if k[1] == user_id]:
            del self._people[key]

    async def _person_of(self, team_id: str, user: dict[str, Any]) -> Person:
        installer = False
        if self._installer_of is not None:
            try:
                installer = await self._installer_of(team_id) == user.get("id")
            except Exception:  # the installation store is optional knowledge here
                log.exception("could not read the installer of %s", team_id)
        return person_from_user(user, installer=installer)

    def _remember(self, key: tuple[str, str], person: Person) -> None:
        self._people.pop(key, None)  # re-inserted last: the oldest entry goes first when full
        if len(self._people) >= self._max_size:
            self._people.pop(next(iter(self._people)))
        self._people[key] = (person, self._clock())
