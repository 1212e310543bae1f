"""Every Discord payload the fake server sends or answers, built in one place.

`DiscordWorld` is one guild with named members, channels and roles; the builders below turn it into
gateway events (READY, GUILD_CREATE, INTERACTION_CREATE, MESSAGE_CREATE, ...) and REST answers. Field
names follow Discord's API v10 documentation; only what discord.py 2.x reads is filled in.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

Payload = dict[str, Any]

TIMESTAMP = "2026-03-04T12:00:00.000000+00:00"
# Real snowflakes have 17-20 digits, which is what mention escaping and parsing look for.
_snowflakes = itertools.count(1_100_000_000_000_000_001)

# Option and component types (Discord API v10).
SUB_COMMAND, STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, NUMBER = 1, 3, 4, 5, 6, 7, 8, 10
PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5
BUTTON, STRING_SELECT, TEXT_INPUT = 2, 3, 4
EPHEMERAL = 64
GUILD, BOT_DM = 0, 1  # interaction contexts
# Permission bits.
ADMINISTRATOR, MANAGE_CHANNELS, MANAGE_GUILD, MANAGE_MESSAGES, MANAGE_ROLES = 1 << 3, 1 << 4, 1 << 5, 1 << 13, 1 << 28
VIEW_CHANNEL, SEND_MESSAGES = 1 << 10, 1 << 11
ALL_PERMISSIONS = (1 << 53) - 1
ROLE_OVERWRITE, MEMBER_OVERWRITE = 0, 1
CATEGORY, FORUM = 4, 15  # channel types (a forum takes messages only in its posts, which are threads)
MEMBERS_INTENT, MESSAGE_CONTENT_INTENT = 1 << 1, 1 << 15


def snowflake() -> str:
    return str(next(_snowflakes))


def user(name: str, *, bot: bool = False, user_id: str | None = None) -> Payload:
    return {
        "id": user_id or snowflake(),
        "username": name,
        "global_name": name.capitalize(),
        "discriminator": "0",
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
    }


def role(name: str, guild_id: str, *, permissions: int = 0, position: int = 1, role_id: str | None = None) -> Payload:
    return {
        "id": role_id or snowflake(),
        "name": name,
        "permissions": str(permissions),
        "position": position,
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "flags": 0,
        "guild_id": guild_id,
    }


def text_channel(name: str, guild_id: str, position: int = 0, *, channel_type: int = 0) -> Payload:
    """A text channel (`channel_type` 4: a category)."""
    return {
        "id": snowflake(),
        "type": channel_type,
        "name": name,
        "guild_id": guild_id,
        "position": position,
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": None,
        "topic": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
    }


def overwrite(target_id: str, kind: int, *, allow: int = 0, deny: int = 0) -> Payload:
    """A channel's permission overwrite for a role (`ROLE_OVERWRITE`; the guild id is @everyone) or a member."""
    return {"id": target_id, "type": kind, "allow": str(allow), "deny": str(deny)}


def thread(name: str, parent: Payload, owner_id: str) -> Payload:
    return {
        "id": snowflake(),
        "type": 11,
        "name": name,
        "guild_id": parent["guild_id"],
        "parent_id": parent["id"],
        "owner_id": owner_id,
        "member_count": 1,
        "message_count": 0,
        "rate_limit_per_user": 0,
        "last_message_id": None,
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": 1440,
            "archive_timestamp": TIMESTAMP,
            "locked": False,
        },
    }


def member(
    person: Payload,
    roles: list[str],
    *,
    with_user: bool = True,
    permissions: int | None = None,
    joined_at: str = TIMESTAMP,
) -> Payload:
    data: Payload = {
        "roles": roles,
        "joined_at": joined_at,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "nick": None,
        "avatar": None,
        "pending": False,
    }
    if with_user:
        data["user"] = person
    if permissions is not None:
        data["permissions"] = str(permissions)
    return data


