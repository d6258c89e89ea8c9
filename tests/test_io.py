"""Reading and writing: round trips, and every kind of input error located for staff."""

from __future__ import annotations

import json
import logging
import tempfile
from io import StringIO
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import problems

from kecheng.io import (
    InputError,
    LocatedIssue,
    load,
    read_timetable,
    validate,
    write_json,
    write_problem,
    write_problem_json,
    write_table,
)
from kecheng.model import TIMETABLE_COLUMNS, Problem

BASE = {
    "communities": """community_id,name,street,lat,lon
C1,星光社区,人和街道,29.60,106.50
C2,远方社区,礼嘉街道,29.70,106.50
""",
    "venues": """venue_id,name,community_id,capacity,features,kind,lat,lon
V1,活动室,C1,30,piano;mirror,room,,
V2,广场,C1,80,,square,29.601,106.501
""",
    "opening_hours": """venue_id,weekday,open,close
V1,1,08:00,12:00
V2,3,14:00,18:00
""",
    "teachers": """teacher_id,name,community_id,max_sessions_per_week,max_sessions_per_day
T1,王老师,C1,10,3
T2,李老师,,,
""",
    "availability": """teacher_id,weekday,start,end
T1,1,08:00,12:00
T2,3,14:00,18:00
""",
    "groups": "group_id,name,category,community_id,size,sessions_per_week,duration_min,teacher_id,"
    """required_features,max_walk_m,priority
G1,太极,sports,C1,20,2,60,T1,,,
G2,合唱,arts,C1,25,1,90,T2,piano,800,2
""",
    "members": """member_id,group_id
007,G1
007,G2
M2,G2
""",
}


def district(folder: Path, **files: str | bytes | None) -> Path:
    """The base district as CSV files in ``folder``; a keyword replaces (or, None, drops) a file."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (BASE | files).items():
        if text is None:
            continue
        data = text if isinstance(text, bytes) else text.encode("utf-8")
        (folder / f"{name}.csv").write_bytes(data)
    return folder


def replace(table: str, old: str, new: str) -> str:
    assert old in BASE[table], (table, old)
    return BASE[table].replace(old, new, 1)


def problems_of(path: Path) -> tuple[list[LocatedIssue], str]:
    with pytest.raises(InputError) as caught:
        load(path)
    return caught.value.problems, str(caught.value)


def only(path: Path) -> LocatedIssue:
    problems, _ = problems_of(path)
    assert len(problems) == 1, problems
    return problems[0]


# ---------------------------------------------------------------- reading good input


def test_load_reads_every_table_with_defaults_for_empty_optional_cells(tmp_path):
    problem = load(district(tmp_path))
    assert [c.community_id for c in problem.communities] == ["C1", "C2"]
    v1, v2 = problem.venues
    assert v1.features == frozenset({"piano", "mirror"}) and v1.lat is None and v1.lon is None
    assert v2.features == frozenset() and v2.lat == 29.601
    assert problem.opening_hours[0].open == 8 * 60 and problem.opening_hours[1].close == 18 * 60
    t2 = problem.teacher["T2"]
    assert t2.community_id is None and t2.max_sessions_per_week is None and t2.max_sessions_per_day is None
    g1, g2 = problem.groups
    assert (g1.max_walk_m, g1.priority, g1.required_features) == (1000.0, 1, frozenset())
    assert (g2.max_walk_m, g2.priority, g2.required_features) == (800.0, 2, frozenset({"piano"}))
    assert problem.group_members["G2"] == frozenset({"007", "M2"})  # "007" stays a string


def test_optional_columns_may_be_absent(tmp_path):
    groups = """group_id,name,category,community_id,size,sessions_per_week,duration_min,teacher_id
