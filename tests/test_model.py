"""The domain: a Problem refuses broken tables with every problem located, as the loader does."""

from __future__ import annotations

import pytest
from builders import district, group, venue

from kecheng import InputError, Problem

TEACHERS = ["T1"]
OPENING = [("V1", 1, "08:00", "12:00")]
AVAILABILITY = [("T1", 1, "08:00", "12:00")]


def tables(**changes):
    base = dict(
        venues=[venue("V1")], opening=OPENING, teachers=TEACHERS, availability=AVAILABILITY,
        groups=[group("G1", "T1")],
    )  # fmt: skip
    return base | changes


def problems_of(**changes) -> list[str]:
    with pytest.raises(InputError) as caught:
        district(**tables(**changes))
    return [p.render() for p in caught.value.problems]


def test_a_type_error_does_not_hide_the_reference_and_duplicate_errors_beside_it():
    rendered = problems_of(
        groups=[group("G1", "T1", size="lots"), group("G2", "T9"), group("G1", "T1")],
    )
    assert rendered == [
        'groups, row 1, column "size": "lots" is not a whole number — expected a whole number greater '
        "than 0, e.g. 25",
        'groups, row 2, column "teacher_id": "T9" no such id in teachers — check the spelling, or add it to '
        "teachers",
        'groups, row 3, column "group_id": "G1" this id appears more than once; ids must be unique '
        "(first used in row 1)",
    ]


def test_input_error_is_a_value_error_and_not_pydantics():
    with pytest.raises(ValueError) as caught:
        district(**tables(groups=[group("G1", "T1", sessions_per_week=9)]))
    assert type(caught.value) is InputError
    assert "must be at most 7" in str(caught.value)


def test_one_unknown_id_used_by_many_rows_is_one_problem():
    members = [(f"M{i}", "G7") for i in range(30)]
    [only] = problems_of(members=members)
    assert only.startswith(
        'members, row 1, column "group_id": "G7" no such id in groups (used in 30 rows: 1, 2'
    )


def test_a_table_that_is_not_a_list_is_named():
    with pytest.raises(InputError, match='groups: "G1" is not a list of rows'):
        Problem(groups="G1")


def test_a_valid_problem_is_built_and_validated_once(monkeypatch):
    import kecheng.model as model

    calls = []
    real = model.consistency_issues
    monkeypatch.setattr(model, "consistency_issues", lambda p: calls.append(1) or real(p))
    problem = district(**tables())
    assert len(problem.groups) == 1 and calls == [1]
