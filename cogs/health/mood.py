"""Mood of a message, scored in memory with VADER (vaderSentiment ships its lexicon: nothing is downloaded).

Only the score leaves this module, and only into a channel's daily counts; the text is never kept.
"""

from __future__ import annotations

import asyncio
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
