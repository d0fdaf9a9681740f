"""SQL building blocks shared by the aggregation modules: day numbers, date arithmetic that
SQLite and PostgreSQL spell differently, bound parameters and reading computed values back.

Each aggregation statement is built once per shape (`functools.cache`) with bound parameters
and reused: building a large SQLAlchemy statement costs more than running it on an indexed
table.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Integer, bindparam, case, or_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

EPOCH = date(2000, 1, 3)  # a Monday: day 0 of the day numbers and of the workday ordinal
_EPOCH_JULIAN = 2451546.5  # julianday('2000-01-03') in SQLite


class epoch_days(FunctionElement[int]):
    """Whole days from EPOCH to a DATE column (dialect-specific date arithmetic)."""

    type = Integer()
    inherit_cache = True


@compiles(epoch_days, "sqlite")
def _epoch_days_sqlite(element: epoch_days, compiler: Any, **kw: Any) -> str:
    arg = compiler.process(element.clauses, **kw)
    return f"CAST(julianday({arg}) - {_EPOCH_JULIAN} AS INTEGER)"


@compiles(epoch_days)
def _epoch_days_default(element: epoch_days, compiler: Any, **kw: Any) -> str:
    arg = compiler.process(element.clauses, **kw)
    return f"({arg} - DATE '{EPOCH.isoformat()}')"


class add_days(FunctionElement[date]):
    """A DATE column plus a whole number of days (dialect-specific date arithmetic)."""

    type = Date()
    inherit_cache = True


@compiles(add_days, "sqlite")
def _add_days_sqlite(element: add_days, compiler: Any, **kw: Any) -> str:
    column, days = list(element.clauses)
    return f"date({compiler.process(column, **kw)}, '+{int(days.value)} days')"


@compiles(add_days)
def _add_days_default(element: add_days, compiler: Any, **kw: Any) -> str:
    column, days = list(element.clauses)
    return f"({compiler.process(column, **kw)} + {int(days.value)})"


def in_team_history(local_date: Any, history_from: Any) -> Any:
    """SQL: a check-in's `local_date` is part of a team's view of its member: on or after the
    membership's `history_from` (the day they joined), or any date when that is NULL."""
    return or_(history_from.is_(None), local_date >= history_from)


def param(name: str, type_: Any = None) -> Any:
    """A named bound parameter."""
    return bindparam(name, type_=type_)


def as_int(flag: Any) -> Any:
    """SQL: 1 where `flag` holds, else 0 (to sum a condition)."""
    return case((flag, 1), else_=0)


def as_date(value: Any) -> date:
    """A date read back from a computed column (SQLite returns text)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
