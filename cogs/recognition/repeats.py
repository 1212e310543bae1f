"""Near-duplicate messages: the same text, or nearly, as one of a member's last few messages earns no
activity points. Compared in memory only (each of the last few messages as at most 200 characters: the text
itself until first compared, then its normalised form and character pairs); no text is ever stored."""

from __future__ import annotations

import re

KEEP = 5  # messages remembered per member
SIMILAR = 0.85  # Dice coefficient of character pairs from which two messages are "nearly" the same
_LONGEST = 200  # characters of a message compared (spam repeats its start)
_SHORTEST = 8  # characters of a normal form below which only an identical message is a repeat ("ok", "thanks")
_NOISE = re.compile(r"[\W_]+")
_RUNS = re.compile(r"(.)\1+")


def normalise(text: str) -> str:
    """Case, punctuation, spacing and stretched letters (`sooooo`, `yesss`: every run of a letter reads as one) do
    not make a message new. A message of nothing but punctuation or emoji (`👍`, `!!!`) is its own form, spaces
    aside: repeated as it is, it is a repeat."""
    form = _RUNS.sub(r"\1", _NOISE.sub(" ", text[: 2 * _LONGEST].casefold())).strip()
    return form[:_LONGEST] or " ".join(text.split())[:_LONGEST]


def _pairs(form: str) -> frozenset[int]:
    """Each two adjacent characters of `form` as one number: its UTF-16 code units read four bytes at a time, from
    the first character and from the second, all in C (a character outside the Basic Multilingual Plane, an emoji,
    counts as two: both messages are read alike)."""
    encoded = form.encode("utf-16-le")
    even = memoryview(encoded)[: len(encoded) & ~3].cast("I")
    odd = memoryview(encoded)[2 : 2 + ((len(encoded) - 2) & ~3)].cast("I")
    return frozenset(even).union(odd)


class _Message:
    """One remembered message, worked out: its normal form and character pairs (as numbers: no work for the
    garbage collector)."""

    __slots__ = ("form", "pairs", "size")

    def __init__(self, text: str) -> None:
        self.form = normalise(text)
        self.pairs = _pairs(self.form)
        self.size = len(self.pairs)


class Repeats:
    def __init__(self) -> None:
        # A tuple per member, not a deque: a deque takes over 600 bytes however short (a block of 64 slots),
        # 60 MB for 100,000 members who spoke once. A message not compared yet stays the text it came as (at most
        # `_LONGEST` characters; a longer one is worked out at once): most members' latest message waits for their
        # next one, many never send it, and a text costs less memory than its pairs.
        self._recent: dict[int, tuple[_Message | str, ...]] = {}

    def seen(self, member_id: int, text: str) -> bool:
        """Whether `text` repeats one of the member's last messages; remembers it either way.

        Identical, or (from 8 characters) alike by the Dice coefficient of their character pairs: a typo or a
        changed word leaves most pairs in place. Set operations in C: a few µs, where difflib took ~10 per pair.
        """
        recent = self._recent.get(member_id)
        if recent is None:
            self._recent[member_id] = (_kept(text),)
            return False
        earlier = tuple(each if isinstance(each, _Message) else _Message(each) for each in recent)
        message = _Message(text)
        self._recent[member_id] = (*earlier, message)[-KEEP:]
        return bool(message.form) and _repeats(message, earlier)

    def remember(self, member_id: int, text: str) -> None:
        """Keep `text` among the member's last messages without comparing it (a message that earns nothing
        anyway, within the cooldown): worked out only if a later message is compared with it."""
        self._recent[member_id] = (*self._recent.get(member_id, ()), _kept(text))[-KEEP:]


def _kept(text: str) -> _Message | str:
    return text if len(text) <= _LONGEST else _Message(text)


def _repeats(message: _Message, recent: tuple[_Message, ...]) -> bool:
    """Whether `message` repeats one of `recent`: the same normal form, or (both at least `_SHORTEST` characters)
    a Dice coefficient of character pairs of at least `SIMILAR`."""
    form, pairs, size = message.form, message.pairs, message.size
    comparable = len(form) >= _SHORTEST
    for earlier in recent:
        if earlier.form == form:
            return True
        if not comparable or len(earlier.form) < _SHORTEST:
            continue
        theirs = earlier.size
        enough = SIMILAR * (size + theirs)
        # The shared pairs are at most the smaller set: most unlike messages are told apart by size alone.
        if 2 * (size if size < theirs else theirs) >= enough and 2 * len(pairs & earlier.pairs) >= enough:
            return True
    return False
