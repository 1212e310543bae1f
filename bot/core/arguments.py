"""Text command arguments, for platforms that deliver a command as a line (Slack, the console).

Options are given by position or as `name:value`; quotes group words; the last text option takes the
rest of the line, so `/kudos @bob thanks for the help` needs no quotes. Mentions are recognised by
the platform's `resolve` (Slack `<@U123|bob>`, console `@bob`).
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


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        start = i
        value: list[str] = []
        while i < len(text) and not text[i].isspace():
            char = text[i]
            closing = {'"': '"', "“": "”", "<": ">"}.get(char)
            if closing and (char != "<" or not value):
                end = text.find(closing, i + 1)
                if end == -1:
                    raise UserError(f"A {char} in `{text[start:]}` is never closed.")
                value.append(text[i + 1 : end] if char != "<" else text[i : end + 1])
                i = end + 1
            else:
                value.append(char)
                i += 1
        tokens.append(_Token("".join(value), start))
    return tokens


def usage(spec: CommandSpec) -> str:
    parts = [f"/{spec.path}"]
    parts += [option.name if option.required else f"[{option.name}]" for option in spec.options]
    return " ".join(parts)


def parse_arguments(spec: CommandSpec, text: str, resolve: Resolver) -> dict[str, object]:
    """Raw option values by name; mentions resolved to refs, everything else left as text."""
    names = {option.name for option in spec.options}
    values: dict[str, object] = {}
    tokens = _tokens(text)
    positional = [option for option in spec.options]
    index = 0
    while index < len(tokens):
        token = tokens[index]
        named = _NAMED.match(token.value)
        if named and named.group(1) in names and not token.value.startswith("<"):
            name, raw = named.group(1), named.group(2)
            option = spec.option(name)
            values[name] = _resolved(raw, option.type, resolve)
            index += 1
            continue
        while positional and positional[0].name in values:
            positional.pop(0)
        if not positional:
            raise UserError(f"I didn't expect `{token.value}`. Usage: `{usage(spec)}`")
        option = positional.pop(0)
        if option.type is OptionType.TEXT and not [o for o in positional if o.name not in values]:
            rest = text[token.start :].strip()
            values[option.name] = token.value if len(tokens) - index == 1 else rest
            break
        values[option.name] = _resolved(token.value, option.type, resolve)
        index += 1
    return values


def _resolved(raw: str, kind: OptionType, resolve: Resolver) -> object:
    if kind in (OptionType.MEMBER, OptionType.CHANNEL, OptionType.ROLE):
        found = resolve(raw, kind)
        if found is None:
            what = {OptionType.MEMBER: "member", OptionType.CHANNEL: "channel", OptionType.ROLE: "role"}[kind]
            raise UserError(f"I couldn't find the {what} `{raw}`.")
        return found
    return raw
