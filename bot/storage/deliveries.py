"""Scheduled-delivery SQL: who may be due, claims, lease takeover and outcomes.

A delivery is claimed by inserting its row, keyed by (kind, target, local date), with
`INSERT … ON CONFLICT DO NOTHING` (SQLite and PostgreSQL alike): of several processes trying
the same key, exactly one gets the row. A claim carries a lease; when the lease runs out
before the row is settled (the claimer crashed, or asked to retry later), one conditional
UPDATE lets exactly one instance take it over. Settled rows (sent, skipped, failed) are never
claimed again.

The claim and outcome functions are plain functions over a sync Connection: the scheduler runs
each batch of them as one transaction with `Database.run_sync`, which on SQLite hands the whole
transaction to one worker thread at once (a fan-out writes thousands of rows).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple

from sqlalchemy import (
    Date,
    String,
    TextClause,
    bindparam,
    cast,
    delete,
    func,
    literal,
    or_,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeEngine

from bot.storage.models import Checkin, Delivery, Member, Team, TeamMembership, UTCDateTime

CLAIMED = "claimed"
SENT = "sent"
SKIPPED = "skipped"
FAILED = "failed"

DeliveryKey = tuple[str, str, date]  # (kind, target, local date)
CLAIM_ROWS_PER_STATEMENT = 500  # 6 parameters a row: far under both databases' limits
IN_LIST_LIMIT = 5000  # ids per IN (...) list, well under SQLite's 32766 parameters


class Claim(NamedTuple):
    """A delivery this instance holds until `lease_until`; `attempts` counts every claim."""

    id: int
    kind: str
    target: str
    local_date: date
    attempts: int
    lease_until: datetime

    @property
    def key(self) -> DeliveryKey:
        """The delivery's unique key."""
        return (self.kind, self.target, self.local_date)


class MemberRow(NamedTuple):
    """The member columns a tick reads: those Profile.of resolves and the daily prompt shows.

    A tick reads every member, so it reads little of each, as plain values (no ORM object).
    """

    id: int
    platform: str
    external_id: str
    display_name: str
    timezone: str | None
    checkin_time: time | None
    workdays: str | None
    goal_conversations: int | None
    goal_minutes: int | None
    paused_until: date | None
    prompts_off: bool


class MemberCandidate(NamedTuple):
    """A member who may have something due, with their first team and what is settled.

    `settled` holds, for each kind asked (in the order asked), the newest local date that is
    settled or held by a live claim, or None.
    """

    member: MemberRow
    team: Team
    joined_at: datetime
    settled: tuple[date | None, ...]


@dataclass(frozen=True)
class TeamCandidate:
    """A team with a recap channel, and the newest recap date settled."""

    team: Team
    settled: date | None


@dataclass(frozen=True)
class NudgesInUse:
    """Which optional nudges any team on the served platforms has turned on."""

    escalation: bool
    manager_note: bool
    pace: bool


async def nudges_in_use(session: AsyncSession, *, platforms: Iterable[str]) -> NudgesInUse:
    """Whether any team escalates, names a manager, or checks pace (so a tick asks only
    about the deliveries that can happen)."""
    platforms = sorted(set(platforms))
    if not platforms:
        return NudgesInUse(False, False, False)
    row = (
        await session.execute(
            select(
                func.count().filter(Team.escalate_after_days > 0),
                func.count().filter(
                    Team.escalate_after_days > 0, Team.manager_member_id.is_not(None)
                ),
                func.count().filter(Team.pace_check_time.is_not(None)),
            ).where(Team.platform.in_(platforms))
        )
    ).one()
    return NudgesInUse(bool(row[0]), bool(row[1]), bool(row[2]))


def _held(kind: str, target: ColumnElement[Any], now: datetime) -> ColumnElement[Any]:
    """The newest local date of `kind` for `target` that is settled or held by a live lease."""
    return (
        select(func.max(Delivery.local_date))
        .where(
            Delivery.kind == kind,
            Delivery.target == target,
            or_(Delivery.status != CLAIMED, Delivery.lease_until > now),
        )
        .scalar_subquery()
    )


