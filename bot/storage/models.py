"""Needle's tables (SQLAlchemy 2 models): teams, members, check-ins and their bookkeeping.

A *member* is one person on one platform (a Slack user, a Discord user, the console user); a
*team membership* ties them to a team (a Slack workspace, a Discord server, the local console
team). Check-ins belong to the member, so a Discord user in several servers checks in once a
day and counts in each of their teams. Stored instants are UTC; dates are the member's local
dates.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

DEFAULT_WORKDAYS = "01234"  # Python weekday digits, Monday=0


class UTCDateTime(TypeDecorator[datetime]):
    """An instant stored as UTC and always read back timezone-aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("Needle stores only timezone-aware instants")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """The declarative base of every Needle table."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict[str, Any]: JSON}


class Team(Base):
    """A Slack workspace, a Discord server or the local console team, with its settings."""

    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("platform", "external_id", name="uq_teams_platform_ext"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    checkin_time: Mapped[time] = mapped_column(Time, default=time(17, 0))
    workdays: Mapped[str] = mapped_column(String(7), default=DEFAULT_WORKDAYS)
    min_conversations: Mapped[int] = mapped_column(Integer, default=5)
    min_minutes: Mapped[int] = mapped_column(Integer, default=60)
    nudge_after_minutes: Mapped[int] = mapped_column(Integer, default=120)
    quiet_start: Mapped[time] = mapped_column(Time, default=time(21, 0))
    quiet_end: Mapped[time] = mapped_column(Time, default=time(8, 0))
    escalate_after_days: Mapped[int] = mapped_column(Integer, default=3)
    pace_check_time: Mapped[time | None] = mapped_column(Time, nullable=True)
    recap_channel_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    recap_weekday: Mapped[int] = mapped_column(Integer, default=4)
    recap_time: Mapped[time] = mapped_column(Time, default=time(16, 0))
    manager_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL", use_alter=True), nullable=True
    )
    # Empty lists mean "the defaults" (bot.coaching.classify).
    high_value_keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    low_value_keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    track_wins: Mapped[bool] = mapped_column(Boolean, default=False)
    # What the team tracks as outcomes (`admin outcomes`): any of meetings, deals, revenue, in
    # that order; empty when it tracks none.
    outcomes: Mapped[list[str]] = mapped_column(JSON, default=list)
    questions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    channel_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # How many days back a member may fill in a check-in (1: yesterday until noon).
    backfill_days: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # Slack: who first installed Needle in the workspace, kept across uninstalls (slack-sdk
    # deletes its installation rows); "" once they asked to be forgotten, None when unknown.
    installer_user_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # Bumped by the database on every change to the row (`bot.storage.revisions`).
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime]

    memberships: Mapped[list[TeamMembership]] = relationship(
        back_populates="team", cascade="all, delete-orphan", passive_deletes=True
    )


class Member(Base):
    """One person on one platform, with their personal settings (None = the team's default)."""

    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("platform", "external_id", name="uq_members_platform_ext"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(100))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    timezone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # True once the member set their zone with `timezone`: the platform's profile (Slack)
    # then no longer overrides it.
    timezone_chosen: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    checkin_time: Mapped[time | None] = mapped_column(Time, nullable=True)
    workdays: Mapped[str | None] = mapped_column(String(7), nullable=True)
    goal_conversations: Mapped[int | None] = mapped_column(Integer, nullable=True)
    goal_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    paused_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    # `schedule off`: no prompts, reminders or nudges; stats and streaks go on as usual.
    prompts_off: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    undeliverable_since: Mapped[datetime | None] = mapped_column(nullable=True)
    # When Needle introduced itself (once per member; a later `hello` gets a short greeting).
    introduced_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # True once the member took the daily conversations their target needs as their minimum:
    # it is then recomputed each day from their target and rates (never below the team's).
    minimum_from_target: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    # Bumped by the database on every change to the row (and, for members, to their
    # check-ins, activities, outcomes, targets and daily minimums): `bot.storage.revisions`.
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime]

    memberships: Mapped[list[TeamMembership]] = relationship(
        back_populates="member", cascade="all, delete-orphan", passive_deletes=True
    )


