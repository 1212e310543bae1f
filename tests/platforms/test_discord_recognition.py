"""Recognition on Discord: reaction kudos, taking them back, and deleted messages (raw gateway events)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select
from sqlmodel import col

from bot.core.events import Event, MessageDeleted, MessagePosted, ReactionAdded, ReactionRemoved
from bot.core.runtime import Hearth
from storage.models import Contribution
from tests.platforms import discord_payloads as p
from tests.platforms.conftest import DiscordHarness, message_posted


async def points_of(hearth: Hearth, kind: str) -> int:
    async with hearth.db.read() as session:
        query = select(func.coalesce(func.sum(col(Contribution.points)), 0)).where(col(Contribution.kind) == kind)
        return int((await session.execute(query)).scalar_one())


async def test_reaction_kudos_taken_back_and_voided_by_deletion(discord: DiscordHarness) -> None:
    world, server, log = discord.world, discord.server, discord.log
    hearth = discord.hearth
    first = p.message_create(world, "alice", "here is the fix")
    second = p.message_create(world, "alice", "and the docs")
    for said in (first, second):
        await server.dispatch("MESSAGE_CREATE", said)
        await log.wait_for(message_posted(said))

    await server.dispatch("MESSAGE_REACTION_ADD", p.reaction_add(world, "bob", first, "🙌"))
    await server.dispatch("MESSAGE_REACTION_REMOVE", p.reaction_remove(world, "bob", first, "🙌"))
    await log.wait_for(lambda e: isinstance(e, ReactionRemoved))
    await server.dispatch("MESSAGE_REACTION_ADD", p.reaction_add(world, "bob", second, "🙌"))
    await log.wait_for(lambda e: isinstance(e, ReactionAdded) and e.message_id == second["id"])
    await hearth.services.activity.flush()
    # bob's kudos on the first message were taken back within the grace period; the second's stand.
    assert (await points_of(hearth, "kudos_received"), await points_of(hearth, "kudos_void")) == (20, -10)

    # A raw MESSAGE_DELETE (the message need not be cached) voids the second message's kudos and its point.
    await server.dispatch("MESSAGE_DELETE", p.message_delete(world, second))
    deleted = await log.wait_for(lambda e: isinstance(e, MessageDeleted))
    assert isinstance(deleted, MessageDeleted) and deleted.message_id == second["id"]
    await server.dispatch("MESSAGE_DELETE_BULK", p.message_delete_bulk(world, [first, second]))
    await log.wait_for(lambda e: isinstance(e, MessageDeleted) and e.event_id == f"delete:{first['id']}")
    await hearth.services.activity.flush()
    # Every point is void once, however often a deletion is delivered: both kudos (one by the removal) and
    # the messages' activity.
    # (The second message came within the activity cooldown: only the first earned a point.)
    assert await points_of(hearth, "kudos_void") == -20
    assert (await points_of(hearth, "message"), await points_of(hearth, "message_void")) == (1, -1)


async def test_a_message_deleted_in_an_archived_thread_voids_what_it_earned(discord: DiscordHarness) -> None:
    """discord.py drops a thread from its cache once it archives (after a day of quiet, by default): a message
    deleted there afterwards (an intro-thread hello, a thread ritual's answer) kept its kudos and its point."""
    world, server, log, hearth = discord.world, discord.server, discord.log, discord.hearth
    thread = p.thread("Introducing alice", world.channels["general"], world.id("hearth"))
    world.threads.append(thread)
    await server.dispatch("THREAD_CREATE", p.thread_create(thread))
    said = p.message_create(world, "alice", "hello all, I'm alice", thread=thread)
    await server.dispatch("MESSAGE_CREATE", said)
    await log.wait_for(lambda e: isinstance(e, MessagePosted) and e.message_id == said["id"])
    await server.dispatch("MESSAGE_REACTION_ADD", p.reaction_add(world, "bob", said, "🙌"))
    await log.wait_for(lambda e: isinstance(e, ReactionAdded))
    await hearth.services.activity.flush()
    assert (await points_of(hearth, "kudos_received"), await points_of(hearth, "message")) == (10, 1)

    thread["thread_metadata"]["archived"] = True
    await server.dispatch("THREAD_UPDATE", thread)
    await server.dispatch("MESSAGE_DELETE", p.message_delete(world, said))
    await log.wait_for(lambda e: isinstance(e, MessageDeleted))
    await hearth.services.activity.flush()
    assert (await points_of(hearth, "kudos_void"), await points_of(hearth, "message_void")) == (-10, -1)


async def test_a_kudos_reaction_counts_in_any_skin_tone(discord: DiscordHarness) -> None:
    """Discord's clients add a member's chosen skin tone to every reaction they make (🙌🏽, the modifier after
    the emoji), so such a member gave no kudos at all; Slack's tones (`raised_hands::skin-tone-4`) counted."""
    world, server, log, hearth = discord.world, discord.server, discord.log, discord.hearth
    said = p.message_create(world, "alice", "here is the fix")
    await server.dispatch("MESSAGE_CREATE", said)
    await log.wait_for(lambda e: isinstance(e, MessagePosted) and e.message_id == said["id"])
    await server.dispatch("MESSAGE_REACTION_ADD", p.reaction_add(world, "bob", said, "🙌🏽"))
    await log.wait_for(lambda e: isinstance(e, ReactionAdded))
    assert await points_of(hearth, "kudos_received") == 10
    await server.dispatch("MESSAGE_REACTION_REMOVE", p.reaction_remove(world, "bob", said, "🙌🏽"))
    await log.wait_for(lambda e: isinstance(e, ReactionRemoved))
    assert await points_of(hearth, "kudos_void") == -10  # taken back within the grace period, tone and all


async def test_a_moderator_may_not_lock_an_admins_kudos_giving(discord: DiscordHarness) -> None:
    """The target's level is read from their Discord permissions (the server's owner is an admin): a moderator
    locked an admin's giving, or their own; an admin may lock a moderator."""
    world = discord.world

    async def lock(who: str, target: str) -> str:
        options = {"member": p.Mention("member", target)}
        call = await discord.server.interact(p.command_interaction(world, who, "recognition lock", options))
        return str(call.json["data"]["content"])

    assert await lock("mod", "admin") == (
        f"Sorry, <@{world.id('admin')}> is an admin: moderators can lock only members' kudos giving. "
        "Nothing was changed."
    )
    assert (await lock("mod", "owner")).startswith(f"Sorry, <@{world.id('owner')}> is an admin:")
    assert await lock("mod", "mod") == "You can't lock your own kudos giving. Nothing was changed."
    assert await lock("admin", "mod") == "Mod can no longer give kudos, until `/recognition unlock`."
    assert await lock("mod", "alice") == "Alice can no longer give kudos, until `/recognition unlock`."


async def test_a_server_emoji_gives_kudos_also_after_it_is_renamed(discord: DiscordHarness) -> None:
    """A server emoji is known to Discord by its id: a moderator renaming `:thanks:` to `:thank_you:` keeps it the
    same emoji, and Discord sends reactions with it under its new name (they gave nothing)."""
    world, server, log, hearth = discord.world, discord.server, discord.log, discord.hearth
    emoji_id = "112233445566778899"
    options = {"key": "kudos_emoji", "value": f"<:thanks:{emoji_id}>"}
    call = await server.interact(p.command_interaction(world, "admin", "config set", options))
    assert "Done" in str(call.json["data"]["content"])

    async def react(who: str, name: str) -> None:
        said = p.message_create(world, "alice", f"the fix for {who} and {name}")
        await server.dispatch("MESSAGE_CREATE", said)
        await log.wait_for(message_posted(said))
        reaction = p.reaction_add(world, who, said)
        reaction["emoji"] = {"id": emoji_id, "name": name, "animated": False}
        await server.dispatch("MESSAGE_REACTION_ADD", reaction)
        await log.wait_for(lambda e: isinstance(e, ReactionAdded) and e.message_id == said["id"])

    await react("bob", "thanks")
    assert await points_of(hearth, "kudos_received") == 10
    await react("mod", "thank_you")  # renamed since
    assert await points_of(hearth, "kudos_received") == 20


def reaction_to(message: p.Payload) -> Callable[[Event], bool]:
    """For `EventLog.wait_for`: a ReactionAdded event on the message (bound now, as `message_posted`)."""
    return lambda event: isinstance(event, ReactionAdded) and event.message_id == message["id"]


async def test_a_kudos_reaction_on_a_webhooks_message_gives_nothing(discord: DiscordHarness) -> None:
    """A webhook's message (a release feed, an announcement, PluralKit's proxy) is no member's: Discord names the
    webhook as its author, whom discord.py's member list does not hold. Reacting 🙌 to one gave the webhook's id
    kudos, used up the giver's kudos of the day and showed `**1100000000000000057** — 10 points` on /leaderboard (a
    tester's finding). Also for a message older than discord.py's cache (posted before a restart), looked up."""
    world, server, log, hearth = discord.world, discord.server, discord.log, discord.hearth
    seen = p.webhook_message(world, "GitHub", "v2.1 released")
    await server.dispatch("MESSAGE_CREATE", seen)
    older = p.webhook_message(world, "RSS", "this week's news")
    world.messages[older["id"]] = older  # posted before Hearth started: only Discord has it
    for said in (seen, older):
        await server.dispatch("MESSAGE_REACTION_ADD", p.reaction_add(world, "bob", said, "🙌"))
        await log.wait_for(reaction_to(said))
    await hearth.services.activity.flush()
    assert await points_of(hearth, "kudos_received") == 0
    board = str((await server.interact(p.command_interaction(world, "alice", "leaderboard"))).json["data"])
    assert "No points yet" in board and seen["author"]["id"] not in board
    rank = await server.interact(p.command_interaction(world, "bob", "rank"))
    fields = {f["name"]: f["value"] for f in rank.json["data"]["embeds"][0]["fields"]}
    assert fields["Kudos given"] == "0"
