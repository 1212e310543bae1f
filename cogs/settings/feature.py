"""`/config show` (moderators) and `/config set` (admins), over every loaded cog's settings section."""

from __future__ import annotations

from bot.core.commands import Group, Option, OptionType
from bot.core.context import Context
from bot.core.messenger import check_can_post
from bot.core.refs import ChannelRef, Permission
from bot.core.registry import Registry
from bot.core.reply import Card, CardField, Reply, UserError, channel_mention
from bot.core.services import Services
from config.community import CommunitySettings

CONFIG = Group("config", "Community settings")
# Characters in a `/config set` value: the longest list setting (`level_roles`, 2,000); each setting's own limit
# (`level_titles` 1,000, `value_tags` 700) is checked by its section, naming the setting.
VALUE_LIMIT = 2000
# Channel settings Hearth only links to (`{rules_channel}` in a welcome): it need not post there, and a rules
# channel is usually read-only. Hearth posts in every other `*_channel`, so one it may not post in is refused.
LINKED_ONLY = ("rules_channel",)


class SettingsFeature:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.catalog = services.settings.catalog

    def register(self, registry: Registry) -> None:
        registry.commands_of(self)
        # Built here, not with a decorator: its choices are the keys of every loaded cog's section.
        keys = self.catalog.keys()
        registry.command(
            CONFIG.spec(
                "set",
                "Change one community setting",
                self.set,
                Option("key", OptionType.CHOICE, "Which setting", choices=keys),
                Option("value", OptionType.TEXT, "The new value", required=False, max_length=VALUE_LIMIT),
                Option("channel", OptionType.CHANNEL, "A channel, for the *_channel settings", required=False),
                permission=Permission.ADMIN,
                # Every key needs a value or a channel, so the key alone (the generic example) is refused.
                example="/config set timezone Europe/Berlin",
            )
        )

    def _card(self, ctx: Context, settings: CommunitySettings, title: str) -> Card:
        fields = [CardField(key, self._shown(ctx, settings, key)) for key in self.catalog.keys()]
        return Card(title=title, fields=tuple(fields), footer="Change one with /config set KEY VALUE")

    @CONFIG.command("show", "Show this community's settings", permission=Permission.MODERATOR, read_only=True)
    async def show(self, ctx: Context) -> Reply:
        return Reply(card=self._card(ctx, ctx.settings, "Community settings"), ephemeral=True)

    def _shown(self, ctx: Context, settings: CommunitySettings, key: str) -> str:
        channel = settings.value(key) if key in self.catalog.channel_keys() else None
        if isinstance(channel, str) and channel:
            return channel_mention(ChannelRef(ctx.community.ref, channel))
        return settings.describe(key)

    async def set(self, ctx: Context, key: str, value: str | None, channel: ChannelRef | None) -> Reply:
        if key in self.catalog.channel_keys():
            if channel is not None:
                if key not in LINKED_ONLY:
                    await check_can_post(self.services.messenger, channel)
                raw = channel.external_id
            elif value is not None and value.lower() in {"none", "off"}:
                raw = ""
            else:
                # Text is never stored as a channel: `#welcome` typed where no channel could be read from it.
                shown = f" (`{value}` is not a channel I can find)" if value else ""
                raise UserError(
                    f"`{key}` needs a channel{shown}: `/config set {key} channel:#welcome`, or `none` to unset it."
                )
        elif value is not None:
            raw = value
        else:
            # A list is cleared by `none`, never by a value left out by mistake.
            clear = ", or `none` to clear it" if self.catalog.clearable(key) else ""
            raise UserError(f"Give a value for `{key}`, like `/config set {key} VALUE`{clear}.")
        before = self._shown(ctx, ctx.settings, key)
        settings = await self.services.settings.set(ctx.community.id, key, raw)
        after = self._shown(ctx, settings, key)
        if before == after:
            return Reply.private(f"`{key}` was {after} already; nothing changed.")
        # A number alone is read as seconds (as it always was); say so, since `5` may have meant minutes.
        done = f"Done: `{key}` {before} → {after}{self.catalog.unit_note(key, raw)}."
        remark = self.catalog.remark(settings, key)
        return Reply.private(f"{done} {remark}" if remark else done)
