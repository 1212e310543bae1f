"""Near-duplicate messages: the same text, or nearly, as one of a member's last few messages earns no
activity points. Compared in memory only (a short normalised form of each of the last few messages); no
text is ever stored."""

from __future__ import annotations

import re
from collections import deque
from difflib import SequenceMatcher

KEEP = 5  # messages remembered per member
SIMILAR = 0.9  # SequenceMatcher ratio from which two messages are "nearly" the same
_LONGEST = 200  # characters of a message compared (spam repeats its start)
_NOISE = re.compile(r"[\W_]+")
_RUNS = re.compile(r"(.)\1{2,}")


def normalise(text: str) -> str:
    """Case, punctuation, spacing and stretched letters (`sooooo`) do not make a message new."""
    return _RUNS.sub(r"\1\1", _NOISE.sub(" ", text.casefold())).strip()[:_LONGEST]


class Repeats:
    def __init__(self) -> None:
        self._recent: dict[int, deque[str]] = {}

    def seen(self, member_id: int, text: str) -> bool:
        """Whether `text` repeats one of the member's last messages; remembers it either way."""
        form = normalise(text)
        recent = self._recent.setdefault(member_id, deque(maxlen=KEEP))
        repeat = bool(form) and any(_similar(form, earlier) for earlier in recent)
        recent.append(form)
        return repeat


def _similar(a: str, b: str) -> bool:
    if a == b:
        return True
    if min(len(a), len(b)) < 8 or abs(len(a) - len(b)) > 0.2 * max(len(a), len(b)):
        return False  # short messages ("ok", "thanks") are only repeats when identical
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    return matcher.quick_ratio() >= SIMILAR and matcher.ratio() >= SIMILAR