class TeamMembership(Base):
    """A member's place in a team: role, public ranking, and whether they are still there."""

    __tablename__ = "team_memberships"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(20), default="member")  # member | admin
    public_ranking: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    joined_at: Mapped[datetime]
    # The first of the member's local dates the team sees (their check-ins before it belong to
    # other teams); NULL when the membership began with the member: all their history.
    history_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # as Member's

    team: Mapped[Team] = relationship(back_populates="memberships")
    member: Mapped[Member] = relationship(back_populates="memberships")


class Checkin(Base):
    """A member's current record for one local date; earlier versions live in CheckinVersion."""

    __tablename__ = "checkins"
    __table_args__ = (
        UniqueConstraint("member_id", "local_date", name="uq_checkins_member_date"),
        Index("ix_checkins_date_member", "local_date", "member_id"),
        # Covers stats and leaderboards: sums over a member's dates never touch the table.
        Index(
            "ix_checkins_member_date_numbers",
            "member_id",
            "local_date",
            "status",
            "conversations",
            "minutes",
            "wins",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    local_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))  # complete | partial | day_off
    # Why a day off: sick | vacation | holiday | pto | off (None for other statuses).
    day_off_reason: Mapped[str | None] = mapped_column(String(20), nullable=True)
    conversations: Mapped[int | None] = mapped_column(Integer, nullable=True)
    minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    wins: Mapped[int | None] = mapped_column(Integer, nullable=True)
    wins_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)  # answers Needle couldn't use
    source: Mapped[str] = mapped_column(String(20), default="chat")
    # Who wrote this record when it was not the member themself (an admin's `admin fix`).
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), nullable=True
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    activities: Mapped[list[Activity]] = relationship(
        back_populates="checkin",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Activity.position",
    )


class Activity(Base):
    """One of a check-in's top activities and how it was classified (high, low, neutral)."""

    __tablename__ = "activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    checkin_id: Mapped[int] = mapped_column(
        ForeignKey("checkins.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(500))
    classification: Mapped[str] = mapped_column(String(10))  # high | low | neutral

    checkin: Mapped[Checkin] = relationship(back_populates="activities")


class CheckinVersion(Base):
    """An earlier version of a check-in, kept for audit when a correction replaces it."""

    __tablename__ = "checkin_versions"

    __table_args__ = (Index("ix_checkin_versions_member_date", "member_id", "local_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    local_date: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    day_off_reason: Mapped[str | None] = mapped_column(String(20), nullable=True)
    conversations: Mapped[int | None] = mapped_column(Integer, nullable=True)
    minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    wins: Mapped[int | None] = mapped_column(Integer, nullable=True)
    wins_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    activities: Mapped[list[str]] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(String(20))
    # Who wrote this version when it was not the member themself (see Checkin.recorded_by_id).
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), nullable=True
    )
    recorded_at: Mapped[datetime]
    replaced_at: Mapped[datetime]


class ConversationState(Base):
    """Where a member is in a conversation with Needle (kept so a restart resumes it)."""

    __tablename__ = "conversation_states"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), nullable=True
    )
    flow: Mapped[str] = mapped_column(String(30))  # checkin | forget_me
    step: Mapped[str] = mapped_column(String(30))
    local_date: Mapped[date] = mapped_column(Date)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime]


