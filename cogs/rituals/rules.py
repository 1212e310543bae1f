"""Pure ritual rules: who is paired with whom, how long a streak is, what a prompt says."""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from itertools import combinations

from storage.rituals import RunRow

MILESTONES = (3, 5, 10, 25)
# Pairing avoids putting together members who met in this many previous rounds.
PAIRING_MEMORY = 3
_SHUFFLES = 200
_PLACEHOLDER = re.compile(r"\{(date|week|name)\}")


def make_groups(members: Sequence[int], recent: Iterable[Sequence[int]], rng: random.Random) -> list[list[int]]:
    """Random pairs (a trio when the count is odd) with as few recent pairs as random search finds."""
    if len(members) < 2:
        return []
    recent_pairs = {frozenset(pair) for group in recent for pair in combinations(group, 2)}
    best: list[list[int]] = []
    best_repeats = -1
    for _ in range(_SHUFFLES):
        order = list(members)
        rng.shuffle(order)
        groups = [order[i : i + 2] for i in range(0, len(order) - 1, 2)]
        if len(order) % 2:
            groups[-1].append(order[-1])
        repeats = sum(frozenset(pair) in recent_pairs for group in groups for pair in combinations(group, 2))
        if best_repeats < 0 or repeats < best_repeats:
            best, best_repeats = groups, repeats
        if repeats == 0:
            break
    return best


def streaks(
    runs: Sequence[RunRow], taken: Mapping[int, set[int]], now: datetime, latest_only: bool = False
) -> dict[int, int]:
    """Current streak per member: consecutive posted runs (newest first) they took part in.

    A run whose window is still open does not break a streak: there is still time to take part. With
    `latest_only` (a prompt ritual's: a reply answers only its latest run) that holds for the newest run alone: an
    older one, open while its window outlasts the gap (hourly, a day to answer), can no longer be taken part in.
    Nor does an extra run (a moderator's `/ritual run-now` standing for no scheduled occurrence) break a streak: it
    counts only for those who took part in it, so an extra run never costs anyone a streak.
    """
    members = set().union(*taken.values()) if taken else set()
    found: dict[int, int] = {}
    for member in members:
        count = 0
        for position, run in enumerate(runs):
            if member in taken.get(run.id, set()):
                count += 1
            elif run.extra or (run.window_ends_at > now and not (latest_only and position)):
                continue
            else:
                break
        if count:
            found[member] = count
    return found


def render_prompt(prompt: str, name: str, local: datetime) -> str:
    """Fill `{date}`, `{week}` and `{name}`; any other braces stay as the moderator wrote them."""
    values = {
        "date": f"{local:%A} {local.day} {local:%B %Y}",
        "week": str(local.isocalendar().week),
        "name": name,
    }
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], prompt)
