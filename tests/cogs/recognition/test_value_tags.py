"""Value tags: admins keep a tag list, kudos name tags in their reason, boards rank by tag."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.core.runtime import Hearth
from storage.models import MemberTotal
from tests.cogs.recognition.test_boards import board
from tests.conftest import ConsoleDriver


async def test_tagged_kudos_make_tag_boards_and_required_mode_refuses_untagged(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @admin is admin
        @admin: /recognition tags add helpful
        @admin: /recognition tags add Mentor
        @admin: /recognition tags add helpful
        @admin: /recognition tags add bad!tag
        @alice: /kudos @bob thanks, very #Helpful and a #mentor too
        @carol: /kudos @dana #helpful #unknown
        @carol: /kudos @bob nice work
        @admin: /config set value_tags_mode required
        @erin: /kudos @bob great
        @erin: /kudos @frank #mentor
        @erin: /leaderboard week helpful
        @erin: /leaderboard week #mentor
        @erin: /leaderboard week kudos
        @erin: /leaderboard week nonsense
        @admin: /recognition tags
        """
    )
    assert "#helpful is a value tag already." in said
    assert "A tag is one word of up to 30 letters" in said
    assert "put one of the community's tags in your reason (#helpful, #mentor)" in said
    assert board(said, "this week · #helpful") == ["🥇 bob — 10 points", "🥇 dana — 10 points"]
    assert board(said, "this week · #mentor") == ["🥇 bob — 10 points", "🥇 frank — 10 points"]
    assert board(said, "this week · kudos") == ["🥇 bob — 20 points", "🥈 dana — 10 points", "🥈 frank — 10 points"]
    assert "`nonsense` is not a category" in said
    assert "Value tags (required): #helpful, #mentor." in said


async def test_a_voided_tagged_kudos_leaves_the_tag_board(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @admin is admin
        @admin: /recognition tags add helpful
        @alice: /kudos @bob #helpful
        @carol: /kudos @dana #helpful
        @admin: /recognition void 1 mistaken
        @erin: /leaderboard week helpful
        @admin: /recognition tags remove helpful
        @erin: /leaderboard week helpful
        """
    )
    assert board(said, "this week · #helpful") == ["🥇 dana — 10 points"]
    assert "`helpful` is not a category" in said


async def test_config_set_of_list_settings_checks_like_their_commands(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @admin is admin
        @admin: /config set value_tags "Bad Tag!"
        @admin: /config set value_tags kudos
        @admin: /config set value_tags #Helpful, kind helpful
        @admin: /recognition tags
        @admin: /config set level_titles garbage
        @admin: /config set level_titles 5:Five,5:Dup
        @admin: /config set level_titles 0:A, 0:B, -1:C
        @admin: /levels title
        @admin: /config set level_titles 3:Three, 0:Zero
        @admin: /levels title 2 Rising Star
        @admin: /config set level_roles nonsense
        @admin: /config set level_roles 5:123 5:456
        @admin: /config set level_roles 10:456, 5:123
        """
    )
    assert "`Tag!` is not a tag: a tag is one word of up to 30 letters, digits, - or _" in said
    assert "kudos is a board category already" in said
    assert "Value tags (optional): #helpful, #kind." in said
    assert "`garbage` is not LEVEL:TITLE" in said
    assert "level 5 is named twice" in said
    assert "level 0 is named twice" in said
    # The refusals changed nothing: the default titles stand until a valid list is set.
    assert "Level titles: 0 Newcomer, 1 Regular, 5 Contributor, 10 Pillar, 20 Champion, 40 Legend." in said
    assert "Level titles: 0 Zero, 2 Rising Star, 3 Three." in said  # in level order, the new one too
    assert "`nonsense` is not LEVEL:ROLE" in said
    assert "level 5 is rewarded twice" in said
    assert "Done: `level_roles` none → 5:123 10:456." in said


async def test_a_level_in_digits_int_cannot_read_is_refused_in_plain_words(console: ConsoleDriver) -> None:
    """A superscript `²` passes `str.isdigit()` but not `int()`: the refusal quoted Python's own message,
    "invalid literal for int() with base 10"."""
    said = await console.run(
        """
        @admin is admin
        @admin: /config set level_titles ²:Pillar
        @admin: /config set level_roles ²:123
        @admin: /config set level_titles ١:Regular
        """
    )
    assert "`²:Pillar` is not LEVEL:TITLE" in said and "`²:123` is not LEVEL:ROLE" in said
    assert "int()" not in said
    assert "`level_titles`" in said and "1:Regular" in said  # Arabic-Indic digits are digits


async def test_adding_the_tag_none_is_refused_in_the_commands_own_words(console: ConsoleDriver) -> None:
    """tester3 #8: the refusal quoted `helpful none` and `value_tags`, which the admin never typed."""
    said = await console.run(
        """
        @admin is admin
        @admin: /recognition tags add helpful
        @admin: /recognition tags add none
        @admin: /recognition tags
        """
    )
    assert "[only @admin] `none` can't be a value tag: it means “no tags”. Choose another word." in said
    assert "value_tags" not in said and "helpful none" not in said
    assert "Value tags (optional): #helpful." in said