G1,太极,sports,C1,20,2,60,T1
G2,合唱,arts,C1,25,1,90,T2
"""
    teachers = "teacher_id,name\nT1,王老师\nT2,李老师\n"
    problem = load(district(tmp_path, groups=groups, teachers=teachers))
    assert all(g.max_walk_m == 1000.0 and g.priority == 1 for g in problem.groups)
    assert all(t.community_id is None for t in problem.teachers)


def test_missing_members_file_is_fine(tmp_path):
    assert load(district(tmp_path, members=None)).members == ()


def test_header_only_files_are_an_empty_district(tmp_path):
    headers = {name: text.splitlines()[0] + "\n" for name, text in BASE.items()}
    problem = load(district(tmp_path, **headers))
    assert problem == Problem()


def test_extra_columns_and_whitespace_and_bom_are_harmless(tmp_path, caplog):
    plain = load(district(tmp_path / "plain"))
    venues = "\ufeff venue_id , name,community_id,备注,capacity\nV1 ,活动室, C1,大,30\nV2,广场,C1,,80\n"
    venues_plain = "venue_id,name,community_id,capacity\nV1,活动室,C1,30\nV2,广场,C1,80\n"
    with caplog.at_level(logging.WARNING, logger="kecheng.io"):
        odd = load(str(district(tmp_path / "odd", venues=venues.encode("utf-8"))))
    assert 'venues.csv, row 1, column "备注": is not a column kecheng uses' in caplog.text
    expected = load(district(tmp_path / "expected", venues=venues_plain))
    assert odd == expected
    assert odd.venues[0].venue_id == "V1" and odd.communities == plain.communities


def test_blank_lines_are_skipped_but_rows_keep_their_numbers(tmp_path):
    venues = BASE["venues"] + "\n,,,,,,,\nV3,小屋,C1,x,,,,\n"
    issue = only(district(tmp_path, venues=venues))
    assert (issue.file, issue.row, issue.column, issue.value) == ("venues.csv", 6, "capacity", "x")


def test_round_trip_through_csv_files(tmp_path):
    problem = load(district(tmp_path / "in"))
    write_problem(problem, tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(f"{n}.csv" for n in BASE)
    again = load(tmp_path / "out")
    assert again == problem
    assert again.venues[0].features == frozenset({"piano", "mirror"})
    assert "08:00" in (tmp_path / "out" / "opening_hours.csv").read_text(encoding="utf-8")


def test_round_trip_keeps_awkward_values(tmp_path):
    problem = Problem(
        communities=[dict(community_id="007", name="NA", street="", lat=29.123456789012, lon=-0.5)],
        venues=[dict(venue_id=" V 1", name="a, \"quoted\" name", community_id="007", capacity=1)],
        teachers=[dict(teacher_id="T", name="null", max_sessions_per_week=0)],
        groups=[
            dict(group_id="G", name="x\ny", category="", community_id="007", size=1, sessions_per_week=7,
                 duration_min=1440, teacher_id="T", max_walk_m=0.1)
        ],
    )  # fmt: skip
    write_problem(problem, tmp_path)
    assert load(tmp_path) == problem


@settings(max_examples=25, deadline=None)
@given(problem=problems())
def test_round_trip_of_generated_districts(problem):
    with tempfile.TemporaryDirectory() as folder:
        write_problem(problem, Path(folder) / "csv")
        assert load(Path(folder) / "csv") == problem
        write_problem_json(problem, Path(folder) / "input.json")
        assert load(Path(folder) / "input.json") == problem


def test_json_gives_the_same_problem_as_csv(tmp_path):
    problem = load(district(tmp_path / "csv"))
    write_problem_json(problem, tmp_path / "input.json")
    assert load(tmp_path / "input.json") == problem


def test_hand_written_json_with_lists_numbers_and_nulls(tmp_path):
    csv = load(district(tmp_path / "csv"))
    data = {}  # every cell a string, as in the CSV files, then a few in JSON's own types
    for name, text in BASE.items():
        data[name] = pd.read_csv(StringIO(text), dtype=str, keep_default_na=False).to_dict("records")
    data["venues"][0]["features"] = ["piano", " mirror", ""]
    data["venues"][0]["lat"] = None
    data["communities"][0]["lat"] = 29.6
    data["groups"][0]["size"] = 20
    data["groups"][0]["priority"] = None
    data["groups"][1]["max_walk_m"] = 800
    data["teachers"][0]["max_sessions_per_week"] = 10
    data["teachers"][1]["max_sessions_per_day"] = None
    (tmp_path / "x.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert load(tmp_path / "x.json") == csv


def test_json_grid_min_is_read_and_checked(tmp_path):
    problem = load(district(tmp_path / "csv"))
    write_problem_json(problem, tmp_path / "a.json")
    data = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    (tmp_path / "b.json").write_text(json.dumps(data | {"grid_min": 30}), encoding="utf-8")
    assert load(tmp_path / "b.json").grid_min == 30
    (tmp_path / "c.json").write_text(json.dumps(data | {"grid_min": 0}), encoding="utf-8")
    issue = only(tmp_path / "c.json")
    assert (issue.file, issue.column, issue.value) == ("c.json", "grid_min", "0")
    assert "greater than 0" in issue.message


def test_validate_returns_the_issues_instead_of_raising(tmp_path):
    assert validate(district(tmp_path / "good")) == []
    bad = validate(district(tmp_path / "bad", venues=replace("venues", "80", "lots")))
    assert [(i.file, i.row, i.column) for i in bad] == [("venues.csv", 3, "capacity")]


# ---------------------------------------------------------------- cells


def test_non_numeric_capacity_is_located(tmp_path):
    problems, text = problems_of(district(tmp_path, venues=replace("venues", "80", "abc")))
    assert len(problems) == 1
    assert text == (
        'venues.csv, row 3, column "capacity": "abc" is not a whole number'
        " — expected a whole number greater than 0, e.g. 30"
    )


def test_empty_required_cell(tmp_path):
    issue = only(district(tmp_path, groups=replace("groups", "C1,25,", "C1,,")))
    assert (issue.file, issue.row, issue.column, issue.value) == ("groups.csv", 3, "size", "")
    assert issue.message.startswith("the cell is empty — expected a whole number greater than 0")


def test_empty_id_cell(tmp_path):
    issue = only(district(tmp_path, members=BASE["members"] + "M3,\n"))
    assert (issue.file, issue.row, issue.column) == ("members.csv", 5, "group_id")
    assert "empty" in issue.message


def test_weekday_eight(tmp_path):
    issue = only(district(tmp_path, opening_hours=replace("opening_hours", "V2,3", "V2,8")))
    assert (issue.file, issue.row, issue.column, issue.value) == ("opening_hours.csv", 3, "weekday", "8")
    assert "must be at most 7" in issue.message and "1 = Monday" in issue.message


@pytest.mark.parametrize(
    ("bad", "words"),
    [("25:00", "between 00:00 and 24:00"), ("9.30", "HH:MM"), ("", "HH:MM")],
)
def test_bad_times(tmp_path, bad, words):
    issue = only(district(tmp_path, availability=replace("availability", "T2,3,14:00", f"T2,3,{bad}")))
    assert (issue.file, issue.row, issue.column) == ("availability.csv", 3, "start")
    assert words in issue.message


def test_close_before_open(tmp_path):
    issue = only(district(tmp_path, opening_hours=replace("opening_hours", "14:00,18:00", "18:00,14:00")))
    assert (issue.file, issue.row, issue.column) == ("opening_hours.csv", 3, "close")
    assert "ends (14:00) at or before it begins (18:00)" in issue.message


def test_latitude_out_of_range_and_not_a_number(tmp_path):
    communities = replace("communities", "29.70,106.50", "129.7,东经")
    problems, _ = problems_of(district(tmp_path, communities=communities))
    assert [(p.row, p.column) for p in problems] == [(3, "lat"), (3, "lon")]
    assert "must be at most 90" in problems[0].message and "is not a number" in problems[1].message


def test_errors_in_several_files_are_reported_at_once(tmp_path):
    folder = district(
        tmp_path,
        venues=replace("venues", "80", "abc"),
        opening_hours=replace("opening_hours", "V1,1", "V1,0"),
        groups=replace("groups", "G2,合唱,arts,C1,25,1", "G2,合唱,arts,C1,25,9"),
    )
    problems, text = problems_of(folder)
    assert [(p.file, p.row, p.column) for p in problems] == [
        ("venues.csv", 3, "capacity"),
        ("opening_hours.csv", 2, "weekday"),
        ("groups.csv", 3, "sessions_per_week"),
    ]
    assert len(text.splitlines()) == 3
    assert validate(folder) == problems


def test_a_long_list_is_cut_short_in_str_but_kept_whole(tmp_path):
    members = "member_id,group_id\n" + "".join(f"M{i},G9\n" for i in range(150))
    with pytest.raises(InputError) as caught:
        load(district(tmp_path, members=members))
    assert len(caught.value.problems) == 150 and len(caught.value.render().splitlines()) == 150
    lines = str(caught.value).splitlines()
    assert len(lines) == 101 and lines[-1] == "… and 50 more problems"
    assert lines[0].startswith('members.csv, row 2, column "group_id": "G9" no such id in groups')


# ---------------------------------------------------------------- fitting together


def test_unknown_teacher_reference_is_located(tmp_path):
    issue = only(district(tmp_path, groups=replace("groups", "90,T2", "90,T9")))
    assert (issue.file, issue.row, issue.column, issue.value) == ("groups.csv", 3, "teacher_id", "T9")
    assert issue.message == "no such id in teachers — check the spelling, or add it to teachers.csv"


def test_duplicate_ids_point_at_the_first(tmp_path):
    issue = only(district(tmp_path, teachers=BASE["teachers"] + "T1,又一个王老师,,,\n"))
    assert (issue.file, issue.row, issue.column, issue.value) == ("teachers.csv", 4, "teacher_id", "T1")
    assert "more than once" in issue.message and "first used in row 2" in issue.message


def test_duration_off_the_grid(tmp_path):
    issue = only(district(tmp_path, groups=replace("groups", ",60,", ",50,")))
    assert (issue.file, issue.row, issue.column, issue.value) == ("groups.csv", 2, "duration_min", "50")
    assert "15-minute" in issue.message


def test_a_bad_row_causes_no_follow_on_errors(tmp_path):
    folder = district(
        tmp_path,
        groups=replace("groups", "G2,合唱,arts,C1,25", "G2,合唱,arts,C1,many"),
        teachers=replace("teachers", "T1,王老师,C1,10", "T1,王老师,C1,ten"),
    )
    problems, _ = problems_of(folder)  # members of G2 and the group taught by T1 are fine
    assert [(p.file, p.row, p.column) for p in problems] == [
        ("teachers.csv", 2, "max_sessions_per_week"),
        ("groups.csv", 3, "size"),
    ]


def test_references_into_an_unreadable_table_are_not_flagged(tmp_path):
    issue = only(district(tmp_path, teachers=None))
    assert (issue.file, issue.row) == ("teachers.csv", None)
    assert "is missing" in issue.message and "communities.csv" in issue.message


def test_json_rows_are_numbered_from_one(tmp_path):
    problem = load(district(tmp_path / "csv"))
    write_problem_json(problem, tmp_path / "input.json")
    data = json.loads((tmp_path / "input.json").read_text(encoding="utf-8"))
    data["groups"][1]["teacher_id"] = "T9"
    data["groups"][0]["size"] = "abc"
    data["venues"][1] = "V2"
    del data["communities"][0]["lat"]
    (tmp_path / "input.json").write_text(json.dumps(data), encoding="utf-8")
    problems, _ = problems_of(tmp_path / "input.json")
    assert [(p.file, p.row, p.column) for p in problems] == [
        ("input.json (communities)", 1, "lat"),
        ("input.json (venues)", 2, None),
        ("input.json (groups)", 1, "size"),
        ("input.json (groups)", 2, "teacher_id"),
    ]
    assert problems[0].message.startswith("is required but missing — expected a number")
    assert "is not a row" in problems[1].message


# ---------------------------------------------------------------- files and their shape


def test_missing_path(tmp_path):
    issue = only(tmp_path / "nowhere")
    assert "nowhere" in issue.file and "does not exist" in issue.message


def test_a_single_csv_file_is_not_a_district(tmp_path):
    folder = district(tmp_path)
    issue = only(folder / "groups.csv")
    assert "folder" in issue.message and str(folder) in issue.message


def test_missing_required_file_names_it(tmp_path):
    problems, text = problems_of(district(tmp_path, venues=None, opening_hours=""))
    assert [p.file for p in problems] == ["venues.csv", "opening_hours.csv"]
    assert "venues.csv: is missing" in text and "opening_hours.csv: is empty" in text


def test_missing_columns_are_named_with_the_columns_found(tmp_path):
    issue = only(district(tmp_path, communities="community_id,name,street\nC1,a,b\n"))
    assert issue.file == "communities.csv" and issue.row == 1
    assert '"lat", "lon"' in issue.message and 'found "community_id", "name", "street"' in issue.message


def test_duplicate_header(tmp_path):
    issue = only(district(tmp_path, members="member_id,group_id,group_id\nM1,G1,G2\n"))
    assert (issue.file, issue.row, issue.column) == ("members.csv", 1, "group_id")
    assert "twice" in issue.message


def test_gbk_file_is_not_utf8(tmp_path):
    issue = only(district(tmp_path, communities=BASE["communities"].encode("gbk")))
    assert issue.file == "communities.csv" and "UTF-8" in issue.message and "CSV UTF-8" in issue.message


@pytest.mark.parametrize("data", [b"PK\x03\x04\x14\x00\x06\x00binary", b"group_id\x00\x01\x02"])
def test_binary_file_renamed_csv(tmp_path, data):
    issue = only(district(tmp_path, groups=data))
    assert issue.file == "groups.csv" and "CSV UTF-8" in issue.message


def test_row_with_too_many_cells(tmp_path):
    issue = only(district(tmp_path, members=BASE["members"] + "M3,G1,extra\n"))
    assert (issue.file, issue.row) == ("members.csv", 5) and "3 cells but the header has 2" in issue.message


def test_unclosed_quote(tmp_path):
    issue = only(district(tmp_path, members='member_id,group_id\nM1,G1\n"M2,G2\n'))
    assert (issue.file, issue.row) == ("members.csv", 3) and "quote" in issue.message


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{not json", "is not valid JSON"),
        ("[1, 2]", "wrong shape"),
        ('{"communities": {}}', "is not a list of rows"),
    ],
)
def test_malformed_json(tmp_path, text, words):
    (tmp_path / "input.json").write_text(text, encoding="utf-8")
    problems, rendered = problems_of(tmp_path / "input.json")
    assert words in rendered and problems[0].file.startswith("input.json")


def test_json_missing_a_table(tmp_path):
    (tmp_path / "input.json").write_text('{"communities": []}', encoding="utf-8")
    problems, _ = problems_of(tmp_path / "input.json")
    assert [p.file for p in problems] == [
        f"input.json ({t})" for t in BASE if t not in ("communities", "members")
    ]


GROUPS_HEADER = BASE["groups"].splitlines()[0]
CSVISH = st.text(alphabet=st.sampled_from('G1,;:"\n\r \t\x00é社.-'), max_size=200)
CELLS = st.sampled_from(
    ["G1", "G3", "T1", "T9", "C1", "C9", "", " ", "0", "20", "60", "50", "x", "1e3", "-1", "a;b"]
)
ROWS = st.lists(st.lists(CELLS, min_size=6, max_size=12).map(",".join), max_size=5).map("\n".join)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.one_of(
        st.binary(max_size=300),  # anything at all
        CSVISH.map(str.encode),  # text that is nearly CSV
        CSVISH.map(lambda text: (GROUPS_HEADER + "\n" + text).encode()),  # a good header, then noise
        ROWS.map(lambda rows: (GROUPS_HEADER + "\n" + rows).encode()),  # rows of plausible cells
    )
)
def test_arbitrary_bytes_give_an_input_error_or_a_problem(tmp_path, data):
    folder = district(tmp_path, groups=data)
    try:
        problem = load(folder)
    except InputError as err:
        assert err.problems and all(p.render() for p in err.problems)
    else:
        assert isinstance(problem, Problem)


# ---------------------------------------------------------------- timetables and writing


TIMETABLE = """group_id,session,venue_id,teacher_id,weekday,start,end,note
G1,0,V1,T1,1,8:00,09:00,extra
G1,1,V1,T1,1,10:00,11:00 ,
"""


def test_read_timetable_normalises(tmp_path):
    (tmp_path / "timetable.csv").write_text(TIMETABLE, encoding="utf-8")
    frame = read_timetable(tmp_path / "timetable.csv")
    assert list(frame.columns) == list(TIMETABLE_COLUMNS)
    assert frame["start"].tolist() == ["08:00", "10:00"] and frame["end"].tolist() == ["09:00", "11:00"]
    assert frame["session"].tolist() == [0, 1] and frame["weekday"].dtype == "int64"
    write_table(frame, tmp_path / "again.csv")
    pd.testing.assert_frame_equal(read_timetable(tmp_path / "again.csv"), frame)


def test_read_empty_timetable(tmp_path):
    (tmp_path / "t.csv").write_text(",".join(TIMETABLE_COLUMNS) + "\n", encoding="utf-8")
    frame = read_timetable(tmp_path / "t.csv")
    assert len(frame) == 0 and list(frame.columns) == list(TIMETABLE_COLUMNS)


def test_read_timetable_errors_are_located(tmp_path):
    bad = TIMETABLE + "G2,x,V1,,8,25:00,9.30,\n"
    (tmp_path / "timetable.csv").write_text(bad, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_timetable(tmp_path / "timetable.csv")
    found = [(p.file, p.row, p.column, p.value) for p in caught.value.problems]
    assert found == [
        ("timetable.csv", 4, "session", "x"),
        ("timetable.csv", 4, "teacher_id", ""),
        ("timetable.csv", 4, "weekday", "8"),
        ("timetable.csv", 4, "start", "25:00"),
        ("timetable.csv", 4, "end", "9.30"),
    ]
    assert "1 (Monday) to 7 (Sunday)" in str(caught.value)


def test_read_timetable_missing_column_and_file(tmp_path):
    (tmp_path / "t.csv").write_text("group_id,session\nG1,0\n", encoding="utf-8")
    with pytest.raises(InputError, match=r'missing the column.*"venue_id"'):
        read_timetable(tmp_path / "t.csv")
    with pytest.raises(InputError, match="does not exist"):
        read_timetable(tmp_path / "none.csv")


def test_writes_are_atomic_and_utf8(tmp_path):
    target = tmp_path / "sub" / "table.csv"
    write_table(pd.DataFrame({"名字": ["星光"]}), target)
    write_table(pd.DataFrame({"a": [1, None], "b": ["x", None]}), target)  # replaces the old file whole
    assert target.read_text(encoding="utf-8") == "a,b\n1.0,x\n,\n"
    write_json({"社区": "星光", "n": [1]}, tmp_path / "x.json")
    text = (tmp_path / "x.json").read_text(encoding="utf-8")
    assert "星光" in text and json.loads(text) == {"社区": "星光", "n": [1]}
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["sub", "table.csv", "x.json"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "x.json"
    write_json({"a": 1}, target)
    with pytest.raises(TypeError):
        write_json({"a": object()}, target)
    assert json.loads(target.read_text(encoding="utf-8")) == {"a": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]