@dataclass
class DiscordWorld:
    """One guild: the bot, members with roles, text channels. Names are test handles."""

    name: str = "Hearth Test Server"
    guild_id: str = field(default_factory=snowflake)
    application_id: str = field(default_factory=snowflake)
    users: dict[str, Payload] = field(default_factory=dict)
    roles: dict[str, Payload] = field(default_factory=dict)
    member_roles: dict[str, list[str]] = field(default_factory=dict)
    channels: dict[str, Payload] = field(default_factory=dict)
    threads: list[Payload] = field(default_factory=list)  # active threads (in GUILD_CREATE after a restart)
    messages: dict[str, Payload] = field(default_factory=dict)  # by id: what GET .../messages/{id} finds
    owner: str = "owner"
    joined_at: dict[str, str] = field(default_factory=dict)  # when each member joined (default: TIMESTAMP)
    gone: set[str] = field(default_factory=set)  # users no longer in the guild: not in GUILD_CREATE, not members
    unlisted: int = 0  # members the guild counts that GUILD_CREATE leaves out (a large guild's come in chunks)
    kicked: bool = False  # Hearth is no longer in the guild: READY lists no guild and no GUILD_CREATE follows

    @classmethod
    def standard(cls) -> DiscordWorld:
        """@owner (owns the guild), @admin, @mod, @alice, @bob, @helper (a bot), Hearth itself; #general, #ideas."""
        world = cls()
        gid = world.guild_id
        world.roles = {
            "everyone": role("@everyone", gid, permissions=VIEW_CHANNEL | SEND_MESSAGES, position=0, role_id=gid),
            "Admins": role("Admins", gid, permissions=MANAGE_GUILD, position=5),
            "Mods": role("Mods", gid, permissions=MANAGE_MESSAGES, position=4),
            "Hearth": role("Hearth", gid, permissions=MANAGE_ROLES | MANAGE_CHANNELS, position=3),
            "Newcomer": role("Newcomer", gid, position=1),
        }
        world.users["hearth"] = user("hearth", bot=True, user_id=world.application_id)
        for name in ("owner", "admin", "mod", "alice", "bob"):
            world.users[name] = user(name)
        world.users["helper"] = user("helper", bot=True)
        world.member_roles = {"hearth": ["Hearth"], "admin": ["Admins"], "mod": ["Mods"]}
        world.channels = {name: text_channel(name, gid, i) for i, name in enumerate(("general", "ideas"))}
        return world

    def id(self, name: str) -> str:
        return str(self.users[name]["id"])

    def role_ids(self, name: str) -> list[str]:
        return [self.roles[role_name]["id"] for role_name in self.member_roles.get(name, [])]

    def member(self, name: str, *, with_user: bool = True) -> Payload:
        return member(
            self.users[name],
            self.role_ids(name),
            with_user=with_user,
            permissions=self.permissions(name),
            joined_at=self.joined_at.get(name, TIMESTAMP),
        )

    def permissions(self, name: str) -> int:
        bits = int(self.roles["everyone"]["permissions"])
        for role_name in self.member_roles.get(name, []):
            bits |= int(self.roles[role_name]["permissions"])
        return bits

    def add_member(self, name: str, *, bot: bool = False) -> Payload:
        self.users[name] = user(name, bot=bot)
        return self.users[name]

    def add_channel(self, name: str, *, channel_type: int = 0) -> Payload:
        self.channels[name] = text_channel(name, self.guild_id, len(self.channels), channel_type=channel_type)
        return self.channels[name]

    def add_role(self, name: str, *, position: int = 1, permissions: int = 0) -> Payload:
        self.roles[name] = role(name, self.guild_id, permissions=permissions, position=position)
        return self.roles[name]

    def deny(self, channel: str, who: str, permissions: int) -> Payload:
        """`who` (a role or a member, by name) loses `permissions` in the channel; returns the channel (for
        CHANNEL_UPDATE when the bot is already connected)."""
        target, kind = (
            (self.roles[who]["id"], ROLE_OVERWRITE) if who in self.roles else (self.id(who), MEMBER_OVERWRITE)
        )
        data = self.channels[channel]
        data["permission_overwrites"].append(overwrite(target, kind, deny=permissions))
        return data

    def channel_permissions(self, name: str, channel_id: str) -> int:
        """A member's permissions in a channel (a thread: its parent's), as Discord computes them: server-wide
        bits, then the channel's @everyone overwrite, its role overwrites together, its member overwrite."""
        bits = self.permissions(name)
        if bits & ADMINISTRATOR:
            return ALL_PERMISSIONS
        parent = next((t["parent_id"] for t in self.threads if t["id"] == channel_id), channel_id)
        found = next((c for c in self.channels.values() if c["id"] == parent), None)
        overwrites = {o["id"]: o for o in (found or {}).get("permission_overwrites", [])}
        allow = deny = 0
        for layer in ([self.guild_id], self.role_ids(name), [self.id(name)]):
            for target in layer:
                if target in overwrites:
                    allow |= int(overwrites[target]["allow"])
                    deny |= int(overwrites[target]["deny"])
            bits = (bits & ~deny) | allow
            allow = deny = 0
        return bits

    def role_name(self, role_id: str) -> str:
        return next(name for name, data in self.roles.items() if data["id"] == role_id)

    def channel_name(self, channel_id: str) -> str:
        return next(name for name, data in self.channels.items() if data["id"] == channel_id)

    def user_name(self, user_id: str) -> str:
        return next(name for name, data in self.users.items() if data["id"] == user_id)