@functools.lru_cache(maxsize=8)
def _candidates_sql(kinds: tuple[str, ...]) -> TextClause:
    """Members who may be due, with their memberships and, per kind, the newest date held."""
    held = "".join(
        f""",
        (SELECT max(d.local_date) FROM deliveries AS d
          WHERE d.kind = :kind_{n} AND d.target = 'member:' || CAST(m.id AS VARCHAR)
            AND (d.status != '{CLAIMED}' OR d.lease_until > :now))"""
        for n in range(len(kinds))
    )
    return text(
        f"""
        SELECT m.id, m.platform, m.external_id, m.display_name, m.timezone, m.checkin_time,
               m.workdays, m.goal_conversations, m.goal_minutes, m.paused_until,
               m.prompts_off, tm.team_id, tm.joined_at{held}
        FROM members AS m JOIN team_memberships AS tm ON tm.member_id = m.id
        WHERE tm.active AND m.platform IN :platforms AND m.undeliverable_since IS NULL
          AND (m.paused_until IS NULL OR m.paused_until < :paused_before)
        ORDER BY m.id, tm.joined_at, tm.team_id
        """
    ).bindparams(
        bindparam("platforms", expanding=True),
        bindparam("now", type_=UTCDateTime()),
        bindparam("paused_before", type_=Date()),
    )


class _Decoder:
    """Turns a column's stored values into Python values, each distinct value once.

    The candidates are read as the driver returns them (on SQLite: text), and thousands of
    members share a handful of check-in times, pauses and dates.
    """

    def __init__(self, column_type: TypeEngine[Any], dialect: Dialect) -> None:
        self.process = column_type.dialect_impl(dialect).result_processor(dialect, None)
        self.seen: dict[Any, Any] = {None: None}

    def __call__(self, value: Any) -> Any:
        if self.process is None:
            return value
        try:
            return self.seen[value]
        except KeyError:
            decoded = self.seen[value] = self.process(value)
            return decoded


async def member_candidates(
    session: AsyncSession,
    *,
    platforms: Iterable[str],
    kinds: Sequence[str],
    now: datetime,
) -> list[MemberCandidate]:
    """Members with an active membership on a served platform, not undeliverable, not paused
    for good, each with their first team (oldest membership) and the newest settled date of
    each kind. Local times are for the caller to work out.
    """
    platforms = sorted(set(platforms))
    if not platforms:
        return []
    kinds = tuple(kinds)
    params: dict[str, Any] = {f"kind_{n}": kind for n, kind in enumerate(kinds)}
    # Paused through a date two days ahead of UTC is paused on every local "today".
    params.update(platforms=platforms, now=now, paused_before=now.date() + timedelta(days=2))
    connection = await session.connection()
    rows = (await connection.execute(_candidates_sql(kinds), params)).all()
    team_ids = {row[11] for row in rows}
    teams = {
        team.id: team
        for team in (await session.scalars(select(Team).where(Team.id.in_(team_ids)))).all()
    }
    dialect = connection.dialect
    columns = Member.__table__.c
    checkin_time = _Decoder(columns.checkin_time.type, dialect)
    paused_until = _Decoder(columns.paused_until.type, dialect)
    joined_at = _Decoder(TeamMembership.__table__.c.joined_at.type, dialect)
    day = _Decoder(Delivery.__table__.c.local_date.type, dialect)
    candidates: list[MemberCandidate] = []
    last_id = None
    for row in rows:
        member_id = row[0]
        if member_id == last_id:
            continue  # a later membership: the oldest one is the member's first team
        last_id = member_id
        member = MemberRow(
            member_id,
            row[1],
            row[2],
            row[3],
            row[4],
            None if row[5] is None else checkin_time(row[5]),
            row[6],
            row[7],
            row[8],
            None if row[9] is None else paused_until(row[9]),
            bool(row[10]),
        )
        settled = tuple(map(day, row[13:]))
        candidates.append(MemberCandidate(member, teams[row[11]], joined_at(row[12]), settled))
    return candidates