TITLES = (
    "0:Newcomer, 1:Regular, 5:Contributor, 10:Pillar, 20:Champion, 40:Legend, 60:Elder, 80:Sage, 100:Luminary, 200:Star"
)


async def test_list_settings_clear_with_none_and_round_trip_from_config_show(console: ConsoleDriver) -> None:
    """tester2 #3, #6, #7, #10: `none` clears a list setting (never a tag `#none`); titles written with spaces are
    several titles, a `:` in a title is refused; console roles are `&name`; what /config show shows sets back."""
    said = await console.run(
        f"""
        @admin is admin
        @admin: /config set value_tags none
        @admin: /config set value_tags helpful kind
        @admin: /config set value_tags helpful none
        @admin: /config set value_tags
        @admin: /config set value_tags none
        @admin: /recognition tags
        @admin: /config set level_titles 0:Newcomer 1:Regular 5:Old Timer, 10:Top 10
        @admin: /levels title
        @admin: /config set level_titles 0:A 1:B:C
        @admin: /levels title 9 Has:colon
        @admin: /config set level_roles 1:&mentor 5:123
        @admin: /config set level_roles 5:abc
        @admin: /config set level_roles 1:&&mentor
        @admin: /config set level_roles 1:&mentor 5:123
        @admin: /config set level_titles {TITLES}
        @admin: /config set level_titles none
        @admin: /config set level_roles none
        @admin: /levels title
        """
    )
    assert "`value_tags` was none already; nothing changed." in said
    assert "`none` clears the tags (`/config set value_tags none`): choose another tag" in said
    assert "Give a value for `value_tags`, like `/config set value_tags VALUE`, or `none` to clear it." in said
    assert "Done: `value_tags` helpful kind → none." in said  # a value left out cleared nothing
    assert "No value tags yet" in said
    assert "Level titles: 0 Newcomer, 1 Regular, 5 Old Timer, 10 Top 10." in said
    assert "`B:C` holds a `:`; a title cannot" in said
    assert "A title cannot hold a comma or a `:`" in said
    assert "Done: `level_roles` none → 1:&mentor 5:123." in said
    assert "`abc` is not a role: a Discord role mention or id" in said
    assert "`&&mentor` is not a role" in said
    assert "`level_roles` was 1:&mentor 5:123 already; nothing changed." in said  # as shown, set back
    # 116 characters: more than the 100 a /config set value took before
    assert f"→ {TITLES}." in said
    assert "Done: `level_roles` 1:&mentor 5:123 → none." in said
    assert "Done: `level_titles` 0:Newcomer, 1:Regular" in said and "→ none." in said
    assert said.splitlines()[-1].startswith("[only @admin] Level titles: none.")


