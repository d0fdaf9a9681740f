"""`team today`: the lead's roll call — who checked in (numbers against minimums), who
hasn't yet, who is off, paused or not working today, each by their own local date.

Decisions (docs/coaching.md, Team today):

- Every active member of the team is listed, including those who turned ranking off: this is
  a roll call for the lead, not a ranking, and nobody is compared with anybody.
- A check-in (complete or partial) or a day off on the member's local date decides first;
  otherwise a pause through today, then a day that is not one of their workdays, then
  "not yet". Members with `schedule off` are marked, since no prompt will remind them.
- A day off shows its note when one was stored with it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy.ext.asyncio import AsyncSession

from bot.checkin.summary import against
from bot.messages import Fact, Reply, ReplyKind
from bot.outcomes.targets import day_minimum
from bot.profile import Profile, describe_date
from bot.storage.models import Checkin, Member, Team
from bot.storage.roster import active_members, checkins_on

SECTIONS = ("Checked in", "Not yet", "Day off", "Paused", "Not a workday")


@dataclass(frozen=True)
class RollCall:
    """One member's line in `team today`, and the section it belongs to."""

    section: str
    name: str
    line: str
    member_id: int


def display_name(member: Member) -> str:
    """How a member is named to their lead."""
    return member.display_name or member.external_id


def clock_time(moment: datetime | time) -> str:
    """`17:05`: a time of day as the roll call shows it (strftime's `%H:%M`, without its cost
    on a roll call of a thousand)."""
    return f"{moment.hour:02d}:{moment.minute:02d}"


def roll_call_of(
    member: Member, profile: Profile, today: date, checkin: Checkin | None, now: datetime
) -> RollCall:
    """Where one member stands on their `today`."""
    name = display_name(member)
    if checkin is not None and checkin.status == "day_off":
        reason = f" ({checkin.note})" if checkin.note else ""
        return RollCall("Day off", name, f"{name}{reason}", member.id)
    if checkin is not None:
        partial = " (partial)" if checkin.status == "partial" else ""
        calls = against(checkin.conversations, profile.conversations_minimum(today))
        numbers = f"{calls} conversations, {against(checkin.minutes, profile.min_minutes)} min"
        return RollCall("Checked in", name, f"{name} — {numbers}{partial}", member.id)
    if profile.is_paused(today):
        until = describe_date(profile.paused_until) if profile.paused_until else ""
        return RollCall("Paused", name, f"{name} — through {until}", member.id)
    if not profile.is_workday(today):
        return RollCall("Not a workday", name, f"{name} — {describe_date(today)}", member.id)
    local = clock_time(profile.local(now))
    prompt = (
        "prompts off" if member.prompts_off else f"prompt at {clock_time(profile.checkin_time)}"
    )
    return RollCall("Not yet", name, f"{name} — it's {local} there, {prompt}", member.id)


@dataclass(frozen=True)
class RollInput:
    """What one member's roll-call line is drawn from on their local `day`."""

    member: Member
    profile: Profile  # with the day's target minimum, for those who follow their target
    day: date
    checkin: Checkin | None


async def roll_inputs(
    session: AsyncSession,
    team: Team,
    now: datetime,
    default_timezone: str,
    member_ids: Sequence[int] | None = None,
) -> dict[int, RollInput]:
    """Each active member's (or those of `member_ids`) inputs to the roll call at `now`."""
    members = await active_members(session, team.id, member_ids)
    profiles = {m.id: Profile.of(m, team, default_timezone) for m in members}
    days = {m.id: profiles[m.id].local_date(now) for m in members}
    for m in members:  # today's minimum of those who follow their target's pace
        fixed = await day_minimum(session, m, profiles[m.id], days[m.id], now=now)
        if fixed is not None:
            profiles[m.id] = profiles[m.id].with_target_minimums({days[m.id]: fixed})
    checkins = await checkins_on(session, days)
    return {m.id: RollInput(m, profiles[m.id], days[m.id], checkins.get(m.id)) for m in members}


async def team_today(
    session: AsyncSession,
    team: Team,
    now: datetime,
    default_timezone: str,
    *,
    inputs: Mapping[int, RollInput] | None = None,
) -> Reply:
    """The team's day so far as one reply for its lead (not shared in the channel);
    `inputs`, when given, are `roll_inputs` already read (the dashboard keeps them)."""
    if inputs is None:
        inputs = await roll_inputs(session, team, now, default_timezone)
    calls = sorted(
        (roll_call_of(i.member, i.profile, i.day, i.checkin, now) for i in inputs.values()),
        key=lambda call: (call.name.casefold(), call.member_id),
    )
    lines: list[str] = []
    facts: list[Fact] = []
    for section in SECTIONS:
        inside = [call.line for call in calls if call.section == section]
        if inside:
            facts.append(Fact(section, str(len(inside))))
            lines.append(f"*{section}*")
            lines.extend(f"• {line}" for line in inside)
    if not calls:
        lines.append("Nobody in this team has talked to me yet.")
    return Reply(
        "\n".join(lines),
        kind=ReplyKind.STATS,
        title=f"Team today — {team.name or team.external_id} (each member's own date)",
        facts=tuple(facts),
    )
