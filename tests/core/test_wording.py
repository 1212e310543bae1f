"""The reading check every test runs on the replies Hearth builds (`tests/wording.py`) catches what it should."""

from __future__ import annotations

import pytest

from bot.core.reply import Card, Reply, literal
from tests.wording import problems


@pytest.mark.parametrize(
    ("reply", "problem"),
    [
        (Reply("Done.."), "doubled punctuation"),
        (Reply("Saved , thanks"), "doubled punctuation"),
        (Reply(card=Card(title="Hi {who}!")), "a placeholder left over"),
        (Reply("1 new members joined"), "a plural after 1"),
        (Reply(card=Card(footer="0 of 1 steps done")), "a plural after 1"),
        (Reply("It needs the to be a member"), "an empty placeholder"),
    ],
)
def test_replies_that_read_wrong_are_caught(reply: Reply, problem: str) -> None:
    assert [found.split(":")[0] for found in problems(reply)] == [problem]


@pytest.mark.parametrize(
    "reply",
    [
        Reply("Done… 1 member, 2 points, 1.5 days."),
        Reply("Message: Welcome to {community}, {member}!"),  # a template shown as written
        Reply(f"Thanks {literal('for this!!')}"),  # a person's own words
        Reply("The welcome uses `{rulez}`, which I don't know."),
    ],
)
def test_replies_that_read_well_pass(reply: Reply) -> None:
    assert problems(reply) == []
