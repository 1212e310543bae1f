"""`/recognition report`: kudos patterns worth a moderator's look over the last 30 days, each with its evidence.

Read from the ledger's kudos (voided ones left out, `storage.recognition.kudos_since`). The patterns and their
thresholds (README, "Recognition report"):

- **Ring**: 2 to RING_MAX_SIZE members who give most of their kudos to each other. Each gave at least
  RING_MIN_KUDOS inside the group, and more than RING_SHARE of all they gave. Groups are found as the strongly
  connected parts of the "gives a lot to" graph (an arrow A → B when A gave B at least EDGE_MIN_KUDOS and at
  least EDGE_SHARE of A's kudos), and every pair giving each other that much is checked on its own too.
- **One-sided giving**: one giver spending most of what they give on one receiver: at least ONE_SIDED_MIN_KUDOS
  to them, more than ONE_SIDED_SHARE of all the giver gave (a pair already shown as a ring is not repeated).
- **Burst**: BURST_MIN_KUDOS or more kudos within BURST_WINDOW from one giver or to one receiver (the densest
  such stretch of each member is shown).

Two active members who thank each other now and then but also thank widely are none of these: what they give
each other stays below the shares.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.recognition import GivenKudos

WINDOW = timedelta(days=30)  # the report's period, ending now
RING_MAX_SIZE = 4
RING_MIN_KUDOS = 5  # each ring member gave at least this many kudos inside the ring
RING_SHARE = 0.5  # ... and more than this share of all they gave
EDGE_MIN_KUDOS = 3  # an arrow A → B of the ring search: A gave B at least this many ...
EDGE_SHARE = 0.25  # ... and at least this share of A's kudos (so a member has at most 4 arrows)
ONE_SIDED_MIN_KUDOS = 10  # one giver to one receiver: at least this many (one every third day) ...
ONE_SIDED_SHARE = 0.5  # ... and more than this share of all the giver gave
BURST_WINDOW = timedelta(hours=1)
BURST_MIN_KUDOS = 10  # from one giver or to one receiver within BURST_WINDOW


@dataclass(frozen=True)
class Ring:
    members: tuple[int, ...]  # in the order of the cycle found
    inside: dict[tuple[int, int], int]  # (giver, receiver) → kudos, between ring members
    given: dict[int, int]  # member → all kudos they gave in the window
    first: datetime  # first and last kudos inside the ring
    last: datetime

    def gave_inside(self, member: int) -> int:
        return sum(n for (giver, _), n in self.inside.items() if giver == member)


@dataclass(frozen=True)
class OneSided:
    giver: int
    receiver: int
    count: int
    given: int  # all the giver gave in the window
    back: int  # what the receiver gave the giver
    first: datetime
    last: datetime


@dataclass(frozen=True)
class Burst:
    member: int
    giving: bool  # True: kudos from the member; False: to the member
    count: int
    others: int  # distinct receivers (giving) or givers
    start: datetime
    end: datetime
    other: int | None = None  # the one receiver (giving) or giver, when `others` is 1


@dataclass(frozen=True)
class Findings:
    kudos: int  # kudos checked
    givers: int
    rings: list[Ring]
    one_sided: list[OneSided]
    bursts: list[Burst]

    @property
    def members(self) -> set[int]:
        found = {m for ring in self.rings for m in ring.members}
        found |= {m for each in self.one_sided for m in (each.giver, each.receiver)}
        return found | {m for burst in self.bursts for m in (burst.member, burst.other) if m is not None}


def analyse(kudos: Sequence[GivenKudos]) -> Findings:
    """The patterns in `kudos` (oldest first), strongest first within each kind."""
    pairs: Counter[tuple[int, int]] = Counter((k.giver_id, k.receiver_id) for k in kudos)
    given: Counter[int] = Counter(k.giver_id for k in kudos)
    times: dict[tuple[int, int], list[datetime]] = defaultdict(list)
    for k in kudos:
        times[(k.giver_id, k.receiver_id)].append(k.created_at)
    rings = _rings(pairs, given, times)
    in_ring = {frozenset(pair) for ring in rings for pair in ring.inside}
    one_sided = [
        OneSided(a, b, n, given[a], pairs[(b, a)], times[(a, b)][0], times[(a, b)][-1])
        for (a, b), n in pairs.items()
        if n >= ONE_SIDED_MIN_KUDOS and n > ONE_SIDED_SHARE * given[a] and frozenset((a, b)) not in in_ring
    ]
    one_sided.sort(key=lambda each: (-each.count, each.giver))
    return Findings(len(kudos), len(given), rings, one_sided, _bursts(kudos))


def _rings(
    pairs: Counter[tuple[int, int]], given: Counter[int], times: dict[tuple[int, int], list[datetime]]
) -> list[Ring]:
    arrows: dict[int, list[int]] = defaultdict(list)
    for (a, b), n in pairs.items():
        if n >= EDGE_MIN_KUDOS and n >= EDGE_SHARE * given[a]:
            arrows[a].append(b)
    candidates = [group for group in _strongly_connected(arrows) if 2 <= len(group) <= RING_MAX_SIZE]
    # A pair inside a larger group (a busy team) is still a ring when the two give each other most of their kudos.
    candidates += [[a, b] for a in arrows for b in arrows[a] if a < b and a in arrows.get(b, ())]
    rings: list[Ring] = []
    seen: list[frozenset[int]] = []
    for group in candidates:
        members = frozenset(group)
        if any(members <= found for found in seen):
            continue
        inside = {(a, b): pairs[(a, b)] for a in group for b in group if a != b and pairs[(a, b)]}
        gave_inside = Counter[int]()
        for (a, _), n in inside.items():
            gave_inside[a] += n
        if all(gave_inside[m] >= RING_MIN_KUDOS and gave_inside[m] > RING_SHARE * given[m] for m in group):
            stamps = [at for pair in inside for at in (times[pair][0], times[pair][-1])]
            rings.append(Ring(tuple(group), inside, {m: given[m] for m in group}, min(stamps), max(stamps)))
            seen.append(members)
    rings.sort(key=lambda ring: -sum(ring.inside.values()))
    return rings


def _strongly_connected(arrows: dict[int, list[int]]) -> list[list[int]]:
    """Tarjan's strongly connected components, without recursion (a large community must not hit the limit)."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    stack: list[int] = []
    on_stack: set[int] = set()
    groups: list[list[int]] = []
    for root in list(arrows):
        if root in index:
            continue
        work: list[tuple[int, Iterable[int]]] = [(root, iter(arrows.get(root, ())))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, following = work[-1]
            advanced = False
            for nxt in following:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(arrows.get(nxt, ()))))
                    advanced = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group: list[int] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                groups.append(group[::-1])
    return groups


