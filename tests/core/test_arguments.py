"""Text command arguments as Slack and the console deliver them."""

from __future__ import annotations

import pytest

from bot.core.arguments import parse_arguments
from bot.core.commands import CommandSpec, Option, OptionType
from bot.core.reply import Reply, UserError


async def _noop(ctx: object, **options: object) -> Reply:
    return Reply("ok")


KUDOS = CommandSpec(
    "kudos",
    "thank",
    _noop,
    options=(Option("member", OptionType.MEMBER, "who"), Option("reason", OptionType.TEXT, "why", required=False)),
)


def resolve(token: str, kind: OptionType) -> object | None:
    return f"member:{token[1:]}" if token.startswith("@") else None


def test_last_text_option_takes_the_rest_of_the_line() -> None:
    assert parse_arguments(KUDOS, "@bob thanks  for the   help", resolve) == {
        "member": "member:bob",
        "reason": "thanks  for the   help",
    }


def test_named_options_and_quotes() -> None:
    assert parse_arguments(KUDOS, 'reason:"for the map" member:@bob', resolve) == {
        "member": "member:bob",
        "reason": "for the map",
    }
    assert parse_arguments(KUDOS, '@bob "quoted reason"', resolve) == {
        "member": "member:bob",
        "reason": "quoted reason",
    }


def test_slack_mentions_with_spaces_are_one_token() -> None:
    def slack(token: str, kind: OptionType) -> object | None:
        return token if token.startswith("<@") else None

    assert parse_arguments(KUDOS, "<@U1|Bob Smith> great talk", slack)["member"] == "<@U1|Bob Smith>"


def test_unknown_member_and_unclosed_quote_are_polite_errors() -> None:
    with pytest.raises(UserError, match="couldn't find the member `bob`"):
        parse_arguments(KUDOS, "bob thanks", resolve)
    with pytest.raises(UserError, match="never closed"):
        parse_arguments(KUDOS, '@bob "thanks', resolve)


def test_extra_words_after_the_last_option_are_refused() -> None:
    only_member = CommandSpec("rank", "r", _noop, options=(Option("member", OptionType.MEMBER, "who", required=False),))
    with pytest.raises(UserError, match="didn't expect `extra`"):
        parse_arguments(only_member, "@bob extra", resolve)


def test_a_lone_quote_inside_the_last_text_option_is_kept_verbatim() -> None:
    assert parse_arguments(KUDOS, '@bob for the 27" monitor', resolve) == {
        "member": "member:bob",
        "reason": 'for the 27" monitor',
    }
    assert parse_arguments(KUDOS, '@bob "27" monitor', resolve)["reason"] == '"27" monitor'
    # tester2 #14: first in the reason too, where the word is read as a token before the reason takes the rest
    assert parse_arguments(KUDOS, '@bob 27" monitor', resolve)["reason"] == '27" monitor'


def test_an_option_given_twice_is_refused_naming_it() -> None:
    for line in ("@bob reason:a reason:b", "member:@bob member:@carol", "@bob member:@carol"):
        with pytest.raises(UserError, match=r"option `(reason|member)` is given twice"):
            parse_arguments(KUDOS, line, resolve)


PRIVACY = CommandSpec(
    "privacy",
    "choices",
    _noop,
    options=(
        Option("boards", OptionType.CHOICE, "show or hide", required=False, choices=("show", "hide")),
        Option("health", OptionType.CHOICE, "in or out", required=False, choices=("in", "out")),
    ),
)


def test_an_options_name_then_its_value_is_that_option_as_said_aloud() -> None:
    """`/privacy boards hide` answered "`boards` is not a choice for boards"."""
    assert parse_arguments(PRIVACY, "boards hide", resolve) == {"boards": "hide"}
    assert parse_arguments(PRIVACY, "health out boards show", resolve) == {"health": "out", "boards": "show"}
    with pytest.raises(UserError, match="`maybe` is not a boards; use show or hide"):
        parse_arguments(PRIVACY, "boards maybe", resolve)
    with pytest.raises(UserError, match="`boards` needs a value: show or hide"):
        parse_arguments(PRIVACY, "boards", resolve)
    # The later option named, with a value it does not take (a tester's finding: "`health` is not a choice for
    # boards").
    with pytest.raises(UserError, match="`hide` is not a health; use in or out"):
        parse_arguments(PRIVACY, "health hide", resolve)
    # Words of a text stay its own, the member's name too.
    assert parse_arguments(KUDOS, "@bob for the member list", resolve) == {
        "member": "member:bob",
        "reason": "for the member list",
    }
    assert parse_arguments(RITUAL, "standup channel #general at nine", resolve) == {
        "name": "standup channel #general at nine"
    }