# -- gateway ---------------------------------------------------------------------------------------
def hello(interval_ms: int = 45_000) -> Payload:
    return {"op": 10, "d": {"heartbeat_interval": interval_ms}, "s": None, "t": None}


def heartbeat_ack() -> Payload:
    return {"op": 11, "d": None, "s": None, "t": None}


def dispatch(event: str, data: Payload, sequence: int) -> Payload:
    return {"op": 0, "t": event, "s": sequence, "d": data}


def ready(world: DiscordWorld, resume_url: str) -> Payload:
    return {
        "v": 10,
        "user": {**world.users["hearth"], "verified": True, "mfa_enabled": False, "flags": 0},
        "guilds": [] if world.kicked else [{"id": world.guild_id, "unavailable": True}],
        "session_id": "fake-session",
        "resume_gateway_url": resume_url,
        "application": {"id": world.application_id, "flags": 0},
        "private_channels": [],
        "relationships": [],
    }


def guild_create(world: DiscordWorld) -> Payload:
    members = [world.member(name) for name in world.users if name not in world.gone]
    return {
        "id": world.guild_id,
        "name": world.name,
        "owner_id": world.id(world.owner),
        "icon": None,
        "roles": list(world.roles.values()),
        "channels": list(world.channels.values()),
        "members": members,
        # As many as listed: discord.py then knows the member list is complete and asks for no chunks.
        "member_count": len(members) + world.unlisted,
        "large": False,
        "unavailable": False,
        "joined_at": TIMESTAMP,
        "threads": world.threads,
        "emojis": [],
        "stickers": [],
        "features": [],
        "premium_tier": 0,
        "preferred_locale": "en-US",
        "voice_states": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "mfa_level": 0,
        "verification_level": 0,
        "explicit_content_filter": 0,
        "default_message_notifications": 0,
        "nsfw_level": 0,
        "system_channel_id": None,
        "afk_channel_id": None,
        "afk_timeout": 300,
    }


def message_create(
    world: DiscordWorld,
    author: str,
    content: str,
    *,
    channel: str = "general",
    mentions: tuple[str, ...] = (),
    thread: Payload | None = None,
) -> Payload:
    """A member's message in a channel, or in `thread` (a message there names only the thread)."""
    channel_id = thread["id"] if thread else world.channels[channel]["id"]
    data = message(channel_id, world.users[author], content, message_id=snowflake())
    data["guild_id"] = world.guild_id
    data["member"] = world.member(author, with_user=False)
    data["mentions"] = [{**world.users[name], "member": world.member(name, with_user=False)} for name in mentions]
    return data


def webhook_message(world: DiscordWorld, name: str, content: str, *, channel: str = "general") -> Payload:
    """A message a webhook posted (a feed, an announcement, PluralKit's proxy): its author is the webhook, no user
    of the guild, named as the webhook chose, with the webhook's id."""
    hook = {**user(name, bot=True), "discriminator": "0000", "global_name": None}
    data = message(world.channels[channel]["id"], hook, content)
    data.update(guild_id=world.guild_id, webhook_id=hook["id"])
    return data


