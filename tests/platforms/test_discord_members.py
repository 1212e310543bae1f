"""/whois, /match, /leaderboard and /welcomer on Discord, end to end: the real discord.py client against the
fake Discord, introductions given through the /intro modal as a member would."""

from __future__ import annotations

from typing import Any

from bot.core.events import MemberJoined, MembersPresent
from tests.platforms import discord_payloads as p
from tests.platforms.conftest import DiscordHarness
from tests.platforms.discord_payloads import Mention

ALICE = {"name": "Alice", "location": "Lisbon", "about": "Here to learn", "interests": "Chess, board games, Python"}
BOB = {"name": "Bob", "location": "Oslo", "about": "Hi all", "interests": "board game, chess"}


async def command(discord: DiscordHarness, who: str, name: str, **options: Any) -> dict[str, Any]:
    call = await discord.server.interact(p.command_interaction(discord.world, who, name, options))
    data: dict[str, Any] = call.json["data"]
    return data


async def introduce(discord: DiscordHarness, who: str, answers: dict[str, str]) -> None:
    opened = await discord.server.interact(p.command_interaction(discord.world, who, "intro"))
    assert opened.json["type"] == 9  # the modal
    posted = await discord.server.interact(p.modal_interaction(discord.world, who, "intro:", answers))
    assert "Your introduction is posted" in posted.json["data"]["content"]


def embed_text(data: dict[str, Any]) -> str:
    embed = data["embeds"][0]
    fields = "\n".join(f"{f['name']}: {f['value']}" for f in embed.get("fields", []))
    return f"{embed.get('title', '')}\n{embed.get('description', '')}\n{fields}"


async def test_whois_and_match_after_introductions(discord_env: DiscordHarness) -> None:
    discord = discord_env
    world = discord.world
    world.add_channel("intros")  # before the bot connects (GUILD_CREATE): a channel it never heard of it can't post in
    await discord.start()
    done = await command(discord, "mod", "onboarding channel", purpose="intros", channel=Mention("channel", "intros"))
    assert done["content"].startswith("Done")
    await introduce(discord, "alice", ALICE)
    await introduce(discord, "bob", BOB)

    mine = await command(discord, "alice", "whois", member=Mention("member", "alice"))
    assert mine["flags"] & p.EPHEMERAL
    assert "Meet Alice" in embed_text(mine) and "Lisbon" in embed_text(mine)  # her own intro, by herself
    theirs = await command(discord, "alice", "whois", member=Mention("member", "bob"))
    assert "Meet Bob" in embed_text(theirs) and "Oslo" in embed_text(theirs)
    nobody = await command(discord, "bob", "whois", member=Mention("member", "mod"))
    assert nobody["content"] == "Mod hasn't introduced themselves yet. Maybe say hi?"

    matched = await command(discord, "alice", "match")
    assert matched["flags"] & p.EPHEMERAL
    assert f"<@{world.id('bob')}>" in str(matched) and "chess" in str(matched).lower()
    out = await command(discord, "bob", "match", setting="optout")
    assert out["flags"] & p.EPHEMERAL and out["content"] == "Done: you won't be suggested by /match."
    again = await command(discord, "alice", "match")
    assert f"<@{world.id('bob')}>" not in str(again)


async def test_leaderboard_names_the_members_with_points(discord: DiscordHarness) -> None:
    world = discord.world
    for giver, receiver in (("alice", "bob"), ("mod", "bob"), ("bob", "alice")):
        await command(discord, giver, "kudos", member=Mention("member", receiver))
    board = await command(discord, "alice", "leaderboard")
    assert not (board.get("flags") or 0) & p.EPHEMERAL  # the leaderboard is for everyone in the channel
    lines = board["embeds"][0]["description"].splitlines()
    assert lines == ["🥇 **Bob** — 20 points", "🥈 **Alice** — 10 points"]
    month = await command(discord, "alice", "leaderboard", period="month")
    assert "Leaderboard" in month["embeds"][0]["title"]
    assert world.id("bob") not in board["embeds"][0]["description"]  # names, not ids


async def test_a_welcomer_is_paired_with_the_next_newcomer(discord: DiscordHarness) -> None:
    world = discord.world
    joined = await command(discord, "alice", "welcomer join")
    assert joined["flags"] & p.EPHEMERAL and "paired with newcomers" in joined["content"]
    world.add_member("newbie")
    await discord.server.dispatch("GUILD_MEMBER_ADD", p.member_add(world, "newbie"))
    newbie = world.id("newbie")
    await discord.log.wait_for(lambda e: isinstance(e, MemberJoined) and e.member.external_id == newbie)
    told = [
        call for call in discord.server.calls_to("POST", r"/channels/.*/messages") if "just joined" in str(call.json)
    ]
    assert told and f"<@{newbie}>" in told[0].json["content"]  # alice heard by DM
    left = await command(discord, "alice", "welcomer leave")
    assert left["flags"] & p.EPHEMERAL and left["content"].startswith("Done: you won't be paired with newcomers")


async def test_a_channel_setting_typed_as_text_is_refused(discord: DiscordHarness) -> None:
    typed = await command(discord, "owner", "config set", key="welcome_channel", value="#welcome")
    assert typed["content"].startswith("`welcome_channel` needs a channel (`#welcome` is not a channel I can find)")
    shown = await command(discord, "owner", "config show")
    fields = {f["name"]: f["value"] for f in shown["embeds"][0]["fields"]}
    assert fields["welcome_channel"] == "not set"


async def test_a_nickname_changed_shows_on_the_board_at_once(discord: DiscordHarness) -> None:
    """Bob renamed Bobby stayed **Bob** on /leaderboard until he next posted (a tester's finding)."""
    await command(discord, "alice", "kudos", member=Mention("member", "bob"))
    renamed = {**p.member_update(discord.world, "bob"), "nick": "Bobby"}
    await discord.server.dispatch("GUILD_MEMBER_UPDATE", renamed)
    await discord.log.wait_for(lambda event: isinstance(event, MembersPresent))
    board = await command(discord, "alice", "leaderboard")
    assert board["embeds"][0]["description"].splitlines()[0] == "🥇 **Bobby** — 10 points"


async def test_a_display_name_changed_without_a_nickname_shows_on_the_board(discord: DiscordHarness) -> None:
    """Most members have no server nickname: their name is their Discord display name (`global_name`), and changing
    it comes as GUILD_MEMBER_UPDATE too. discord.py updates the account shared by the member before and after, so
    the two read alike and Bob renamed Robert stayed **Bob** on /leaderboard (a tester's finding)."""
    await command(discord, "alice", "kudos", member=Mention("member", "bob"))
    discord.world.users["bob"]["global_name"] = "Robert"
    await discord.server.dispatch("GUILD_MEMBER_UPDATE", p.member_update(discord.world, "bob"))
    await discord.log.wait_for(lambda event: isinstance(event, MembersPresent))
    board = await command(discord, "alice", "leaderboard")
    assert board["embeds"][0]["description"].splitlines()[0] == "🥇 **Robert** — 10 points"
