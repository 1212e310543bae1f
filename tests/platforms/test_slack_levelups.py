"""A level reached by message activity alone is announced on Slack (the real Bolt app, the mock Web API) once the
activity batch holding the messages is written, in the channel the member last wrote in."""

from __future__ import annotations

from bot.core.runtime import Hearth
from tests.platforms.slack_fakes import MockSlackApi, SlackHarness, event_payload, message_event
from tests.platforms.test_slack import block_texts


async def test_messages_alone_reach_a_level_and_it_is_announced(
    hearth: Hearth, slack: SlackHarness, slack_api: MockSlackApi
) -> None:
    slack_api.user("U0OWNER", "olga", is_owner=True)
    slack_api.user("U0ALICE", "alice")
    for setting in ("level_curve linear", "level_step 2", "activity_cooldown 0s"):
        assert "Done" in block_texts(await slack.command("/config", f"set {setting}", "U0OWNER"))
    for n, text in enumerate(("good morning all", "the notes are up")):
        delivery = event_payload(message_event("U0ALICE", text, f"1700000100.00010{n}", channel="C0IDEAS"), f"Ev{n}")
        assert (await slack.requests.event(delivery)).status == 200  # handled before Slack is answered
    await hearth.services.activity.flush()  # the buffer does it within HEARTH_ACTIVITY_FLUSH_SECONDS
    post = await slack_api.wait_for("chat.postMessage", lambda call: "reached level" in str(call.params))
    assert post.params["channel"] == "C0IDEAS"
    assert post.params["text"].startswith("⬆️ <@U0ALICE> reached level 1")  # Slack may add the level's title