BOARD = CommandSpec(
    "leaderboard",
    "board",
    _noop,
    options=(
        Option("period", OptionType.CHOICE, "when", required=False, choices=("week", "month")),
        Option("category", OptionType.TEXT, "what", required=False),
        Option("season", OptionType.TEXT, "which", required=False),
    ),
)


def test_a_choice_passed_over_for_a_text_takes_its_value_after_the_text() -> None:
    """`/leaderboard kudos month` read `month` as the season's name ("Season boards are overall only")."""
    assert parse_arguments(BOARD, "kudos month", resolve) == {"category": "kudos", "period": "month"}
    assert parse_arguments(BOARD, "kudos Spring", resolve) == {"category": "kudos", "season": "Spring"}
    assert parse_arguments(BOARD, 'kudos "month"', resolve) == {"category": "kudos", "season": "month"}


SCHEDULED = CommandSpec(
    "ritual",
    "create",
    _noop,
    options=(
        Option("schedule", OptionType.TEXT, "when", reads=lambda text: text.endswith(("at 09:00", "every hour"))),
        Option("prompt", OptionType.TEXT, "what", required=False),
        Option("points", OptionType.INTEGER, "how many", required=False),
    ),
)


def test_a_text_with_a_grammar_takes_the_words_that_make_it_read() -> None:
    assert parse_arguments(SCHEDULED, "daily at 09:00 Plans? 5", resolve) == {
        "schedule": "daily at 09:00",
        "prompt": "Plans?",
        "points": "5",
    }
    # Quoted, or never reading however long: as before.
    assert parse_arguments(SCHEDULED, '"daily" at 09:00', resolve) == {"schedule": "daily", "prompt": "at 09:00"}
    assert parse_arguments(SCHEDULED, "daily at nine Plans?", resolve) == {
        "schedule": "daily",
        "prompt": "at nine Plans?",
    }


CREATE = CommandSpec(
    "ritual",
    "create",
    _noop,
    options=(
        Option("schedule", OptionType.TEXT, "when", reads=lambda text: text.endswith("at 09:00")),
        Option("prompt", OptionType.TEXT, "what", required=False),
        Option("kind", OptionType.CHOICE, "how", required=False, choices=("prompt", "thread")),
    ),
)


def test_words_going_on_with_an_unquoted_text_stay_the_texts() -> None:
    """Found by a tester: `... Share a photo in the thread` made a thread ritual prompting "Share a photo in the";
    `Today's prompt: what did you ship?` was refused as `prompt` given twice; `schedule:daily at 09:00` read the
    schedule `daily`."""
    assert parse_arguments(CREATE, "daily at 09:00 Share a photo in the thread", resolve) == {
        "schedule": "daily at 09:00",
        "prompt": "Share a photo in the thread",
    }
    assert parse_arguments(CREATE, "daily at 09:00 Plans? kind:thread", resolve) == {
        "schedule": "daily at 09:00",
        "prompt": "Plans?",
        "kind": "thread",
    }
    assert parse_arguments(CREATE, "daily at 09:00 Today's prompt: what did you ship?", resolve) == {
        "schedule": "daily at 09:00",
        "prompt": "Today's prompt: what did you ship?",
    }
    assert parse_arguments(CREATE, "schedule:daily at 09:00 Plans?", resolve) == {
        "schedule": "daily at 09:00",
        "prompt": "Plans?",
    }
    with pytest.raises(UserError, match="option `prompt` is given twice"):
        parse_arguments(CREATE, "daily at 09:00 prompt:a prompt:b", resolve)


RITUAL = CommandSpec(
    "ritual",
    "add",
    _noop,
    options=(
        Option("name", OptionType.TEXT, "what"),
        Option("channel", OptionType.CHANNEL, "where", required=False),
    ),
)


def test_a_word_another_optional_choice_takes_fills_it_when_the_next_may_be_left_out() -> None:
    assert parse_arguments(PRIVACY, "out", resolve) == {"health": "out"}
    assert parse_arguments(PRIVACY, "hide OUT", resolve) == {"boards": "hide", "health": "OUT"}
    with pytest.raises(UserError, match="`maybe` is not a boards; use show or hide"):
        parse_arguments(PRIVACY, "maybe", resolve)