async def recap_candidates(
    session: AsyncSession, *, platforms: Iterable[str], kind: str, now: datetime
) -> list[TeamCandidate]:
    """Teams on a served platform with a recap channel, with their newest settled recap date."""
    platforms = sorted(set(platforms))
    if not platforms:
        return []
    target = literal("team:") + cast(Team.id, String)
    rows = await session.execute(
        select(Team, _held(kind, target, now))
        .where(
            Team.platform.in_(platforms),
            Team.recap_channel_id.is_not(None),
            Team.recap_channel_id != "",
        )
        .order_by(Team.id)
    )
    return [TeamCandidate(team, settled) for team, settled in rows]


_RETURNED = (
    Delivery.id,
    Delivery.kind,
    Delivery.target,
    Delivery.local_date,
    Delivery.attempts,
    Delivery.lease_until,
)


def claim(
    connection: Connection,
    keys: Iterable[DeliveryKey],
    *,
    owner: str,
    now: datetime,
    lease: timedelta,
) -> list[Claim]:
    """Claim every key that nobody holds: new rows, or claims whose lease ran out.

    Returns the claims won, which this instance must settle (or let expire). Keys are claimed
    in the order given: callers use one order everywhere, so concurrent claimers on PostgreSQL
    wait on each other and never deadlock.
    """
    wanted = list(dict.fromkeys(keys))
    if not wanted:
        return []
    if len({(kind, target) for kind, target, _ in wanted}) != len(wanted):
        raise ValueError("claim one local date per kind and target at a time")
    lease_until = now + lease
    won: list[Claim] = []
    for first in range(0, len(wanted), CLAIM_ROWS_PER_STATEMENT):
        won.extend(
            _insert_claims(
                connection,
                wanted[first : first + CLAIM_ROWS_PER_STATEMENT],
                owner=owner,
                now=now,
                lease_until=lease_until,
            )
        )
    taken = {c.key for c in won}
    rest = [key for key in wanted if key not in taken]
    if rest:
        won.extend(_take_over(connection, rest, owner=owner, now=now, lease_until=lease_until))
    return won


@functools.lru_cache(maxsize=32)
def _claim_sql(dialect: str, rows: int) -> str:
    """The multi-row claim INSERT for `rows` keys (a fan-out claims in a few chunk sizes)."""
    if dialect == "sqlite":
        row = f"(?, ?, ?, '{CLAIMED}', ?, ?, ?, 1)"
        values = ", ".join([row] * rows)
    else:
        # asyncpg wants the column types of bare parameters spelled out once.
        first = (
            f"($1::varchar, $2::varchar, $3::date, '{CLAIMED}', "
            "$4::varchar, $5::timestamptz, $6::timestamptz, 1)"
        )
        values = ", ".join(
            [first]
            + [
                f"(${n + 1}, ${n + 2}, ${n + 3}, '{CLAIMED}', ${n + 4}, ${n + 5}, ${n + 6}, 1)"
                for n in range(6, 6 * rows, 6)
            ]
        )
    return (
        "INSERT INTO deliveries "
        "(kind, target, local_date, status, claimed_by, claimed_at, lease_until, attempts) "
        f"VALUES {values} "
        "ON CONFLICT (kind, target, local_date) DO NOTHING "
        "RETURNING id, kind, target"
    )


def _insert_claims(
    connection: Connection,
    keys: Sequence[DeliveryKey],
    *,
    owner: str,
    now: datetime,
    lease_until: datetime,
) -> list[Claim]:
    """One multi-row `INSERT … ON CONFLICT DO NOTHING RETURNING` for up to 500 keys.

    Written as driver SQL: a busy tick claims thousands of rows, and per-row statement
    processing would cost more than the database does. The values are the ones SQLAlchemy
    writes for these columns (dates and UTC instants in the same storage formats); the
    statement text of each chunk size is built once.
    """
    dialect = connection.dialect
    params: list[Any] = []
    add = params.extend
    if dialect.name == "sqlite":
        instant = Delivery.__table__.c.claimed_at.type.bind_processor(dialect)
        assert instant is not None
        claimed_by, claimed_at, until = owner, instant(now), instant(lease_until)
        day_value: dict[date, str] = {}
        for kind, target, local_date in keys:
            day = day_value.get(local_date)
            if day is None:
                day = day_value[local_date] = local_date.isoformat()
            add((kind, target, day, claimed_by, claimed_at, until))
    elif dialect.name == "postgresql":
        for kind, target, local_date in keys:
            add((kind, target, local_date, owner, now, lease_until))
    else:
        raise RuntimeError(f"deliveries need SQLite or PostgreSQL, not {dialect.name}")
    sql = _claim_sql(dialect.name, len(keys))
    result = connection.exec_driver_sql(sql, tuple(params))  # rows of (id, kind, target)
    day_of = {(kind, target): local_date for kind, target, local_date in keys}
    # A new row's attempts and lease are the ones just written.
    returned: Sequence[Any] = result.all()
    return [
        Claim(row[0], row[1], row[2], day_of[row[1], row[2]], 1, lease_until) for row in returned
    ]


