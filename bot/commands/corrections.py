"""Late check-ins an admin allows and makes: `admin backfill 7`, `admin fix @ana 2026-11-20 9 75`.

Decisions (docs/coaching.md, Late check-ins and corrections):

- `admin backfill N` (1–7) lets members fill in a check-in up to N days back, the oldest day
  until noon their time; 1, the default, is "yesterday until noon".
- `admin fix` sets a member's conversations and minutes for one of their days (today or up to
  90 days back). Activities, wins and notes stay; a day off or a missing day becomes a partial
  check-in, like `log`. The replaced record is kept in the audit trail, and the new one and
  its later versions remember which admin wrote it.
- A member's check-ins count in every team of theirs, so `admin fix` is refused for a member
  who also belongs to another team (an admin of one team can't rewrite what another counts),
  and a late `checkin <date>` goes back only as far as the narrowest window among the
  member's teams (docs/behaviour.md, Teams and roles).
- The member is not messaged (Needle answers only the person who asked); they see the
  correction in `stats` for any period that holds the day, and in `export` (source `admin`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from bot.checkin import parsing
from bot.commands.stats import named_member
from bot.context import Context
from bot.messages import Reply, ReplyKind
from bot.outcomes.targets import profile_as_seen
from bot.profile import MAX_BACKFILL_DAYS, describe_date
from bot.storage.checkins import CheckinRecord, get_checkin, record_of, save_checkin
from bot.storage.people import teams_of
from bot.words import plural

FIX_EXAMPLE = "admin fix @ana 2026-11-20 9 75"
FIX_WINDOW_DAYS = 90


def describe_backfill(days: int) -> str:
    """The backfill window for people."""
    if days <= 1:
        return "yesterday's check-in until noon"
    return f"check-ins up to {days} days back (the oldest until noon)"


async def set_backfill(ctx: Context, rest: str) -> list[Reply]:
    """How many days back members may fill in a check-in (1–7)."""
    example = "admin backfill 7"
    text = rest.strip().lower().removesuffix("days").removesuffix("d").strip()
    days = int(text) if text.isdigit() else 0
    if not 1 <= days <= MAX_BACKFILL_DAYS:
        return [
            Reply(
                f"Give a number of days from 1 to {MAX_BACKFILL_DAYS}. Try `{example}`.",
                kind=ReplyKind.REASK,
            )
        ]
    ctx.team.backfill_days = days
    ctx.refresh_profile()
    return [
        Reply(
            f"Done: members may fill in {describe_backfill(days)} (`checkin 2026-11-20`).",
            kind=ReplyKind.SETTINGS,
        )
    ]


def day_named(word: str, today: date) -> date | None:
    """`today`, `yesterday` or an ISO date; None otherwise."""
    word = word.lower()
    if word == "today":
        return today
    if word == "yesterday":
        return today - timedelta(days=1)
    try:
        return date.fromisoformat(word)
    except ValueError:
        return None


def reask(text: str) -> list[Reply]:
    """A re-ask with the example."""
    return [Reply(f"{text} Try `{FIX_EXAMPLE}` (conversations, minutes).", kind=ReplyKind.REASK)]


async def fix_checkin(ctx: Context, rest: str) -> list[Reply]:
    """An admin sets a member's conversations and minutes for one day, kept for audit."""
    words = rest.split()
    if len(words) < 3:
        return reask("Name the member, the day and the two numbers.")
    target = await named_member(ctx, words[:-3])
    if target is None:
        return reask("Name the member whose day to fix.")
    if isinstance(target, str):
        return [Reply(target, kind=ReplyKind.REFUSAL)]
    if any(team.id != ctx.team.id for team in await teams_of(ctx.session, target.id)):
        name = target.display_name or target.external_id
        return [
            Reply(
                f"{name}’s check-ins also count in another team, so an admin of one team can't "
                f"change them. {name} can correct a recent day with `checkin 2026-11-20` "
                "(within the late check-in window of all their teams).",
                kind=ReplyKind.REFUSAL,
            )
        ]
    profile = await profile_as_seen(
        ctx.session, target, ctx.team, ctx.services.settings.default_timezone, ctx.now
    )
    today = profile.local_date(ctx.now)
    day = day_named(words[-3], today)
    if day is None:
        return reask(f"“{words[-3][:20]}” is no day I can read.")
    if day > today:
        return reask(f"{describe_date(day)} hasn't happened yet for them.")
    if day < today - timedelta(days=FIX_WINDOW_DAYS):
        return reask(f"Only the last {FIX_WINDOW_DAYS} days can be fixed.")
    try:
        conversations = parsing.parse_conversations(words[-2])
        minutes = parsing.parse_minutes(words[-1])
    except parsing.AnswerError as err:
        return reask(str(err))
    existing = await get_checkin(ctx.session, target.id, day)
    if existing is None or existing.status == "day_off":
        before = "no check-in" if existing is None else "a day off"
        record = CheckinRecord(status="partial")
    else:
        before = f"{existing.conversations or 0} and {existing.minutes or 0}"
        record = record_of(existing)
    await save_checkin(
        ctx.session,
        target.id,
        day,
        replace(record, conversations=conversations, minutes=minutes, source="admin"),
        now=ctx.now,
        recorded_by=ctx.member.id,
    )
    name = target.display_name or target.external_id
    return [
        Reply(
            f"Done: {name}’s {describe_date(day)} is now {plural(conversations, 'conversation')} "
            f"and {plural(minutes, 'minute')} (was {before}). The earlier record is kept for "
            f"audit; {name} sees the correction in `stats` and `export`.",
            kind=ReplyKind.SETTINGS,
        )
    ]
