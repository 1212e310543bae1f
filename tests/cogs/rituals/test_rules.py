"""Pairing and streak rules."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from itertools import combinations

from cogs.rituals.rules import make_groups, render_prompt, streaks
from storage.rituals import RunRow

NOW = datetime(2026, 3, 4, 12, tzinfo=UTC)


def test_odd_counts_make_one_trio_and_nobody_is_left_out() -> None:
    groups = make_groups([1, 2, 3, 4, 5], [], random.Random(1))
    assert sorted(len(group) for group in groups) == [2, 3]
    assert sorted(member for group in groups for member in group) == [1, 2, 3, 4, 5]
    assert make_groups([1], [], random.Random(1)) == []
    (trio,) = make_groups([1, 2, 3], [], random.Random(1))
    assert sorted(trio) == [1, 2, 3]


def test_recent_pairs_are_not_repeated() -> None:
    # Four members have exactly three ways to pair up: three rounds use each once.
    history: list[list[int]] = []
    seen: set[frozenset[int]] = set()
    for round_number in range(3):
        groups = make_groups([1, 2, 3, 4], history, random.Random(round_number))
        pairs = {frozenset(group) for group in groups}
        assert not pairs & seen
        seen |= pairs
        history += groups
    assert seen == {frozenset(pair) for pair in combinations([1, 2, 3, 4], 2)}


def _run(number: int, *, open_window: bool = False, extra: bool = False) -> RunRow:
    moment = NOW - timedelta(days=number)
    ends = NOW + timedelta(hours=1) if open_window else moment + timedelta(hours=1)
    return RunRow(number, 1, moment, "posted", moment, ends, None, None, None, None, extra)


def test_streaks_count_consecutive_runs_and_an_open_window_does_not_break_them() -> None:
    runs = [_run(0, open_window=True), _run(1), _run(2), _run(3), _run(4)]  # newest first
    taken = {1: {10, 11}, 2: {10, 11}, 3: {10}, 4: {10, 11}, 0: {12}}
    assert streaks(runs, taken, NOW) == {10: 4, 11: 2, 12: 1}


def test_an_open_run_a_later_one_took_over_breaks_a_streak_where_replies_answer_only_the_latest() -> None:
    """A prompt ritual whose window outlasts the gap between its runs (hourly, a day to answer): a reply answers only
    the latest run, so an older one still open can no longer be taken part in. Until 2026-12-02 it did not break a
    streak: 3 runs answered of 7 was "3 in a row" (tester-q). A thread ritual's older threads still take replies."""
    runs = [_run(0, open_window=True), _run(1, open_window=True), _run(2, open_window=True), _run(3)]  # newest first
    taken = {0: {10}, 2: {10, 11}, 3: {10, 11}}
    assert streaks(runs, taken, NOW, latest_only=True) == {10: 1}
    assert streaks(runs, taken, NOW) == {10: 3, 11: 2}


def test_an_extra_run_counts_only_for_those_who_took_part_in_it() -> None:
    """A run-now standing for no scheduled run (`extra`) breaks no streak, and extends the streaks of those
    who answered it."""
    runs = [_run(1), _run(2, extra=True), _run(3), _run(4, extra=True), _run(5)]  # newest first
    taken = {1: {10, 11}, 2: {11}, 3: {10, 11}, 5: {10}}
    assert streaks(runs, taken, NOW) == {10: 3, 11: 3}


def test_prompt_placeholders_are_filled_and_other_braces_kept() -> None:
    text = render_prompt("{name}: plans for {date} (week {week})? {other}", "standup", NOW)
    assert text == "standup: plans for Wednesday 4 March 2026 (week 10)? {other}"
