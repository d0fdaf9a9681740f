"""What a claimed delivery says and where it goes, or why it is skipped.

The words come from bot.coaching.nudges and bot.stats.recap; this module decides, for one
claimed delivery, whether it still makes sense (a member who already checked in gets no
prompt) and builds the Outgoing. Decisions that need the database are made here, after the
claim, so they are settled once (as sent or skipped) instead of asked again on every tick.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.coaching.nudges import daily_prompt
from bot.messages import Address, Outgoing
from bot.outcomes.targets import known_minimums
from bot.profile import Profile
from bot.storage.deliveries import CLAIMED, SENT, Claim, MemberRow, find_delivery
from bot.storage.models import Member, Team
from bot.storage.people import get_member, get_team
from scheduler.due import DueWork, Kind, member_target

CHECKED_IN = ("complete", "day_off")
# Opens a transaction (the scheduler's own, serialized on SQLite).
Sessions = Callable[[], AbstractAsyncContextManager[AsyncSession]]


@dataclass(slots=True)
class Job:
    """A claimed delivery with what it needs: the member (if any), their team and profile."""

    work: DueWork
    claim: Claim
    team: Team
    member: MemberRow | None = None
    profile: Profile | None = None
    checkin_status: str | None = None  # the member's check-in on the delivery's local date
    deadline: float = float("inf")  # time.monotonic() after which the claim is not sent
    composed: Composed | None = None  # when composed ahead of sending (daily prompts)


class Message(NamedTuple):
    """Something to send; `recipient_id` is the member it goes to (None for a channel)."""

    outgoing: Outgoing
    recipient_id: int | None


@dataclass(frozen=True)
class Skip:
    """Nothing to send for this delivery, for good."""

    reason: str


@dataclass(frozen=True)
class Later:
    """Not decidable yet (it waits on another delivery); try again after a backoff."""

    reason: str


Composed = Message | Skip | Later


class Recipient(Protocol):
    """A member as far as addressing goes (a Member, or a row of its columns)."""

    @property
    def platform(self) -> str: ...
    @property
    def external_id(self) -> str: ...


def member_address(member: Recipient, team: Team) -> Address:
    """A member's direct message with Needle, through the team they are reached in."""
    return Address(member.platform, team.external_id, member.external_id, "")


def recap_address(team: Team) -> Address:
    """The team's recap channel."""
    return Address(team.platform, team.external_id, "", team.recap_channel_id or "")


async def compose(sessions: Sessions, job: Job, clock: Callable[[], datetime]) -> Composed:
    """The message a claimed delivery sends, or why it sends nothing; `clock` tells the time."""
    kind = job.work.kind
    if kind == Kind.RECAP:
        return await _recap(sessions, job, clock())
    if kind == Kind.PROMPT:
        return compose_prompt(job)
    member, profile = job.member, job.profile
    if member is None or profile is None:
        return Skip("the member is gone")
    if job.checkin_status == "day_off":
        return Skip("day off")
    if kind == Kind.REMINDER:
        return await _reminder(sessions, job, member, profile, clock())
    if kind == Kind.ESCALATION:
        return await _escalation(sessions, job, member, profile, clock())
    if kind == Kind.MANAGER_NOTE:
        return await _manager_note(sessions, job, member, profile, clock())
    if kind == Kind.PACE:
        return await _pace(sessions, job, member, profile, clock())
    raise ValueError(f"unknown delivery kind {kind}")


async def _with_target(
    session: AsyncSession, member: Member, profile: Profile, day: date, now: datetime
) -> Profile:
    """`profile` knowing the minimums the member's target fixed for `day` and the days before
    (fixing `day`'s the first time it is needed), as the engine's replies read them."""
    return profile.with_target_minimums(
        await known_minimums(session, member, profile, day, now=now)
    )


async def _attached(session: AsyncSession, member: MemberRow) -> Member:
    """The member as an object of this session (the tick hands over a row of columns)."""
    found = await get_member(session, member.id)
    if found is None:
        raise LookupError(f"member {member.id} is gone")
    return found


def compose_prompt(job: Job) -> Composed:
    """The daily prompt of a claimed delivery (no database needed: `compose` without a wait)."""
    member = job.member
    if member is None or job.profile is None:
        return Skip("the member is gone")
    if job.checkin_status in CHECKED_IN:
        return Skip(f"already checked in ({job.checkin_status})")
    reply = daily_prompt(member, job.team, job.work.local_date)
    return Message(Outgoing(member_address(member, job.team), reply), member.id)