def member_add(world: DiscordWorld, name: str) -> Payload:
    return {**world.member(name), "guild_id": world.guild_id}


def member_remove(world: DiscordWorld, name: str) -> Payload:
    return {"guild_id": world.guild_id, "user": world.users[name]}


def guild_delete(world: DiscordWorld, *, unavailable: bool = False) -> Payload:
    """Hearth kicked from the guild (or the guild deleted); `unavailable`: an outage, nothing removed."""
    return {"id": world.guild_id, **({"unavailable": True} if unavailable else {})}


def role_update(world: DiscordWorld, name: str) -> Payload:
    return {"guild_id": world.guild_id, "role": world.roles[name]}


def channel_update(world: DiscordWorld, name: str) -> Payload:
    return {**world.channels[name], "guild_id": world.guild_id}


def member_update(world: DiscordWorld, name: str) -> Payload:
    return {**world.member(name), "guild_id": world.guild_id}


def thread_create(thread: Payload) -> Payload:
    """THREAD_CREATE for a thread Hearth just started (it is the thread's first member)."""
    return {**thread, "newly_created": True}


def reaction_add(world: DiscordWorld, name: str, message: Payload, emoji: str = "👍") -> Payload:
    return {
        "user_id": world.id(name),
        "channel_id": message["channel_id"],
        "message_id": message["id"],
        "guild_id": world.guild_id,
        "emoji": {"id": None, "name": emoji},
        "member": world.member(name),
        "message_author_id": message["author"]["id"],
        "burst": False,
        "type": 0,
    }


def reaction_remove(world: DiscordWorld, name: str, message: Payload, emoji: str = "👍") -> Payload:
    """MESSAGE_REACTION_REMOVE: Discord sends neither the member nor the message's author."""
    added = reaction_add(world, name, message, emoji)
    return {key: value for key, value in added.items() if key not in ("member", "message_author_id")}


def message_delete(world: DiscordWorld, message: Payload) -> Payload:
    return {"id": message["id"], "channel_id": message["channel_id"], "guild_id": world.guild_id}


def message_delete_bulk(world: DiscordWorld, messages: list[Payload]) -> Payload:
    return {"ids": [m["id"] for m in messages], "channel_id": messages[0]["channel_id"], "guild_id": world.guild_id}


# -- interactions ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Mention:
    """An option value naming a member, channel or role of the world."""

    kind: str  # "member", "channel" or "role"
    name: str


def _interaction(world: DiscordWorld, kind: int, invoker: str, channel: str, data: Payload, **extra: Any) -> Payload:
    channel_data = world.channels[channel]
    return {
        "id": extra.pop("interaction_id", None) or snowflake(),
        "application_id": world.application_id,
        "type": kind,
        "token": f"token-{snowflake()}",
        "version": 1,
        "guild_id": world.guild_id,
        "guild": {"id": world.guild_id, "locale": "en-US", "features": []},
        "channel_id": channel_data["id"],
        "channel": channel_data,
        "member": world.member(invoker),
        "data": data,
        "locale": "en-US",
        "guild_locale": "en-US",
        "app_permissions": str(world.permissions("hearth")),
        "entitlements": [],
        "authorizing_integration_owners": {"0": world.guild_id},
        "context": 0,
        "attachment_size_limit": 8 * 1024 * 1024,
        **extra,
    }


