"""Slack's message format on the way in: mentions in command text as refs, markup as the plain text typed."""

from __future__ import annotations

import re

from bot.core.commands import OptionType
from bot.core.refs import ChannelRef, CommunityRef, MemberRef, RoleRef

_USER = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|([^>]*))?>$")
_CHANNEL = re.compile(r"^<#([CGD][A-Z0-9]+)(?:\|([^>]*))?>$")
_SUBTEAM = re.compile(r"^<!subteam\^([A-Z0-9]+)(?:\|@?([^>]*))?>$")
_MENTIONS = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_SLACK_MARKUP = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")


def from_slack_text(text: str) -> str:
    """Slack's message format as the plain text a person typed: `<@U1|bob>` -> `@bob`, `<!here>` -> `@here`,
    `<#C1|news>` -> `#news`, links -> `label (url)`, a date (`<!date^1392734382^{date_pretty}|Feb 18, 2014>`) -> its
    fallback text, and `&lt;` `&gt;` `&amp;` unescaped (renderers escape again).
    """

    def plain(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2) or ""
        if target[0] in "@#":
            return target[0] + (label or target[1:])
        if target.startswith("!date^"):  # a date each reader sees in their own zone: the text Slack falls back to
            return label
        if target.startswith("!"):
            name = label or target[1:].split("^")[0]
            return name if name.startswith("@") else f"@{name}"
        return f"{label} ({target})" if label and label != target else target

    unmarked = _SLACK_MARKUP.sub(plain, text)
    return unmarked.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def mentioned_ids(text: str) -> list[str]:
    """User ids mentioned in a message, each once, in order."""
    return list(dict.fromkeys(_MENTIONS.findall(text)))


def resolve(community: CommunityRef, token: str, kind: OptionType) -> object | None:
    """A command-text token as a ref: `<@U1|bob>` a member, `<#C1|news>` a channel, a user group a role."""
    if kind is OptionType.MEMBER and (match := _USER.match(token)):
        return MemberRef(community, match.group(1), match.group(2) or "")
    if kind is OptionType.CHANNEL and (match := _CHANNEL.match(token)):
        return ChannelRef(community, match.group(1), match.group(2) or "")
    if kind is OptionType.ROLE and (match := _SUBTEAM.match(token)):
        return RoleRef(community, match.group(1), match.group(2) or "")
    return None
