"""Validation: a long table of text read column by column holds what row-by-row reading holds."""

from __future__ import annotations

from array import array

from hypothesis import given, settings
from hypothesis import strategies as st

from kecheng.errors import LocatedIssue
from kecheng.model import Membership
from kecheng.planning.model import Resident
from kecheng.reading.raw import ABSENT, RawTable
from kecheng.rows import Rows
from kecheng.validation import validate_rows

GOOD = {
    "resident_id": ["R1", "R2", "007", "居民3"],
    "community_id": ["C1", "C2", "7"],
    "lat": ["", "29.6"],
    "max_walk_m": ["", "800", "1e3"],
    "max_groups": ["", "3"],
    "available": ["", "morning", "6@09:00-12:00"],
}
BAD = {
    "resident_id": [""],
    "lat": ["91", "north"],
    "max_walk_m": ["0"],
    "max_groups": ["-1"],
    "available": ["noon"],
}
CELLS = {name: st.sampled_from(good * 6 + BAD.get(name, [])) for name, good in GOOD.items()}
"""Mostly good cells, so that many tables are clean and some have a problem or two."""


def read_both(columns: dict[str, list[str]], row_type: type) -> tuple:
    """The table read as a long table (by column when it can) and as a list (row by row)."""
    out = []
    for long in (True, False):
        raw = RawTable(f"{row_type.__name__}.csv", {k: list(v) for k, v in columns.items()})
        raw.rows = array("I", range(2, 2 + len(next(iter(columns.values())))))
        problems: list[LocatedIssue] = []
        rows = validate_rows(raw, row_type, long=long, problems=problems)
        out.append((rows, [p.render() for p in problems]))
    return tuple(out)


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_reading_by_column_gives_the_rows_and_problems_of_reading_by_row(data):
    length = data.draw(st.integers(1, 8))
    names = data.draw(st.lists(st.sampled_from(sorted(CELLS)), unique=True, min_size=1))
    columns = {n: data.draw(st.lists(CELLS[n], min_size=length, max_size=length)) for n in names}
    (by_column, column_problems), (by_row, row_problems) = read_both(columns, Resident)
    assert isinstance(by_column, Rows)
    assert column_problems == row_problems
    if not row_problems:
        assert list(by_column) == by_row
    else:
        assert len(by_column) == len(by_row)  # a failed row is kept as a stand-in either way


def test_a_clean_table_is_read_by_column_with_defaults_for_blank_optional_cells():
    columns = {
        "resident_id": ["R1", "R2", "R1x"],
        "community_id": ["C1", "7", "C1"],
        "max_walk_m": ["", "800", ""],
    }
    (by_column, problems), (by_row, _) = read_both(columns, Resident)
    assert problems == [] and list(by_column) == by_row
    assert [r.max_walk_m for r in by_column] == [1000.0, 800.0, 1000.0]
    assert [r.available for r in by_column] == [(), (), ()]
    members, _ = read_both({"member_id": ["007", "M2", "007"], "group_id": ["G1", "G1", "G2"]}, Membership)[0]
    assert list(members.column("member_id")) == ["007", "M2", "007"]


def test_cells_that_are_not_text_are_validated_row_by_row_and_located():
    """JSON gives numbers and lists as cells: they take the row-by-row path, which says where."""
    raw = RawTable("input.json (members)", {"member_id": [ABSENT, "M1"], "group_id": [[], 7]})
    raw.rows = range(1, 3)
    problems: list[LocatedIssue] = []
    rows = validate_rows(raw, Membership, long=True, problems=problems)
    assert len(rows) == 2
    assert [(p.row, p.column) for p in problems] == [(1, "member_id"), (1, "group_id")]
    assert list(rows.column("group_id"))[1] == "7"
