"""Replies as Discord messages: embeds, components and modals, with only intended members pinged.

Mention tokens become `<@id>` / `<#id>`; everything else is escaped, so `@everyone`, `@here` and
`<@&role>` typed by a member stay text. `allowed_mentions` names exactly the members the reply's text
mentions on purpose, as a second lock.
"""

from __future__ import annotations

import io
import re
from typing import Any

import discord

from bot.core.reply import ButtonStyle, Card, Form, Reply, mentioned_members, render_tokens

IMAGE_NAME = "card.png"
_STYLES = {
    ButtonStyle.PRIMARY: discord.ButtonStyle.primary,
    ButtonStyle.SECONDARY: discord.ButtonStyle.secondary,
    ButtonStyle.SUCCESS: discord.ButtonStyle.success,
    ButtonStyle.DANGER: discord.ButtonStyle.danger,
}


_escape = discord.utils.escape_mentions


def _literal(text: str) -> str:
    """User text inside Markdown, shown as typed: Discord hides the backslashes."""
    return discord.utils.escape_markdown(_escape(text))


# A click in a direct message comes with no server: components sent by DM carry it in their custom id.
_SCOPED = re.compile(r"g(\d+)\.(.+)", re.DOTALL)


def scoped(custom_id: str, guild_id: int | None) -> str:
    """`custom_id` as sent in a DM on behalf of server `guild_id` (unchanged in a server: None)."""
    return custom_id if guild_id is None else f"g{guild_id}.{custom_id}"


def unscoped(custom_id: str) -> tuple[int | None, str]:
    """The server a DM component was sent for, and the cog's own id."""
    match = _SCOPED.fullmatch(custom_id)
    return (int(match[1]), match[2]) if match else (None, custom_id)


def markdown(text: str) -> str:
    """Text for places that show mentions (content, embed description and field values)."""
    return render_tokens(
        text, member=lambda id_, _: f"<@{id_}>", channel=lambda id_, _: f"<#{id_}>", escape=_escape, literal=_literal
    )


def plain(text: str) -> str:
    """Text for places that show `<@id>` literally (titles, field names, footers, labels)."""
    return render_tokens(
        text, member=lambda _, name: f"@{name}", channel=lambda _, name: f"#{name}", escape=_escape, literal=_literal
    )


def allowed_mentions(reply: Reply) -> discord.AllowedMentions:
    users = [discord.Object(int(external_id)) for external_id in dict.fromkeys(mentioned_members(reply.text))]
    return discord.AllowedMentions(everyone=False, roles=False, users=users, replied_user=False)


def embed(card: Card) -> discord.Embed:
    # Discord refuses the whole message when a part is over its limit: clip rather than lose it.
    result = discord.Embed(
        title=plain(card.title)[:256] or None,
        description=markdown(card.description)[:4096] or None,
        colour=discord.Colour(card.color) if card.color is not None else None,
    )
    for card_field in card.fields[:25]:
        result.add_field(
            name=plain(card_field.name)[:256] or "\u200b",
            value=markdown(card_field.value)[:1024] or "\u200b",
            inline=card_field.inline,
        )
    if card.footer:
        result.set_footer(text=plain(card.footer)[:2048])
    if card.image:
        result.set_image(url=f"attachment://{IMAGE_NAME}")
    return result


def view(reply: Reply, scope: int | None = None) -> discord.ui.View | None:
    """Components whose custom ids are the reply's action ids; clicks come back by id (`on_interaction`).

    `scope`: the server whose components these are, when they go to a direct message.
    """
    if not reply.buttons and reply.select is None:
        return None
    result = discord.ui.View(timeout=None)
    for button in reply.buttons:
        result.add_item(
            discord.ui.Button(
                label=plain(button.label)[:80], custom_id=scoped(button.action_id, scope), style=_STYLES[button.style]
            )
        )
    if reply.select is not None:
        select = reply.select
        result.add_item(
            discord.ui.Select(
                custom_id=scoped(select.action_id, scope),
                placeholder=plain(select.placeholder)[:150] or None,
                min_values=select.min_values,
                max_values=min(select.max_values, len(select.options)),
                options=[
                    discord.SelectOption(label=plain(o.label)[:100], value=o.value, default=o.default)
                    for o in select.options
                ],
            )
        )
    # A stopped view is not kept in discord.py's memory: the ids carry the state, across restarts too.
    result.stop()
    return result


def modal(form: Form, scope: int | None = None) -> discord.ui.Modal:
    result = discord.ui.Modal(title=plain(form.title)[:45], custom_id=scoped(form.form_id, scope), timeout=None)
    for form_field in form.fields[:5]:
        result.add_item(
            discord.ui.TextInput(
                label=plain(form_field.label)[:45],
                custom_id=form_field.name,
                style=discord.TextStyle.paragraph if form_field.long else discord.TextStyle.short,
                max_length=min(form_field.max_length, 4000),
                required=form_field.required,
                placeholder=form_field.placeholder[:100] or None,
                default=form_field.default or None,
            )
        )
    result.stop()
    return result


def message_kwargs(reply: Reply, *, editing: bool = False, scope: int | None = None) -> dict[str, Any]:
    """Keyword arguments for discord.py's send / followup / edit calls (a form is shown separately).

    `scope`: the server the reply is about, when it goes to a direct message (see `scoped`).
    """
    kwargs: dict[str, Any] = {
        "content": markdown(reply.text)[:2000] or None,
        "embed": embed(reply.card) if reply.card else None,
        "allowed_mentions": allowed_mentions(reply),
    }
    components = view(reply, scope)
    if components is not None or editing:
        kwargs["view"] = components
    image = reply.card.image if reply.card else None
    files = [discord.File(io.BytesIO(image), filename=IMAGE_NAME)] if image else []
    files += [
        discord.File(
            io.BytesIO(attachment.data), filename=attachment.filename, description=attachment.description or None
        )
        for attachment in reply.files
    ]
    if editing:
        kwargs["attachments"] = files
    elif files:
        kwargs["files"] = files
    return kwargs
