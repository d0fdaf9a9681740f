"""`returns` in words: what the analysis of `bot.outcomes.returns` says to a rep or a lead.

The window is the last `WINDOW_DAYS` days; a check-in day counts once its three days of
follow-up are over (the day and the two after it, so up to the day before yesterday): a day
from yesterday has not had its chance yet. The low-value time and the candidates to delegate
read the same days. Outcomes are the member's own live ones, up to today.
The same lines serve chat, the dashboard's returns panel and (shortened) the weekly recap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.messages import Reply, ReplyKind
from bot.outcomes.returns import (
    MIN_ACTIVITY_DAYS,
    MIN_OUTCOME_DAYS,
    Finding,
    Returns,
    activity_key,
    analyse,
    outcome_kinds,
)
from bot.outcomes.returns_memo import kept_outcome_totals, kept_team_returns
from bot.profile import describe_date
from bot.stats.memo import TeamMemo
from bot.storage.activities import FOLLOW_UP_DAYS, recurring_low_values
from bot.storage.models import Member, Team
from bot.storage.outcomes import OutcomeTotals, outcome_totals
from bot.storage.returns import member_return_days, team_return_days
from bot.storage.revisions import TeamRevisions, team_revisions
from bot.storage.roster import active_members
from bot.words import plural

WINDOW_DAYS = 90
DELEGATE_AT_LEAST = 3  # a low-value activity that keeps coming back, as in the recap
DELEGATE_READ = 50  # recurring low-value activities read before `merged` names them
SHOWN = 3  # activities listed above the baseline
RECORD_HINT = (
    "Record outcomes with `booked 2 meetings` or `won Acme 12k` (in the check-in or any time), "
    "and `lost Globex` for a loss."
)
CHANCE_NOTE = (
    "This is association, not proof: a good week can bring both the activity and the "
    "outcome, and small counts swing by chance."
)


@dataclass(frozen=True)
class ReturnsView:
    """What `returns` shows for a member or a team, and for whom."""

    title: str
    result: Returns
    outcomes: int  # live outcomes that count as returns in the window
    delegate: list[tuple[str, int]]
    tracked: bool  # whether the team chose outcomes to track
    word: str  # "a meeting", "a won deal", "a meeting or a won deal"
    about: str  # "self", "member" or "team"


def window_of(today: date) -> tuple[date, date]:
    """The first day of the window ending `today` and the last check-in day it counts."""
    return today - timedelta(days=WINDOW_DAYS - 1), today - timedelta(days=FOLLOW_UP_DAYS - 1)


def _returns_count(totals: dict[int, OutcomeTotals], kinds: tuple[str, ...]) -> int:
    meetings = sum(t.meetings for t in totals.values()) if "meeting" in kinds else 0
    won = sum(t.won for t in totals.values()) if "won" in kinds else 0
    return meetings + won


async def member_returns(
    session: AsyncSession,
    team: Team,
    member: Member,
    today: date,
    *,
    about_self: bool,
    history_from: date | None = None,
) -> ReturnsView:
    """What generates a member's returns over the window ending on their `today` (from
    `history_from` in a team's view of another member)."""
    start, last_day = window_of(today)
    if history_from is not None:
        start = max(start, history_from)
    kinds, _ = outcome_kinds(team.outcomes or [])
    name = member.display_name or member.external_id
    whose = "your" if about_self else f"{name}’s"
    return await _view(
        session,
        team,
        title=f"What generates {whose} returns",
        span=(start, today),
        result=analyse(await member_return_days(session, member.id, start, last_day, kinds)),
        candidates=await recurring_low_values(
            session,
            start,
            last_day,
            member_id=member.id,
            at_least=DELEGATE_AT_LEAST,
            limit=DELEGATE_READ,
        ),
        totals=await outcome_totals(session, [member.id], start, today),
        about="self" if about_self else "member",
    )


