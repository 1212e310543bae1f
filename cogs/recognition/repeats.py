"""Near-duplicate messages: the same text, or nearly, as one of a member's last few messages earns no
activity points. Compared in memory only (each of the last few messages as at most 200 characters: the text
itself until first compared, then its normalised form and character pairs); no text is ever stored."""

from __future__ import annotations

import re
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

    __slots__ = ("form", "pairs", "text")

    def __init__(self, text: str) -> None:
        self.text: str | None = text if len(text) <= _LONGEST else None
        self.form: str | None = None if self.text is not None else normalise(text)
        self.pairs: frozenset[str] | None = None  # the normal form's adjacent characters

    def worked_out(self) -> tuple[str, frozenset[str]]:
        """The normal form and its character pairs, as two-character strings (unlike tuples, strings are no
        work for the garbage collector)."""
        if self.pairs is None:
            if self.form is None:
                self.form = normalise(self.text or "")
                self.text = None
            form = self.form
            self.pairs = frozenset(map(add, form, form[1:]))
        return self.form or "", self.pairs


class Repeats:
    def __init__(self) -> None:
        # A tuple per member, not a deque: a deque takes over 600 bytes however short (a block of 64 slots),
        # 60 MB for 100,000 members who spoke once.
        self._recent: dict[int, tuple[_Message, ...]] = {}

    def seen(self, member_id: int, text: str) -> bool:
        """Whether `text` repeats one of the member's last messages; remembers it either way.

        Identical, or (from 8 characters) alike by the Dice coefficient of their character pairs: a typo or a
        changed word leaves most pairs in place. Set operations in C: a few µs, where difflib took ~10 per pair.
        """
        message = _Message(text)
        recent = self._recent.get(member_id)
        if recent is None:
            self._recent[member_id] = (message,)
            return False
        form, pairs = message.worked_out()
        repeat = bool(form) and _repeats(form, pairs, recent)
        self._recent[member_id] = (*recent, message)[-KEEP:]
        return repeat


def _repeats(form: str, pairs: frozenset[str], recent: tuple[_Message, ...]) -> bool:
    """Whether the message of normal form `form` (character pairs `pairs`) repeats one of `recent`."""
    size = len(pairs)
    for earlier in recent:
        their_form, theirs = earlier.worked_out()
        if their_form == form:
            return True
        if len(form) < 8 or len(their_form) < 8:
            continue  # short messages ("ok", "thanks") are only repeats when identical
        enough = SIMILAR * (size + len(theirs))
        # The shared pairs are at most the smaller set: most unlike messages are told apart by size alone.
        if 2 * min(size, len(theirs)) >= enough and 2 * len(pairs & theirs) >= enough:
            return True
    return False
