"""Recognition's settings: what kudos and messages are worth, and how often."""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator

from cogs.recognition.levels import DEFAULT_TITLES, MAX_LEVEL, MAX_TITLES, TITLE_LIMIT, encode_titles
from config.community import STORED, Section
from storage.ledger import CATEGORIES, PERIODS

# What /rank and board titles call a category, read as the category (`/leaderboard all introductions`): no value tag
# may take these names, or its board would hide the category's (a tag kept from before is read first, as it was).
CATEGORY_ALIASES = {"introductions": "intro", "introduction": "intro"}

# Slack names its emoji (`raised_hands`); Discord and the console send the character. A few common names map to
# their character so one `kudos_emoji` setting works everywhere; any other is compared as written.
EMOJI_NAMES = {
    "raised_hands": "🙌",
    "+1": "👍",
    "thumbsup": "👍",
    "heart": "❤️",
    "tada": "🎉",
    "clap": "👏",
    "star": "⭐",
    "pray": "🙏",
    "sparkles": "✨",
    "trophy": "🏆",
}

# Unicode's Extended_Pictographic characters, by block (the stdlib `re` has no \p{...}); the regional
# indicators (U+1F1E6 to U+1F1FF) only come in pairs, as flags.
_PICTOGRAPH = (
    "[\u00a9\u00ae\u203c\u2049\u2122\u2139\u2194-\u2199\u21a9\u21aa\u231a\u231b\u2328\u23cf\u23e9-\u23f3"
    "\u23f8-\u23fa\u24c2\u25aa\u25ab\u25b6\u25c0\u25fb-\u25fe\u2600-\u27bf\u2934\u2935\u2b05-\u2b07"
    "\u2b1b\u2b1c\u2b50\u2b55\u3030\u303d\u3297\u3299\U0001f000-\U0001f1e5\U0001f200-\U0001faff]"
)
# One emoji as Unicode TS #51 builds them: a pictograph with its presentation selector, skin tone or tag
# sequence (subdivision flags); a keycap (`1️⃣`); a flag (two regional indicators); joined by ZWJ (👩‍💻).
_ELEMENT = (
    f"(?:{_PICTOGRAPH}[\ufe0e\ufe0f]?[\U0001f3fb-\U0001f3ff]?[\U000e0020-\U000e007f]*"
    "|[0-9#*]\ufe0f?\u20e3|[\U0001f1e6-\U0001f1ff]{2})"
)
_UNICODE_EMOJI = re.compile(f"{_ELEMENT}(?:\u200d{_ELEMENT})*\ufe0f?")
_DISCORD_EMOJI = re.compile(r"<a?:[A-Za-z0-9_]{2,32}:[0-9]{15,21}>")  # a server's own emoji, <:name:id>
_SLACK_EMOJI = re.compile(r":[a-z0-9_+'-]{1,100}:(?::skin-tone-[2-6]:)?")  # Slack's names (and skin tone)


def taken_word(tag: str) -> str | None:
    """Why `tag` cannot be a value tag, when a board already answers to it (a sentence without its full stop), else
    None. `/leaderboard week` is the week's board, `me` is `around:me` and `/leaderboard period week` names the
    option: a tag so named could not be asked for by its name (until 2026-12-02 it was taken)."""
    if tag in ("all", *CATEGORIES, *CATEGORY_ALIASES):
        return f"{tag} is a board category already: choose another tag"
    if tag in (*PERIODS, "season", "me", "period", "category", "around"):
        return (
            f"{tag} is a word /leaderboard reads already (a period, an option's name, or around:me): choose another tag"
        )
    return None