async def team_returns(
    session: AsyncSession,
    team: Team,
    today: date,
    *,
    memo: TeamMemo | None = None,
    revisions: TeamRevisions | None = None,
) -> ReturnsView:
    """What generates the team's returns: every active member's check-in days the team sees,
    each against the member's own outcomes, counted together. With a `memo`, each member's
    part is kept there and read again only once their rows changed (`revisions`, read now
    when not given): the same view, without reading every member's days."""
    start, last_day = window_of(today)
    kinds, _ = outcome_kinds(team.outcomes or [])
    if memo is None:
        result = analyse(await team_return_days(session, team.id, start, last_day, kinds))
        candidates = await recurring_low_values(
            session,
            start,
            last_day,
            team_id=team.id,
            at_least=DELEGATE_AT_LEAST,
            limit=DELEGATE_READ,
        )
        member_ids = [m.id for m in await active_members(session, team.id)]
        totals = await outcome_totals(session, member_ids, start, today)
    else:
        if revisions is None:
            revisions = await team_revisions(session, team.id)
        result, candidates = await kept_team_returns(
            session,
            memo,
            revisions,
            span=(start, last_day),
            kinds=kinds,
            delegate_at_least=DELEGATE_AT_LEAST,
            delegate_limit=DELEGATE_READ,
        )
        member_ids = list(revisions.members)
        totals = await kept_outcome_totals(session, memo, revisions, start, today)
    return await _view(
        session,
        team,
        title=f"What generates returns for {team.name or team.external_id}",
        span=(start, today),
        result=result,
        candidates=candidates,
        totals=totals,
        about="team",
    )


async def _view(
    session: AsyncSession,
    team: Team,
    *,
    title: str,
    span: tuple[date, date],
    result: Returns,
    candidates: list[tuple[str, int]],
    totals: dict[int, OutcomeTotals],
    about: str,
) -> ReturnsView:
    """The analysis `result` with the outcome count `totals` of a member or the team over
    `span` (the window's first day, today) and their recurring low-value activities
    `candidates`."""
    start, today = span
    kinds, word = outcome_kinds(team.outcomes or [])
    return ReturnsView(
        title=f"{title} — last {WINDOW_DAYS} days ({describe_date(start)} – "
        f"{describe_date(today)})",
        result=result,
        outcomes=_returns_count(totals, kinds),
        delegate=merged(candidates),
        tracked=bool(team.outcomes),
        word=word,
        about=about,
    )