class ProcessedEvent(Base):
    """A platform event id Needle already handled, so a retried event does nothing twice."""

    __tablename__ = "processed_events"

    platform: Mapped[str] = mapped_column(String(20), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(index=True)


class Delivery(Base):
    """A claim on one scheduled delivery: (kind, target, local date) is sent at most once."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("kind", "target", "local_date", name="uq_deliveries_kind_target_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))  # prompt | reminder | escalation | pace | recap
    target: Mapped[str] = mapped_column(String(60))  # member:<id> | team:<id>
    local_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))  # claimed | sent | failed | skipped
    claimed_by: Mapped[str] = mapped_column(String(100), default="")
    claimed_at: Mapped[datetime]
    lease_until: Mapped[datetime]
    sent_at: Mapped[datetime | None] = mapped_column(nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class WebToken(Base):
    """A dashboard credential: a sign-in link (used once), a session, or a TV page's link.

    The browser holds only a signed id; the row says whose it is, which team it shows, until
    when it is good, and whether it was used (links) or revoked (sign-out, `dashboard tv off`).
    """

    __tablename__ = "web_tokens"
    __table_args__ = (Index("ix_web_tokens_member_kind", "member_id", "kind"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # link | session | tv
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    # Admin rights as the platform said when the link was asked for (a web page has no
    # platform to ask); the team's manager is read live.
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None] = mapped_column(nullable=True)
    used_at: Mapped[datetime | None] = mapped_column(nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)


class AppSecret(Base):
    """A secret every instance sharing the database uses (the dashboard's signing key)."""

    __tablename__ = "app_secrets"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]


class PlatformContact(Base):
    """What a platform told Needle about one of its users in one workspace: the DM channel
    between Needle and them, and their profile as last fetched. A cache that survives a restart,
    so a known member costs no lookup call; admin rights never come from here."""

    __tablename__ = "platform_contacts"

    platform: Mapped[str] = mapped_column(String(20), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    dm_channel: Mapped[str | None] = mapped_column(String(64), nullable=True)
    display_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    timezone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    locale: Mapped[str | None] = mapped_column(String(32), nullable=True)
    is_admin: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    profile_fetched_at: Mapped[datetime | None] = mapped_column(nullable=True)


class Outcome(Base):
    """One outcome a member recorded: meetings booked, a deal won (with its value) or lost.

    Rows are never edited: a correction voids the row (`voided_at`, `voided_by_id`) and, unless
    it removes the outcome, records a new one that `replaced_by_id` points to. The voided rows
    are the audit trail; every count reads only rows that are not voided.
    """

    __tablename__ = "outcomes"
    __table_args__ = (Index("ix_outcomes_member_date", "member_id", "local_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    local_date: Mapped[date] = mapped_column(Date)  # the member's local date it belongs to
    kind: Mapped[str] = mapped_column(String(10))  # meeting | won | lost
    quantity: Mapped[int] = mapped_column(Integer, default=1)  # meetings booked; 1 for a deal
    amount: Mapped[int | None] = mapped_column(Integer, nullable=True)  # a won deal's value
    account: Mapped[str | None] = mapped_column(String(200), nullable=True)  # "Acme"
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    source: Mapped[str] = mapped_column(String(20), default="chat")  # chat | checkin | admin
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime]
    voided_at: Mapped[datetime | None] = mapped_column(nullable=True)
    voided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), nullable=True
    )
    replaced_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("outcomes.id", ondelete="SET NULL"), nullable=True
    )


class Target(Base):
    """A member's monthly target (`target deals 4`), from the month it was set in onwards.

    The target of a month is the latest row whose `starts_on` is on or before its first day; a
    row with amount 0 clears the target from that month. Earlier months keep theirs, so "% of
    own target" for a past month reads what the member aimed at then.
    """

    __tablename__ = "targets"
    __table_args__ = (Index("ix_targets_member_start", "member_id", "starts_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    metric: Mapped[str] = mapped_column(String(10))  # deals | meetings | revenue
    amount: Mapped[int] = mapped_column(Integer)  # per month; 0 clears the target
    starts_on: Mapped[date] = mapped_column(Date)  # the first day of the month it applies from
    set_at: Mapped[datetime]


class DailyMinimum(Base):
    """The conversations minimum a member's target set for one of their local dates.

    Written once, the first time Needle works out that day's minimum for a member who took
    their target's pace as their minimum (`Member.minimum_from_target`), and never changed:
    each day is judged by the minimum that held on it, so a target recomputed later never
    rewrites whether an earlier day was at the minimum.
    """

    __tablename__ = "daily_minimums"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    local_date: Mapped[date] = mapped_column(Date, primary_key=True)
    conversations: Mapped[int] = mapped_column(Integer)
    set_at: Mapped[datetime]
