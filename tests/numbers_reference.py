"""The numbers every surface shows, walked day by day from what a rep did (the reference the
engine must match), and a driver that makes a rep act through the engine and reads each
surface back.

The reference follows docs/behaviour.md (Minimums, Streaks) literally and knows nothing of
the engine's SQL: a workday counts "so far" from the rep's first day, today only once it has a
check-in, days off and paused days excluded; a paused day is a workday without a check-in on
or before the pause's last day with no check-in on a workday between it and that last day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from adapters.memory import MemoryAdapter
from bot.clock import FakeClock
from bot.messages import Reply, ReplyKind
from bot.stats.recap import weekly_recap
from bot.storage.db import Database
from bot.storage.people import find_team

ACTIVITY = "demo with Acme"


@dataclass
class Record:
    """What a rep's day holds: complete, partial (a quick log) or off, and the numbers."""

    status: str
    conversations: int = 0
    minutes: int = 0


@dataclass
class Reference:
    """A rep's days and rules, and what the numbers must be."""

    workdays: frozenset[int]
    min_conversations: int
    min_minutes: int
    first_day: date
    records: dict[date, Record] = field(default_factory=dict)
    paused_until: date | None = None

    def is_workday(self, day: date) -> bool:
        """One of the rep's workdays."""
        return day.weekday() in self.workdays

    def met(self, day: date) -> bool:
        """A workday with a check-in (not a day off) at both minimums."""
        record = self.records.get(day)
        return (
            self.is_workday(day)
            and record is not None
            and record.status != "off"
            and record.conversations >= self.min_conversations
            and record.minutes >= self.min_minutes
        )

    def paused(self, day: date) -> bool:
        """A workday without a check-in that the latest pause covers."""
        until = self.paused_until
        if until is None or day > until or day in self.records or not self.is_workday(day):
            return False
        probe = day
        while probe <= until:
            if probe in self.records and self.is_workday(probe):
                return False
            probe += timedelta(days=1)
        return True

    def counted(self, day: date, today: date) -> bool:
        """The day is a workday that counts so far."""
        if not self.is_workday(day) or day < self.first_day or day > today:
            return False
        if day == today and day not in self.records:
            return False
        record = self.records.get(day)
        if record is not None and record.status == "off":
            return False
        return not self.paused(day)

    def at_minimum(self, start: date, end: date, today: date) -> tuple[int, int]:
        """(days at minimum, workdays so far) over [start, end]."""
        days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
        counted = [d for d in days if self.counted(d, today)]
        return sum(1 for d in counted if self.met(d)), len(counted)

    def streak(self, today: date) -> int:
        """The current streak as of `today`, walking every day from the first."""
        run = 0
        day = self.first_day - timedelta(days=1)
        while day < today:
            day += timedelta(days=1)
            if not self.is_workday(day):
                continue
            record = self.records.get(day)
            if record is None:
                if day < today and not self.paused(day):
                    run = 0
            elif record.status != "off":
                run = run + 1 if self.met(day) else 0
        return run

    def totals(self, start: date, end: date) -> tuple[int, int]:
        """(conversations, minutes) of every check-in in [start, end]."""
        inside = [r for d, r in self.records.items() if start <= d <= end]
        return sum(r.conversations for r in inside), sum(r.minutes for r in inside)

    def week(self, today: date) -> tuple[date, date]:
        """Monday to today."""
        return today - timedelta(days=today.weekday()), today

    def month(self, today: date) -> tuple[date, date]:
        """The 1st to today."""
        return today.replace(day=1), today


def facts(replies: list[Reply]) -> dict[str, str]:
    """The facts of the first reply that has any."""
    for reply in replies:
        if reply.facts:
            return {fact.label: fact.value for fact in reply.facts}
    raise AssertionError(f"no facts in {[r.text for r in replies]}")


def x_of_y(text: str) -> tuple[int, int]:
    """`3 of 4 workdays (1 day off)` -> (3, 4); `no workday to count yet` -> (0, 0)."""
    if text.startswith("no workday"):
        return 0, 0
    found = re.match(r"(\d+) of (\d+)", text)
    assert found, text
    return int(found[1]), int(found[2])


def workdays_count(text: str) -> int:
    """`3 workdays` -> 3."""
    found = re.match(r"(\d+) workday", text)
    assert found, text
    return int(found[1])


