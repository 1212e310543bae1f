"""`/config show` (moderators) and `/config set` (admins), validated against config/community.py."""

from __future__ import annotations

from bot.core.commands import CommandSpec, Option, OptionType
from bot.core.context import Context
from bot.core.refs import ChannelRef, Permission
from bot.core.registry import Registry
from bot.core.reply import Card, CardField, Reply, UserError, channel_mention
from bot.core.services import Services
from config.community import CHANNEL_KEYS, SETTING_KEYS, CommunitySettings, describe_setting


class SettingsFeature:
    def __init__(self, services: Services) -> None:
        self.services = services

    def register(self, registry: Registry) -> None:
        group = {"group": "config", "group_description": "Community settings"}
        registry.command(
            CommandSpec(
                name="show",
                description="Show this community's settings",
                handler=self.show,
                permission=Permission.MODERATOR,
                **group,  # type: ignore[arg-type]
            )
        )
        registry.command(
            CommandSpec(
                name="set",
                description="Change one community setting",
                handler=self.set,
                permission=Permission.ADMIN,
                options=(
                    Option("key", OptionType.CHOICE, "Which setting", choices=SETTING_KEYS),
                    Option("value", OptionType.TEXT, "The new value", required=False, max_length=100),
                    Option("channel", OptionType.CHANNEL, "A channel, for the *_channel settings", required=False),
                ),
                **group,  # type: ignore[arg-type]
            )
        )

    def _card(self, ctx: Context, settings: CommunitySettings, title: str) -> Card:
        fields = []
        for key in SETTING_KEYS:
            shown = describe_setting(settings, key)
            channel = getattr(settings, key) if key in CHANNEL_KEYS else None
            if channel:
                shown = channel_mention(ChannelRef(ctx.community.ref, channel))
            fields.append(CardField(key, shown))
        return Card(title=title, fields=tuple(fields), footer="Change one with /config set KEY VALUE")

    async def show(self, ctx: Context) -> Reply:
        return Reply(card=self._card(ctx, ctx.settings, "Community settings"), ephemeral=True)

    async def set(self, ctx: Context, key: str, value: str | None, channel: ChannelRef | None) -> Reply:
        if key in CHANNEL_KEYS and channel is not None:
            raw = channel.external_id
        elif value is not None:
            raw = value
        else:
            raise UserError(f"Give a value for `{key}`, like `/config set {key} VALUE`.")
        settings = await self.services.config.set(ctx.community.id, key, raw)
        return Reply(
            text=f"Done: `{key}` is now {describe_setting(settings, key)}.",
            card=self._card(ctx, settings, "Community settings"),
            ephemeral=True,
        )
