"""The Slack app manifest for `hearth slack-manifest`, generated from the command registry.

Paste it into https://api.slack.com/apps ("Create New App" -> "From an app manifest"); every command a
cog declares becomes a slash command (a group, like `/config`, is one command whose first word is the verb).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from bot.core.arguments import usage
from bot.core.commands import CommandSpec
from bot.core.registry import Registry

# What the adapter calls, and why (keep in step with platform.py).
BOT_SCOPES = (
    "commands",  # slash commands
    "chat:write",  # replies and announcements
    "chat:write.public",  # post in public channels Hearth was not invited to
    "im:write",  # conversations.open for direct messages
    "mpim:write",  # conversations.open with several members: pairing rituals introduce them together
    "users:read",  # users.info: names, bots, workspace admins and owners; team_join
    "usergroups:read",  # usergroups.users.list: moderator groups (SLACK_MODERATOR_GROUPS)
    "reactions:read",  # reaction_added / reaction_removed
    "channels:history",  # message events in public channels
    "groups:history",  # message events in private channels Hearth is in
    "channels:read",  # member_joined_channel in public channels
    "groups:read",  # member_joined_channel in private channels
    "channels:manage",  # conversations.invite into public channels
    "groups:write",  # conversations.invite into private channels
    "channels:join",  # join a public channel before inviting someone into it
    "files:write",  # files_upload_v2: rank cards, charts and exports as files
)
# Scopes added after apps were installed: missing one is a warning at start (what needs it fails with a
# reason naming the scope), so updating Hearth does not stop an app installed from an older manifest.
LATER_SCOPES = frozenset({"files:write"})
BOT_EVENTS = (
    "message.channels",
    "message.groups",
    "team_join",
    "member_joined_channel",
    "reaction_added",
    "reaction_removed",
    "app_home_opened",  # the App Home tab: a member's checklist (views.publish needs no scope)
    "user_change",  # a deactivated account is a member who left
    "app_uninstalled",  # Hearth removed: the workspace's data goes after a grace period
    "tokens_revoked",
)
PLACEHOLDER_URL = "https://YOUR-HOST/slack/events"


def checked_request_url(url: str) -> str:
    """`url` when Slack can use it as a request URL: `https://` and a host (Slack refuses plain http);
    else ValueError saying so. A host alone (`https://hearth.example.com`) gets Hearth's path, `/slack/events`:
    Hearth serves nothing else, and every request Slack sent there went unanswered. Another path stays (a
    proxy may map it)."""
    parsed = urlsplit(url.strip())
    if parsed.scheme.lower() != "https" or not parsed.hostname:
        raise ValueError(
            f"`{url}` can't be a Slack request URL: Slack only calls https:// addresses, like {PLACEHOLDER_URL}"
        )
    if parsed.path in ("", "/") and not parsed.query:
        return parsed._replace(path=urlsplit(PLACEHOLDER_URL).path, fragment="").geturl()
    return url.strip()


DESCRIPTION_LIMIT = 140  # Slack's limit for a slash command's description and for its usage hint


def shortened(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """`text` in at most `limit` characters: whole, or cut after its last whole group verb (` | `) or else
    its last whole word, with "…" added. A single word longer than the limit is cut inside it."""
    if len(text) <= limit:
        return text
    room = text[: limit - 1]  # one character for the "…"
    for separator in (" | ", " "):
        cut = room.rfind(separator)
        # A verb boundary only when it keeps most of the room; a word boundary whenever there is one.
        if cut > 0 and (separator == " " or cut >= limit // 2):
            room = room[:cut]
            break
    return room.rstrip(" |,;") + "…"


def slash_commands(registry: Registry) -> list[tuple[str, str, str]]:
    """(command, description, usage hint) for every top-level command and every group."""
    commands: list[tuple[str, str, str]] = []
    groups = registry.groups()
    for spec in sorted(registry.commands.values(), key=lambda s: s.path):
        if spec.group is None:
            commands.append((f"/{spec.name}", spec.description, _hint(spec)))
    for group, specs in sorted(groups.items()):
        verbs = sorted(specs, key=lambda s: s.name)
        description = verbs[0].group_description or f"{group} commands"
        hint = " | ".join(f"{spec.name} {_hint(spec)}".strip() for spec in verbs)
        commands.append((f"/{group}", description, hint))
    return sorted(commands)


def _hint(spec: CommandSpec) -> str:
    return usage(spec).split(" ", len(spec.path.split()))[-1] if spec.options else ""


def build_manifest(registry: Registry, *, socket_mode: bool, url: str = PLACEHOLDER_URL, name: str = "Hearth") -> dict:
    """The manifest as a dict; HTTP mode points commands, events and interactivity at `url`."""
    commands: list[dict[str, Any]] = []
    for command, description, hint in slash_commands(registry):
        entry: dict[str, Any] = {
            "command": command,
            "description": shortened(description),
            "should_escape": True,  # mentions arrive as <@U123|name>, channels as <#C123|name>
        }
        if hint:
            entry["usage_hint"] = shortened(hint)
        if not socket_mode:
            entry["url"] = url
        commands.append(entry)
    interactivity: dict[str, Any] = {"is_enabled": True}
    events: dict[str, Any] = {"bot_events": list(BOT_EVENTS)}
    if not socket_mode:
        interactivity["request_url"] = url
        events["request_url"] = url
    return {
        "display_information": {
            "name": name,
            "description": "Kudos, leaderboards, onboarding and rituals for your community",
        },
        "features": {
            "bot_user": {"display_name": name, "always_online": True},
            # Home: each member's personal page; Messages: the direct messages Hearth sends (checklists).
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": True,
            },
            "slash_commands": commands,
        },
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": socket_mode,
            "token_rotation_enabled": False,
        },
    }