@dataclass
class Rep:
    """A rep acting through the engine, with their reference."""

    bot: MemoryAdapter
    clock: FakeClock
    database: Database
    user: str
    zone: ZoneInfo
    reference: Reference

    def at(self, day: date, hour: int) -> None:
        """Set the clock to `hour`:00 on the rep's local `day`."""
        self.clock.set(datetime.combine(day, time(hour), tzinfo=self.zone))

    @property
    def today(self) -> date:
        """The rep's local date now."""
        return self.clock.now().astimezone(self.zone).date()

    async def answer_until_saved(
        self, replies: list[Reply], c: int, m: int, asked: set[str]
    ) -> list[Reply]:
        """Answer the check-in's questions until the confirmation comes (`asked` collects
        which numbers were asked: a resumed quick log keeps the others)."""
        for _ in range(8):
            if any(r.kind == ReplyKind.SUMMARY for r in replies):
                return replies
            question = replies[-1].text.lower()
            if "yes / no" in question:  # Needle checks an unusual reading: it is meant
                text = "yes"
            elif "conversations" in question:
                text = str(c)
                asked.add("conversations")
            elif "minutes" in question:
                text = str(m)
                asked.add("minutes")
            elif "activities" in asked:
                text = ACTIVITY
            else:
                text = "none"
            replies = await self.bot.say(text, user=self.user)
        raise AssertionError(f"no confirmation: {[r.text for r in replies]}")

    async def check_in(self, c: int, m: int, *, yesterday: bool = False) -> int:
        """A complete check-in for today (or yesterday); the streak its confirmation shows."""
        if yesterday:
            replies = await self.bot.say("checkin yesterday", user=self.user)
            day = self.today - timedelta(days=1)
        else:
            replies = await self.bot.say(f"{c} calls, {m} min; {ACTIVITY}", user=self.user)
            day = self.today
        before = self.reference.records.get(day)
        asked: set[str] = set() if yesterday else {"conversations", "minutes"}
        replies = await self.answer_until_saved(replies, c, m, asked)
        if before is not None and before.status == "partial":
            c = c if "conversations" in asked else before.conversations
            m = m if "minutes" in asked else before.minutes
        self.reference.records[day] = Record("complete", c, m)
        return workdays_count(facts(replies)["Streak"])

    async def log(self, c: int, m: int) -> None:
        """A quick `log` added to today (one call at least: a log must add something)."""
        c = c if c or m else 1
        replies = await self.bot.say(f"log {c} calls {m}m", user=self.user)
        assert replies[0].kind == ReplyKind.LOGGED, replies[0].text
        before = self.reference.records.get(self.today)
        if before is None or before.status == "off":
            self.reference.records[self.today] = Record("partial", c, m)
        else:
            before.conversations += c
            before.minutes += m

    async def day_off(self) -> None:
        """Today off."""
        await self.bot.say("off", user=self.user)
        self.reference.records[self.today] = Record("off")

    async def pause(self, days: int) -> None:
        """Pause for `days` days from today."""
        replies = await self.bot.say(f"pause {days}d", user=self.user)
        assert "Paused" in replies[0].text, replies[0].text
        self.reference.paused_until = self.today + timedelta(days=days - 1)

    async def resume(self) -> None:
        """End the pause (its end moves to yesterday)."""
        await self.bot.say("resume", user=self.user)
        until = self.reference.paused_until
        if until is not None and until >= self.today:
            self.reference.paused_until = self.today - timedelta(days=1)

    async def surfaces(self) -> dict[str, object]:
        """Every surface's numbers for this rep now."""
        shown: dict[str, object] = {}
        for period in ("today", "week", "month"):
            stats = facts(await self.bot.say(f"stats {period}", user=self.user))
            shown[f"stats {period}"] = x_of_y(stats["Days at minimum"])
            shown["streak"] = workdays_count(stats["Current streak"])
        home = facts(await self.bot.command("home", user=self.user))
        shown["home"] = x_of_y(home["Days at minimum"])
        for period in ("week", "month"):
            shown[f"goal {period}"] = await self.board_row(f"goal {period}")
        shown["streak board"] = await self.board_row("streak")
        return shown

    async def board_row(self, args: str) -> object:
        """The rep's own value on a leaderboard: (met, days) for goal, workdays for streak."""
        text = (await self.bot.say(f"leaderboard {args}", user=self.user))[0].text
        mine = [line for line in text.splitlines() if "(you)" in line]
        if not mine:  # nothing to show yet: every value is zero or unmeasured
            assert text.startswith("Nothing logged"), text
            return (0, None) if args.startswith("goal") else 0
        value = mine[0].split(" — ", 1)[1]
        if args.startswith("goal"):
            found = re.search(r"\((\d+)/(\d+) days?\)", value)
            return (int(found[1]), int(found[2])) if found else (0, 0)
        return workdays_count(value)

    async def recap_days(self) -> tuple[int, int]:
        """The recap's "Days at minimum" for the week ending today (a one-rep team)."""
        async with self.database.transaction() as session:
            team = await find_team(session, "memory", self.bot.team_id)
            assert team is not None
            reply = await weekly_recap(session, team, self.today, self.clock.now())
        return x_of_y(facts([reply])["Days at minimum"])

    def expected(self) -> dict[str, object]:
        """What `surfaces` must show, from the reference."""
        ref, today = self.reference, self.today
        week, month = (
            ref.at_minimum(*ref.week(today), today),
            ref.at_minimum(*ref.month(today), today),
        )
        return {
            "stats today": ref.at_minimum(today, today, today),
            "stats week": week,
            "stats month": month,
            "streak": ref.streak(today),
            "home": week,
            "goal week": week,
            "goal month": month,
            "streak board": ref.streak(today),
        }


def assert_agree(shown: dict[str, object], expected: dict[str, object], where: str) -> None:
    """Every surface shows what the reference says (a goal leaderboard that shows nothing
    for the rep is right only when they met no day)."""
    for key, value in expected.items():
        seen = shown[key]
        if key.startswith("goal") and isinstance(seen, tuple) and seen[1] is None:
            assert isinstance(value, tuple) and value[0] == 0, (where, key, seen, value)
            continue
        assert seen == value, (where, key, seen, value)
