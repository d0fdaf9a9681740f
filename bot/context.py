"""What a handler knows while it answers one Incoming: who, which team, when, and the session."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Settings
from bot.messages import Address, Incoming
from bot.profile import Profile
from bot.storage.models import Member, Team, TeamMembership


@dataclass
class Services:
    """What the engine was given at start: settings and the clock."""

    settings: Settings
    clock: Clock


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
    profile: Profile = field(init=False)

    def __post_init__(self) -> None:
        self.refresh_profile()

    def refresh_profile(self) -> None:
        """Re-resolve the profile after the member's or team's settings changed."""
        self.profile = Profile.of(self.member, self.team, self.services.settings.default_timezone)

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
        """True when the member may change team settings and read others' stats."""
        return self.membership.role == "admin"
