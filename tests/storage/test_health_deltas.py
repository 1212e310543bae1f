"""A newcomer's first message deleted before any reply, across batches of health counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.health import HealthDeltas

AT = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


def test_a_first_message_deleted_in_its_own_batch_is_never_written() -> None:
    deltas = HealthDeltas()
    deltas.first_message(7, AT, "m1", "general")
    deltas.first_message_deleted(7, "m1")
    deltas.first_message(7, AT + timedelta(hours=1), "m2", "general")
    assert deltas.first_messages == {7: (AT + timedelta(hours=1), "m2", "general")}
    assert deltas.withdrawn == {}


def test_a_batch_that_failed_to_write_loses_the_first_message_deleted_since() -> None:
    """The failed batch holds m1; the counts added since deleted it and hold m2: merged, m2 is the first post."""
    failed, later = HealthDeltas(), HealthDeltas()
    failed.first_message(7, AT, "m1", "general")
    later.first_message_deleted(7, "m1")
    later.first_message(7, AT + timedelta(hours=1), "m2", "intros")
    merged = failed.merged(later)
    assert merged.first_messages == {7: (AT + timedelta(hours=1), "m2", "intros")}
    assert merged.withdrawn == {}


def test_a_first_message_written_already_is_withdrawn_by_the_next_batch() -> None:
    deltas = HealthDeltas()
    deltas.first_message_deleted(7, "m1")
    assert deltas.withdrawn == {7: "m1"} and len(deltas) == 1
    assert deltas.remapped({7: 9}).withdrawn == {9: "m1"}
