"""Every reply Hearth's own code builds during a test is read as a person would: no doubled punctuation, no
placeholder left in braces, no "1 members". Installed for every test by `tests/conftest.py`; a reply that
reads wrong fails the test that produced it."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from bot.core.reply import Reply

# A token the renderers turn into a mention or show as typed (a person's text): only Hearth's words are read.
_TOKEN = re.compile(r"\x1f([mcl])([^\x1e\x1f]*)\x1e([^\x1f]*)\x1f")
# Placeholders a welcome message or a ritual prompt may use: shown as such when Hearth shows a template.
_DOCUMENTED = (
    "member",
    "community",
    "rules_channel",
    "welcome_channel",
    "intros_channel",
    "welcomer",
    "date",
    "week",
    "name",
)
_CHECKS = {
    # `::skin-tone-4` is how Slack writes an emoji's tone (`:raised_hands::skin-tone-4:`), not a typo.
    "doubled punctuation": re.compile(r"(?<!\.)([.,;:!?])\1(?!\.|skin-tone-)|[.!?,;:] [.,;:]|\s[.,;:!?](?=\s|$)"),
    "a placeholder left over": re.compile(r"\{(?!(?:" + "|".join(_DOCUMENTED) + r")\})[a-z_]*\}|\{\{|\}\}"),
    "a plural after 1": re.compile(
        r"(?<![\d.,])\b1 (?:[a-z]+ )?(member|point|step|time|day|week|month|year|minute|hour|second|ritual|"
        r"newcomer|field|interest|run|message|replie|row)s\b"
    ),
    "an empty placeholder": re.compile(r"\(\s*\)|\bthe to\b|''|``"),
}
# What a person typed, quoted back in backticks (`{rulez}`), is theirs.
_QUOTED = re.compile(r"`[^`]*`")


def problems(reply: Reply) -> list[str]:
    text = _TOKEN.sub(lambda token: "x" if token.group(1) == "l" else f"@{token.group(3) or 'x'}", reply.all_text())
    text = _QUOTED.sub("`x`", text)
    return [f"{what}: {text!r}" for what, pattern in _CHECKS.items() if pattern.search(text)]


def _built_by_hearth() -> bool:
    """Built by a cog or the core (not by a test, nor copied by `dataclasses.replace`)."""
    frame: FrameType | None = sys._getframe(2)
    while frame is not None and frame.f_globals.get("__name__") == "bot.core.reply":
        frame = frame.f_back  # Reply.private
    name = frame.f_globals.get("__name__", "") if frame is not None else ""
    return name.startswith(("cogs.", "bot.core."))


@contextmanager
def collected() -> Iterator[list[Reply]]:
    """The replies Hearth builds inside the block."""
    replies: list[Reply] = []
    original = Reply.__init__

    def record(self: Reply, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)  # type: ignore[arg-type]
        if _built_by_hearth():
            replies.append(self)

    Reply.__init__ = record  # type: ignore[method-assign]
    try:
        yield replies
    finally:
        Reply.__init__ = original  # type: ignore[method-assign]
