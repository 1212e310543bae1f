"""Replies as Discord messages: embeds, components and modals, with only intended members pinged.

Mention tokens become `<@id>` / `<#id>`; everything else is escaped, so `@everyone`, `@here` and
`<@&role>` typed by a member stay text. `allowed_mentions` names exactly the members the reply's text
mentions on purpose, as a second lock.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace
from typing import Any

import discord

from bot.core.reply import ButtonStyle, Card, Form, Reply, mentioned_members, pieces, render_tokens

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


# Discord's limits for embeds (https://discord.com/developers/docs/resources/message#embed-object-embed-limits): a
# message over any of them is refused whole.
CONTENT_LIMIT = 2000  # a message's own text
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELDS_PER_EMBED = 25
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
EMBEDS_TOTAL = 6000  # all the text of all of a message's embeds together
EMBEDS_PER_MESSAGE = 10
_NOTHING = "\u200b"  # what a field without a name or value shows, since Discord requires both


class _Embeds:
    """A card's embeds being filled, within Discord's limits for one message."""

    def __init__(self, title: str, footer: str, colour: discord.Colour | None) -> None:
        self.colour = colour
        self.embeds = [discord.Embed(title=title or None, colour=colour)]
        self.room = EMBEDS_TOTAL - len(title) - len(footer)

    def take(self, text: str) -> str | None:
        """`text` as it fits in what is left of the message's characters (cut with `…`); None when nothing is."""
        if self.room <= 0:
            return None
        if len(text) > self.room:
            text = text[: self.room - 1] + "…"
        self.room -= len(text)
        return text

    def next(self) -> discord.Embed | None:
        """A further embed, continuing the card; None past Discord's number of embeds a message."""
        if len(self.embeds) == EMBEDS_PER_MESSAGE:
            return None
        self.embeds.append(discord.Embed(colour=self.colour))
        return self.embeds[-1]

    def describe(self, text: str) -> bool:
        """The card's description, continued in further embeds when longer than one takes. False: it was cut."""
        for index, piece in enumerate(pieces(text, DESCRIPTION_LIMIT)):
            target = self.embeds[0] if index == 0 else self.next()
            kept = self.take(piece) if target is not None else None
            if target is None or kept is None:
                return False
            target.description = kept
            if kept != piece:
                return False
        return True

    def field(self, name: str, value: str, inline: bool) -> bool:
        """A field, its value continued in further unnamed fields when longer than one takes (each on its own line),
        in a further embed once one holds 25. False: it was cut."""
        values = pieces(value, FIELD_VALUE_LIMIT)
        for index, piece in enumerate(values):
            shown_name = name if index == 0 else _NOTHING
            target = self.embeds[-1] if len(self.embeds[-1].fields) < FIELDS_PER_EMBED else self.next()
            kept_name = self.take(shown_name) if target is not None else None
            kept = self.take(piece or _NOTHING) if kept_name is not None else None
            if target is None or kept_name is None or kept is None:
                return False
            target.add_field(name=kept_name, value=kept, inline=inline and len(values) == 1)
            if kept != (piece or _NOTHING):
                return False
        return True


def embeds(card: Card) -> list[discord.Embed]:
    """A card as Discord embeds: one when it fits, else continued in more rather than cut (a description over
    4,096 characters, a field over 1,024, more than 25 fields: a long `/help`, every setting of `/config show`, a
    community's rules). Discord refuses a whole message over its limits, so only what is past 6,000 characters or
    10 embeds is cut, with `…`. The footer and the image close the last embed."""
    title = plain(card.title)[:TITLE_LIMIT]
    footer = plain(card.footer)[:FOOTER_LIMIT]
    result = _Embeds(title, footer, discord.Colour(card.color) if card.color is not None else None)
    whole = not card.description or result.describe(markdown(card.description))
    for card_field in card.fields if whole else ():
        name = plain(card_field.name)[:FIELD_NAME_LIMIT] or _NOTHING
        if not result.field(name, markdown(card_field.value), card_field.inline):
            break
    last = result.embeds[-1]
    if footer:
        last.set_footer(text=footer)
    if card.image:
        last.set_image(url=f"attachment://{IMAGE_NAME}")
    return result.embeds


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
    content = markdown(reply.text)
    card = reply.card
    if len(content) > CONTENT_LIMIT:
        # Longer than a message's text may be: the words open the card (or make one), whose embeds carry on
        # rather than cut (Discord refuses the whole message otherwise). An embed pings nobody it mentions.
        card = (
            replace(card, description=f"{reply.text}\n\n{card.description}") if card else Card(description=reply.text)
        )
        content = ""
    kwargs: dict[str, Any] = {"content": content or None, "allowed_mentions": allowed_mentions(reply)}
    if card or editing:  # an edit to a reply without a card takes the card away
        kwargs["embeds"] = embeds(card) if card else []
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
