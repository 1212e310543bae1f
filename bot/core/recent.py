"""Recently seen ids, for answering a redelivered event once (Slack retries, a reconnecting gateway)."""

from __future__ import annotations


class RecentIds:
    """Whether an id is seen for the first time among at least the last `size` ids (at most twice `size`).

    Two generations of id hashes: when the current one holds `size`, it becomes the previous one and the oldest
    is dropped whole. Hashes (ints), not the ids, in plain sets: a third of the memory of an ordered dict of
    strings (50,000 ids took 7 MiB), no per-id bookkeeping of age. Two different ids share a 64-bit hash with
    odds of about `size² / 2⁶⁴`: a chance in billions for a redelivery check."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._current: set[int] = set()
        self._previous: set[int] = set()

    def first_time(self, item: str) -> bool:
        key = hash(item)
        if key in self._current or key in self._previous:
            return False
        if len(self._current) >= self._size:
            self._previous, self._current = self._current, set()
        self._current.add(key)
        return True

    def forget(self, item: str) -> None:
        """`item` is to be seen for the first time again (its handling failed, and it will come back)."""
        key = hash(item)
        self._current.discard(key)
        self._previous.discard(key)
