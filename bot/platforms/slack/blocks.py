"""Replies as Slack Block Kit: text sections, cards, buttons, menus and modals.

Markdown from cogs becomes Slack mrkdwn (`**b**` -> `*b*`, `*i*` -> `_i_`, `~~s~~` -> `~s~`). Text is
escaped (`&`, `<`, `>`) before mention tokens become `<@U123>` / `<#C123>`, so nothing a person typed
can ping `<!channel>`, `<!here>` or `<!everyone>`: only the members a cog mentioned on purpose.
Pure data, no Slack library: the dicts are what the Web API takes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from bot.core.reply import ButtonStyle, Card, CardField, Form, Reply, Select, clean_user_text, pieces, render_tokens

Block = dict[str, Any]

# Block Kit limits (https://api.slack.com/reference/block-kit/blocks).
HEADER_LIMIT = 150
SECTION_LIMIT = 3000
FIELD_LIMIT = 2000
FIELDS_PER_SECTION = 10
LABEL_LIMIT = 75
MODAL_TITLE_LIMIT = 24
BUTTONS_PER_BLOCK = 25
HOME_BLOCK_LIMIT = 100

_BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)
_ITALIC = re.compile(r"(?<![*\w])\*(?![*\s])([^*\n]+?)(?<!\s)\*(?![*\w])")
_STRIKE = re.compile(r"~~(.+?)~~", re.DOTALL)
_MRKDWN_SPECIAL = re.compile(r"([*_~`])")
_HELD = re.compile(r"\x00(\d+)\x00")
_CODE_SPAN = re.compile(r"(`[^`\n]*`)")
_STYLES = {ButtonStyle.PRIMARY: "primary", ButtonStyle.SUCCESS: "primary", ButtonStyle.DANGER: "danger"}


def escape(text: str) -> str:
    """Slack's three control characters; `<!channel>` typed by a person becomes harmless text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _as_typed(text: str) -> str:
    """A person's text inside mrkdwn, shown as typed. mrkdwn has no escape character: a zero-width space
    on each side of `*`, `_`, `~` and a backtick keeps it from opening or closing any formatting."""
    return _MRKDWN_SPECIAL.sub("\u200b\\1\u200b", escape(text))


def _render(
    markdown: str,
    member: Callable[[str, str], str],
    channel: Callable[[str, str], str],
    escape_own: Callable[[str], str],
    convert: Callable[[str], str],
    typed: Callable[[str], str],
) -> str:
    """Render tokens, convert Hearth's own Markdown, then put in people's text (`literal`) untouched by it."""
    held: list[str] = []

    def hold(text: str) -> str:
        held.append(text)
        return f"\x00{len(held) - 1}\x00"

    converted = convert(render_tokens(markdown, member=member, channel=channel, escape=escape_own, literal=hold))
    return _HELD.sub(lambda match: typed(held[int(match.group(1))]), converted)


def _mrkdwn_markers(text: str) -> str:
    """Hearth's Markdown emphasis as mrkdwn's, outside code spans: a span is shown as written (a line to copy,
    `/leaderboard season:"Spring *2027*"`, must read back as typed, not as `_2027_`)."""
    return "".join(part if index % 2 else _emphasis(part) for index, part in enumerate(_CODE_SPAN.split(text)))


def _emphasis(text: str) -> str:
    converted = _ITALIC.sub(r"_\1_", text)
    converted = _BOLD.sub(r"*\1*", converted)
    return _STRIKE.sub(r"~\1~", converted)


def to_mrkdwn(markdown: str) -> str:
    """Markdown as Slack mrkdwn, escaped, with mention tokens as native mentions."""
    return _render(
        markdown,
        member=lambda external_id, _name: f"<@{external_id}>",
        channel=lambda external_id, _name: f"<#{external_id}>",
        escape_own=escape,
        convert=_mrkdwn_markers,
        typed=_as_typed,
    )


def to_plain(markdown: str) -> str:
    """Text for plain_text objects (headers, labels): mentions as names, emphasis markers dropped."""
    return _render(
        markdown,
        member=lambda _id, name: f"@{name}",
        channel=lambda _id, name: f"#{name}",
        escape_own=lambda own: own,
        convert=lambda text: _BOLD.sub(r"\1", text),
        typed=lambda text: text,
    )


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain(text: str, limit: int = SECTION_LIMIT) -> dict[str, Any]:
    return {"type": "plain_text", "text": _clip(to_plain(text), limit) or " ", "emoji": True}


def _mrkdwn(text: str, limit: int = SECTION_LIMIT) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": _clip(to_mrkdwn(text), limit)}


def _sections(text: str) -> list[Block]:
    """Markdown as one mrkdwn section, or several when longer than Slack takes in one (3,000 characters: a
    moderator's `/help`), each ending at a line break: Slack refuses a longer one, and cut it would lose the rest."""
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": piece}}
        for piece in pieces(to_mrkdwn(text), SECTION_LIMIT)
        if piece.strip()
    ]


def _field_text(card_field: CardField) -> str:
    return f"**{card_field.name}**\n{card_field.value}"


def card_blocks(card: Card) -> list[Block]:
    blocks: list[Block] = []
    if card.title:
        blocks.append({"type": "header", "text": plain(card.title, HEADER_LIMIT)})
    if card.description:
        blocks += _sections(card.description)
    inline: list[CardField] = []

    def flush_inline() -> None:
        for start in range(0, len(inline), FIELDS_PER_SECTION):
            chunk = inline[start : start + FIELDS_PER_SECTION]
            blocks.append({"type": "section", "fields": [_mrkdwn(_field_text(f), FIELD_LIMIT) for f in chunk]})
        inline.clear()

    for card_field in card.fields:
        if card_field.inline:
            inline.append(card_field)
        else:
            flush_inline()
            blocks += _sections(_field_text(card_field))
    flush_inline()
    if card.footer:
        blocks.append({"type": "context", "elements": [_mrkdwn(card.footer)]})
    return blocks


