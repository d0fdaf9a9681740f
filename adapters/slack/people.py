"""Who a Slack member is: their profile as `users.info` or a `user_change` event told it.

The directory keeps one `Person` per (workspace, user): time zone, display name and whether
they are an admin (workspace admin or owner, or the member who first installed Needle there).
Profiles are kept in the database too (`ContactBook`), so after a restart a known member costs
no `users.info` call; a profile older than `REFRESH_AFTER` is fetched again in the background,
never in the path of an answer or a prompt. The admin flag kept is for display: rights come
from what Slack says with each command.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.contacts import ContactBook
from adapters.slack.delivery import Pacer
from adapters.slack.translate import PLATFORM, person_from_user
from bot.messages import Person
from bot.storage.contacts import Contact

log = logging.getLogger(__name__)

# Looks up the user id of whoever installed Needle in a workspace (OAuth), or None.
InstallerLookup = Callable[[str], Awaitable[str | None]]

# A kept profile older than this is fetched again (in the background).
REFRESH_AFTER = timedelta(days=7)


class Directory:
    """`Person`s in memory, backed by the database, filled from `users.info` (paced)."""

    def __init__(
        self,
        installer_of: InstallerLookup | None = None,
        max_size: int = 50_000,
        *,
        contacts: ContactBook | None = None,
        pacer: Pacer | None = None,
    ) -> None:
        self._people: dict[tuple[str, str], Person] = {}
        self._installer_of = installer_of
        self._max_size = max_size
        self.contacts = contacts or ContactBook(None, PLATFORM)
        self.pacer = pacer or Pacer()
        self._refreshing: dict[tuple[str, str], asyncio.Task[None]] = {}

    async def person(self, client: AsyncWebClient, team_id: str, user_id: str) -> Person:
        """The member's Person: remembered, else kept in the database, else `users.info`
        (admin unknown when that fails)."""
        key = (team_id, user_id)
        known = self._people.get(key)
        if known is not None:
            return known
        kept = await self.contacts.get(team_id, user_id)
        if kept is not None and kept.profile_fetched_at is not None:
            person = Person(
                display_name=kept.display_name or "",
                timezone=kept.timezone,
                is_admin=kept.is_admin,
                locale=kept.locale,
            )
            self._remember(key, person)
            if self.contacts.now() - kept.profile_fetched_at > REFRESH_AFTER:
                self._refresh_later(client, team_id, user_id)
            return person
        person_or_none = await self._fetch(client, team_id, user_id)
        return person_or_none if person_or_none is not None else Person(is_admin=None)

    async def _fetch(self, client: AsyncWebClient, team_id: str, user_id: str) -> Person | None:
        await self.pacer.call_turn(team_id, "users.info")
        try:
            response = await client.users_info(user=user_id)
        except (SlackApiError, SlackClientError, OSError) as err:
            log.warning("users.info failed for %s/%s: %s", team_id, user_id, err)
            return None
        return await self.refresh(team_id, response.get("user") or {})

    def _refresh_later(self, client: AsyncWebClient, team_id: str, user_id: str) -> None:
        key = (team_id, user_id)
        if key in self._refreshing:
            return

        async def refresh() -> None:
            try:
                await self._fetch(client, team_id, user_id)
            finally:
                self._refreshing.pop(key, None)

        self._refreshing[key] = asyncio.create_task(refresh(), name="slack-profile-refresh")

    async def wait_refreshed(self) -> None:
        """Wait for the background profile refreshes started so far (tests, shutdown)."""
        if self._refreshing:
            await asyncio.gather(*self._refreshing.values(), return_exceptions=True)

    async def refresh(self, team_id: str, user: dict[str, Any]) -> Person:
        """Take a user object (`users.info`, or a `user_change` event's) as the member's new
        Person, in memory and in the database."""
        person = await self._person_of(team_id, user)
        user_id = str(user.get("id", ""))
        self._remember((team_id, user_id), person)
        if user_id:
            contact = Contact(
                team_id=team_id,
                user_id=user_id,
                display_name=person.display_name,
                timezone=person.timezone,
                locale=person.locale,
                is_admin=person.is_admin,
                profile_fetched_at=self.contacts.now(),
            )
            await self.contacts.remember_profile(contact)
        return person

    def forget_team(self, team_id: str) -> None:
        """Drop every cached member of a workspace (Needle was uninstalled there); the stored
        rows go with the delivery's `forget_team`."""
        for key in [k for k in self._people if k[0] == team_id]:
            del self._people[key]

    def forget_person(self, user_id: str) -> None:
        """Drop a person from every workspace's cache (they asked to be forgotten)."""
        for key in [k for k in self._people if k[1] == user_id]:
            del self._people[key]
        self.contacts.forget_user_in_memory(user_id)

    async def _person_of(self, team_id: str, user: dict[str, Any]) -> Person:
        installer = False
        if self._installer_of is not None:
            try:
                installer = await self._installer_of(team_id) == user.get("id")
            except Exception:  # the installation store is optional knowledge here
                log.exception("could not read the installer of %s", team_id)
        return person_from_user(user, installer=installer)

    def _remember(self, key: tuple[str, str], person: Person) -> None:
        if len(self._people) >= self._max_size:
            self._people.pop(next(iter(self._people)))
        self._people[key] = person
