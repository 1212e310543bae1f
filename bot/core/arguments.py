"""Text command arguments, for platforms that deliver a command as a line (Slack, the console).

Options are given by position or as `name:value`; quotes group words; the last text option takes the
rest of the line verbatim, so `/kudos @bob thanks for the help` needs no quotes (and `27" monitor` is
fine). Mentions are recognised by the platform's `resolve` (Slack `<@U123|bob>`, console `@bob`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.core.commands import CommandSpec, OptionType
from bot.core.reply import UserError

Resolver = Callable[[str, OptionType], object | None]
_NAMED = re.compile(r"^([a-z_][a-z0-9_-]*):(.*)$", re.DOTALL)


@dataclass(frozen=True)
class _Token:
    value: str
    start: int


_QUOTES = {'"': '"', "“": "”"}


def _next_token(text: str, i: int) -> tuple[_Token | None, int]:
    """The token starting at or after `i` (None at the end), and where the next one may start."""
    while i < len(text) and text[i].isspace():
        i += 1
    if i >= len(text):
        return None, i
    start = i
    value: list[str] = []
    while i < len(text) and not text[i].isspace():
        char = text[i]
        closing = _QUOTES.get(char) or (">" if char == "<" and not value else None)
        if closing:
            end = text.find(closing, i + 1)
            if end == -1:
                raise UserError(f"A {char} in `{text[start:]}` is never closed.")
            value.append(text[i + 1 : end] if char != "<" else text[i : end + 1])
            i = end + 1
        else:
            value.append(char)
            i += 1
    return _Token("".join(value), start), i


def _rest(text: str, start: int) -> str:
    """What the last text option gets from `start`: one quoted token's words, else the line verbatim
    (a lone quote inside it, as in `27" monitor`, is just a character)."""
    rest = text[start:].strip()
    if rest[:1] not in _QUOTES:
        return rest
    token, end = _next_token(text, start)
    assert token is not None
    return token.value if not text[end:].strip() else rest


def usage(spec: CommandSpec) -> str:
    parts = [f"/{spec.path}"]
    parts += [option.name if option.required else f"[{option.name}]" for option in spec.options]
    return " ".join(parts)


def parse_arguments(spec: CommandSpec, text: str, resolve: Resolver) -> dict[str, object]:
    """Raw option values by name; mentions resolved to refs, everything else left as text."""
    names = {option.name for option in spec.options}
    values: dict[str, object] = {}
    positional = list(spec.options)
    # Tokens are read one at a time: the last text option takes the rest of the line unread.
    token, after = _next_token(text, 0)
    while token is not None:
        named = _NAMED.match(token.value)
        if named and named.group(1) in names and not token.value.startswith("<"):
            name, raw = named.group(1), named.group(2)
            values[name] = _resolved(raw, spec.option(name).type, resolve)
            token, after = _next_token(text, after)
            continue
        while positional and positional[0].name in values:
            positional.pop(0)
        if not positional:
            raise UserError(f"I didn't expect `{token.value}`. Usage: `{usage(spec)}`")
        option = positional.pop(0)
        if option.type is OptionType.TEXT and not [o for o in positional if o.name not in values]:
            values[option.name] = _rest(text, token.start)
            break
        values[option.name] = _resolved(token.value, option.type, resolve)
        token, after = _next_token(text, after)
    return values


def _resolved(raw: str, kind: OptionType, resolve: Resolver) -> object:
    if kind in (OptionType.MEMBER, OptionType.CHANNEL, OptionType.ROLE):
        found = resolve(raw, kind)
        if found is None:
            what = {OptionType.MEMBER: "member", OptionType.CHANNEL: "channel", OptionType.ROLE: "role"}[kind]
            raise UserError(f"I couldn't find the {what} `{raw}`.")
        return found
    return raw
