"""Near-duplicate messages: the same text, or nearly, as one of a member's last few messages earns no
activity points. Compared in memory only (a short normalised form of each of the last few messages); no
text is ever stored."""

from __future__ import annotations

import re
from collections import deque

KEEP = 5  # messages remembered per member
SIMILAR = 0.85  # Dice coefficient of character pairs from which two messages are "nearly" the same
_LONGEST = 200  # characters of a message compared (spam repeats its start)
_NOISE = re.compile(r"[\W_]+")
_RUNS = re.compile(r"(.)\1{2,}")


def normalise(text: str) -> str:
    """Case, punctuation, spacing and stretched letters (`sooooo`) do not make a message new."""
    return _RUNS.sub(r"\1\1", _NOISE.sub(" ", text.casefold())).strip()[:_LONGEST]


_Seen = tuple[str, frozenset[str]]  # a message's normalised form and its character pairs


class Repeats:
    def __init__(self) -> None:
        self._recent: dict[int, deque[_Seen]] = {}

    def seen(self, member_id: int, text: str) -> bool:
        """Whether `text` repeats one of the member's last messages; remembers it either way."""
        form = normalise(text)
        seen = (form, frozenset(form[i : i + 2] for i in range(len(form) - 1)))
        recent = self._recent.setdefault(member_id, deque(maxlen=KEEP))
        repeat = bool(form) and any(_similar(seen, earlier) for earlier in recent)
        recent.append(seen)
        return repeat


def _similar(a: _Seen, b: _Seen) -> bool:
    """Identical, or (from 8 characters) alike by the Dice coefficient of their character pairs: a typo or a
    changed word leaves most pairs in place. Set operations in C: a few µs, where difflib took ~10 per pair."""
    (text_a, pairs_a), (text_b, pairs_b) = a, b
    if text_a == text_b:
        return True
    if min(len(text_a), len(text_b)) < 8:
        return False  # short messages ("ok", "thanks") are only repeats when identical
    return 2 * len(pairs_a & pairs_b) >= SIMILAR * (len(pairs_a) + len(pairs_b))
