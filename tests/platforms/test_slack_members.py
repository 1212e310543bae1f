"""/whois, /match, /leaderboard and /welcomer on Slack, end to end: signed requests into Bolt's own app and a
mock Slack Web API; introductions given through the /intro modal as a member would."""

from __future__ import annotations

from bot.core.runtime import Hearth
from tests.platforms.slack_fakes import Call, MockSlackApi, SlackHarness, submission_of
from tests.platforms.test_slack import block_texts
from tests.platforms.test_slack_onboarding import MOD, newcomer, posted_in, set_up

ALICE = {"name": "Alice", "location": "Lisbon", "about": "Here to learn", "interests": "Chess, board games, Python"}
BOB = {"name": "Bob", "location": "Oslo", "about": "Hi all", "interests": "board game, chess"}


def private(answer: Call) -> str:
    assert answer.method in ("response_url", "chat.postEphemeral"), answer
    if answer.method == "response_url":
        assert answer.params["response_type"] == "ephemeral", answer
    return block_texts(answer)


async def introduce(slack: SlackHarness, user: str, answers: dict[str, str]) -> None:
    form = await slack.command("/intro", "", user)
    assert form.method == "views.open"
    assert (await slack.requests.interaction(submission_of(form, user, answers))).status == 200
    await slack.api.wait_for(
        "chat.postEphemeral",
        lambda call: call.params["user"] == user and "introduction is posted" in call.params["text"],
    )


async def test_whois_and_match_after_introductions(slack: SlackHarness, slack_api: MockSlackApi) -> None:
    await set_up(slack)
    slack_api.user("U0ALICE", "alice")
    slack_api.user("U0BOB", "bob")
    await introduce(slack, "U0ALICE", ALICE)
    await introduce(slack, "U0BOB", BOB)
    assert len(posted_in(slack_api, "C0INTROS")) == 2

    mine = private(await slack.command("/whois", "<@U0ALICE|alice>", "U0ALICE"))
    assert "Meet Alice" in mine and "Lisbon" in mine  # her own intro, asked by herself
    theirs = private(await slack.command("/whois", "<@U0BOB>", "U0ALICE"))  # a bare mention: name from users.info
    assert "Meet Bob" in theirs and "Oslo" in theirs
    unknown = private(await slack.command("/whois", "bob", "U0ALICE"))
    assert "I couldn't find the member `bob`." in unknown

    matched = private(await slack.command("/match", "", "U0ALICE"))
    assert "<@U0BOB>" in matched and "chess" in matched.lower()
    assert "Done: you won't be suggested by /match." in private(await slack.command("/match", "optout", "U0BOB"))
    again = private(await slack.command("/match", "", "U0ALICE"))
    assert "<@U0BOB>" not in again


async def test_leaderboard_names_the_members_with_points(slack: SlackHarness, slack_api: MockSlackApi) -> None:
    for user, name in (("U0ALICE", "alice"), ("U0BOB", "bob"), ("U0CAROL", "carol")):
        slack_api.user(user, name)
    for giver, receiver in (("U0ALICE", "<@U0BOB|bob>"), ("U0CAROL", "<@U0BOB|bob>"), ("U0BOB", "<@U0ALICE|alice>")):
        await slack.command("/kudos", receiver, giver)
    board = await slack.command("/leaderboard", "", "U0CAROL")
    assert board.method == "chat.postMessage"  # for everyone in the channel
    shown = block_texts(board)
    assert "🥇 *bob* — 20 points" in shown and "🥈 *alice* — 10 points" in shown
    month = await slack.command("/leaderboard", "month", "U0CAROL")
    assert "🥇 *bob* — 20 points" in block_texts(month)
    refused = private(await slack.command("/leaderboard", "decade", "U0CAROL"))
    assert (
        "`decade` is not a category; use all, kudos, activity, rituals, welcomes or intro (a period is week, month, "
        "quarter, year, all or season)." in refused
    )