async def test_a_tag_board_by_its_hashtag_alone(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @admin is admin
        @admin: /recognition tags add helpful
        @admin: /recognition tags #kind
        @alice: /kudos @bob thanks #helpful
        @alice: /leaderboard #helpful
        @alice: /leaderboard #nonsense
        @alice: /leaderboard decade
        @alice: /leaderboard category:#
        """
    )
    assert "Add or remove `#kind`? `/recognition tags add #kind` adds it." in said
    assert board(said, "this week · #helpful") == ["🥇 bob — 10 points"]
    assert "`nonsense` is not a category; use all, kudos, activity, rituals, welcomes, intro or helpful (" in said
    # A bare # names no tag: refused, not the overall board.
    assert "`#` is not a category; use all, kudos, activity, rituals, welcomes, intro or helpful (" in said
    assert (
        "`decade` is not a category; use all, kudos, activity, rituals, welcomes, intro or helpful (a period is "
        in said
    )


async def test_a_category_word_alone_is_the_category_whatever_its_name(console: ConsoleDriver) -> None:
    """tester2 #11, #12: a word that is no period fills the category (README's rule for positional options);
    `introductions`, as /rank and the board's title call it, is the intro category."""
    said = await console.run(
        """
        @admin is admin
        @admin: /recognition tags add helpful
        @bob: /kudos @alice thanks #helpful
        @bob: /leaderboard kudos
        @bob: /leaderboard helpful
        @bob: /leaderboard all introductions
        """
    )
    assert board(said, "this week · kudos") == ["🥇 alice — 10 points"]
    assert board(said, "this week · #helpful") == ["🥇 alice — 10 points"]
    assert "Leaderboard — all time · introductions" in said
    assert "is not" not in said


async def test_a_tag_of_thirty_characters_fits_its_boards_buckets(hearth: Hearth, console: ConsoleDriver) -> None:
    """A tag's boards are totals buckets `quarter:2026-Q4~tag:<tag>`: with a tag of up to 30 characters that is 50,
    and the column held 40 (PostgreSQL refused the kudos; SQLite, which does not enforce a VARCHAR's length,
    ranked them)."""
    tag = "t" * 30
    said = await console.run(
        f"""
        @admin is admin
        @admin: /recognition tags add {tag}
        @alice: /kudos @bob thanks #{tag}
        @admin: /leaderboard quarter #{tag}
        """
    )
    assert board(said, f"this quarter · #{tag}") == ["🥇 bob — 10 points"]
    async with hearth.services.db.read() as session:
        longest = (await session.execute(select(func.max(func.length(MemberTotal.bucket))))).scalar_one()
    column = MemberTotal.__table__.c.bucket.type  # type: ignore[attr-defined]
    assert longest == len(f"quarter:YYYY-QN~tag:{tag}") <= column.length  # the longest period, and the tag


async def test_tags_are_words_of_any_script(console: ConsoleDriver) -> None:
    """A tag is "one word of up to 30 letters": `#qualité` and `#助け合い` were refused as not letters, so a community
    writing other than English could not name its values."""
    said = await console.run(
        """
        @admin is admin
        @admin: /recognition tags add qualité
        @admin: /recognition tags add #助け合い
        @admin: /recognition tags add Ärger-frei
        @admin: /recognition tags add no!tag
        @alice: /kudos @bob merci pour la #Qualité et #助け合い
        @carol: /kudos @bob danke #ärger-frei
        @admin: /leaderboard week #qualité
        @admin: /leaderboard week 助け合い
        @admin: /leaderboard week #Ärger-frei
        @admin: /recognition tags
        """
    )
    assert "Value tags (optional): #qualité, #助け合い, #ärger-frei." in said
    assert "A tag is one word of up to 30 letters" in said  # no!tag
    assert board(said, "this week · #qualité") == ["🥇 bob — 10 points"]
    assert board(said, "this week · #助け合い") == ["🥇 bob — 10 points"]
    assert board(said, "this week · #ärger-frei") == ["🥇 bob — 10 points"]
    # A tag typed with a separate accent (e and U+0301) is the same tag.
    decomposed = await console.run("@frank: /kudos @gina thanks #qualite\u0301\n@admin: /leaderboard week #qualité")
    assert board(decomposed, "this week · #qualité") == ["🥇 bob — 10 points", "🥇 gina — 10 points"]


async def test_tags_of_scripts_written_with_vowel_signs_and_a_dotted_capital_i(console: ConsoleDriver) -> None:
    """Devanagari and Thai write vowels as signs on their letters (combining marks, not letters to `\\w`):
    `#सहायता` and `#ขอบคุณ` were refused as "not one word of letters", and in a reason only the letters before
    the first sign were read. A Turkish `İyilik` lowercased to `i` plus a combining dot and was refused too."""
    said = await console.run(
        """
        @admin is admin
        @admin: /recognition tags add सहायता
        @admin: /recognition tags add #ขอบคุณ
        @admin: /config set value_tags "सहायता, ขอบคุณ, İyilik"
        @alice: /kudos @bob धन्यवाद #सहायता, ขอบคุณ #ขอบคุณ! and #iyilik.
        @admin: /leaderboard #सहायता
        @admin: /leaderboard week #ขอบคุณ
        @admin: /leaderboard category:#İyilik
        @admin: /recognition tags
        """
    )
    assert "A tag is one word" not in said and "is not a tag" not in said
    assert "Value tags (optional): #सहायता, #ขอบคุณ, #iyilik." in said
    assert board(said, "this week · #सहायता") == ["🥇 bob — 10 points"]
    assert board(said, "this week · #ขอบคุณ") == ["🥇 bob — 10 points"]
    assert board(said, "this week · #iyilik") == ["🥇 bob — 10 points"]


async def test_an_empty_tag_board_says_nobody_was_thanked_for_it_yet(console: ConsoleDriver) -> None:
    said = await console.run("@admin is admin\n@admin: /recognition tags add helpful\n@erin: /leaderboard all helpful")
    assert board(said, "all time · #helpful") == ["No kudos tagged #helpful yet."]


async def test_a_tag_may_not_take_the_name_boards_give_a_category(console: ConsoleDriver) -> None:
    """`introductions` is the intro board's name (its title, /rank): a tag so named hid that board."""
    said = await console.run(
        """
        @admin is admin
        @admin: /config set value_tags introduction
        @admin: /recognition tags add Introductions
        @admin: /leaderboard all introductions
        """
    )
    assert "[only @admin] introductions is a board category already: choose another tag." in said
    assert "introduction is a board category already" in said
    assert "🏆 Leaderboard — all time · introductions\n" in said  # the intro category's board, not a tag's


async def test_a_tag_may_not_take_a_word_leaderboard_reads_as_a_period_or_around_me(console: ConsoleDriver) -> None:
    """A tag called `week` was taken, and `/leaderboard week` is the week's board: its board could not be asked for
    by name (a tester's finding)."""
    said = await console.run(
        """
        @admin is admin
        @admin: /recognition tags add week
        @admin: /config set value_tags helpful me
        @admin: /recognition tags add period
        @admin: /recognition tags
        """
    )
    assert (
        "[only @admin] week is a word /leaderboard reads already (a period, an option's name, or around:me): choose"
        " another tag." in said
    )
    assert "me is a word /leaderboard reads already" in said
    assert "period is a word /leaderboard reads already" in said  # `/leaderboard period` asks for a period
    assert "#week" not in said and "#me" not in said and "#period" not in said