class RecognitionSettings(Section):
    kudos_points: int = Field(10, ge=0, le=1000, description="Points a member receives with each kudos")
    kudos_daily_limit: int = Field(5, ge=0, le=100, description="Kudos each member may give per day")
    message_points: int = Field(1, ge=0, le=100, description="Points for a message after the cooldown")
    activity_cooldown: timedelta = Field(
        timedelta(seconds=60),
        ge=timedelta(0),
        le=timedelta(days=1),
        description="Time between two messages that earn points",
    )
    kudos_pair_cooldown: timedelta = Field(
        timedelta(0),
        ge=timedelta(0),
        le=timedelta(days=30),
        description="Time before a member may thank the same member again (0s: no limit)",
    )
    kudos_min_member_age: timedelta = Field(
        timedelta(0),
        ge=timedelta(0),
        le=timedelta(days=365),
        description="How long a member must have been here before giving kudos (0s: from the start)",
    )
    kudos_emoji: str = Field(
        "🙌", min_length=1, max_length=64, description="Reacting with this emoji gives the message's author kudos"
    )
    reaction_grace: timedelta = Field(
        timedelta(minutes=10),
        ge=timedelta(0),
        le=timedelta(days=1),
        description="Removing a kudos reaction within this time takes the kudos back",
    )
    level_curve: Literal["mee6", "linear"] = Field(
        "mee6", description="How points make levels: mee6 (5n²+50n+100 per level) or linear (level_step each)"
    )
    level_step: int = Field(100, ge=1, le=100_000, description="Points per level on the linear curve")
    value_tags: str = Field(
        "",
        max_length=700,
        description="The community's value tags, written in a kudos reason as #tag (/recognition tags)",
    )
    value_tags_mode: Literal["off", "optional", "required"] = Field(
        "optional", description="Value tags in kudos: off, optional, or required (a kudos must name one)"
    )
    level_up_announce: Literal["channel", "dm", "off"] = Field(
        "channel", description="Announce a level reached: channel (level_up_channel, else where it happened), dm, off"
    )
    level_up_channel: str | None = Field(None, description="Channel for level-up announcements")
    level_roles: str = Field("", max_length=2000, description="Roles levels reward (kept with /levels role)")
    level_roles_stack: bool = Field(
        True, description="Members keep every level role they earned (no: only the highest, the previous removed)"
    )
    level_titles: str = Field(
        DEFAULT_TITLES,
        max_length=1000,
        description="What levels are called where they are not roles (kept with /levels title)",
    )
    rank_card: bool = Field(True, description="/rank answers with a rank card image (off: text only)")
    public_leaderboards: bool = Field(True, description="Members may see /leaderboard (off: moderators only)")

    @field_validator("kudos_emoji")
    @classmethod
    def _one_emoji(cls, value: str, info: ValidationInfo) -> str:
        """One emoji: a Unicode emoji (🙌, 👍🏽, 🇵🇹, 👩‍💻), a Discord server emoji `<:name:id>` or a Slack name
        `:name:` (the common names in EMOJI_NAMES also without colons, as before). A value stored by an
        older version that took any text is read as it is, so its community's settings stay readable."""
        if info.context is STORED:
            return value
        emoji = value.strip()
        if emoji.strip(":").lower() in EMOJI_NAMES:
            return emoji.lower()
        if _SLACK_EMOJI.fullmatch(emoji.lower()):
            return emoji.lower()  # Slack's names are lowercase
        if _UNICODE_EMOJI.fullmatch(emoji) or _DISCORD_EMOJI.fullmatch(emoji):
            return emoji
        raise ValueError("give one emoji: 🙌, a Discord server emoji (`<:name:id>`) or a Slack emoji name (`:name:`)")

    @field_validator("value_tags")
    @classmethod
    def _tags(cls, value: str, info: ValidationInfo) -> str:
        """`helpful kind` (commas or spaces; a leading `#` and case aside): the checks `/recognition tags add`
        makes, so every way of setting tags shares them. Stored as lowercase words, each once."""
        if info.context is STORED:
            return value
        tags: list[str] = []
        for word in value.replace(",", " ").split():
            name = tag_name(word)
            if not is_tag(name):
                raise ValueError(f"`{word}` is not a tag: a tag is one word of up to 30 letters, digits, - or _")
            if (taken := taken_word(name)) is not None:
                raise ValueError(taken)
            if name == "none":
                raise ValueError("`none` clears the tags (`/config set value_tags none`): choose another tag")
            if name not in tags:
                tags.append(name)
        if len(tags) > MAX_TAGS:
            raise ValueError(f"a community has at most {MAX_TAGS} value tags")
        return " ".join(tags)

    @field_validator("level_titles")
    @classmethod
    def _titles(cls, value: str, info: ValidationInfo) -> str:
        """`0:Newcomer, 5:Contributor` or `0:Newcomer 5:Contributor` (a pair starts at `LEVEL:`, so a title may
        hold spaces but no `:`): the checks `/levels title` makes (a level 0 to MAX_LEVEL named once, a title of
        up to TITLE_LIMIT characters), so every way of setting titles shares them."""
        if info.context is STORED:
            return value
        titles: dict[int, str] = {}
        pairs = (each.strip() for part in value.split(",") for each in _TITLE_START.split(part))
        for pair in pairs:
            if not pair:
                continue
            level, colon, title = pair.partition(":")
            title = " ".join(title.split())
            # isdecimal, not isdigit: `²` is a digit that int() refuses (its message quoted as the refusal).
            if not colon or not level.strip().isdecimal() or not title:
                raise ValueError(f"`{pair}` is not LEVEL:TITLE (`0:Newcomer, 5:Contributor`)")
            if ":" in title:
                raise ValueError(f"`{title}` holds a `:`; a title cannot (it separates a level from its title)")
            at = int(level)
            if at > MAX_LEVEL:
                raise ValueError(f"level {at} is not between 0 and {MAX_LEVEL}")
            if at in titles:
                raise ValueError(f"level {at} is named twice")
            if len(title) > TITLE_LIMIT:
                raise ValueError(f"`{title}` is longer than {TITLE_LIMIT} characters")
            titles[at] = title
        if len(titles) > MAX_TITLES:
            raise ValueError(f"a community names at most {MAX_TITLES} levels")
        return encode_titles(titles)

    @field_validator("level_roles")
    @classmethod
    def _roles(cls, value: str, info: ValidationInfo) -> str:
        """`5:ROLE 10:ROLE` (spaces or commas), a role written as `/levels role` takes it on some platform: a
        Discord role id (digits) or mention `<@&id>`, or a console role `&name`; the checks `/levels role` makes
        (a level 1 to MAX_LEVEL rewarded once), so every way of setting rewards shares them. Stored as
        `5:id` (Discord) or `5:name` (console), as `/levels role` stores them."""
        if info.context is STORED:
            return value
        rewards: dict[int, str] = {}
        for pair in value.replace(",", " ").split():
            level, colon, written = pair.partition(":")
            if not colon or not level.isdecimal() or not written:
                raise ValueError(
                    f"`{pair}` is not LEVEL:ROLE (`5:<@&123456789012345678>`, or `5:&mentor` on the console)"
                )
            role = _role_id(written)
            at = int(level)
            if not 1 <= at <= MAX_LEVEL:
                raise ValueError(f"level {at} is not between 1 and {MAX_LEVEL}")
            if at in rewards:
                raise ValueError(f"level {at} is rewarded twice")
            rewards[at] = role
        return " ".join(f"{level}:{role}" for level, role in sorted(rewards.items()))

    def shown(self, key: str) -> str | None:
        """`level_roles` as `/config set` reads it back: Discord ids as digits, console names as `&name`."""
        if key != "level_roles" or not self.level_roles:
            return None
        pairs = (pair.partition(":") for pair in self.level_roles.split())
        return " ".join(f"{level}:{written_role(role)}" for level, _, role in pairs)


