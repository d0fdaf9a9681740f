"""Results about a team's members kept in memory while the rows they come from are unchanged.

A team page on a team of a thousand reads the same per-member results view after view: each
member's totals over a period, current streak, what their days say about returns. `TeamMemo`
keeps them per member with the revisions they were computed at (`bot.storage.revisions`),
and on the next view recomputes only the members whose revision (or membership's) moved, or
everyone when the team's own revision moved. The database bumps the revisions on every write
(triggers), so a kept result is never served after its rows changed; the computing is always
done by the same function chat uses, only for fewer members.

The revisions are read before anything is computed, so a result computed from newer rows
than its revision says is only recomputed once more, never served stale.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Collection, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from bot.storage.revisions import Stamp, TeamRevisions

V = TypeVar("V")
SLOTS = 64  # kept results (a team and what was computed, e.g. totals over one period)


@dataclass
class _Slot(Generic[V]):
    """One kind of result for one team: per member, the revisions it was computed at."""

    team: tuple[int, str]
    values: dict[int, tuple[Stamp, V | None]] = field(default_factory=dict)


@dataclass
class MemoStats:
    """How often kept results were used (read by the tests and the bench)."""

    kept: int = 0  # member results served from memory
    computed: int = 0  # member results computed afresh


def to_read(stale: list[int], revisions: TeamRevisions) -> list[int] | None:
    """The member ids a `compute` should read, or None for the whole team: when most members
    are stale (a first view), one pass over the team beats a long list of ids (and stays
    within the database's limit on bound parameters on a very big team). `each_member` keeps
    only the stale members' results of what is read."""
    return None if 2 * len(stale) > len(revisions.members) else stale


class TeamMemo:
    """Per-member results of a team, recomputed only for members whose rows changed."""

    def __init__(self, slots: int = SLOTS) -> None:
        self._slots: OrderedDict[tuple[int, Hashable], _Slot[object]] = OrderedDict()
        self._limit = slots
        self.stats = MemoStats()

    async def each_member(
        self,
        revisions: TeamRevisions,
        key: Hashable,
        compute: Callable[[list[int]], Awaitable[Mapping[int, V]]],
        *,
        still: Callable[[V], bool] | None = None,
    ) -> dict[int, V]:
        """`key`'s result for every active member of the team that has one.

        `compute(member_ids)` returns the result of each listed member that has one (a member
        it leaves out has none, e.g. hidden from rankings); it is called once, for the
        members whose result is missing or out of date, or not at all. `still(result)` says
        whether a kept result still holds for a reason no revision records (a member's local
        date moving on at their midnight).
        """
        slot_key = (revisions.team_id, key)
        slot = self._slots.get(slot_key)
        if slot is None or slot.team != revisions.team:
            slot = _Slot(revisions.team)
            self._slots[slot_key] = slot
        self._slots.move_to_end(slot_key)
        while len(self._slots) > self._limit:
            self._slots.popitem(last=False)
        stale = [
            member_id
            for member_id, stamp in revisions.members.items()
            if (kept := slot.values.get(member_id)) is None
            or kept[0] != stamp
            or (still is not None and kept[1] is not None and not still(kept[1]))  # type: ignore[arg-type]
        ]
        if stale:
            fresh = await compute(stale)
            for member_id in stale:
                slot.values[member_id] = (revisions.members[member_id], fresh.get(member_id))
        if len(slot.values) > len(revisions.members):
            # Members who left (or were forgotten) are not kept.
            slot.values = {m: v for m, v in slot.values.items() if m in revisions.members}
        self.stats.computed += len(stale)
        self.stats.kept += len(revisions.members) - len(stale)
        found: dict[int, V] = {}
        for member_id in revisions.members:
            # A view with newer revisions may have dropped a member who left meanwhile.
            kept = slot.values.get(member_id)
            if kept is not None and kept[1] is not None:
                found[member_id] = kept[1]  # type: ignore[assignment]
        return found

    def forget(self, team_ids: Collection[int] | None = None) -> None:
        """Drop what is kept (for `team_ids` only, when given)."""
        for slot_key in list(self._slots):
            if team_ids is None or slot_key[0] in team_ids:
                del self._slots[slot_key]
