"""Who a Slack member is: their profile as `users.info` or a `user_change` event told it.

The directory keeps one `Person` per (workspace, user): time zone, display name and whether
they are an admin (workspace admin or owner, or the member who first installed Needle there).
Profiles are kept in the database too (`ContactBook`), with when Slack said them.

The admin flag is a right, so an admin's profile is trusted for ADMIN_FRESH_SECONDS only, in
memory or from the database: a `user_change` reaches one instance of Needle, and the others (or
the same one after a restart) learn of a demotion when their copy expires and `users.info` is
asked again, paced to the method's tier. A member Slack said is no admin grants no right by
that, so their kept profile is used as it is (a `user_change` brings a new name, time zone or a
promotion): after a restart the burst of check-ins at the team's hour costs no `users.info`,
which at Tier 4 (100 a minute) would hold 1,000 answers back for ten minutes. Prompts and DMs
cost nothing either (their channels are kept). When a look-up fails, the kept profile is used
with the admin flag unknown.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from time import monotonic
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
ADMIN_FRESH_SECONDS = 60.0


class Directory:
    """`Person`s in memory, backed by the database, filled from `users.info` (paced)."""

    def __init__(
        self,
        installer_of: InstallerLookup | None = None,
        max_size: int = 50_000,
        *,
        clock: Callable[[], float] | None = None,
        contacts: ContactBook | None = None,
        pacer: Pacer | None = None,
    ) -> None:
        # (workspace, user) -> the Person and when (clock seconds) Slack said it.
        self._people: dict[tuple[str, str], tuple[Person, float]] = {}
        self._installer_of = installer_of
        self._max_size = max_size
        self._clock = clock if clock is not None else monotonic
        self.contacts = contacts or ContactBook(None, PLATFORM)
        self.pacer = pacer or Pacer()

    async def person(
        self, client: AsyncWebClient, team_id: str, user_id: str, *, rights: bool = True
    ) -> Person:
        """The member's Person: remembered or kept while its admin flag is fresh, else
        `users.info`; when that fails, what was remembered or kept, with the admin flag unknown.

        `rights=False` (a message that is no command: a check-in answer) also takes a kept
        profile of someone Slack said is no admin however old it is: such a message asks for
        no right, and the burst of answers at a team's hour then costs no look-up. A command
        always goes by the fresh rule, so a member promoted since is never refused by a
        remembered "no"."""
        key = (team_id, user_id)
        known = self._people.get(key)
        if known is not None and (
            (not rights and known[0].is_admin is False)
            or self._clock() - known[1] < ADMIN_FRESH_SECONDS
        ):
            return known[0]
        kept = await self.contacts.get(team_id, user_id) if known is None else None
        fresh = timedelta(seconds=ADMIN_FRESH_SECONDS)
        if (
            kept is not None
            and kept.profile_fetched_at is not None
            and (
                (not rights and kept.is_admin is False)
                or self.contacts.now() - kept.profile_fetched_at < fresh
            )
        ):
            person = Person(
                display_name=kept.display_name or "",
                timezone=kept.timezone,
                is_admin=kept.is_admin,
                locale=kept.locale,
            )
            age = (self.contacts.now() - kept.profile_fetched_at).total_seconds()
            self._remember(key, person, age=max(0.0, age))
            return person
        fetched = await self._fetch(client, team_id, user_id)
        if fetched is not None:
            return fetched
        if known is not None:
            return replace(known[0], is_admin=None)
        if kept is not None:
            return Person(
                display_name=kept.display_name or "",
                timezone=kept.timezone,
                is_admin=None,
                locale=kept.locale,
            )
        return Person(is_admin=None)

    async def _fetch(self, client: AsyncWebClient, team_id: str, user_id: str) -> Person | None:
        await self.pacer.call_turn(team_id, "users.info")
        try:
            response = await client.users_info(user=user_id)
        except (SlackApiError, SlackClientError, OSError) as err:
            log.warning("users.info failed for %s/%s: %s", team_id, user_id, err)
            return None
        return await self.refresh(team_id, response.get("user") or {})

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

    def _remember(self, key: tuple[str, str], person: Person, age: float = 0.0) -> None:
        """Keep a Person in memory, as told `age` seconds ago (a kept profile's age counts
        towards its freshness: remembering it does not make it new)."""
        self._people.pop(key, None)  # re-inserted last: the oldest entry goes first when full
        if len(self._people) >= self._max_size:
            self._people.pop(next(iter(self._people)))
        self._people[key] = (person, self._clock() - age)
