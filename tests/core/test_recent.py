"""Redelivery checks: an id counts once while it is among the recent ones."""

from __future__ import annotations

from bot.core.recent import RecentIds


def test_an_id_is_new_once_and_remembered_for_at_least_the_last_size_ids() -> None:
    recent = RecentIds(3)
    assert [recent.first_time(item) for item in ("a", "b", "a", "c")] == [True, True, False, True]
    for item in ("d", "e", "f"):  # "a" is now further back than the last three
        assert recent.first_time(item)
    assert not recent.first_time("d") and not recent.first_time("f")  # the last three, always


def test_old_ids_are_forgotten_and_memory_stays_bounded() -> None:
    recent = RecentIds(100)
    for number in range(1000):
        assert recent.first_time(f"event-{number}")
    assert recent.first_time("event-0")  # long gone: a new delivery counts again
    assert not recent.first_time("event-999")
