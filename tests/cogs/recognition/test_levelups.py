"""Level-ups: announced where the community chose, rewarded with roles, a refused role told to mods once."""

from __future__ import annotations

from tests.conftest import ConsoleDriver


async def test_level_up_is_announced_and_rewarded_with_roles(console: ConsoleDriver) -> None:
    # linear curve, 10 points a level: each kudos (10 points) is a level.
    said = await console.run(
        """
        @admin is admin
        @admin: /config set level_curve linear
        @admin: /config set level_step 10
        @admin: /config set level_roles_stack no
        @admin: /levels role 1 &helper
        @admin: /levels role 2 &veteran
        @alice: /kudos @bob thanks
        @carol: /kudos @bob thanks again
        """
    )
    assert "@bob reached level 1!" in said
    assert "@bob reached level 2!" in said
    assert "@bob now has the role &helper" in said
    assert "@bob now has the role &veteran" in said
    assert "@bob no longer has the role &helper" in said


async def test_level_ups_off_and_a_refused_role_told_once(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @admin is admin
        @admin: /config set mod_channel #mods
        @admin: /config set level_curve linear
        @admin: /config set level_step 10
        @admin: /config set level_up_announce off
        @admin: /levels role 1 &helper
        bot cannot grant &helper
        @alice: /kudos @bob thanks
        @alice: /kudos @carol thanks
        @alice: /kudos @dana thanks
        """
    )
    assert "reached level" not in said
    assert said.count("I can't give the level reward role &helper") == 1


async def test_levels_sync_gives_roles_to_members_already_there(console: ConsoleDriver) -> None:
    said = await console.run(
        """
        @admin is admin
        @alice: /kudos @bob thanks
        @alice: /kudos @carol thanks
        @admin: /config set level_curve linear
        @admin: /config set level_step 10
        @admin: /levels role 1 &helper
        @admin: /levels sync
        """
    )
    assert "@bob now has the role &helper" in said
    assert "@carol now has the role &helper" in said
    assert "Level roles re-applied for 2 members (2 role changes)." in said
