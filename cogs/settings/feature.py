"""`/config show` (moderators) and `/config set` (admins), over every loaded cog's settings section."""

from __future__ import annotations

from bot.core.commands import Group, Option, OptionType
from bot.core.context import Context
from bot.core.refs import ChannelRef, Permission
from bot.core.registry import Registry
from bot.core.reply import Card, CardField, Reply, UserError, channel_mention
from bot.core.services import Services
from config.community import CommunitySettings

CONFIG = Group("config", "Community settings")


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
                Option("value", OptionType.TEXT, "The new value", required=False, max_length=100),
                Option("channel", OptionType.CHANNEL, "A channel, for the *_channel settings", required=False),
                permission=Permission.ADMIN,
            )
        )

    def _card(self, ctx: Context, settings: CommunitySettings, title: str) -> Card:
        fields = []
        for key in self.catalog.keys():
            shown = settings.describe(key)
            channel = settings.value(key) if key in self.catalog.channel_keys() else None
            if isinstance(channel, str) and channel:
                shown = channel_mention(ChannelRef(ctx.community.ref, channel))
            fields.append(CardField(key, shown))
        return Card(title=title, fields=tuple(fields), footer="Change one with /config set KEY VALUE")

    @CONFIG.command("show", "Show this community's settings", permission=Permission.MODERATOR)
    async def show(self, ctx: Context) -> Reply:
        return Reply(card=self._card(ctx, ctx.settings, "Community settings"), ephemeral=True)

    async def set(self, ctx: Context, key: str, value: str | None, channel: ChannelRef | None) -> Reply:
        if key in self.catalog.channel_keys() and channel is not None:
            raw = channel.external_id
        elif value is not None:
            raw = value
        else:
            raise UserError(f"Give a value for `{key}`, like `/config set {key} VALUE`.")
        settings = await self.services.settings.set(ctx.community.id, key, raw)
        return Reply(
            text=f"Done: `{key}` is now {settings.describe(key)}.",
            card=self._card(ctx, settings, "Community settings"),
            ephemeral=True,
        )