async def test_a_welcomer_is_paired_with_the_next_newcomer(
    slack: SlackHarness, slack_api: MockSlackApi, hearth: Hearth
) -> None:
    slack_api.user("U0ALICE", "alice")
    joined = private(await slack.command("/welcomer", "join", "U0ALICE"))
    assert "paired with newcomers" in joined
    checklist = await newcomer(slack, "U0NINA", "nina")
    assert "<@U0ALICE> is your welcomer" in block_texts(checklist)
    told = await slack_api.wait_for("chat.postMessage", lambda call: "just joined" in call.params["text"])
    assert told.params["channel"] == "DU0ALICE" and "<@U0NINA>" in told.params["text"]
    assert "Done: you won't be paired" in private(await slack.command("/welcomer", "leave", "U0ALICE"))


async def test_a_channel_setting_given_by_position_is_the_channel(slack: SlackHarness, slack_api: MockSlackApi) -> None:
    slack_api.user("U0OWNER", "olga", is_owner=True)
    done = private(await slack.command("/config", "set welcome_channel <#C0WELCOME|welcome>", "U0OWNER"))
    assert done == "Done: `welcome_channel` not set → <#C0WELCOME>."
    typed = private(await slack.command("/config", "set intros_channel intros", "U0OWNER"))
    assert "`intros_channel` needs a channel (`intros` is not a channel I can find)" in typed


async def test_an_intro_card_slack_will_not_update_for_now_is_not_posted_twice(
    slack: SlackHarness, slack_api: MockSlackApi
) -> None:
    """Only a card that is gone is posted again: a refusal that passes (a rate limit) leaves the one card."""
    await set_up(slack)
    slack_api.user("U0ALICE", "alice")
    await introduce(slack, "U0ALICE", ALICE)
    slack_api.errors["chat.update"] = "ratelimited"
    form = await slack.command("/intro", "", "U0ALICE")
    assert (await slack.requests.interaction(submission_of(form, "U0ALICE", ALICE))).status == 200
    refused = await slack.api.wait_for(
        "chat.postEphemeral", lambda call: "couldn't update your introduction" in call.params["text"]
    )
    assert "Slack refused (ratelimited)" in refused.params["text"]
    assert len(posted_in(slack_api, "C0INTROS")) == 1

    slack_api.errors["chat.update"] = "message_not_found"  # a moderator deleted the card
    form = await slack.command("/intro", "", "U0ALICE")
    assert (await slack.requests.interaction(submission_of(form, "U0ALICE", ALICE))).status == 200
    await slack.api.wait_for("chat.postEphemeral", lambda call: "is posted again" in call.params["text"])
    assert len(posted_in(slack_api, "C0INTROS")) == 2


async def test_intro_form_slack_fails_to_open_is_said_so(slack: SlackHarness, slack_api: MockSlackApi) -> None:
    """views.open answered 503: the member was answered nothing at all (/intro seemed to do nothing)."""
    await set_up(slack)
    slack_api.user("U0ALICE", "alice")
    slack_api.unavailable["views.open"] = 1
    await slack.command("/intro", "", "U0ALICE")
    answer = await slack_api.wait_for("response_url", lambda call: "form" in block_texts(call))
    assert private(answer) == (
        "I couldn't open the form: Slack did not answer (HTTP 503); please try again in a moment."
    )


async def test_an_intro_longer_than_its_field_allows_now_can_still_be_edited(
    slack: SlackHarness, slack_api: MockSlackApi
) -> None:
    """A moderator shortened a field after a member answered it at length: the member's /intro offered the answer
    as it was, longer than the field takes, and Slack refused to open the form (`I couldn't open the form`)."""
    await set_up(slack)
    slack_api.user("U0ALICE", "alice")
    about = "I came for the chess and stayed for the people, the puzzles and the long talks."
    await introduce(slack, "U0ALICE", {**ALICE, "about": about})
    done = await slack.command("/onboarding", "intro-field about max_length:40", MOD)
    assert "`about` — " in private(done)
    form = await slack.command("/intro", "", "U0ALICE")
    assert form.method == "views.open" and not slack_api.refused_for_size
    [offered] = [block["element"] for block in form.params["view"]["blocks"] if block["block_id"] == "about"]
    assert offered["max_length"] == 40 and offered["initial_value"] == about[:39] + "…"
    assert (await slack.requests.interaction(submission_of(form, "U0ALICE", {}))).status == 200
    await slack_api.wait_for("chat.postEphemeral", lambda call: "is updated" in call.params["text"])
