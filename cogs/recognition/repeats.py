"""Near-duplicate messages: the same text, or nearly, as one of a member's last few messages earns no
activity points. Compared in memory only (a short normalised form of each of the last few messages); no
text is ever stored."""

from __future__ import annotations

import re
from collections import deque
from operator import add

KEEP = 5  # messages remembered per member
SIMILAR = 0.85  # Dice coefficient of character pairs from which two messages are "nearly" the same
_LONGEST = 200  # characters of a message compared (spam repeats its start)
_NOISE = re.compile(r"[\W_]+")
_RUNS = re.compile(r"(.)\1{2,}")


def normalise(text: str) -> str:
    """Case, punctuation, spacing and stretched letters (`sooooo`) do not make a message new."""
    form = _NOISE.sub(" ", text.casefold())
    if _RUNS.search(form):  # rare: a search costs less than a substitution that finds nothing
        form = _RUNS.sub(r"\1\1", form)
    return form.strip()[:_LONGEST]


class _Message:
    """One remembered message, worked out only as far as a comparison needs (most are never compared:
    a member's latest message waits for their next one). A text of at most `_LONGEST` characters is kept as
    it came until first compared (its normal form is no longer); a longer one is normalised at once."""

    __slots__ = ("_form", "_pairs", "_text")

    def __init__(self, text: str) -> None:
        self._text: str | None = text if len(text) <= _LONGEST else None
        self._form: str | None = None if self._text is not None else normalise(text)
        self._pairs: frozenset[str] | None = None

    @property
    def form(self) -> str:
        if self._form is None:
            self._form = normalise(self._text or "")
            self._text = None
        return self._form

    @property
    def pairs(self) -> frozenset[str]:
        """The normal form's character pairs (adjacent characters), as two-character strings: unlike tuples,
        strings are no work for the garbage collector."""
        if self._pairs is None:
            form = self.form
            self._pairs = frozenset(map(add, form, form[1:]))
        return self._pairs


class Repeats:
    def __init__(self) -> None:
        self._recent: dict[int, deque[_Message]] = {}

    def seen(self, member_id: int, text: str) -> bool:
        """Whether `text` repeats one of the member's last messages; remembers it either way."""
        message = _Message(text)
        recent = self._recent.get(member_id)
        if recent is None:
            self._recent[member_id] = deque((message,), maxlen=KEEP)
            return False
        repeat = bool(message.form) and any(_similar(message, earlier) for earlier in recent)
        recent.append(message)
        return repeat


def _similar(a: _Message, b: _Message) -> bool:
    """Identical, or (from 8 characters) alike by the Dice coefficient of their character pairs: a typo or a
    changed word leaves most pairs in place. Set operations in C: a few µs, where difflib took ~10 per pair."""
    text_a, text_b = a.form, b.form
    if text_a == text_b:
        return True
    if len(text_a) < 8 or len(text_b) < 8:
        return False  # short messages ("ok", "thanks") are only repeats when identical
    pairs_a, pairs_b = a.pairs, b.pairs
    size_a, size_b = len(pairs_a), len(pairs_b)
    enough = SIMILAR * (size_a + size_b)
    # The shared pairs are at most the smaller set: most unlike messages are told apart by size alone.
    return 2 * min(size_a, size_b) >= enough and 2 * len(pairs_a & pairs_b) >= enough