def _take_over(
    connection: Connection,
    keys: Sequence[DeliveryKey],
    *,
    owner: str,
    now: datetime,
    lease_until: datetime,
) -> list[Claim]:
    """Take claims whose lease ran out; the condition lets exactly one instance win each."""
    result = connection.execute(
        update(Delivery)
        .where(
            tuple_(Delivery.kind, Delivery.target, Delivery.local_date).in_(keys),
            Delivery.status == CLAIMED,
            Delivery.lease_until <= now,
        )
        .values(
            claimed_by=owner,
            claimed_at=now,
            lease_until=lease_until,
            attempts=Delivery.attempts + 1,
        )
        .returning(*_RETURNED)
    )
    return [Claim(*row) for row in result]


def checkin_statuses(
    connection: Connection, member_ids: Iterable[int], days: Iterable[date]
) -> dict[tuple[int, date], str]:
    """The check-in status (complete, partial, day_off) of these members on these local dates,
    by (member id, local date), where they have a check-in.

    Driver SQL like the claims: a fan-out asks about a claimed chunk of hundreds at a time.
    """
    ids = sorted(set(member_ids))
    dates = sorted(set(days))
    if not ids or not dates:
        return {}
    dialect = connection.dialect
    bind = Checkin.__table__.c.local_date.type.bind_processor(dialect)
    date_params = [bind(day) for day in dates] if bind is not None else dates
    day = _Decoder(Checkin.__table__.c.local_date.type, dialect)
    found: dict[tuple[int, date], str] = {}
    for first in range(0, len(ids), IN_LIST_LIMIT):
        chunk = ids[first : first + IN_LIST_LIMIT]
        sql = _statuses_sql(dialect.name, len(chunk), len(dates))
        result = connection.exec_driver_sql(sql, (*chunk, *date_params))
        rows: Sequence[Any] = result.all()
        for member_id, local_date, status in rows:
            found[member_id, day(local_date)] = status
    return found


@functools.lru_cache(maxsize=32)
def _statuses_sql(dialect: str, members: int, dates: int) -> str:
    """The check-in SELECT for `members` ids and `dates` local dates (ids first, then dates)."""
    if dialect == "sqlite":
        ids, days = ", ".join(["?"] * members), ", ".join(["?"] * dates)
    else:
        ids = ", ".join(f"${n}::bigint" for n in range(1, members + 1))
        days = ", ".join(f"${n}::date" for n in range(members + 1, members + dates + 1))
    return (
        "SELECT member_id, local_date, status FROM checkins "
        f"WHERE member_id IN ({ids}) AND local_date IN ({days})"
    )


async def find_delivery(session: AsyncSession, key: DeliveryKey) -> Delivery | None:
    """The delivery row of a key, if any."""
    kind, target, local_date = key
    return await session.scalar(
        select(Delivery).where(
            Delivery.kind == kind, Delivery.target == target, Delivery.local_date == local_date
        )
    )