def command_interaction(
    world: DiscordWorld,
    invoker: str,
    command: str,
    options: Mapping[str, str | int | float | Mention] | None = None,
    *,
    channel: str = "general",
    interaction_id: str | None = None,
) -> Payload:
    """`/kudos` or `/config set` (a space makes a subcommand), options as the client would send them: a bool as a
    boolean option, an int as an integer, a float as a number (as a client whose command list declared them so)."""
    name, _, subcommand = command.partition(" ")
    resolved: dict[str, dict[str, Payload]] = {}
    option_list = []
    for option_name, value in (options or {}).items():
        kind: int
        option_value: str | int | float
        if isinstance(value, Mention):
            kind, option_value = _resolve(world, value, resolved)
        elif isinstance(value, bool):
            kind, option_value = BOOLEAN, value
        elif isinstance(value, int):
            kind, option_value = INTEGER, value
        elif isinstance(value, float):
            kind, option_value = NUMBER, value
        else:
            kind, option_value = STRING, value
        option_list.append({"name": option_name, "type": kind, "value": option_value})
    if subcommand:
        option_list = [{"name": subcommand, "type": SUB_COMMAND, "options": option_list}]
    data: Payload = {"id": snowflake(), "name": name, "type": 1, "options": option_list, "guild_id": world.guild_id}
    if resolved:
        data["resolved"] = resolved
    return _interaction(world, APPLICATION_COMMAND, invoker, channel, data, interaction_id=interaction_id)


def autocomplete_interaction(world: DiscordWorld, invoker: str, command: str, option: str, typed: str) -> Payload:
    """The client asking which values fit what `invoker` has typed so far into `option`."""
    payload = command_interaction(world, invoker, command, {option: typed})
    options = payload["data"]["options"]
    if options[0]["type"] == SUB_COMMAND:
        options = options[0]["options"]
    options[0]["focused"] = True
    payload["type"] = AUTOCOMPLETE
    return payload


def _resolve(world: DiscordWorld, mention: Mention, resolved: dict[str, dict[str, Payload]]) -> tuple[int, str]:
    if mention.kind == "member":
        person = world.users[mention.name]
        resolved.setdefault("users", {})[person["id"]] = person
        if mention.name not in world.gone:
            resolved.setdefault("members", {})[person["id"]] = world.member(mention.name, with_user=False)
        return USER, person["id"]
    if mention.kind == "channel":
        channel = world.channels[mention.name]
        resolved.setdefault("channels", {})[channel["id"]] = {**channel, "permissions": str(VIEW_CHANNEL)}
        return CHANNEL, channel["id"]
    found = world.roles[mention.name]
    resolved.setdefault("roles", {})[found["id"]] = found
    return ROLE, found["id"]


def component_interaction(
    world: DiscordWorld,
    invoker: str,
    custom_id: str,
    message: Payload,
    *,
    values: tuple[str, ...] = (),
    channel: str = "general",
) -> Payload:
    data: Payload = {"custom_id": custom_id, "component_type": STRING_SELECT if values else BUTTON}
    if values:
        data["values"] = list(values)
    return _interaction(world, MESSAGE_COMPONENT, invoker, channel, data, message=message)


def dm_component_interaction(
    world: DiscordWorld, invoker: str, custom_id: str, message: Payload, *, values: tuple[str, ...] = ()
) -> Payload:
    """A click on a component of a message Hearth sent by DM: no guild, a user instead of a member."""
    data: Payload = {"custom_id": custom_id, "component_type": STRING_SELECT if values else BUTTON}
    if values:
        data["values"] = list(values)
    channel = dm_channel(world.users[invoker], channel_id=message["channel_id"])
    payload = _interaction(world, MESSAGE_COMPONENT, invoker, "general", data, message=message)
    for guild_only in ("guild_id", "guild", "member", "guild_locale"):
        del payload[guild_only]
    payload.update(channel_id=channel["id"], channel=channel, user=world.users[invoker], context=BOT_DM)
    payload["authorizing_integration_owners"] = {"1": world.id(invoker)}
    return payload


def modal_interaction(
    world: DiscordWorld, invoker: str, custom_id: str, values: dict[str, str], *, channel: str = "general"
) -> Payload:
    rows = [
        {"type": 1, "components": [{"type": TEXT_INPUT, "custom_id": name, "value": value}]}
        for name, value in values.items()
    ]
    return _interaction(world, MODAL_SUBMIT, invoker, channel, {"custom_id": custom_id, "components": rows})


# -- REST answers ----------------------------------------------------------------------------------
def application(world: DiscordWorld) -> Payload:
    return {
        "id": world.application_id,
        "name": "Hearth",
        "description": "",
        "icon": None,
        "bot_public": True,
        "bot_require_code_grant": False,
        "owner": world.users[world.owner],
        "verify_key": "0" * 64,
        "flags": 0,
        "team": None,
        "summary": "",
        "rpc_origins": [],
        "interactions_endpoint_url": None,
    }


