"""`/mydata delete`'s confirmation is answered once: what the member sees, and what is left in the database
afterwards."""

from __future__ import annotations

from sqlalchemy import select

from bot.core.runtime import Hearth
from storage.models import Member
from tests.conftest import ConsoleDriver, ledger_rows

KEPT = "You chose to keep your data"
ALREADY_DELETED = "Your data was already deleted."


async def member_row(hearth: Hearth, external_id: str) -> Member | None:
    async with hearth.db.read() as session:
        found = await session.execute(select(Member).where(Member.external_id == external_id))  # type: ignore[arg-type]
        return found.scalar_one_or_none()


# -- the confirmation is spent by its first answer ---------------------------------------------------------
async def test_delete_after_keep_it_deletes_nothing(console: ConsoleDriver, hearth: Hearth) -> None:
    await console.run("@zed: /kudos @carol thanks\n@zed: /mydata delete")
    assert "Nothing was deleted" in await console.run('@zed clicks "Keep it"')
    said = await console.run('@zed clicks "Delete my data"')
    assert KEPT in said and "/mydata delete" in said and "Done" not in said
    assert await member_row(hearth, "zed") is not None
    assert KEPT in await console.run('@zed clicks "Keep it"')
    # a new question is answered afresh
    await console.run("@zed: /mydata delete")
    assert "no longer keeps anything" in await console.run('@zed clicks "Delete my data"')
    assert await member_row(hearth, "zed") is None


async def test_a_click_after_the_deletion_says_it_was_done(console: ConsoleDriver, hearth: Hearth) -> None:
    await console.run("@zed: /kudos @carol thanks\n@zed: /mydata delete")
    assert "no longer keeps anything" in await console.run('@zed clicks "Delete my data"')
    for button in ("Delete my data", "Keep it"):
        said = await console.run(f'@zed clicks "{button}"')
        assert ALREADY_DELETED in said and "This button is for" not in said
    assert ("carol", 10, "thanks") in await ledger_rows(hearth, "kudos_received")


async def test_an_old_question_expires(console: ConsoleDriver, hearth: Hearth) -> None:
    await console.run("@zed: /mydata delete\nwait 1h")
    said = await console.run('@zed clicks "Delete my data"')
    assert "expired" in said and "/mydata delete" in said
    assert await member_row(hearth, "zed") is not None
