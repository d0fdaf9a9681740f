"""Per-team queues of one fan-out: what to claim next and which team a free sender serves.

A platform paces each team's messages (Slack: about 600 a minute per workspace), so a team of
thousands needs a few of its sends waiting at its pace all the time, while small teams need
senders that go from team to team. One global queue in turns (the first member of every team,
then the second of each, ...) starves the big team's pace while the small teams are served:
measured with `bench/platform_limits.py --scenario many`, the workspace of 5,000 sent almost
nothing until the 1,000 small ones were done, and finished that much past its floor.

So every team has its own queue of claimed work, and teams wait for a sender in a ring:

- a team has at most `lanes` sends at once while other teams wait, more when none does;
- a team whose remaining work outlasts a whole round of the ring (a big team) goes back to the
  front when one of its sends ends, so its pace is always fed; such teams hold at most half
  the senders, and the others go round the ring in turn (small teams take turns);
- claims go round the teams too, a chunk at a time while few claimed jobs are left, and a team
  being served is topped up to `ahead` claimed jobs whenever it runs low, so a paced team does
  not wait for the claims of a thousand others (and never holds claims far ahead of its pace).
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Iterable

from scheduler.compose import Job
from scheduler.due import Work


class TeamQueues:
    """The unclaimed work and claimed jobs of a fan-out, per team, and the ring of teams."""

    def __init__(
        self,
        work: Iterable[Work],
        *,
        senders: int,
        lanes: int,
        ahead: int,
        order: Callable[[Work], object],
    ) -> None:
        self.lanes = max(1, lanes)
        self.ahead = max(1, ahead)
        self.heavy_limit = max(1, senders // 2)
        self.unclaimed: dict[int, deque[Work]] = {}
        for item in sorted(work, key=order):  # type: ignore[arg-type]
            self.unclaimed.setdefault(item.team.id, deque()).append(item)
        self.teams: deque[int] = deque(self.unclaimed)  # claiming goes round these
        self.claimed: dict[int, deque[Job]] = {}
        self.in_flight: Counter[int] = Counter()
        self.ring: deque[int] = deque()  # teams waiting for a sender, in turn
        self.in_ring: set[int] = set()
        self.waiting = 0  # claimed jobs not yet taken by a sender
        self._front: set[int] = set()  # teams put at the front of the ring as big ones
        self.big: set[int] = set()  # teams found to have more work than a round of turns
        self._heavy_claims: set[int] = set()  # claim ids of sends taken that way
        self.heavy_in_flight = 0

    # -- claiming -----------------------------------------------------------------------------

    @property
    def has_unclaimed(self) -> bool:
        """True while some work is still to be claimed."""
        return bool(self.teams)

    def _starving(self, team: int) -> bool:
        """A big team, or one being served, with few claimed jobs left and more to claim."""
        return (
            (team in self.big or self.in_flight[team] > 0)
            and len(self.claimed.get(team, ())) < self.ahead // 2 + 1
            and bool(self.unclaimed.get(team))
        )

    def _hungry(self) -> list[int]:
        return [t for t in (self.big | set(self.in_flight)) if self._starving(t)]

    def wants_claim(self, low_water: int) -> bool:
        """True when the producer should claim: few jobs left overall, or a team being served
        is running low."""
        if not self.teams:
            return False
        if self.waiting <= low_water:
            return True
        return bool(self._hungry())

    def next_chunk(self, size: int, low_water: int) -> list[Work]:
        """The next work to claim: when few jobs are left overall, up to `size` items taken
        round the teams; else top-ups of the teams being served that run low."""
        chunk: list[Work] = []
        for team in self._hungry():
            queue = self.unclaimed[team]
            want = self.ahead - len(self.claimed.get(team, ()))
            while queue and want > 0:
                chunk.append(queue.popleft())
                want -= 1
        if self.waiting <= low_water:
            while self.teams and len(chunk) < size:
                team = self.teams[0]
                queue = self.unclaimed[team]
                if queue:
                    chunk.append(queue.popleft())
                self.teams.rotate(-1)
                if not queue:
                    self.teams.pop()  # the team just rotated to the end
        if any(not self.unclaimed[t] for t in self.teams):  # emptied by a top-up
            self.teams = deque(t for t in self.teams if self.unclaimed[t])
        return chunk

    # -- sending ------------------------------------------------------------------------------

    def add(self, jobs: Iterable[Job]) -> None:
        """Claimed jobs, ready for the senders."""
        for job in jobs:
            team = job.team.id
            self.claimed.setdefault(team, deque()).append(job)
            self.waiting += 1
            self._requeue(team)

    def _remaining(self, team: int) -> int:
        return len(self.claimed.get(team, ())) + len(self.unclaimed.get(team, ()))

    def _queue(self, team: int, *, front: bool) -> None:
        self.in_ring.add(team)
        if front:
            self.ring.appendleft(team)
        else:
            self.ring.append(team)

    def _requeue(self, team: int) -> None:
        """Put a team with claimed jobs and a free lane back: at the front when it is a big
        team and big teams hold fewer than half the senders, else at the end."""
        if team in self.in_ring or not self.claimed.get(team):
            return
        if self.in_flight[team] >= self.lanes:
            return
        big = self._remaining(team) > len(self.ring)
        if big:
            self.big.add(team)
        else:
            self.big.discard(team)
        heavy = big and self.heavy_in_flight < self.heavy_limit
        self._queue(team, front=heavy)
        if heavy:
            self._front.add(team)
        else:
            self._front.discard(team)

    def take(self) -> Job | None:
        """The next job for a free sender: the first team in the ring, or, when no team
        waits, a team with claimed jobs beyond its lanes (while other teams have work, only
        within the big teams' half of the senders); None when there is none."""
        if self.ring:
            team = self.ring.popleft()
            self.in_ring.discard(team)
        else:
            team = next(iter(self.claimed), -1)
            if team < 0 or (
                self._others_pending(team) and self.heavy_in_flight >= self.heavy_limit
            ):
                return None
            self._front.add(team)  # counted with the big teams' sends
        queue = self.claimed[team]
        job = queue.popleft()
        if not queue:
            del self.claimed[team]
        self.waiting -= 1
        self.in_flight[team] += 1
        if team in self._front:
            self._front.discard(team)
            self._heavy_claims.add(job.claim.id)
            self.heavy_in_flight += 1
        self._requeue(team)
        return job

    def _others_pending(self, team: int) -> bool:
        """True when a team other than `team` has work claimed or still to claim."""
        return len(self.claimed) > 1 or any(t != team for t in self.teams)

    def done(self, job: Job) -> None:
        """A sender finished `job`: its team may take its turn again."""
        team = job.team.id
        self.in_flight[team] -= 1
        if not self.in_flight[team]:
            del self.in_flight[team]
        if job.claim.id in self._heavy_claims:
            self._heavy_claims.discard(job.claim.id)
            self.heavy_in_flight -= 1
        self._requeue(team)