def _select_element(select: Select) -> dict[str, Any]:
    options = [{"text": plain(option.label, LABEL_LIMIT), "value": option.value} for option in select.options]
    element: dict[str, Any] = {"action_id": select.action_id, "options": options}
    if select.placeholder:
        element["placeholder"] = plain(select.placeholder, 150)
    chosen = [option for option, given in zip(options, select.options, strict=True) if given.default]
    if select.max_values > 1:
        element.update(type="multi_static_select", max_selected_items=select.max_values)
        if chosen:
            element["initial_options"] = chosen[: select.max_values]
    else:
        element["type"] = "static_select"
        if chosen:
            element["initial_option"] = chosen[0]
    return element


def reply_blocks(reply: Reply) -> list[Block]:
    """The message part of a reply (a form is opened as a modal instead, see `modal_view`)."""
    blocks: list[Block] = []
    if reply.text:
        blocks += _sections(reply.text)
    if reply.card:
        blocks += card_blocks(reply.card)
    for start in range(0, len(reply.buttons), BUTTONS_PER_BLOCK):
        elements = []
        for button in reply.buttons[start : start + BUTTONS_PER_BLOCK]:
            element: dict[str, Any] = {
                "type": "button",
                "text": plain(button.label, LABEL_LIMIT),
                "action_id": button.action_id,
            }
            if button.style in _STYLES:
                element["style"] = _STYLES[button.style]
            elements.append(element)
        blocks.append({"type": "actions", "elements": elements})
    if reply.select:
        blocks.append({"type": "actions", "elements": [_select_element(reply.select)]})
    return blocks


def fallback_text(reply: Reply) -> str:
    """The `text` of a message with blocks: shown in notifications, and where pings come from."""
    if reply.text:
        return to_mrkdwn(reply.text)
    if reply.card and (reply.card.title or reply.card.description):
        return escape(to_plain(reply.card.title or reply.card.description))
    return "Hearth"


def message_payload(reply: Reply) -> dict[str, Any]:
    return {"text": fallback_text(reply), "blocks": reply_blocks(reply)}


def modal_view(form: Form, metadata: dict[str, str]) -> dict[str, Any]:
    """A modal whose callback_id is the form id; `metadata` (where it was opened) comes back on submit."""
    blocks = []
    for form_field in form.fields:
        element: dict[str, Any] = {
            "type": "plain_text_input",
            "action_id": form_field.name,
            "multiline": form_field.long,
            "max_length": form_field.max_length,
        }
        if form_field.placeholder:
            element["placeholder"] = plain(form_field.placeholder, 150)
        if form_field.default:
            element["initial_value"] = form_field.default
        blocks.append(
            {
                "type": "input",
                "block_id": form_field.name,
                "optional": not form_field.required,
                "label": plain(form_field.label, 2000),
                "element": element,
            }
        )
    return {
        "type": "modal",
        "callback_id": form.form_id,
        "title": plain(form.title, MODAL_TITLE_LIMIT),
        "submit": plain("Submit"),
        "close": plain("Cancel"),
        "private_metadata": json.dumps(metadata),
        "blocks": blocks,
    }


def home_view(sections: list[Reply], notice: Reply | None = None) -> dict[str, Any]:
    """A member's App Home: each cog's section, divided; `notice` (the answer to a click there) on top."""
    blocks: list[Block] = []
    if notice is not None:
        blocks += reply_blocks(notice)
    for section in sections:
        if blocks:
            blocks.append({"type": "divider"})
        blocks += reply_blocks(section)
    if not sections:
        if blocks:
            blocks.append({"type": "divider"})
        blocks += _sections("Nothing waiting for you here. `/help` lists what Hearth can do.")
    return {"type": "home", "blocks": blocks[:HOME_BLOCK_LIMIT]}


def submission_errors(view: dict[str, Any]) -> dict[str, str]:
    """Per-field problems with a `view_submission`, checked against the modal's own inputs (their `optional`
    and `max_length`), as `response_action: errors` wants them: block_id -> message shown under the field.

    Slack's client enforces these too; checking them here keeps a modal open, with the typed text, when a
    submission gets past it, instead of closing it and refusing afterwards.
    """
    values = submitted_values(view)
    errors: dict[str, str] = {}
    for block in view.get("blocks") or []:
        element = block.get("element") or {}
        if block.get("type") != "input" or element.get("type") != "plain_text_input":
            continue
        name = block.get("block_id", "")
        typed = clean_user_text(values.get(name, "")).strip()
        limit = element.get("max_length")
        if not typed and not block.get("optional", False):
            errors[name] = "This needs an answer."
        elif limit is not None and len(typed) > int(limit):
            errors[name] = f"This is {len(typed)} characters long; the limit is {limit}. Please shorten it."
    return errors


def submitted_values(view: dict[str, Any]) -> dict[str, str]:
    """Field name -> text from a `view_submission` (block_id and action_id are both the field name)."""
    values: dict[str, str] = {}
    for block_id, actions in view.get("state", {}).get("values", {}).items():
        answer: dict[str, Any] = actions.get(block_id) or next(iter(actions.values()), {})
        values[block_id] = answer.get("value") or ""
    return values