def gateway_bot(url: str) -> Payload:
    return {
        "url": url,
        "shards": 1,
        "session_start_limit": {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1},
    }


def message(
    channel_id: str, author: Payload, content: str | None, *, message_id: str | None = None, **more: Any
) -> Payload:
    return {
        "id": message_id or snowflake(),
        "channel_id": channel_id,
        "author": author,
        "content": content or "",
        "timestamp": TIMESTAMP,
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": more.get("embeds") or [],
        "components": more.get("components") or [],
        "pinned": False,
        "type": 0,
        "flags": more.get("flags") or 0,
    }


def bot_message(world: DiscordWorld, channel_id: str, body: Payload) -> Payload:
    """The message Discord would create from a request body Hearth sent."""
    return message(
        channel_id,
        world.users["hearth"],
        body.get("content"),
        embeds=body.get("embeds"),
        components=body.get("components"),
        flags=body.get("flags"),
    )


def interaction_callback(interaction_id: str, kind: int, flags: int, created: Payload | None) -> Payload:
    """Answer to `POST /interactions/{id}/{token}/callback?with_response=1`."""
    resource: Payload = {"type": kind}
    if created is not None:
        resource["message"] = created
    return {
        "interaction": {
            "id": interaction_id,
            "type": APPLICATION_COMMAND,
            "response_message_id": created["id"] if created else None,
            "response_message_loading": kind == 5,
            "response_message_ephemeral": bool(flags & EPHEMERAL),
        },
        "resource": resource,
    }


def dm_channel(recipient: Payload, *, channel_id: str | None = None) -> Payload:
    return {"id": channel_id or snowflake(), "type": 1, "recipients": [recipient], "last_message_id": None}


def synced_commands(world: DiscordWorld, body: list[Payload], guild_id: str | None) -> list[Payload]:
    return [
        {
            **command,
            "id": snowflake(),
            "application_id": world.application_id,
            "version": snowflake(),
            **({"guild_id": guild_id} if guild_id else {}),
        }
        for command in body
    ]


def error(code: int, text: str) -> Payload:
    return {"code": code, "message": text}


def over_limits(body: Any) -> list[str]:
    """What of a message body (a post, an edit, a follow-up, an interaction callback's `data`) is over Discord's
    limits, for which Discord refuses the whole message (50035 Invalid Form Body): content over 2,000 characters;
    an embed's title over 256, description over 4,096, over 25 fields, a field's name over 256 or value over 1,024,
    footer over 2,048; all embeds' text together over 6,000, or over 10 embeds; a modal's text input whose value is
    longer than its `max_length` (BASE_TYPE_BAD_LENGTH)."""
    if not isinstance(body, dict):
        return []
    problems = []
    if len(body.get("content") or "") > 2000:
        problems.append("content is over 2000 characters")
    found = body.get("embeds") or []
    if len(found) > 10:
        problems.append("over 10 embeds")
    total = 0
    for index, embed in enumerate(found):
        fields = embed.get("fields") or []
        texts = {
            "title": (embed.get("title") or "", 256),
            "description": (embed.get("description") or "", 4096),
            "footer": ((embed.get("footer") or {}).get("text") or "", 2048),
        }
        for number, embed_field in enumerate(fields):
            texts[f"field {number} name"] = (embed_field["name"], 256)
            texts[f"field {number} value"] = (embed_field["value"], 1024)
        for part, (text, limit) in texts.items():
            total += len(text)
            if len(text) > limit:
                problems.append(f"embed {index} {part} is over {limit} characters")
        if len(fields) > 25:
            problems.append(f"embed {index} has over 25 fields")
    if total > 6000:
        problems.append("the embeds hold over 6000 characters")
    for row in body.get("components") or []:
        for item in row.get("components") or []:
            if item.get("type") == TEXT_INPUT and len(item.get("value") or "") > item.get("max_length", 4000):
                problems.append(f"text input {item['custom_id']}: its value is longer than its max_length")
    return problems
