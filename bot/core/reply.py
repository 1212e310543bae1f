"""What Hearth says: neutral replies that each platform renders (embeds, Block Kit, Rich panels).

Text is Markdown (`**bold**`, `*italic*`, `` `code` ``). Members and channels are written into it with
`mention()` / `channel_mention()`, which produce tokens the renderers turn into native mentions; only
those members may be pinged. Everything else, user text included, is escaped by the renderer.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from bot.core.refs import ChannelRef, Member, MemberRef

# Control characters cannot be typed into a chat box; user text is stripped of them on the way in
# (see `clean_user_text`), so nobody can forge a mention token.
_TOKEN = re.compile(r"\x1f([mcl])([^\x1e\x1f]*)\x1e([^\x1f]*)\x1f")
# C0 (but tab and newline), DEL and C1: none is typed, and a terminal obeys some (U+009B starts a command).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Terminal escape sequences whole, before their ESC (or C1 introducer) goes with the control characters, so
# no `[31m` is left behind: CSI (`ESC [` or U+009B, parameters, one final byte), OSC (`ESC ]` or U+009D up to
# BEL or the string terminator; unterminated, to the end) and the other `ESC` sequences (`ESC c`, `ESC ( B`;
# ECMA-48 and ECMA-35).
_ESCAPE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?|\x1b[ -/]*[0-~]"
)
# Bidirectional embeddings, overrides and isolates: in a name or a reason they would reorder the text
# around them ("kudos to evil\u202e..." read backwards), so they are dropped wherever text is rendered.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def mention(member: Member | MemberRef) -> str:
    ref = member.ref if isinstance(member, Member) else member
    return f"\x1fm{ref.external_id}\x1e{ref.display_name or ref.external_id}\x1f"


def channel_mention(channel: ChannelRef) -> str:
    return f"\x1fc{channel.external_id}\x1e{channel.name or channel.external_id}\x1f"


def literal(text: str) -> str:
    """Text a person chose (a name, a reason) placed inside Markdown, to be shown exactly as typed: each
    renderer escapes its own Markdown in it (`_erin_` stays `_erin_`, a backtick opens no code span)."""
    return f"\x1fl\x1e{clean_user_text(text)}\x1f"


def clean_user_text(text: str) -> str:
    """Strip control characters (and so any forged mention token) and bidi overrides from text a person typed."""
    return _BIDI.sub("", _CONTROL.sub("", _ESCAPE.sub("", text)))


# Characters that show nothing: format characters (zero-width space and joiners, word joiner, byte order mark,
# soft hyphen), the Hangul and Braille blanks often used as invisible names, and the marks Unicode says to show
# as nothing (Default_Ignorable_Code_Point): the combining grapheme joiner, Khmer's inherent vowels, and the
# variation selectors, Mongolian's and the general ones (`\ufe0f` of an emoji, alone).
_INVISIBLE = frozenset(
    "\u115f\u1160\u2800\u3164\uffa0\u034f\u17b4\u17b5\u180b\u180c\u180d\u180f"
    + "".join(map(chr, range(0xFE00, 0xFE10)))
    + "".join(map(chr, range(0xE0100, 0xE01F0)))
)


def typed_text(text: str) -> str:
    """What a person typed into a text option or a form field, cleaned (`clean_user_text`), composed (NFC: `e` and
    a combining accent typed apart are the one `é` they look like, and count as one character against a limit)
    and stripped; empty when nothing in it would show (spaces, zero-width characters), as if nothing had been typed."""
    text = unicodedata.normalize("NFC", clean_user_text(text)).strip()
    if all(char.isspace() or char in _INVISIBLE or unicodedata.category(char) == "Cf" for char in text):
        return ""
    return text


# What would format or ping where a person's text is shown raw (a thread's name): Markdown's paired markers and
# code ticks (a lone `_` stays: `dana_k` is a name), and each platform's mention syntax (`<@&123>`, `<!here>`).
_MARKERS = re.compile(r"\*+|__+|~~+|\|\|+|`+")
_MENTION_SYNTAX = re.compile(r"<(?:@[!&]?|#|!)[^<>\s]*>")
_BROADCAST = re.compile(r"@(?=(?:everyone|here|channel)\b)", re.IGNORECASE)


def unmarked(text: str) -> str:
    """A person's text for a place that renders no Markdown and must ping nobody (a thread's name): markup and
    mention syntax dropped, `@everyone` read as a word; spacing collapsed."""
    text = _BROADCAST.sub("", _MENTION_SYNTAX.sub("", _MARKERS.sub("", clean_user_text(text))))
    return " ".join(text.split())


def neutral_bidi(text: str) -> str:
    """`text` without bidirectional overrides and isolates (names come from platforms with them intact)."""
    return _BIDI.sub("", text)


def render_tokens(
    text: str,
    member: Callable[[str, str], str],
    channel: Callable[[str, str], str],
    escape: Callable[[str], str] = lambda part: part,
    literal: Callable[[str], str] | None = None,
) -> str:
    """Replace mention tokens with `member(external_id, name)` / `channel(...)` and `literal()` text with
    `literal(text)` (default: `escape`), escaping the rest.

    Every renderer goes through here, so bidi overrides in names and stored text are dropped here too.
    """
    out: list[str] = []
    position = 0
    text = neutral_bidi(text)
    for match in _TOKEN.finditer(text):
        out.append(escape(text[position : match.start()]))
        kind, external_id, name = match.groups()
        if kind == "l":
            out.append((literal or escape)(name))
        else:
            out.append(member(external_id, name) if kind == "m" else channel(external_id, name))
        position = match.end()
    out.append(escape(text[position:]))
    return "".join(out)


def pieces(text: str, limit: int) -> list[str]:
    """`text` cut into pieces of at most `limit` characters, for a platform that takes no longer text in one place
    (a Discord embed's description, a Slack section): each piece ends at a line break when one falls within the
    limit (the break itself is dropped), else it is cut at the limit. At least one piece, empty for empty text."""
    result: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit + 1)
        if cut > 0:
            result.append(text[:cut])
            text = text[cut + 1 :]
        else:
            result.append(text[:limit])
            text = text[limit:]
    result.append(text)
    return result


def mentioned_members(text: str) -> list[str]:
    """External ids of the members a text mentions on purpose (the only ones a platform may ping)."""
    return [external_id for kind, external_id, _ in _TOKEN.findall(text) if kind == "m"]


class ButtonStyle(StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"
    SUCCESS = "success"
    DANGER = "danger"


@dataclass(frozen=True)
class Button:
    """`action_id` carries all the state the click needs, so buttons keep working after a restart."""

    label: str
    action_id: str
    style: ButtonStyle = ButtonStyle.SECONDARY


@dataclass(frozen=True)
class SelectOption:
    label: str
    value: str
    default: bool = False  # shown already chosen (what the member chose before), so choosing again keeps it


@dataclass(frozen=True)
class Select:
    action_id: str
    options: tuple[SelectOption, ...]
    placeholder: str = ""
    min_values: int = 1
    max_values: int = 1


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    max_length: int = 200
    required: bool = True
    long: bool = False
    placeholder: str = ""
    default: str = ""


@dataclass(frozen=True)
class Form:
    """A form opened for the invoker: a Discord modal, a Slack modal, console prompts."""

    form_id: str
    title: str
    fields: tuple[FormField, ...]


@dataclass(frozen=True)
class CardField:
    name: str
    value: str
    inline: bool = True


@dataclass(frozen=True)
class Card:
    title: str = ""
    description: str = ""
    fields: tuple[CardField, ...] = ()
    footer: str = ""
    color: int | None = None
    image: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Attachment:
    """A file sent with a reply: a PNG chart or rank card, a JSON or CSV export. `filename` names it for the
    person (its extension says the type); `description` is its alternative text."""

    filename: str
    data: bytes = field(repr=False)
    description: str = ""


@dataclass(frozen=True)
class Reply:
    """A message (or a form) for a person. `ephemeral`: only the invoker sees it where they acted; `dm`: it
    goes to their direct messages, with a private note where they acted (shown there privately instead when
    their DMs are closed), on every platform (`bot.core.inbound`)."""

    text: str = ""
    card: Card | None = None
    buttons: tuple[Button, ...] = ()
    select: Select | None = None
    form: Form | None = None
    ephemeral: bool = False
    dm: bool = False
    # Discord attaches them, Slack uploads them into the conversation, the console writes them to files.
    files: tuple[Attachment, ...] = ()
    # Posts that follow this reply once it is delivered, in order (`bot.core.inbound`): the level a kudos made
    # someone reach is announced under the kudos, not above it.
    then: tuple[tuple[ChannelRef, Reply], ...] = ()

    @classmethod
    def private(cls, text: str, **extra: object) -> Reply:
        return cls(text=text, ephemeral=True, **extra)  # type: ignore[arg-type]

    def all_text(self) -> str:
        """Every piece of text in the reply (for mention checks)."""
        parts = [self.text]
        if self.card:
            parts += [self.card.title, self.card.description, self.card.footer]
            parts += [f"{f.name} {f.value}" for f in self.card.fields]
        return "\n".join(parts)


class UserError(Exception):
    """A polite refusal. Raised inside a write transaction it also rolls the change back."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