def merged(candidates: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Candidates to delegate named as `returns` counts activities ("Admin 1h" and "admin"
    are one), most named first, `SHOWN` at most."""
    counts: dict[str, int] = {}
    for text, times in candidates:
        key = activity_key(text) or text.strip().lower()
        counts[key] = counts.get(key, 0) + times
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:SHOWN]


def hours_text(minutes: int) -> str:
    """`45 min`, `2h`, `5h 15m`."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours}h" + (f" {rest:02d}m" if rest else "")


def _was(followed: int, days: int) -> str:
    """`1 of 6 days was`, `0 of 1 day was`, `4 of 7 days were`."""
    return "was" if followed == 1 or days == 1 else "were"


def _other_days(about: str) -> str:
    return "your other days" if about == "self" else "the other days"


def finding_line(finding: Finding, word: str, about: str) -> str:
    """`After “demo calls”: 7 of 9 days were followed by a meeting within 3 days, against 4 of
    20 on your other days.`"""
    present, others = finding.present, finding.others
    return (
        f"After “{finding.name}”: {present.followed} of {plural(present.days, 'day')} "
        f"{_was(present.followed, present.days)} followed by {word} within "
        f"{FOLLOW_UP_DAYS} days, against {others.followed} of {others.days} on "
        f"{_other_days(about)}."
    )


CLASS_NAMES = {"high": "a high-value", "low": "a low-value", "neutral": "a neutral"}


def class_line(finding: Finding) -> str:
    """`Days with a high-value activity: 9 of 15 followed, against 2 of 14 without one.`"""
    present, others = finding.present, finding.others
    head = f"Days with {CLASS_NAMES.get(finding.name, finding.name)} activity: "
    if present.days < MIN_ACTIVITY_DAYS:
        return head + f"{present.followed} of {plural(present.days, 'day')} — too few days to tell."
    if others.days < MIN_ACTIVITY_DAYS:
        return (
            head + f"{present.followed} of {present.days} followed; too few days without one "
            f"({others.days}) to compare."
        )
    return (
        head + f"{present.followed} of {present.days} followed, against {others.followed} of "
        f"{others.days} without one."
    )


def _names(findings: list[Finding], shown: int = 4) -> str:
    names = [f"“{f.name}” ({plural(f.present.days, 'day')})" for f in findings[:shown]]
    if len(findings) > shown:
        names.append(f"{len(findings) - shown} more")
    return ", ".join(names)


def low_value_lines(view: ReturnsView) -> list[str]:
    """The time low-value activities took and the candidates to delegate."""
    low = view.result.low_value
    whose = "your" if view.about == "self" else "the"
    lines = []
    if not low.mentions:
        lines.append(f"No low-value work in {whose} top three in these {WINDOW_DAYS} days.")
    elif not low.timed:
        lines.append(
            f"Low-value work came up {plural(low.mentions, 'time')} in {whose} top three; none "
            "said how long it took, so that time is unknown — write it like “admin 2h” to see it."
        )
    else:
        items = ", ".join(f"“{name}” {hours_text(m)}" for name, m in low.by_activity[:SHOWN])
        untimed = low.mentions - low.timed
        lines.append(
            f"Low-value work came up {plural(low.mentions, 'time')} in {whose} top three and "
            f"took at least {hours_text(low.minutes)} ({items})"
            + (
                f"; {untimed} of them said no time, so the total is unknown beyond that."
                if untimed
                else "."
            )
        )
    if view.delegate:
        names = ", ".join(f"“{text}” ({plural(count, 'time')})" for text, count in view.delegate)
        lines.append(f"Candidates to delegate: {names}.")
    return lines


def _no_outcomes_lines(view: ReturnsView) -> list[str]:
    result = view.result
    if view.outcomes == 0:
        lines = [
            f"No outcomes recorded in the last {WINDOW_DAYS} days yet, so there is nothing to "
            "line the activities up against."
        ]
        if view.about == "self":
            lines.append(RECORD_HINT)
        if not view.tracked:
            lines.append(
                "Your team doesn't track outcomes yet — an admin can turn it on with "
                "`admin outcomes meetings deals`."
            )
        return lines
    lines = [
        f"Only {result.baseline.followed} of {plural(result.baseline.days, 'check-in day')} "
        f"{_was(result.baseline.followed, result.baseline.days)} followed by {view.word} within "
        f"{FOLLOW_UP_DAYS} days — too few days to tell what generates returns yet "
        f"(Needle waits for {MIN_OUTCOME_DAYS})."
    ]
    if view.about == "self":
        lines.append("Keep recording them: " + RECORD_HINT[0].lower() + RECORD_HINT[1:])
    return lines


def returns_lines(view: ReturnsView) -> list[str]:
    """Every line `returns` says, in order (chat and the dashboard panel show the same)."""
    result = view.result
    if not result.baseline.days:
        return [
            f"No check-ins to count in the last {WINDOW_DAYS} days yet"
            + (" — type `checkin` to start." if view.about == "self" else ".")
        ]
    if not result.enough_outcomes:
        return [*_no_outcomes_lines(view), "", *low_value_lines(view)]
    baseline = result.baseline
    lines = [
        f"Baseline: {baseline.followed} of {plural(baseline.days, 'check-in day')} "
        f"{_was(baseline.followed, baseline.days)} "
        f"followed by {view.word} within {FOLLOW_UP_DAYS} days "
        f"({round(100 * baseline.followed / baseline.days)}%).",
        "",
    ]
    above, below, too_few = result.above(), result.below(), result.too_few()
    if above:
        lines.append("More often than the baseline:")
        lines += [f"• {finding_line(f, view.word, view.about)}" for f in above[:SHOWN]]
    else:
        lines.append(
            f"No activity with at least {MIN_ACTIVITY_DAYS} days is followed by outcomes more "
            "often than the baseline."
        )
    if below:
        lines.append("Less often:")
        lines += [f"• {finding_line(f, view.word, view.about)}" for f in below[:2]]
    if too_few:
        lines.append(f"Too few days to tell yet: {_names(too_few)}.")
    if result.classes:
        lines += ["", "By kind of activity:"]
        lines += [f"• {class_line(f)}" for f in result.classes]
    lines += ["", *low_value_lines(view), "", CHANCE_NOTE]
    return lines


def returns_reply(view: ReturnsView) -> Reply:
    """`returns` as a private reply."""
    return Reply("\n".join(returns_lines(view)), kind=ReplyKind.STATS, title=view.title)


async def recap_lines(session: AsyncSession, team: Team, week_ending: date) -> list[str]:
    """One or two lines for the weekly recap: the activity most often followed by an outcome
    and the high-value days, only when the team tracks outcomes and the counts allow."""
    return team_recap_lines(await team_returns(session, team, week_ending))


def team_recap_lines(view: ReturnsView) -> list[str]:
    """The recap's lines from a team's returns (none when the counts don't allow)."""
    result = view.result
    if not view.tracked or not result.enough_outcomes:
        return []
    lines = []
    above = result.above()
    if above:
        line = finding_line(above[0], view.word, "team")
        lines.append(f"💡 Over the last {WINDOW_DAYS} days, {line[0].lower()}{line[1:]}")
    high = next((f for f in result.classes if f.name == "high" and f.enough_days), None)
    if high is not None and high.present.ratio != high.others.ratio:
        lines.append(f"{class_line(high)} Association, not proof — but worth a look.")
    return lines
