"""README's data inventory lists exactly what Hearth stores about members: every table with a column naming a
member (and the member table), with all of its columns. A table or column added without the README fails here."""

from __future__ import annotations

import re
from pathlib import Path

from sqlmodel import SQLModel

import storage.models  # noqa: F401  (the tables)

README = Path(__file__).resolve().parents[1] / "README.md"


def documented() -> dict[str, list[str]]:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("<!-- data inventory: start -->") : text.index("<!-- data inventory: end -->")]
    found: dict[str, list[str]] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`"):
            found[cells[0].strip("`")] = re.findall(r"`([a-z_]+)`", cells[1])
    return found


def stored() -> dict[str, list[str]]:
    tables: dict[str, list[str]] = {}
    for table in SQLModel.metadata.sorted_tables:
        names_member = any(key.column.table.name == "member" for column in table.c for key in column.foreign_keys)
        if names_member or table.name == "member":
            tables[table.name] = [column.name for column in table.c]
    return tables


def test_the_readme_lists_every_table_and_column_holding_member_data() -> None:
    listed, actual = documented(), stored()
    assert sorted(listed) == sorted(actual), "README's data inventory and the tables naming members differ"
    for table, columns in actual.items():
        assert sorted(listed[table]) == sorted(columns), f"README's data inventory: columns of {table}"


def test_the_inventory_is_read_at_all() -> None:
    assert documented()["member"][:3] == ["id", "community_id", "external_id"]  # the parser sees the table