# A level's title starts at `LEVEL:` after a space: `0:Newcomer 5:Old Timer` is two titles.
_TITLE_START = re.compile(r"\s+(?=\d+\s*:)")
_ROLE_MENTION = re.compile(r"<@&(\d{1,20})>")
_ROLE_ID = re.compile(r"\d{1,20}")
_CONSOLE_ROLE = re.compile(r"&(\w[\w.\-]*)")  # the console's role names (bot/platforms/console, NAME)


def _role_id(written: str) -> str:
    """The stored role of `5:ROLE`: a Discord mention's or id's digits, a console `&name`'s name. Raises
    ValueError for anything else (a bare word, `&&name`)."""
    if found := _ROLE_MENTION.fullmatch(written) or _CONSOLE_ROLE.fullmatch(written):
        return found.group(1)
    if _ROLE_ID.fullmatch(written):
        return written
    raise ValueError(
        f"`{written}` is not a role: a Discord role mention or id (`<@&123456789012345678>`), or `&name` on the console"
    )


def written_role(role: str) -> str:
    """A stored role as `level_roles` takes it: a Discord id as digits, a console name as `&name`."""
    return role if role.isdigit() else f"&{role}"


MAX_TAGS = 20  # value tags in a community


def tag_list(own: RecognitionSettings) -> list[str]:
    return [tag for tag in own.value_tags.replace(",", " ").split() if tag]


TAG_LIMIT = 30  # characters of a tag, its accents and vowel signs included


def tag_name(text: str) -> str:
    """A tag as kept and compared: without its `#`, lowercase, its accents composed (`é` typed as `e` and a
    combining accent is `é`). A dotted capital I is the Turkish `i` (`İyilik` is `iyilik`; `lower()` alone would
    leave a combining dot after it)."""
    return unicodedata.normalize("NFC", text.strip().lstrip("#").replace("İ", "i")).lower()


def _tag_char(char: str) -> bool:
    # Letters and digits of any script with their combining marks: a Devanagari or Thai vowel sign, an accent
    # typed apart belong to the letter they are written on (`#सहायता`, `#ขอบคุณ`), as in repeats.py.
    return char in "-_" or unicodedata.category(char)[0] in "LNM"


def is_tag(name: str) -> bool:
    """Whether `name` (as `tag_name` gives it) is one word of up to TAG_LIMIT letters of any script, digits, `-`
    and `_`, starting with a letter or digit (`entraide`, `qualité`, `助け合い`, `सहायता`)."""
    return (
        0 < len(name) <= TAG_LIMIT
        and unicodedata.category(name[0])[0] in "LN"
        and not name.endswith("-")
        and all(_tag_char(char) for char in name)
    )


def tag_words(text: str) -> list[str]:
    """The `#words` of a text that can be tags, as typed (`thanks #Qualité!` gives `Qualité`; `C#` none): after
    each `#`, its run of letters, marks, digits, `-` and `_`, a trailing `-` aside."""
    words: list[str] = []
    for hash_sign in re.finditer("#", text):
        end = start = hash_sign.end()
        while end < len(text) and _tag_char(text[end]):
            end += 1
        word = text[start:end].rstrip("-")
        if is_tag(tag_name(word)):
            words.append(word)
    return words


def tags_in(reason: str | None, own: RecognitionSettings) -> tuple[str, ...]:
    """The community's value tags a reason names (`#Helpful` is `helpful`), each once, in order; none when
    tags are off."""
    if not reason or own.value_tags_mode == "off":
        return ()
    known = set(tag_list(own))
    found = (tag_name(word) for word in tag_words(unicodedata.normalize("NFC", reason)))
    return tuple(dict.fromkeys(t for t in found if t in known))
