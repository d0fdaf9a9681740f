"""The TV page's live board: what every screen of a team shares, so that a room of screens
costs the database what one does.

A team's change stamp (`bot.storage.web.team_change_stamp`, read from the database, so a
check-in made by any Needle process on it counts) is read at most once per `interval` for
all the screens of a team, whatever their number: while screens wait for a change, one
poller per team reads it and wakes them when it moves, and the answer carries the board: a
screen draws it in place, without loading the page again. The board a stamp stands for is
built and drawn (HTML) once and served to every screen that asks under that stamp.

The stamp is always read before the board is built, so a board is never older than the stamp
it is served under; a change racing the build shows on the next stamp.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from bot.profile import parse_workday_digits
from bot.stats.leaderboard import Board, build_board
from bot.stats.periods import period_of
from bot.storage.db import Database
from bot.storage.models import Team
from bot.storage.web import team_change_stamp

log = logging.getLogger(__name__)

# The TV page shows this week's conversations.
TV_METRIC, TV_PERIOD = "calls", "week"


@dataclass
class _Watched:
    """One team's board as of one local date: the last stamp read, and who waits on it."""

    stamp: str | None = None
    read_at: float = float("-inf")
    reading: asyncio.Future[str] | None = None
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    waiters: int = 0
    poller: asyncio.Task[None] | None = None
    board: tuple[str, asyncio.Future[str]] | None = None


class Screens:
    """The TV screens of every team served by this process."""

    def __init__(
        self, database: Database, draw: Callable[[Team, Board], str], *, interval: float = 1.0
    ) -> None:
        self.database = database
        self.draw = draw
        self.interval = interval
        self._watched: dict[tuple[int, date], _Watched] = {}

    def _entry(self, team: Team, today: date) -> _Watched:
        key = (team.id, today)
        entry = self._watched.get(key)
        if entry is None:
            for old in [k for k, w in self._watched.items() if k[0] == team.id]:
                if self._watched[old].waiters == 0:
                    del self._watched[old]  # another day's board nobody waits on
            entry = self._watched[key] = _Watched()
        return entry

    async def stamp(self, team: Team, today: date, *, max_age: float | None = None) -> str:
        """The team's stamp for the board of `today`, read at most `max_age` seconds ago
        (default `interval`; 0: a read that starts now); callers at once share one read."""
        entry = self._entry(team, today)
        now = asyncio.get_running_loop().time()
        age = self.interval if max_age is None else max_age
        if entry.stamp is not None and now - entry.read_at < age:
            return entry.stamp
        if entry.reading is None or max_age == 0:
            entry.reading = asyncio.ensure_future(self._read(team, today, entry))
        return await asyncio.shield(entry.reading)

    async def _read(self, team: Team, today: date, entry: _Watched) -> str:
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            period = period_of(TV_PERIOD, today, parse_workday_digits(team.workdays), None)
            async with self.database.transaction() as session:
                changes = await team_change_stamp(session, team.id, period.start, period.end)
            value = f"{today.isoformat()}/{changes}"
            if started < entry.read_at:
                return value  # a later read already answered
            entry.read_at = started
            if value != entry.stamp:
                entry.stamp = value
                entry.changed.set()
                entry.changed = asyncio.Event()
            return value
        finally:
            if entry.reading is asyncio.current_task():
                entry.reading = None

    async def board(self, team: Team, today: date) -> tuple[str, str]:
        """The stamp and this week's board as of `today` drawn, built once per stamp."""
        stamp = await self.stamp(team, today)
        entry = self._entry(team, today)
        if entry.board is None or entry.board[0] != stamp:
            entry.board = (stamp, asyncio.ensure_future(self._build(team, today)))
        built = entry.board
        try:
            return stamp, await asyncio.shield(built[1])
        except Exception:
            if entry.board is built:
                entry.board = None  # the next screen tries again
            raise

    async def _build(self, team: Team, today: date) -> str:
        async with self.database.transaction() as session:
            board = await build_board(session, team, TV_METRIC, TV_PERIOD, today)
        return self.draw(team, board)

    async def wait_past(self, team: Team, today: date, since: str, hold: float) -> str:
        """The stamp once it differs from `since`, or as it is when `hold` seconds pass."""
        entry = self._entry(team, today)
        entry.waiters += 1
        if entry.poller is None:
            entry.poller = asyncio.create_task(self._poll(team, today, entry))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + hold
        try:
            while True:
                current = await self.stamp(team, today)
                remaining = deadline - loop.time()
                if current != since or remaining <= 0:
                    return current
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(entry.changed.wait(), remaining)
        finally:
            entry.waiters -= 1

    async def _poll(self, team: Team, today: date, entry: _Watched) -> None:
        try:
            while entry.waiters > 0:
                await asyncio.sleep(self.interval)
                try:
                    await self.stamp(team, today)
                except Exception:  # the database away for a moment: the screens wait on
                    log.exception("reading team %s's change stamp failed", team.id)
        finally:
            entry.poller = None

    def waiting(self) -> int:
        """How many screens wait for a change now."""
        return sum(w.waiters for w in self._watched.values())

    async def close(self) -> None:
        """Stop every poller (the server is stopping)."""
        pollers = [w.poller for w in self._watched.values() if w.poller is not None]
        for poller in pollers:
            poller.cancel()
        await asyncio.gather(*pollers, return_exceptions=True)