def _bursts(kudos: Sequence[GivenKudos]) -> list[Burst]:
    by_giver: dict[int, list[GivenKudos]] = defaultdict(list)
    by_receiver: dict[int, list[GivenKudos]] = defaultdict(list)
    for k in kudos:
        by_giver[k.giver_id].append(k)
        by_receiver[k.receiver_id].append(k)
    found: list[Burst] = []
    for giving, groups in ((True, by_giver), (False, by_receiver)):
        for member, own in groups.items():
            if len(own) < BURST_MIN_KUDOS:
                continue
            densest = _densest(own)
            if densest is not None:
                start, end = densest
                stretch = own[start:end]
                others = {k.receiver_id if giving else k.giver_id for k in stretch}
                only = next(iter(others)) if len(others) == 1 else None
                found.append(
                    Burst(
                        member, giving, len(stretch), len(others), stretch[0].created_at, stretch[-1].created_at, only
                    )
                )
    found.sort(key=lambda burst: (-burst.count, burst.start))
    return found


def _densest(own: Sequence[GivenKudos]) -> tuple[int, int] | None:
    """The [start, end) of the most kudos within BURST_WINDOW (two pointers over times in order), if at least
    BURST_MIN_KUDOS."""
    best: tuple[int, int] | None = None
    start = 0
    for end, k in enumerate(own):
        while k.created_at - own[start].created_at > BURST_WINDOW:
            start += 1
        if end + 1 - start >= BURST_MIN_KUDOS and (best is None or end + 1 - start > best[1] - best[0]):
            best = (start, end + 1)
    return best