async def _reminder(
    sessions: Sessions, job: Job, row: MemberRow, profile: Profile, now: datetime
) -> Composed:
    from bot.coaching.nudges import reminder

    if job.checkin_status == "complete":
        return Skip("already checked in")
    day = job.work.local_date
    nudge_after = timedelta(minutes=job.team.nudge_after_minutes)
    async with sessions() as session:
        member = await _attached(session, row)
        prompt = await find_delivery(session, (Kind.PROMPT, member_target(member.id), day))
        if prompt is not None and prompt.status in (SENT, CLAIMED):
            prompted = prompt.sent_at or prompt.claimed_at
            if now - prompted < nudge_after / 2:
                # The prompt went out late (after downtime); a reminder now would crowd it.
                return Skip("the prompt was sent late")
        profile = await _with_target(session, member, profile, day, now)
        reply = await reminder(session, member, job.team, profile, day)
    return Message(Outgoing(member_address(member, job.team), reply), member.id)


async def _days_below(sessions: Sessions, job: Job, member: MemberRow, profile: Profile) -> int:
    from bot.coaching.nudges import days_below_minimum

    async with sessions() as session:
        # Counted through the day before: the nudge comes with the next day's prompt.
        through = job.work.local_date - timedelta(days=1)
        return await days_below_minimum(session, member.id, profile, through, team_id=job.team.id)


async def _escalation(
    sessions: Sessions, job: Job, row: MemberRow, profile: Profile, now: datetime
) -> Composed:
    from bot.coaching.nudges import escalation

    needed = job.team.escalate_after_days
    days = await _days_below(sessions, job, row, profile)
    if days != needed:
        return Skip(f"{days} workdays below minimum (nudge at {needed})")
    async with sessions() as session:
        member = await _attached(session, row)
        profile = await _with_target(session, member, profile, job.work.local_date, now)
        to_member, _ = await escalation(
            session, member, job.team, profile, job.work.local_date, days
        )
    return Message(Outgoing(member_address(member, job.team), to_member), member.id)


async def _manager_note(
    sessions: Sessions, job: Job, row: MemberRow, profile: Profile, now: datetime
) -> Composed:
    from bot.coaching.nudges import escalation

    day = job.work.local_date
    async with sessions() as session:
        nudge = await find_delivery(session, (Kind.ESCALATION, member_target(row.id), day))
    if nudge is None or nudge.status == CLAIMED:
        return Later("the stronger nudge is not settled yet")
    if nudge.status != SENT:
        return Skip(f"no stronger nudge ({nudge.status})")
    days = await _days_below(sessions, job, row, profile)
    async with sessions() as session:
        member = await _attached(session, row)
        profile = await _with_target(session, member, profile, day, now)
        _, note = await escalation(session, member, job.team, profile, day, days)
        manager_id = job.team.manager_member_id
        manager = await get_member(session, manager_id) if manager_id is not None else None
    if note is None or manager is None:
        return Skip("no manager to tell")
    if manager.undeliverable_since is not None:
        return Skip("the manager cannot be reached")
    return Message(Outgoing(member_address(manager, job.team), note), manager.id)


async def _pace(
    sessions: Sessions, job: Job, row: MemberRow, profile: Profile, now: datetime
) -> Composed:
    from bot.coaching.nudges import pace_check

    if job.checkin_status == "complete":
        return Skip("already checked in")
    async with sessions() as session:
        member = await _attached(session, row)
        profile = await _with_target(session, member, profile, job.work.local_date, now)
        reply = await pace_check(session, member, job.team, profile, job.work.local_date)
    if reply is None:
        return Skip("on pace")
    return Message(Outgoing(member_address(member, job.team), reply), member.id)


async def _recap(sessions: Sessions, job: Job, now: datetime) -> Composed:
    from bot.stats.charts import draw_charts
    from bot.stats.recap import weekly_recap

    async with sessions() as session:
        team = await get_team(session, job.team.id)
        if team is None or not team.recap_channel_id:
            return Skip("no recap channel")
        reply = await weekly_recap(session, team, job.work.local_date, now)
    (reply,) = await draw_charts([reply])  # the chart, after the transaction, off the loop
    return Message(Outgoing(recap_address(team), reply), None)
