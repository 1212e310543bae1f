"""Mood of a message, scored in memory with VADER (vaderSentiment ships its lexicon: nothing is downloaded).

Only the score leaves this module, and only into a channel's daily counts; the text is never kept. Who wrote
in a channel on a day is kept here, in memory, only to count them (`Authors`); only the count is stored.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from functools import cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer


@cache
def _analyser() -> SentimentIntensityAnalyzer:
    # Loading the lexicon reads a file once; later scores are a dictionary walk over the message's words.
    return SentimentIntensityAnalyzer()


async def warm_up() -> None:
    """Load the lexicon in a worker at start, not on the event loop at the first scored message."""
    await asyncio.to_thread(_analyser)


def score(text: str) -> float:
    """VADER's compound score, -1 (most negative) to 1 (most positive)."""
    return float(_analyser().polarity_scores(text[:2000])["compound"])


# A day's authors are forgotten this long after it began (the community's zones are at most 26 h apart from UTC,
# so a message still counts for "yesterday" somewhere that long after).
_KEEP_DAYS = 3


class Authors:
    """Distinct members who wrote in a channel on a day, in memory: a mood row stores only how many.

    The stored count is the larger of the stored one and this process's (`storage.health`): exact while one
    process sees the whole day, and never more than the truth after a restart or across processes (who wrote
    before is not known then, so they are not counted twice; a channel-day may stay hidden rather than show
    with fewer than 5 authors). Days older than `_KEEP_DAYS` are dropped as new ones come; a community's are
    dropped with its stored mood counts (`forget`), so a count never outlives the messages it came with.
    """

    def __init__(self) -> None:
        self._seen: dict[int, dict[tuple[str, date], set[int]]] = {}
        self._newest: date | None = None

    def count(self, community_id: int, channel: str, day: date, member_id: int) -> int:
        """Record that the member wrote there that day; how many distinct members have, this one included."""
        if self._newest is None or day > self._newest:
            self._newest = day
            oldest = day - timedelta(days=_KEEP_DAYS)
            for days in self._seen.values():
                for key in [key for key in days if key[1] < oldest]:
                    del days[key]
        members = self._seen.setdefault(community_id, {}).setdefault((channel, day), set())
        members.add(member_id)
        return len(members)

    def forget(self, community_id: int) -> None:
        """Sentiment is off in the community: who wrote is no longer needed."""
        self._seen.pop(community_id, None)
