"""Near-duplicate messages: the same text, or nearly, as one of a member's last few messages earns no
activity points. Compared in memory only (each of the last few messages as at most 200 characters of its
normal form; the latest one as it came until it is first compared); no text is ever stored."""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from itertools import chain

from rapidfuzz.distance import Indel
from rapidfuzz.process import extractOne
from rapidfuzz.utils import default_process

KEEP = 5  # messages remembered per member
SIMILAR = 0.85  # Indel similarity (2·LCS / total length) from which two messages are "nearly" the same
_LONGEST = 200  # characters of a message compared (spam repeats its start)
_SHORTEST = 8  # characters of a normal form below which only an identical message is a repeat ("ok", "thanks")
# Each character followed by the same one: removing them leaves one of every run (`yesss` -> `yes`); an empty
# replacement is re's fast path, where a `\1` template was expanded in Python for every match.
_REPEATED = re.compile(r"(.)(?=\1)")


def normalise(text: str) -> str:
    """Case, punctuation, spacing and stretched letters (`sooooo`, `yesss`: every run of a letter reads as one) do
    not make a message new. A message of nothing but punctuation or emoji (`👍`, `!!!`) is its own form, spaces
    removed: repeated as it is, it is a repeat. Normalising a normal form changes nothing."""
    head = text[: 2 * _LONGEST]
    if head.isascii():
        # rapidfuzz's default_process (in C): lower case, every character but letters and digits a space, trimmed.
        form = default_process(head)
    else:
        form = _noise().sub(" ", unicodedata.normalize("NFC", head.casefold()).translate(_OPTIONAL_MARKS)).strip()
    form = _REPEATED.sub("", form)
    return form[:_LONGEST] or "".join(text.split())[:_LONGEST]


# Vowel points that writers of Arabic and Hebrew mostly leave out (a message with them repeats one without),
# and the Arabic tatweel that stretches a word (U+0640: `شكــــرا` is `شكرا`).
_OPTIONAL_MARKS = dict.fromkeys(
    chain(
        range(0x0591, 0x05C8), range(0x0610, 0x061B), [0x0640], range(0x064B, 0x0660), [0x0670], range(0x06D6, 0x06EE)
    )
)


@cache
def _noise() -> re.Pattern[str]:
    """Runs of characters that are not part of a word: neither letters, digits nor combining marks. A vowel sign
    of Devanagari or Thai, an Arabic haraka, an accent typed apart belong to the letter they are written on
    (`दिन` and `दान` are different words; default_process would blank the signs and make them one). The marks'
    ranges are read from the Unicode database once, with the first message that is not ASCII (about 50 ms)."""
    marks = [
        code
        for code in chain(range(0x20000), range(0xE0100, 0xE01F0))  # every script's plane; variation selectors
        if unicodedata.category(chr(code))[0] == "M"
    ]
    ranges: list[list[int]] = []
    for code in marks:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    kept = "".join(f"{re.escape(chr(first))}-{re.escape(chr(last))}" for first, last in ranges)
    return re.compile(f"(?:[^\\w{kept}]|_)+")


def similar(form: str, earlier: tuple[str, ...]) -> bool:
    """Whether the normal form `form` (at least `_SHORTEST` characters) is nearly one of `earlier`: an Indel
    similarity (twice the longest common subsequence over the sum of the lengths; rapidfuzz's `fuzz.ratio` / 100)
    of at least `SIMILAR`, so a typo or a changed word in a sentence leaves them alike. One call into C for all of
    `earlier`, with an early exit where the lengths alone rule a pair out: about a microsecond for five messages."""
    return (
        len(form) >= _SHORTEST
        and extractOne(form, earlier, scorer=Indel.normalized_similarity, processor=None, score_cutoff=SIMILAR)
        is not None
    )


class Repeats:
    def __init__(self) -> None:
        # Per member, strings only (no work for the garbage collector, little memory): a bare string is the one
        # message the member sent so far, as it came (at most `_LONGEST` characters: a longer one is normalised
        # at once): most members' first message waits for their next one, many never send it, so it is
        # normalised only when compared. A tuple holds the last `KEEP` normal forms, oldest first (a tuple, not
        # a deque: a deque takes over 600 bytes however short, 60 MB for 100,000 members).
        self._recent: dict[int, str | tuple[str, ...]] = {}

    def seen(self, member_id: int, text: str) -> bool:
        """Whether `text` repeats one of the member's last messages (the same normal form, or `similar` to one);
        remembers it either way. A message without text (an attachment, a sticker) repeats nothing."""
        earlier = self._earlier(member_id)
        if earlier is None:
            self._recent[member_id] = _kept(text)
            return False
        form = normalise(text)
        self._recent[member_id] = (*earlier, form)[-KEEP:]
        return bool(form) and (form in earlier or similar(form, earlier))

    def remember(self, member_id: int, text: str) -> None:
        """Keep `text` among the member's last messages without comparing it (a message that earns nothing
        anyway, within the cooldown)."""
        earlier = self._earlier(member_id)
        self._recent[member_id] = _kept(text) if earlier is None else (*earlier, normalise(text))[-KEEP:]

    def _earlier(self, member_id: int) -> tuple[str, ...] | None:
        recent = self._recent.get(member_id)
        return (normalise(recent),) if isinstance(recent, str) else recent


def _kept(text: str) -> str:
    return text if len(text) <= _LONGEST else normalise(text)
