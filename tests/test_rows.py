"""Rows: a long table held as columns reads exactly like the tuple of rows it replaces."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kecheng.model import Availability, Membership, OpeningHours, Problem
from kecheng.rows import Rows, Text

memberships = st.lists(
    st.builds(
        Membership, member_id=st.sampled_from(["M1", "M2", "M3", "居民4"]), group_id=st.sampled_from("GHK")
    ),
    max_size=30,
)


@settings(max_examples=60, deadline=None)
@given(memberships)
def test_rows_read_back_as_the_rows_given(rows):
    table = Rows(Membership, rows)
    assert len(table) == len(rows)
    assert list(table) == rows
    assert table == tuple(rows) and table == rows
    assert [table[i] for i in range(-len(rows), len(rows))] == rows + rows
    assert list(table.column("group_id")) == [r.group_id for r in rows]
    assert list(table.select("group_id", "member_id")) == [(r.group_id, r.member_id) for r in rows]
    assert table[1:-1] == rows[1:-1]
    positions = list(range(len(rows)))[::-2]
    assert list(table.take(positions)) == [rows[i] for i in positions]
    assert table + rows[:3] == rows + rows[:3]
    assert pickle.loads(pickle.dumps(table)) == table
    assert Rows(Membership, table) == table and hash(Rows(Membership, table)) == hash(table)
    given_by_column = {name: [getattr(r, name) for r in rows] for name in ("member_id", "group_id")}
    assert Rows.from_columns(Membership, given_by_column) == table


def test_a_row_read_back_is_a_real_row():
    table = Rows(Availability, [Availability(teacher_id="T1", weekday=2, start="08:00", end="10:30")])
    row = table[0]
    assert isinstance(row, Availability)
    assert (row.teacher_id, row.weekday, row.start, row.end) == ("T1", 2, 480, 630)
    assert row.bounds == (480, 630)
    with pytest.raises(IndexError):
        table[1]


def test_rows_of_another_type_or_with_other_values_differ():
    one = Rows(Membership, [Membership(member_id="M1", group_id="G")])
    assert one != Rows(Membership, [Membership(member_id="M2", group_id="G")])
    assert one != Rows(Membership)
    assert Rows(Membership) != Rows(OpeningHours)
    assert one != (Membership(member_id="M1", group_id="H"),)


def test_problem_takes_rows_dicts_or_row_objects_and_holds_rows():
    row = {"member_id": "M1", "group_id": "G1"}
    group = {
        "group_id": "G1", "name": "choir", "category": "arts", "community_id": "C1", "size": 10,
        "sessions_per_week": 1, "duration_min": 60, "teacher_id": "T1",
    }  # fmt: skip
    tables = {
        "communities": [{"community_id": "C1", "name": "c", "street": "s", "lat": 29.6, "lon": 106.5}],
        "teachers": [{"teacher_id": "T1", "name": "t"}],
        "groups": [group],
    }
    from_dicts = Problem(**tables, members=[row])
    from_rows = Problem(**tables, members=[Membership(**row)])
    assert isinstance(from_dicts.members, Rows) and isinstance(from_dicts.opening_hours, Rows)
    assert from_dicts == from_rows == Problem(**tables, members=from_rows.members)
    assert from_dicts.group_members == {"G1": frozenset({"M1"})}
    with pytest.raises(ValueError, match="no such id in groups"):
        Problem(**tables, members=[{"member_id": "M1", "group_id": "G2"}])
    with pytest.raises(ValueError, match="is not a list of rows"):
        Problem(**tables, members="M1,G1")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(max_size=6), max_size=20), st.integers(-25, 24))
def test_joined_text_reads_back_each_string(values, index):
    text = Text(values)
    assert list(text) == values and len(text) == len(values)
    assert text[1:-1] == values[1:-1]
    if -len(values) <= index < len(values):
        assert text[index] == values[index]
    else:
        with pytest.raises(IndexError):
            text[index]
    assert list(pickle.loads(pickle.dumps(text))) == values


def test_mostly_distinct_ids_are_held_as_one_string():
    rows = [Membership(member_id=f"M{n:06d}", group_id=f"G{n % 7}") for n in range(3000)]
    table = Rows(Membership, rows + rows[:10])
    assert isinstance(table._values["member_id"], Text)  # the point: one string, not 3000
    assert not isinstance(table._values["group_id"], Text)
    assert list(table) == rows + rows[:10]
    assert list(table.take([2999, 0])) == [rows[2999], rows[0]]
