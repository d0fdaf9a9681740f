"""What a handler knows while it answers one Incoming: who, which team, when, and the session."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.messages import Address, Incoming
from bot.outcomes.targets import known_minimums
from bot.profile import Profile
from bot.storage.conversations import EndReason
from bot.storage.models import ConversationState, Member, Team, TeamMembership
from bot.storage.people import personal_team_id

log = logging.getLogger(__name__)

# (platform team id, channel id) -> True when the channel is one of that team's own channels.
ChannelCheck = Callable[[str, str], Awaitable[bool]]
# (platform, platform user id), called once a person's data was deleted.
ForgetListener = Callable[[str, str], None]
# A flow's `close(ctx, state, reason)`: keeps what a conversation holds before it ends.
ConversationCloser = Callable[["Context", ConversationState, EndReason], Awaitable[None]]


@dataclass
class Services:
    """What the engine was given at start: settings, the clock and how each conversation
    flow keeps its answers when it ends; and what adapters lent it: a check that a channel
    belongs to a team, and who to tell when a person is forgotten."""

    settings: Settings
    clock: Clock
    channel_checks: dict[str, ChannelCheck] = field(default_factory=dict)
    forget_listeners: list[ForgetListener] = field(default_factory=list)
    conversation_closers: dict[str, ConversationCloser] = field(default_factory=dict)

    async def channel_in_team(self, platform: str, team_id: str, channel_id: str) -> bool | None:
        """Whether the channel belongs to the team, as the platform says (None: the platform
        has no channels of other teams to confuse it with, such as the console)."""
        check = self.channel_checks.get(platform)
        if check is None:
            return None
        return await check(team_id, channel_id)

    def person_forgotten(self, platform: str, user_id: str) -> None:
        """Tell every listener (adapters' caches) that a person's data is gone."""
        for listener in self.forget_listeners:
            try:
                listener(platform, user_id)
            except Exception:
                log.exception("a forget listener failed for %s/%s", platform, user_id)


@dataclass
class Context:
    """One Incoming being handled, inside one database transaction."""

    session: AsyncSession
    services: Services
    incoming: Incoming
    team: Team
    member: Member
    membership: TeamMembership
    now: datetime
    # The narrowest backfill window among the member's other teams (None: no other team, or
    # not looked up because this team's window is already the narrowest, one day).
    backfill_elsewhere: int | None = None
    profile: Profile = field(init=False)
    # The conversations minimums the member's target fixed for recent days and today
    # (`load_target_minimums`).
    target_minimums: dict[date, int] = field(default_factory=dict, init=False)
    # Run once the transaction is committed (telling adapters a person was forgotten).
    after_commit: list[Callable[[], None]] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self.refresh_profile()

    def refresh_profile(self) -> None:
        """Re-resolve the profile after the member's or team's settings changed."""
        profile = Profile.of(self.member, self.team, self.services.settings.default_timezone)
        if self.backfill_elsewhere is not None and profile.backfill_days > self.backfill_elsewhere:
            # Every team counts the member's check-ins: the narrowest window holds.
            profile = replace(profile, backfill_days=max(1, self.backfill_elsewhere))
        self.profile = profile.with_target_minimums(self.target_minimums)

    async def load_target_minimums(self) -> None:
        """Read the minimums the member's target fixed for recent days (fixing today's the
        first time it is needed), so every reply judges a day by the minimum that held on it
        (`bot.outcomes.targets.known_minimums`)."""
        self.target_minimums = await known_minimums(
            self.session, self.member, self.profile, self.today, now=self.now
        )
        self.refresh_profile()

    @property
    def address(self) -> Address:
        """Where the Incoming came from."""
        return self.incoming.address

    @property
    def today(self) -> date:
        """The member's local date now."""
        return self.profile.local_date(self.now)

    @property
    def is_admin(self) -> bool:
        """True when the member may change team settings and read others' stats.

        Rights come from what the platform says with this Incoming (Slack's admin or owner,
        Discord's Manage Server, the console user), never from a role remembered from an
        earlier message: a member who lost the right loses it at once. Where the platform says
        nothing (a Discord DM carries no server), the member is no admin for this Incoming.
        Everyone is the admin of their own personal team, which only they belong to.
        """
        if is_personal_team(self.team, self.address.user_id):
            return True
        return self.incoming.person.is_admin is True

    @property
    def membership_vouched(self) -> bool:
        """True when the platform vouches, with this Incoming, that the member still belongs to
        the team (a command in the server or workspace, a Slack DM).

        A Discord DM carries no server and Needle hears of no kick (it has no members intent),
        so there the team's data (another member's stats, `team today`, the leaderboard) is
        refused: a member removed from a server would otherwise keep reading it. A personal
        team is the member's alone.
        """
        return self.incoming.person.is_admin is not None or is_personal_team(
            self.team, self.address.user_id
        )

    def team_view_refusal(self, what: str) -> str:
        """Why the team's `what` is not shown where membership can't be checked."""
        return (
            f"I can't check here that you're still in the team, so `{what}` is refused. Use "
            f"`/needle {what}` in the team's server or workspace, where I can."
        )

    def admin_refusal(self, what: str, otherwise: str) -> str:
        """Why an admin-only `what` is refused: where to do it when the platform could not
        say here whether the member is an admin, else `otherwise`."""
        if self.incoming.person.is_admin is None:
            return (
                f"I can't see your admin rights here, so `{what}` is refused. Use "
                f"`/needle {what}` in the team's server or workspace, where I can check them."
            )
        return otherwise


def is_personal_team(team: Team, user_id: str) -> bool:
    """True when `team` is the personal team of `user_id`, who alone belongs to it."""
    return bool(user_id) and team.external_id == personal_team_id(user_id)