def mark_sent(
    connection: Connection, claim_ids: Sequence[int], *, owner: str, now: datetime
) -> int:
    """Settle claims as sent; returns how many rows this owner still held.

    Driver SQL, like the claims: a fan-out settles thousands of rows in batches of hundreds.
    """
    if not claim_ids:
        return 0
    dialect = connection.dialect
    if dialect.name == "sqlite":
        instant = Delivery.__table__.c.sent_at.type.bind_processor(dialect)
        assert instant is not None
        sent_at: Any = instant(now)
    elif dialect.name == "postgresql":
        sent_at = now
    else:
        raise RuntimeError(f"deliveries need SQLite or PostgreSQL, not {dialect.name}")
    marked = 0
    for first in range(0, len(claim_ids), IN_LIST_LIMIT):
        ids = claim_ids[first : first + IN_LIST_LIMIT]
        sql = _mark_sent_sql(dialect.name, len(ids))
        result = connection.exec_driver_sql(sql, (sent_at, owner, *ids))
        marked += int(result.rowcount)
    return marked


@functools.lru_cache(maxsize=32)
def _mark_sent_sql(dialect: str, rows: int) -> str:
    """The UPDATE settling `rows` claims as sent (parameters: sent_at, owner, then the ids)."""
    if dialect == "sqlite":
        head, owner, ids = "?", "?", ", ".join(["?"] * rows)
    else:
        head, owner = "$1::timestamptz", "$2::varchar"
        ids = ", ".join(f"${n}::bigint" for n in range(3, rows + 3))
    return (
        f"UPDATE deliveries SET status = '{SENT}', sent_at = {head}, error = NULL "
        f"WHERE claimed_by = {owner} AND status = '{CLAIMED}' AND id IN ({ids})"
    )


def mark_settled(
    connection: Connection, outcomes: Mapping[int, tuple[str, str]], *, owner: str
) -> None:
    """Settle claims as skipped or failed, each with its reason: {claim id: (status, reason)}."""
    by_outcome: dict[tuple[str, str], list[int]] = {}
    for claim_id, (status, reason) in outcomes.items():
        if status not in (SKIPPED, FAILED):
            raise ValueError(f"not a settled status: {status}")
        by_outcome.setdefault((status, reason[:1000]), []).append(claim_id)
    for (status, reason), ids in by_outcome.items():
        connection.execute(
            update(Delivery)
            .where(Delivery.id.in_(ids), Delivery.claimed_by == owner, Delivery.status == CLAIMED)
            .values(status=status, error=reason)
        )


def retry_later(
    connection: Connection, claim_id: int, *, owner: str, error: str, retry_at: datetime
) -> None:
    """Keep a claim for another attempt: its lease ends at `retry_at`, then any instance may."""
    connection.execute(
        update(Delivery)
        .where(Delivery.id == claim_id, Delivery.claimed_by == owner, Delivery.status == CLAIMED)
        .values(lease_until=retry_at, error=error[:1000])
    )


def release(connection: Connection, claim_ids: Sequence[int], *, owner: str, now: datetime) -> None:
    """Give back claims this instance will not send (shutting down): others may take them now."""
    if not claim_ids:
        return
    connection.execute(
        update(Delivery)
        .where(Delivery.id.in_(claim_ids), Delivery.claimed_by == owner, Delivery.status == CLAIMED)
        .values(lease_until=now)
    )


def recent_statuses(
    connection: Connection, target: str, kinds: Sequence[str], limit: int
) -> list[str]:
    """The outcomes (sent or failed) of a target's newest sends of these kinds, newest first."""
    rows = connection.scalars(
        select(Delivery.status)
        .where(
            Delivery.target == target,
            Delivery.kind.in_(kinds),
            Delivery.status.in_((SENT, FAILED)),
        )
        .order_by(Delivery.local_date.desc(), Delivery.claimed_at.desc())
        .limit(limit)
    )
    return list(rows.all())


def mark_undeliverable(connection: Connection, member_id: int, *, now: datetime) -> bool:
    """Mark a member Needle cannot reach; True only the first time (so it is logged once)."""
    result = connection.execute(
        update(Member)
        .where(Member.id == member_id, Member.undeliverable_since.is_(None))
        .values(undeliverable_since=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def prune(session: AsyncSession, *, before: date) -> int:
    """Delete delivery rows of local dates before `before` (long out of grace); returns how many."""
    result = await session.execute(
        delete(Delivery)
        .where(Delivery.local_date < before)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
