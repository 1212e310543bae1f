"""The near-duplicate check on its own: what a member would see as "the same message again"."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from cogs.recognition.repeats import KEEP, Repeats, normalise

ALICE = 1


def verdicts(*texts: str) -> list[bool]:
    repeats = Repeats()
    return [repeats.seen(ALICE, text) for text in texts]


def test_the_same_message_again_is_a_repeat_whatever_its_case_punctuation_and_stretched_letters() -> None:
    assert verdicts("Anyone up for a game tonight?", "ANYONE up for a game... tonight!!!") == [False, True]
    assert verdicts("yes", "yesssss") == [False, True]
    assert verdicts("so cool", "sooooo   cool") == [False, True]


def test_a_typo_or_a_changed_word_in_a_sentence_is_still_a_repeat() -> None:
    assert verdicts("Anyone up for a game tonight?", "anyone up for a game tonite")[1]
    sentence = "Does anyone know where the slides from the workshop on Thursday went?"
    assert verdicts(sentence, sentence.replace("Thursday", "Friday"))[1]


def test_a_different_message_is_not_a_repeat() -> None:
    assert verdicts("Anyone up for a game tonight?", "The release notes are out", "Anyone seen the new map?") == [
        False,
        False,
        False,
    ]


def test_short_messages_repeat_only_when_the_same() -> None:
    assert verdicts("thanks", "thanks!", "thank", "ok") == [False, True, False, False]


def test_emoji_and_punctuation_only_messages_repeat_when_the_same() -> None:
    assert verdicts("👍", "👍", "🎉", "!!!", "!!!") == [False, True, False, False, True]


def test_emoji_and_punctuation_repeat_whatever_their_spacing() -> None:
    assert verdicts("👍👍", "👍 👍", "!!", "! !") == [False, True, False, True]


def test_vowel_signs_are_part_of_their_word() -> None:
    # Devanagari: different vowel signs make different words (day / gift; yes / am).
    assert verdicts("दिन", "दान") == [False, False]
    assert verdicts("हाँ", "हूँ", "है") == [False, False, False]
    assert verdicts("नमस्ते दोस्तों", "नमस्ते दोस्तों!!") == [False, True]


def test_arabic_with_or_without_its_optional_vowel_points_is_the_same_message() -> None:
    assert verdicts("مرحبا بالجميع", "مَرْحَبًا بِالْجَمِيعِ") == [False, True]
    assert verdicts("شكرا", "شكــــــرا") == [False, True]  # stretched with tatweel


def test_an_accent_typed_apart_is_the_same_letter() -> None:
    assert verdicts("café", "cafe\u0301") == [False, True]


def test_a_message_without_text_repeats_nothing() -> None:
    assert verdicts("", "", "  ") == [False, False, False]


def test_only_the_last_few_messages_count() -> None:
    others = ["Lunch was great", "Who is on call?", "The build is green", "See you at the meetup", "New map is out"]
    texts = ["Good morning everyone", *others[:KEEP]]
    assert verdicts(*texts, "good morning everyone!") == [False] * (KEEP + 1) + [False]
    assert verdicts(*texts[:KEEP], "good morning everyone!") == [False] * KEEP + [True]


def test_a_remembered_message_is_compared_with_later_ones() -> None:
    repeats = Repeats()
    repeats.remember(ALICE, "Who has the notes from yesterday's call?")
    repeats.remember(ALICE, "Good morning")
    assert repeats.seen(ALICE, "who has the notes from yesterdays call??")
    assert not repeats.seen(2, "who has the notes from yesterdays call??")  # another member's history


def test_long_posts_from_one_template_are_repeats_however_they_end() -> None:
    template = "Check out my channel for free giveaways and daily streams, link below! " * 4
    assert verdicts(template + "ending one", template + "a completely different ending")[1]


def test_chat_length_messages_of_different_words_are_never_taken_for_repeats() -> None:
    rng = random.Random(3)
    letters = "etaoinshrdlucmfwypvbgk "
    texts = ["".join(rng.choices(letters, k=rng.randint(10, 120))) for _ in range(3000)]
    repeats = Repeats()
    assert not any(repeats.seen(number % 50, text) for number, text in enumerate(texts))


@given(st.text(max_size=300))
def test_normalising_a_normal_form_changes_nothing(text: str) -> None:
    assert normalise(normalise(text)) == normalise(text)


@given(st.text(min_size=1, max_size=300).filter(lambda text: text.strip()))
def test_any_message_sent_twice_is_a_repeat(text: str) -> None:
    assert verdicts(text, text) == [False, True]
