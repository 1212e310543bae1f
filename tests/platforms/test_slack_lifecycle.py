"""Members who come and go on Slack, end to end through Bolt: a deactivated account has left (kudos to them
are refused), `app_uninstalled` / `tokens_revoked` schedule the deletion of the workspace's data, a user's
token revoked alone does not. Slack has no roles to give back on a return; `/mydata export`'s file is
uploaded into the member's DM."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime

from sqlalchemy import select
from sqlmodel import col

from bot.core.runtime import Hearth
from storage.models import CommunityState
from tests.conftest import NewRuntime
from tests.platforms.slack_fakes import MockSlackApi, SlackHarness, running_slack
from tests.platforms.test_slack import block_texts
from tests.platforms.test_slack_onboarding import deliver, posted_in
from tests.platforms.test_slack_rituals import private


async def removed_at(hearth: Hearth) -> datetime | None:
    async with hearth.db.read() as session:
        return (await session.execute(select(col(CommunityState.removed_at)))).scalar_one_or_none()


async def test_a_deactivated_member_has_left_and_is_not_thanked(slack: SlackHarness, slack_api: MockSlackApi) -> None:
    alice = slack_api.user("U0ALICE", "alice")
    slack_api.user("U0BOB", "bob")
    assert "you got kudos" in block_texts(await slack.command("/kudos", "<@U0ALICE|alice> thanks", "U0BOB"))
    slack_api.users["U0ALICE"] = replace(alice, is_deleted=True)
    await deliver(slack, {"type": "user_change", "user": slack_api.users["U0ALICE"].as_api()})
    refused = private(await slack.command("/kudos", "<@U0ALICE|alice> thanks again", "U0BOB"))
    assert "alice is no longer a member" in refused


async def test_a_member_who_changes_their_display_name_is_shown_by_it(
    slack: SlackHarness, slack_api: MockSlackApi
) -> None:
    """Slack sends `user_change` when a member edits their profile: boards and replies show the new display name
    from then on, as Discord does on a rename (until 2026-12-02 the first name seen was kept until a restart, in their
    own commands too)."""
    bob = slack_api.user("U0BOB", "bob")
    slack_api.user("U0CAROL", "carol")
    slack_api.user("U0DANA", "dana")
    assert "+10 points for bob" in block_texts(await slack.command("/kudos", "<@U0BOB|bob> thanks", "U0CAROL"))
    slack_api.users["U0BOB"] = replace(bob, name="robert")
    await deliver(slack, {"type": "user_change", "user": slack_api.users["U0BOB"].as_api()})

    board = block_texts(await slack.command("/leaderboard", "all", "U0DANA"))
    assert "robert" in board and "bob" not in board
    thanked = block_texts(await slack.command("/kudos", "<@U0BOB> again", "U0DANA"))
    assert "+10 points for robert" in thanked
    # A status or avatar change (the same names) and someone Hearth never saw change nothing.
    await deliver(slack, {"type": "user_change", "user": slack_api.users["U0BOB"].as_api()})
    await deliver(slack, {"type": "user_change", "user": slack_api.user("U0ERIN", "erin").as_api()})
    assert "erin" not in block_texts(await slack.command("/leaderboard", "all", "U0DANA"))


async def test_uninstalling_schedules_deletion_and_a_user_token_revoked_does_not(
    slack: SlackHarness, hearth: Hearth, slack_api: MockSlackApi
) -> None:
    slack_api.user("U0BOB", "bob")
    await slack.command("/rank", "", "U0BOB")
    await deliver(slack, {"type": "tokens_revoked", "tokens": {"oauth": ["U0BOB"]}})
    assert await removed_at(hearth) is None
    await deliver(slack, {"type": "app_uninstalled"})
    assert await removed_at(hearth) is not None


async def test_starting_with_a_token_for_the_workspace_cancels_its_deletion(
    new_runtime: NewRuntime, slack_api: MockSlackApi
) -> None:
    first = await new_runtime()
    async with running_slack(first, slack_api) as slack:
        await deliver(slack, {"type": "app_uninstalled"})
        assert await removed_at(first) is not None
    await first.close()
    second = await new_runtime()  # reinstalled: Hearth starts with the new token
    async with running_slack(second, slack_api):
        assert await removed_at(second) is None


async def test_mydata_export_reaches_the_member_by_dm(slack: SlackHarness, slack_api: MockSlackApi) -> None:
    """The DM says what it is, and the JSON file is uploaded into that DM (files_upload_v2)."""
    slack_api.user("U0ALICE", "alice")
    await slack.command("/mydata", "export", "U0ALICE")
    [dm] = posted_in(slack_api, "DU0ALICE")
    assert "everything Hearth keeps about you" in block_texts(dm)
    await slack_api.wait_for("files.completeUploadExternal")
    [export] = slack_api.shared_files("DU0ALICE")
    assert export.filename.endswith(".json") and json.loads(export.data)["member"]["external_id"] == "U0ALICE"


async def test_mydata_export_is_shown_privately_when_slack_fails_the_dm(
    slack: SlackHarness, slack_api: MockSlackApi
) -> None:
    """Slack answering 503 (an HTML page) to conversations.open: the member was answered nothing at all."""
    slack_api.user("U0ALICE", "alice")
    slack_api.unavailable["conversations.open"] = 1
    answer = await slack.command("/mydata", "export", "U0ALICE")
    text = private(answer)
    assert "everything Hearth keeps about you" in text
    assert "I couldn't send you a direct message just now, so here it is." in text


async def test_a_ladder_invitation_is_recorded_and_said_so_when_slack_drops_the_connection(
    slack: SlackHarness, slack_api: MockSlackApi
) -> None:
    """conversations.open losing its connection (each of the client's tries): the admin was told 'Sorry,
    something went wrong ... nothing was changed', though the invitation was recorded."""
    slack_api.user("U0ADMIN", "admin", is_admin=True)
    slack_api.user("U0ALICE", "alice")
    slack_api.dropped["conversations.open"] = 2
    answer = await slack.command("/ladder", "invite <@U0ALICE|alice> mentor", "U0ADMIN")
    assert private(answer) == "Invitation recorded, but <@U0ALICE> could not be reached by direct message."
