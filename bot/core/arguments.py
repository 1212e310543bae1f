"""Text command arguments, for platforms that deliver a command as a line (Slack, the console).

Options are given by position or as `name:value`; quotes group words; the last text option takes the
rest of the line verbatim, so `/kudos @bob thanks for the help` needs no quotes (and `27" monitor` is
fine). Mentions are recognised by the platform's `resolve` (Slack `<@U123|bob>`, console `@bob`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.core.commands import CommandSpec, Option, OptionType
from bot.core.refs import MemberRef
from bot.core.reply import UserError
from bot.core.wording import not_one_of
from config.community import canonical_zone, is_time_zone
from config.durations import parse_duration

Resolver = Callable[[str, OptionType], object | None]
_NAMED = re.compile(r"^([a-z_][a-z0-9_-]*):(.*)$", re.DOTALL)


@dataclass(frozen=True)
class _Token:
    value: str
    start: int


_QUOTES = {'"': '"', "“": "”"}


def _next_token(text: str, i: int) -> tuple[_Token | None, int]:
    """The token starting at or after `i` (None at the end), and where the next one may start."""
    while i < len(text) and text[i].isspace():
        i += 1
    if i >= len(text):
        return None, i
    start = i
    value: list[str] = []
    while i < len(text) and not text[i].isspace():
        char = text[i]
        closing = _QUOTES.get(char) or (">" if char == "<" and not value else None)
        end = text.find(closing, i + 1) if closing else -1
        if closing and end == -1 and value:
            # A quote inside a word that is never closed is the word's (`27" monitor`), wherever it stands.
            value.append(char)
            i += 1
        elif closing:
            if end == -1:
                raise UserError(f"A {char} in `{text[start:]}` is never closed.")
            value.append(text[i + 1 : end] if char != "<" else text[i : end + 1])
            i = end + 1
        else:
            value.append(char)
            i += 1
    return _Token("".join(value), start), i


def typed_option(name: str, value: str) -> str | None:
    """`name:value` as a person types it for it to be read back as `value`: quoted when it holds a space or a
    quote the parser would take as one (`season:"Winter 2026"`, `season:“say "hi"”`), or None when no quoting
    reads back as it (a space, a `"` and a `”` together)."""
    for typed in (value, f'"{value}"', f"“{value}”"):
        text = f"{name}:{typed}"
        try:
            token, end = _next_token(text, 0)
        except UserError:  # a quote never closed
            continue
        if token is not None and token.value == f"{name}:{value}" and not text[end:].strip():
            return text
    return None


def _rest(text: str, start: int) -> str:
    """What the last text option gets from `start`: one quoted token's words, else the line verbatim
    (a lone quote inside it, as in `27" monitor`, is just a character)."""
    rest = text[start:].strip()
    if rest[:1] not in _QUOTES:
        return rest
    token, end = _next_token(text, start)
    assert token is not None
    return token.value if not text[end:].strip() else rest


_EXAMPLES = {
    OptionType.MEMBER: "@alex",
    OptionType.CHANNEL: "#general",
    OptionType.ROLE: "&role",
    OptionType.DURATION: "1h",
    OptionType.TIMEZONE: "Europe/Berlin",
}


def usage(spec: CommandSpec) -> str:
    parts = [f"/{spec.path}"]
    parts += [option.name if option.required else f"[{option.name}]" for option in spec.options]
    return " ".join(parts)


def example(spec: CommandSpec) -> str:
    """A line a person could type: the spec's own example, else the required options, each in the form it
    takes (a quoted text)."""
    if spec.example is not None:
        return spec.example
    parts = [f"/{spec.path}"]
    for option in spec.options:
        if not option.required:
            continue
        if option.type is OptionType.CHOICE and option.choices:
            parts.append(option.choices[0])
        elif option.type is OptionType.INTEGER:
            parts.append(str(option.min_value if option.min_value is not None else 5))
        elif option.type is OptionType.TEXT:
            parts.append(f'"{option.name.replace("_", " ")}"')
        else:
            parts.append(_EXAMPLES[option.type])
    return " ".join(parts)


class Arguments(dict[str, object]):
    """Parsed options; `guessed` when a text option given by position was cut at a word boundary (an
    unquoted `daily at 09:00` read as `daily`), so a refusal should say how the line was read."""

    guessed: bool = False


def understood(spec: CommandSpec, values: dict[str, object]) -> str:
    """How a line was read, and how the command is written: appended to a refusal of positional input."""
    read = ", ".join(f"{name} `{_shown(spec, name, value)}`" for name, value in values.items())
    # Refused at its first word, a line was read as nothing: the refusal names that word already.
    said = f"I understood: {read}.\n" if read else ""
    return f"{said}Usage: `{usage(spec)}` — for example `{example(spec)}`"


def _refused(spec: CommandSpec, values: dict[str, object], why: str) -> UserError:
    return UserError(f"{why} {understood(spec, values)}")


def _shown(spec: CommandSpec, name: str, value: object) -> str:
    if isinstance(value, str):
        return value
    kind = spec.option(name).type
    sigil = {OptionType.MEMBER: "@", OptionType.CHANNEL: "#", OptionType.ROLE: "&"}.get(kind, "")
    # A member by the name the platform gave (Slack's `<@U1|bob>` read `@U1`, the id, until 2026-12-02).
    label = getattr(value, "display_name", None) or getattr(value, "name", None)
    return sigil + str(label or getattr(value, "external_id", value))


def _fits(option: Option, raw: str, resolve: Resolver) -> object | None:
    """The value when `raw` can be this option (a ref resolved, a listed choice, a number), else None."""
    if option.type in _REFS:
        return _ref(raw, option.type, resolve)
    if option.type is OptionType.CHOICE and option.choices and raw.lower() not in option.choices:
        return None
    if option.type is OptionType.INTEGER:
        return _number(raw, option)
    return raw


def _number(raw: str, option: Option) -> str | None:
    """A whole number as typed (`12`, `-3`, `+5`: until 2026-12-01 a leading `+` was refused), or as Hearth shows an
    id (`#12`, `kudos #12`: the kudos footer's, the word being the option's first, `kudos` of `kudos_id`)."""
    word = re.escape(option.name.split("_")[0])
    match = re.fullmatch(rf"[-+]?\d+|(?:{word}\s+)?#(\d+)", raw.strip(), re.IGNORECASE)
    return None if match is None else match.group(1) or match.group(0)


_REFS = {OptionType.MEMBER: "member", OptionType.CHANNEL: "channel", OptionType.ROLE: "role"}


def parse_arguments(
    spec: CommandSpec,
    text: str,
    resolve: Resolver,
    siblings: Iterable[CommandSpec] = (),
    typed: Callable[[str], str] = str,
) -> Arguments:
    """Raw option values by name; mentions resolved to refs, everything else left as text. `typed`: a token as the
    text the person saw, where the platform sends markup (Slack turns a `#helpful` typed where a channel of that
    name exists into `<#C1|helpful>`): what it reads as decides whether it is a word.

    `name:value` naming an option the command lacks but one of `siblings` (its group's other verbs) has is
    refused, naming the options it has: `/ritual edit standup kind:thread` read "no ritual called `standup
    kind:thread`". Any other `word:value` is text (`/kudos @bob for note:1`).

    An option given twice (`amount:1 amount:2`, or by position and by name) is refused, naming it.
    Given by position, a word that cannot be the next option is read the way a person means it: it
    continues the text option just before (`5 minutes`, `daily at 09:00`), or fills a later option it
    fits when the next one is optional (a channel where a role may be left out); an option's name followed by
    a value it takes is that option (`/privacy boards hide`, as `boards:hide`); else the refusal says
    what was understood and shows the usage with an example."""
    names = {option.name for option in spec.options}
    values = Arguments()
    elsewhere = {option.name for sibling in siblings for option in sibling.options} - names
    positional = list(spec.options)
    last_text: str | None = None  # the text option given just before by position, which a word may continue
    last_unquoted = False  # that text was one unquoted word
    skipped: list[Option] = []  # optional choices passed over for a text after them (`/leaderboard kudos`)
    token, after = _next_token(text, 0)
    while token is not None:
        named = _NAMED.match(token.value)
        if named and named.group(1) in names and not token.value.startswith("<"):
            name, raw = named.group(1), named.group(2)
            if name in values and not raw and last_text is not None:
                # `... daily at 09:00 Today's prompt: what did you ship?`: a word of the unquoted text going on, not
                # the option again (it was refused: "The option `prompt` is given twice").
                values[last_text] = f"{values[last_text]} {token.value}"
                token, after = _next_token(text, after)
                continue
            if name in values:  # the last one winning silently would act on a value the person may not mean
                raise _refused(spec, values, f"The option `{name}` is given twice; give it once.")
            value_at = token.start + len(name) + 1
            if not raw and (value := _next_token(text, after)[0]) is not None and text[value_at].isspace():
                # `member: @bob`, `period: month`: a space after the colon, the value is the next word (it was
                # read as an empty value: "I couldn't find the member ``").
                raw, value_at = value.value, value.start
                after = _next_token(text, after)[1]
            if not raw:  # `member:` and nothing: not given, so a required one is asked for with the usage
                token, after = _next_token(text, after)
                continue
            quoted = text[value_at : value_at + 1] in _QUOTES
            reads = spec.option(name).reads
            if reads is not None and not quoted:  # `schedule:daily at 09:00`, as by position
                raw, after = _longest_reading(reads, raw, text, after)
            values[name] = _resolved(raw, spec.option(name), resolve)
            # An unquoted named text goes on with the words after it that fit no option
            # (`season:Winter 2026`), as a text given by position does; one with a grammar ends where it reads.
            ends = reads is not None and reads(raw)
            last_text = name if spec.option(name).type is OptionType.TEXT and not quoted and not ends else None
            last_unquoted = last_text is not None
            token, after = _next_token(text, after)
            continue
        if named and named.group(1) in elsewhere and named.group(2) and not token.value.startswith("<"):
            has = ", ".join(f"`{option.name}`" for option in spec.options) or "none"
            raise _refused(spec, values, f"`/{spec.path}` has no option `{named.group(1)}` (its options: {has}).")
        positional = [option for option in positional if option.name not in values]
        if not positional:
            if last_text is not None:
                values[last_text] = f"{values[last_text]} {token.value}"
                token, after = _next_token(text, after)
                continue
            raise _refused(spec, values, f"I didn't expect `{token.value}`.")
        option = positional[0]
        unquoted = text[token.start] not in _QUOTES
        earlier = next((o for o in skipped if o.name not in values and token.value.lower() in o.choices), None)
        if unquoted and earlier is not None and token.value.lower() not in option.choices:
            # `/leaderboard kudos month`: one of the values of a choice passed over for the text is that choice
            # (it was read as the next option's, "Season boards are overall only", season `month`).
            values[earlier.name] = token.value
            last_text, last_unquoted = None, False
            token, after = _next_token(text, after)
            continue
        if option.type is OptionType.TEXT and (len(positional) == 1 or _only_members_after(positional[1:])):
            # The last text, or a text followed only by optional members (`/kudos @bob thanks @carol @dana`):
            # the line verbatim, less the mentions that fill those members.
            rest = _rest(text, token.start)
            if len(positional) > 1:
                rest = _take_members(rest, positional[1:], resolve, values, spec)
            if rest:
                values[option.name] = rest
            values.guessed |= unquoted and last_unquoted
            break
        if option.type is OptionType.INTEGER and token.value.lower() == option.name.split("_")[0] and unquoted:
            # `kudos #12`, as the kudos footer writes the id of `kudos_id`: the word says what the number is.
            token, after = _next_token(text, after)
            if token is None:
                break
        found = _fits(option, token.value, resolve)
        if (
            found is not None
            and last_text is not None
            and last_unquoted
            and (option.type is OptionType.CHOICE or not _reads_as(option, token.value))
        ):
            # A word going on with an unquoted text is the text's: though the choice after it takes it too (`...
            # Share a photo in the thread` made a thread ritual prompting "Share a photo in the"; such a choice is
            # given by name there, `kind:thread`), and when it is no time zone or duration (`... Plans for today?`
            # was refused: "`for` is not a time zone I know").
            values[last_text] = f"{values[last_text]} {token.value}"
            token, after = _next_token(text, after)
            continue
        if (
            found is None
            and unquoted
            and last_text is None  # else the word may be the text's own (`prompt:which channel #x is for`)
            and (word := _option_named(spec, token.value, values)) is not None
        ):
            value, value_after = _next_token(text, after)
            given = None if value is None else _fits(word, value.value, resolve)
            if given is not None:
                # `/privacy boards hide`: the option's name, then its value, as said aloud (it read "`boards` is
                # not a choice for boards").
                values[word.name] = given
                last_text, last_unquoted = None, False
                token, after = _next_token(text, value_after)
                continue
            # `/privacy boards maybe`, `/privacy health hide`, `/leaderboard around`: the value is what is wrong, or
            # missing (the word itself was refused: "`health` is not a choice for boards").
            raise _refused(spec, values, _why(word, value.value) if value else _needs_value(word))
        if found is None and (owner := _possessive(option, token.value, resolve)) is not None:
            # `/kudos @bob's work was great`: the possessive names the member and is a word of the
            # sentence, so a text option right after starts at it and reads as typed.
            positional.remove(option)
            values[option.name] = owner
            last_text, last_unquoted = None, False
            if positional and positional[0].type is OptionType.TEXT and positional[0].name not in values:
                continue
            token, after = _next_token(text, after)
            continue
        if option.type is OptionType.TEXT and not option.required:
            # A mention given where optional text comes first belongs to the later option of its kind
            # (`/config set welcome_channel #welcome` is the channel, not the text "#welcome").
            later = _later_fit(positional[1:], token.value, resolve)
            if later is not None:
                found = None
        if found is None:
            later = _later_fit(positional[1:], token.value, resolve) if not option.required else None
            if last_text is not None and later is None:
                values[last_text] = f"{values[last_text]} {token.value}"
                token, after = _next_token(text, after)
                continue
            if later is None and not option.required:
                later = _later_choice(positional[1:], token.value)
            if later is None and not option.required:
                later = _later_reading(positional[1:], token.value, text, after, whole=not unquoted)
                if later is not None:
                    # The options passed over may still come after it by position (`/ritual edit standup "daily at
                    # 11:00" Plans?` is the prompt; `... #general` still the channel): it was "no channel `Plans?`".
                    at = positional.index(later[0])
                    positional = positional[at:] + positional[:at]
            if later is None and _plain_word(typed(token.value)) and _text_may_follow(option, positional[1:]):
                # A word (or `#word`) none of an optional choice's values, where a text follows: the text
                # (`/leaderboard kudos` and `/leaderboard #helpful` are categories, the period left at its
                # default), which checks it in its turn and names what it takes when it cannot use it.
                positional.remove(option)
                skipped.append(option)
                continue
            if later is None:
                raise _refused(spec, values, _why(option, token.value))
            option, found = later
        positional.remove(option)
        if option.reads is not None and unquoted and isinstance(found, str):
            found, after = _longest_reading(option.reads, found, text, after)
        values[option.name] = found
        # A text with a grammar ends where it reads (`_longest_reading`): the words after it are not its. One that
        # reads however long goes on as any text, where it ends being a guess (shown if it is refused).
        ends = option.reads is not None and isinstance(found, str) and option.reads(found)
        last_text = option.name if option.type is OptionType.TEXT and not ends else None
        # Two unquoted texts in a row: where the first ends was a guess (`daily` | `at 09:00`).
        values.guessed |= last_text is not None and unquoted and last_unquoted
        last_unquoted = last_text is not None and unquoted
        token, after = _next_token(text, after)
    return values


# Words a text with a grammar may take after its first (`every 2 weeks on monday at 9:30` is 8).
_MOST_WORDS_READ = 10


def _longest_reading(reads: Callable[[str], bool], first: str, text: str, after: int) -> tuple[str, int]:
    """`first` with the most unquoted words after it (up to `_MOST_WORDS_READ`) that still read, and where the
    line goes on after them; `first` alone when no longer text reads."""
    best, best_after = first, after
    value, position = first, after
    for _ in range(_MOST_WORDS_READ):
        token, following = _next_token(text, position)
        if token is None or text[token.start] in _QUOTES or _NAMED.match(token.value):
            break
        value, position = f"{value} {token.value}", following
        if reads(value):
            best, best_after = value, following
    return best, best_after


def _reads_as(option: Option, raw: str) -> bool:
    """Whether `raw` is a time zone or a duration, for such an option; True for any other."""
    if option.type is OptionType.TIMEZONE:
        return is_time_zone(canonical_zone(raw))
    if option.type is OptionType.DURATION:
        try:
            parse_duration(raw)
        except ValueError:
            return False
    return True


def _later_reading(
    options: list[Option], word: str, text: str, after: int, *, whole: bool = False
) -> tuple[Option, object] | None:
    """The first later text with a grammar that `word` and the words after it make read (`/ritual edit standup
    daily at 10:00`: the schedule, the channel before it left out), passing only optional ones on the way.
    `whole`: `word` was quoted, so it reads alone (`/ritual edit standup "daily at 10:00"` was refused as no
    channel, though a schedule is quoted so everywhere else)."""
    for option in options:
        if option.reads is not None and option.reads(
            word if whole else _longest_reading(option.reads, word, text, after)[0]
        ):
            return option, word
        if option.required:
            return None
    return None


def _option_named(spec: CommandSpec, word: str, values: Arguments) -> Option | None:
    """The option not given yet that `word` names, when it takes no free text (a text's words are its own)."""
    for option in spec.options:
        if option.name == word.lower() and option.type is not OptionType.TEXT and option.name not in values:
            return option
    return None


def _text_may_follow(option: Option, later: list[Option]) -> bool:
    return (
        option.type is OptionType.CHOICE
        and not option.required
        and later[:1] != []
        and later[0].type is OptionType.TEXT
    )


def _only_members_after(options: list[Option]) -> bool:
    return all(option.type is OptionType.MEMBER and not option.required for option in options)


def _take_members(text: str, options: list[Option], resolve: Resolver, values: Arguments, spec: CommandSpec) -> str:
    """Fill `options` in order with the members mentioned anywhere in `text` (`@carol @dana thanks`,
    `thanks for the release @carol @dana`); returns the text with the leading mentions taken off and the
    later ones left in place, so the reason still reads as typed (on Slack a mention reads `@name`).

    A member named twice fills one option; more distinct members than the command has member options
    is a `UserError` naming the limit (the README's "up to 5 at once" for `/kudos`)."""
    named: list[object] = [value for value in values.values() if isinstance(value, MemberRef)]
    cut = 0
    leading = True
    for match in _WORD.finditer(text):
        # Punctuation after a mention (`@carol, @dana!`) is the sentence's, not the name's.
        word = match.group(0).rstrip(_TRAILING) or match.group(0)
        # A possessive (`@dana's review`, `@james' idea`) names the member too; it is a word of the
        # sentence, so it ends the leading mentions (`@carol @dana's help` keeps "@dana's help").
        owner = _POSSESSIVE.sub("", word) or word
        found = resolve(owner, OptionType.MEMBER)
        if found is None or owner != word:
            leading = False
        if found is None:
            continue
        if leading:
            cut = match.end()
        if found not in named:  # refs compare by who, whatever label a mention carried
            named.append(found)
    limit = sum(1 for option in spec.options if option.type is OptionType.MEMBER)
    if len(named) > limit:
        raise UserError(f"You can name at most {limit} members at once; you named {len(named)}.")
    for option, found in zip(options, [value for value in named if value not in values.values()], strict=False):
        values[option.name] = found
    return text[cut:].strip()


_WORD = re.compile(r"<[^<>]*>\S*|\S+")
_TRAILING = ",.;:!?)"


def _plain_word(value: str) -> bool:
    """A word (or `#word`) of letters of any script with their marks (a vowel sign, an accent typed apart),
    digits, `-` and `_`: `kudos`, `#helpful`, `#सहायता`."""
    word = value.removeprefix("#")
    return word != "" and all(char in "-_" or unicodedata.category(char)[0] in "LNM" for char in word)


_POSSESSIVE = re.compile(r"['’]s?$")


def _possessive(option: Option, raw: str, resolve: Resolver) -> object | None:
    """The member a possessive names (`@dana's`, `@james'`, `<@U1|dana>'s`) for a member option, else None."""
    if option.type is not OptionType.MEMBER or not _POSSESSIVE.search(raw):
        return None
    owner = _POSSESSIVE.sub("", raw)
    return resolve(owner, OptionType.MEMBER) if owner else None


def _later_fit(options: list[Option], raw: str, resolve: Resolver) -> tuple[Option, object] | None:
    """The first later option a mention fits, passing only optional ones on the way."""
    for option in options:
        if option.type in _REFS and (found := _ref(raw, option.type, resolve)) is not None:
            return option, found
        if option.required:
            return None
    return None


def _ref(raw: str, kind: OptionType, resolve: Resolver) -> object | None:
    """The member, channel or role `raw` names. A member option's `@bob,` or `@bob.` is bob: punctuation after
    a member is the sentence's (`/kudos @bob, thanks`), as in a reason's text. Not for a channel: a `#word,` that
    is no channel reads as text (`/config set value_tags #helpful, kind`)."""
    found = resolve(raw, kind)
    if found is None and kind is OptionType.MEMBER and (bare := raw.rstrip(_TRAILING)) not in ("", raw):
        found = resolve(bare, kind)
    return found


def _later_choice(options: list[Option], raw: str) -> tuple[Option, object] | None:
    """The first later choice one of whose values a word is (`/privacy out` is `health:out`: `boards` may be left
    out), passing only optional choices on the way: a text could take any word, and so is left to take it."""
    for option in options:
        if option.type is not OptionType.CHOICE:
            return None
        if option.choices and raw.lower() in option.choices:
            return option, raw
        if option.required:
            return None
    return None


def _needs_value(option: Option) -> str:
    """`/leaderboard period` and nothing after: "`period` needs a value: week, month, … or season"."""
    if option.type is OptionType.CHOICE and option.choices:
        *first, last = option.choices
        return (
            f"`{option.name}` needs a value: {', '.join(first)} or {last}."
            if first
            else f"`{option.name}` needs a value: {last}."
        )
    return f"`{option.name}` needs a value after it."


def _why(option: Option, raw: str) -> str:
    if option.type in _REFS:
        return f"I couldn't find the {_REFS[option.type]} `{raw}`."
    if option.type is OptionType.CHOICE:
        return not_one_of(f"`{raw}`", option.noun or option.name, option.choices, raw)
    return f"`{raw}` is not a whole number for {option.name}."


def _resolved(raw: str, option: Option, resolve: Resolver) -> object:
    kind = option.type
    if kind in _REFS:
        found = _ref(raw, kind, resolve)
        if found is None:
            raise UserError(f"I couldn't find the {_REFS[kind]} `{raw}`.")
        return found
    if kind is OptionType.INTEGER:
        return _number(raw, option) or raw  # not a number: the command's own check refuses it, naming the option
    return raw
