"""Reading: round trips, and every kind of input error located for staff, all at once."""

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

from kecheng.errors import InputError, LocatedIssue
from kecheng.generate import generate
from kecheng.model import Problem
from kecheng.planning import synthetic_orders
from kecheng.reading import load, load_report, read_timetable, validate
from kecheng.reading.plan import load_plan, load_plan_report, validate_plan
from kecheng.timetable import TIMETABLE_COLUMNS
from kecheng.writing import (
    json_schema,
    write_json,
    write_problem,
    write_problem_json,
    write_problem_xlsx,
    write_table,
)

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


def test_round_trip_through_a_workbook_keeps_awkward_values(tmp_path):
    problem = Problem(
        communities=[dict(community_id="007", name="NA", street="", lat=29.123456789012, lon=-0.5)],
        venues=[dict(venue_id="=V1", name="=SUM(A1)", community_id="007", capacity=1, features="a;b")],
        teachers=[dict(teacher_id="T", name="null", max_sessions_per_week=0)],
        availability=[dict(teacher_id="T", weekday=7, start="00:00", end="24:00")],
        groups=[
            dict(group_id="G", name="x\ny", category="", community_id="007", size=1, sessions_per_week=7,
                 duration_min=1440, teacher_id="T", max_walk_m=0.1)
        ],
    )  # fmt: skip
    write_problem_xlsx(problem, tmp_path / "district.xlsx")
    problem_again, report = load_report(tmp_path / "district.xlsx")
    assert problem_again == problem
    assert report.kind == "workbook" and report.encodings == {} and report.warnings == []
    assert "district.xlsx, sheet groups: 1 row" in report.lines()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["district.xlsx"]


@settings(max_examples=10, deadline=None)
@given(problem=problems())
def test_round_trip_of_generated_districts_through_workbooks(problem):
    with tempfile.TemporaryDirectory() as folder:
        write_problem_xlsx(problem, Path(folder) / "district.xlsx")
        assert load(Path(folder) / "district.xlsx") == problem


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


def test_json_settings_round_trip(tmp_path):
    problem = load(district(tmp_path / "csv")).model_copy(update={"grid_min": 30})
    write_problem_json(problem, tmp_path / "a.json")
    data = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    settings_ = [name for name in Problem.model_fields if name not in BASE]
    assert settings_ and all(name in data for name in settings_)
    assert load(tmp_path / "a.json") == problem


def test_json_weekday_names_and_tag_lists(tmp_path):
    problem = load(district(tmp_path / "csv"))
    write_problem_json(problem, tmp_path / "a.json")
    data = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    data["opening_hours"][0]["weekday"] = "周一"
    data["venues"][0]["features"] = ["mirror", "piano"]
    (tmp_path / "b.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert load(tmp_path / "b.json") == problem


def test_json_schema_describes_the_json_input(tmp_path):
    schema = json_schema()
    assert schema["title"] == "kecheng input" and "weekday 1 is Monday" in schema["description"]
    assert schema["type"] == "object" and "members" not in schema["required"]
    assert set(schema["required"]) | {"members"} == set(BASE)
    assert set(BASE) <= set(schema["properties"]) and "grid_min" in schema["properties"]
    group = schema["$defs"]["Group"]
    assert {"string", "array"} == {t["type"] for t in group["properties"]["required_features"]["anyOf"]}
    assert set(group["required"]) <= set(group["properties"])
    assert "周一" in schema["$defs"]["OpeningHours"]["properties"]["weekday"]["description"]
    json.dumps(schema)  # plain JSON all the way down
    # every row kecheng writes has only the properties the schema names, with its required ones
    write_problem_json(load(district(tmp_path)), tmp_path / "x.json")
    data = json.loads((tmp_path / "x.json").read_text(encoding="utf-8"))
    for table, ref in ((t, schema["properties"][t]["items"]["$ref"].split("/")[-1]) for t in BASE):
        props = schema["$defs"][ref]
        for row in data[table]:
            assert set(row) <= set(props["properties"]) and set(props["required"]) <= set(row)


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
    members = "member_id,group_id\n" + "".join(f"M{i},G9{i}\n" for i in range(150))
    with pytest.raises(InputError) as caught:
        load(district(tmp_path, members=members))
    assert len(caught.value.problems) == 150 and len(caught.value.render().splitlines()) == 150
    lines = str(caught.value).splitlines()
    assert len(lines) == 101 and lines[-1] == "… and 50 more problems"
    assert lines[0].startswith('members.csv, row 2, column "group_id": "G90" no such id in groups')


def test_one_unknown_id_used_in_many_rows_is_one_problem_naming_the_rows(tmp_path):
    members = "member_id,group_id\n" + "".join(f"M{i},G9\n" for i in range(21))
    [problem] = problems_of(district(tmp_path, members=members))[0]
    assert problem.render() == (
        'members.csv, row 2, column "group_id": "G9" no such id in groups (used in 21 rows: 2, 3, 4, 5, 6, '
        "7, 8, 9, …) — check the spelling, or add it to groups.csv"
    )


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
    assert '"lat" (or 纬度), "lon" (or 经度)' in issue.message
    assert 'found "community_id", "name", "street";' in issue.message


def test_a_missing_column_hides_no_other_problem_of_the_file(tmp_path):
    """Without its "size" column groups.csv still shows its duplicate id and its unknown teacher."""
    groups = (
        "group_id,name,category,community_id,sessions_per_week,duration_min,teacher_id\n"
        "G1,太极,sports,C1,2,60,T1\nG1,合唱,arts,C1,1,90,T9\n"
    )
    problems, _ = problems_of(district(tmp_path, groups=groups, members=None))
    rendered = [p.render() for p in problems]
    assert len(rendered) == 3, rendered
    assert rendered[0].startswith('groups.csv, row 1: is missing the column(s) "size"')
    assert rendered[1].startswith('groups.csv, row 3, column "group_id": "G1" this id appears more than once')
    assert rendered[2].startswith('groups.csv, row 3, column "teacher_id": "T9" no such id in teachers')


def test_a_missing_id_column_does_not_flag_every_reference_to_the_table(tmp_path):
    teachers = "name,community_id\n王老师,C1\n"
    problems, _ = problems_of(district(tmp_path, teachers=teachers))
    assert [p.file for p in problems] == ["teachers.csv"]


def test_duplicate_header(tmp_path):
    issue = only(district(tmp_path, members="member_id,group_id,group_id\nM1,G1,G2\n"))
    assert (issue.file, issue.row, issue.column) == ("members.csv", 1, "group_id")
    assert "twice" in issue.message


# ---------------------------------------------------------------- encodings


@pytest.mark.parametrize(
    ("encode", "name"),
    [
        (lambda text: text.encode("utf-8"), "UTF-8"),
        (lambda text: text.encode("utf-8-sig"), "UTF-8 with BOM"),
        (lambda text: text.encode("gbk"), "GB18030"),
        (lambda text: text.encode("gb18030"), "GB18030"),
        (lambda text: text.replace(",", "\t").encode("utf-16"), "UTF-16"),  # Excel's "Unicode Text"
    ],
)
def test_encodings_are_detected_and_reported(tmp_path, encode, name):
    plain = load(district(tmp_path / "plain"))
    folder = district(
        tmp_path / "odd", communities=encode(BASE["communities"]), groups=encode(BASE["groups"])
    )
    problem, report = load_report(folder)
    assert problem == plain
    assert report.encodings["communities.csv"] == name and report.encodings["venues.csv"] == "UTF-8"
    assert f"groups.csv: 2 rows, {name}" in report.lines()


def test_a_rare_character_outside_gbk_still_reads_as_gb18030(tmp_path):
    teachers = BASE["teachers"].replace("王老师", "𠮷老师")  # four bytes in GB18030
    problem, report = load_report(district(tmp_path, teachers=teachers.encode("gb18030")))
    assert problem.teacher["T1"].name == "𠮷老师" and report.encodings["teachers.csv"] == "GB18030"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ("café,".encode("cp1252") + b"\n", "neither UTF-8 nor GBK text (the first odd byte is on line 1)"),
        (b"x,Caf\xe9t\xe9ria\n", "neither UTF-8 nor GBK text"),  # cp1252 that decodes as rare GBK
        (BASE["communities"].encode() + b"C3,\xff\xfe,x,1,1\n", "is UTF-8 text, but line 4 holds bytes"),
        (
            BASE["communities"].encode("utf-8-sig") + "C3,星光".encode("gbk") + b",x,1,1\n",
            "line 4 holds bytes",
        ),
        (b"\xff\xfe" + b"a\x00\x00\xd8", "UTF-16"),
        (BASE["communities"].encode() + b"C3,\x01\x02,x,1,1\n", "control characters"),
    ],
)
def test_undecodable_files_are_located_errors_not_mojibake(tmp_path, data, words):
    issue = only(district(tmp_path, communities=data))
    assert issue.file == "communities.csv" and words in issue.message and "CSV UTF-8" in issue.message


def test_utf8_with_one_broken_byte_is_not_read_as_gbk(tmp_path):
    """Mostly-UTF-8 bytes could decode as GB18030 mojibake; they are an error on the right line."""
    good = (
        "community_id,name,street,lat,lon\nC1,星光社区,人和街道,29.60,106.50\nC2,远方社区,礼嘉,29.7,106.5\n"
    )
    data = good.encode() + "C3,中文社区".encode()[:-1] + b",x,1,1\n"  # a character cut short
    issue = only(district(tmp_path, communities=data))
    assert "is UTF-8 text, but line 4 holds bytes that are not" in issue.message and issue.row == 4


# ---------------------------------------------------------------- Chinese headers and cells

CHINESE = {
    "communities": BASE["communities"].replace(
        "community_id,name,street,lat,lon", "社区编号,社区名称,街道,纬度,经度"
    ),
    "venues": BASE["venues"].replace(
        "venue_id,name,community_id,capacity,features,kind,lat,lon",
        "场地编号,场地,所属社区,容量（人）,设施/特色,场地类型,纬度,经度",
    ),
    "opening_hours": BASE["opening_hours"].replace(
        "venue_id,weekday,open,close", "场地,星期,开放时间,关闭时间"
    ),
    "teachers": BASE["teachers"].replace(
        "teacher_id,name,community_id,max_sessions_per_week,max_sessions_per_day",
        "教师编号,姓名,社区编号,每周最多次数,每天最多次数",
    ),
    "availability": BASE["availability"].replace(
        "teacher_id,weekday,start,end", "老师编号,周几,开始时间,结束时间"
    ),
    "groups": BASE["groups"].replace(
        GROUPS_HEADER := BASE["groups"].splitlines()[0],
        "兴趣小组编号,兴趣小组,类别,社区编号,人数,每周次数,时长(分钟),老师编号,所需设施,最远步行(米),优先级",
    ),
    "members": BASE["members"].replace("member_id,group_id", "居民编号,兴趣小组编号"),
}


def test_chinese_headers_read_like_english_ones(tmp_path):
    plain = load(district(tmp_path / "plain"))
    problem, report = load_report(
        district(tmp_path / "zh", **{k: v.encode("gbk") for k, v in CHINESE.items()})
    )
    assert problem == plain
    line = next(line for line in report.lines() if line.startswith("groups.csv"))
    assert line.startswith("groups.csv: 2 rows, GB18030; columns 兴趣小组编号 → group_id, 兴趣小组 → name")
    assert report.warnings == []


@pytest.mark.parametrize(
    ("header", "column"),
    [
        (" Venue ID ", "venue_id"),
        ("VENUE-ID", "venue_id"),
        ("场地ＩＤ", "venue_id"),
        ("容量(人)", "capacity"),
    ],
)
def test_header_matching_ignores_case_width_separators_and_units(tmp_path, header, column):
    venues = BASE["venues"].replace(column, header, 1)
    assert load(district(tmp_path, venues=venues)) == load(district(tmp_path / "plain"))


def test_errors_name_the_header_as_written_and_the_column_in_brackets(tmp_path):
    groups = CHINESE["groups"].replace("C1,20,2", "C1,二十,2")
    issue = only(district(tmp_path, groups=groups))
    assert (issue.row, issue.column, issue.header) == (2, "size", "人数")
    assert issue.render().startswith('groups.csv, row 2, column "人数" [size]: "二十" is not a whole number')
    teachers = CHINESE["teachers"].replace("T2,李老师", "T1,李老师")
    issue = problems_of(district(tmp_path / "dup", teachers=teachers))[0][0]
    assert issue.render().startswith(
        'teachers.csv, row 3, column "教师编号" [teacher_id]: "T1" this id appears'
    )


def test_missing_column_names_its_chinese_aliases(tmp_path):
    issue = only(district(tmp_path, groups=CHINESE["groups"].replace("人数,", "人 数 量,")))
    assert '"size" (or 人数/小组人数)' in issue.message and 'found "兴趣小组编号"' in issue.message


def test_two_headers_meaning_one_column(tmp_path):
    venues = "venue_id,场地编号,name,community_id,capacity\nV1,V1,a,C1,30\nV2,V2,b,C1,80\n"
    issue = only(district(tmp_path, venues=venues))
    assert (issue.file, issue.row, issue.column, issue.header) == ("venues.csv", 1, "venue_id", "场地编号")
    assert 'and column "venue_id" both mean venue_id' in issue.message


def test_one_word_means_different_columns_in_different_tables(tmp_path):
    """场地 is the venue's name in venues.csv but the venue id in opening_hours.csv."""
    venues = BASE["venues"].replace("venue_id,name", "场地编号,场地")
    hours = BASE["opening_hours"].replace("venue_id", "场地")
    problem = load(district(tmp_path, venues=venues, opening_hours=hours))
    assert problem.venue["V1"].name == "活动室" and problem.opening_hours[0].venue_id == "V1"


@pytest.mark.parametrize(
    ("cell", "weekday"),
    [("周一", 1), ("星期三", 3), ("星期日", 7), ("星期天", 7), ("周日", 7), ("礼拜六", 6)],
)
def test_weekday_names(tmp_path, cell, weekday):
    problem = load(district(tmp_path, opening_hours=replace("opening_hours", "V1,1", f"V1,{cell}")))
    assert problem.opening_hours[0].weekday == weekday


@pytest.mark.parametrize("cell", ["Mon", "周八", "8", "0"])
def test_other_weekdays_are_errors_that_say_what_is_accepted(tmp_path, cell):
    issue = only(district(tmp_path, opening_hours=replace("opening_hours", "V1,1", f"V1,{cell}")))
    assert (issue.row, issue.column, issue.value) == (2, "weekday", cell)
    assert "1 = Monday … 7 = Sunday" in issue.message and "周一 … 周日" in issue.message


def test_preferred_weekdays_and_times_under_chinese_headers(tmp_path):
    groups = (
        BASE["groups"]
        .replace("priority\n", "priority,偏好星期,偏好时段\n")
        .replace("T1,,,\n", "T1,,,,周一；星期三,上午\n")
        .replace("800,2\n", "800,2,,\n")
    )
    g1 = load(district(tmp_path, groups=groups)).groups[0]
    assert g1.preferred_weekdays == {1, 3} and g1.preferred_times


def test_full_width_digits_and_colons_are_read(tmp_path):
    hours = replace("opening_hours", "V1,1,08:00,12:00", "V1,１,０８：００,１２：００")
    venues = replace("venues", "V1,活动室,C1,30", "V1,活动室,C1,３０")
    problem = load(district(tmp_path, opening_hours=hours, venues=venues))
    assert load(district(tmp_path / "plain")) == problem


def test_tag_separators_of_a_chinese_keyboard_are_read_with_a_warning(tmp_path):
    venues = replace("venues", "piano;mirror", '" piano ；mirror、 镜子 "')
    groups = replace("groups", "piano,800", "piano ; ,800")  # stray spaces: no warning
    problem, report = load_report(district(tmp_path, venues=venues, groups=groups))
    assert problem.venue["V1"].features == {"piano", "mirror", "镜子"}
    assert problem.group["G2"].required_features == {"piano"}
    assert [w.render() for w in report.warnings] == [
        'venues.csv, row 2, column "features": "piano ；mirror、 镜子" read as the tags "piano", "mirror", '
        '"镜子"; kecheng separates tags with ";"'
    ]


def test_invisible_characters_around_cells_are_trimmed(tmp_path):
    venues = replace("venues", "V1,活动室,C1,30", "\u200bV1\u3000,活动室,C1,\xa030\ufeff")
    assert load(district(tmp_path, venues=venues)) == load(district(tmp_path / "plain"))


def test_title_rows_above_the_header_are_skipped_with_a_warning(tmp_path):
    groups = "2024年兴趣小组名单,,,,,,,,,,\n导出时间: 2024-09-01,,,,,,,,,,\n" + BASE["groups"]
    problem, report = load_report(district(tmp_path, groups=groups))
    assert problem == load(district(tmp_path / "plain"))
    assert report.warnings[0].render() == (
        "groups.csv, row 1: rows 1–2 are above the header (row 3) and skipped as a title"
    )
    issue = only(district(tmp_path / "bad", groups=groups.replace("C1,20,", "C1,x,")))
    assert (issue.row, issue.column) == (4, "size")


def test_chinese_file_names(tmp_path):
    folder = district(tmp_path, groups=None)
    (folder / "兴趣小组.csv").write_text(BASE["groups"], encoding="utf-8")
    assert load(folder) == load(district(tmp_path / "plain"))
    (folder / "groups.csv").write_text(BASE["groups"], encoding="utf-8")
    issue = only(folder)
    assert issue.render() == "兴趣小组.csv: is the same table as groups.csv — keep one of them"


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


# ---------------------------------------------------------------- workbooks


def workbook(path: Path, typed: bool = False, **sheets: str | None) -> Path:
    """The base district as an .xlsx workbook, one sheet per table; a keyword replaces (or, None,
    drops) a sheet. ``typed``: numbers as number cells and times as time cells, as Excel makes them."""
    import datetime

    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, text in (BASE | sheets).items():
        if text is None:
            continue
        sheet = book.create_sheet(name)
        for line in pd.read_csv(StringIO(text), header=None, dtype=str, keep_default_na=False).values:
            cells = list(line)
            if typed:
                for i, cell in enumerate(cells):
                    if cell.replace(".", "", 1).isdigit() and not cell.startswith("0"):
                        cells[i] = float(cell) if "." in cell else int(cell)
                    elif len(cell) == 5 and cell[2] == ":" and cell != "24:00":
                        cells[i] = datetime.time(int(cell[:2]), int(cell[3:]))
            sheet.append(cells)
    book.save(path)
    return path


@pytest.mark.parametrize("typed", [False, True])
def test_workbook_reads_like_the_csv_folder(tmp_path, typed):
    assert load(workbook(tmp_path / "district.xlsx", typed)) == load(district(tmp_path / "csv"))


def test_workbook_errors_name_the_sheet_row_and_column(tmp_path):
    book = workbook(tmp_path / "district.xlsx", groups=replace("groups", "C1,25,", "C1,0,"), venues=None)
    problems, _ = problems_of(book)
    assert [p.render() for p in problems] == [
        'district.xlsx: has no sheet "venues" (sheets: "communities", "opening_hours", "teachers", '
        '"availability", "groups", "members") — add it; a header row alone will do',
        'district.xlsx, sheet groups, row 3, column "size": "0" must be greater than 0 — expected a whole '
        "number greater than 0, e.g. 25",
    ]


def test_workbook_with_chinese_sheet_names_title_rows_and_extra_sheets(tmp_path):
    from openpyxl import load_workbook

    path = workbook(tmp_path / "district.xlsx", typed=True)
    book = load_workbook(path)
    book["groups"].title = "兴趣小组"
    book["兴趣小组"].insert_rows(1)
    book["兴趣小组"]["A1"] = "2024年秋季兴趣小组"
    book.create_sheet("说明")["A1"] = "请勿修改表头"
    book.save(path)
    problem, report = load_report(path)
    assert problem == load(district(tmp_path / "csv"))
    assert [w.render() for w in report.warnings] == [
        "district.xlsx, sheet 说明: is not a table kecheng reads; ignored",
        "district.xlsx, sheet 兴趣小组, row 1: row 1 is above the header (row 2) and skipped as a title",
    ]
    book["兴趣小组"]["E3"] = "many"
    book.save(path)
    issue = only(path)
    assert issue.render().startswith('district.xlsx, sheet 兴趣小组, row 3, column "size": "many"')


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"PK\x03\x04 not really a zip", "could not be read as an Excel workbook (it is damaged)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 old xls", "old-style .xls workbook or has a password"),
        ("社区,场地\n".encode(), "is not an Excel .xlsx workbook"),
    ],
)
def test_broken_workbooks(tmp_path, data, words):
    (tmp_path / "district.xlsx").write_bytes(data)
    issue = only(tmp_path / "district.xlsx")
    assert issue.file == "district.xlsx" and words in issue.message


def test_an_excel_time_of_24_00_and_a_time_typed_as_a_fraction(tmp_path):
    from openpyxl import load_workbook

    path = workbook(tmp_path / "district.xlsx", typed=True)
    book = load_workbook(path)
    book["availability"]["D2"] = 1.0  # Excel's 24:00
    book["availability"]["D2"].number_format = "hh:mm"
    book["availability"]["C2"] = 0.3541666666666667  # 08:30
    book["availability"]["C2"].number_format = "hh:mm"
    book.save(path)
    first = load(path).availability[0]
    assert (first.start, first.end) == (8 * 60 + 30, 24 * 60)


def test_a_folder_holding_only_a_workbook_points_at_it(tmp_path):
    workbook(tmp_path / "district.xlsx")
    _, text = problems_of(tmp_path)
    assert "give that workbook instead of the folder" in text and "district.xlsx" in text


# ---------------------------------------------------------------- limits


def test_too_many_rows_and_too_big_files_are_refused_clearly(tmp_path, monkeypatch):
    import kecheng.reading.raw as raw
    import kecheng.reading.text as text

    monkeypatch.setattr(raw, "MAX_ROWS", 2)
    issue = only(district(tmp_path, members=BASE["members"]))
    assert issue.render() == (
        "members.csv: has 3 rows, more than kecheng reads (2 per table) — is this the right file?"
    )
    monkeypatch.setattr(text, "MAX_FILE_BYTES", 100)
    _, text = problems_of(tmp_path)
    assert "groups.csv: is 0 MB, more than kecheng reads (0 MB)" in text


def test_problems_are_listed_up_to_a_thousand_per_file(tmp_path):
    members = "member_id,group_id\n" + "".join(f"M{i},G9{i}\n" for i in range(1200))
    problems, _ = problems_of(district(tmp_path, members=members))
    assert len(problems) == 1001
    assert problems[-1].render() == "members.csv: … and 200 more problems in this file, not listed"


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
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel reads it as UTF-8
    assert target.read_text(encoding="utf-8-sig") == "a,b\n1.0,x\n,\n"
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


def test_rows_are_validated_in_chunks_yet_located_as_if_at_once(tmp_path, monkeypatch):
    """Errors, blank rows and stand-ins across chunk borders: the same problems, the same rows,
    the same Problem, whatever the chunk size."""
    members = "member_id,group_id\n" + "".join(
        "\n" if i % 7 == 3 else f"M{i},{'G9' if i % 5 == 0 else 'G1'}\n" for i in range(40)
    )
    venues = BASE["venues"] + "V3,小屋,C1,x,,,,\n\nV4,亭,C1,-2,,,,\n"
    broken = district(tmp_path / "broken", members=members, venues=venues)
    good = district(tmp_path / "good", members=members.replace("G9", "G2"))
    whole = problems_of(broken)[0], load(good)
    for size in (1, 3, 8):
        monkeypatch.setattr("kecheng.validation.CHUNK_ROWS", size)
        assert (problems_of(broken)[0], load(good)) == whole
    rows = {(p.file, p.row) for p in whole[0]}
    assert {("venues.csv", 4), ("venues.csv", 6), ("members.csv", 2)} <= rows
    [unknown] = [p for p in whole[0] if p.file == "members.csv"]  # one message for the one unknown id
    assert "(used in 7 rows: 2, 7, 17, 22, 27, 32, 37)" in unknown.message
    assert len(whole[1].members) == 40 - 6


# ---------------------------------------------------------------- residents' orders (kecheng plan)

PLAN = {
    "interests": """interest_id,name,category,min_size,max_size,sessions_per_week,duration_min
I1,太极拳,sports,8,20,1,60
I2,合唱,arts,10,30,1,90
""",
    "residents": """resident_id,community_id,lat,lon,max_walk_m,max_groups,available
R1,C1,,,,,
R2,C1,29.601,106.501,800,3,morning;6@09:00-12:00
""",
    "orders": """resident_id,interest_id,rank,with
R1,I1,1,R2
R2,I1,1,R1
R2,I2,2,
""",
}
PLAN_CHINESE_HEADERS = {
    "interests": "兴趣编号,兴趣项目,类别,最少人数,最多人数,每周次数,时长(分钟)",
    "residents": "居民编号,社区编号,纬度,经度,最远步行(米),最多参加,可参加时间",
    "orders": "居民编号,兴趣编号,志愿,同组",
}


def plan_input(folder: Path, **files: str | bytes | None) -> Path:
    """The base district with the three plan tables; a keyword replaces (or, None, drops) a file."""
    return district(folder, **(PLAN | files))


def plan_problems(path: Path) -> list[LocatedIssue]:
    with pytest.raises(InputError) as caught:
        load_plan(path)
    return caught.value.problems


def test_plan_tables_are_read_beside_the_district_with_their_defaults(tmp_path):
    folder = plan_input(tmp_path / "in")
    pp = load_plan(folder)
    assert pp.problem == load(folder) == load(district(tmp_path / "plain"))  # solve never sees them
    assert [i.interest_id for i in pp.interests] == ["I1", "I2"]
    r1, r2 = pp.residents
    assert (r1.max_walk_m, r1.max_groups, r1.available, r1.lat) == (1000.0, 2, (), None)
    assert (r2.max_walk_m, r2.max_groups, r2.lat) == (800.0, 3, 29.601)
    assert r2.available == ((0, 6 * 60, 12 * 60), (6, 9 * 60, 12 * 60))
    assert [(o.resident_id, o.rank, o.with_) for o in pp.orders] == [
        ("R1", 1, "R2"),
        ("R2", 1, "R1"),
        ("R2", 2, None),
    ]


def test_chinese_file_names_and_headers_read_like_english_ones(tmp_path):
    chinese = {}
    for table, header in PLAN_CHINESE_HEADERS.items():
        rest = PLAN[table].split("\n", 1)[1]
        chinese[table] = None
        name = {"interests": "兴趣", "residents": "居民", "orders": "点单"}[table]
        chinese[name] = (header + "\n" + rest).encode("gb18030")
    folder = district(tmp_path / "zh", **chinese)
    pp, report = load_plan_report(folder)
    english = load_plan(plan_input(tmp_path / "en"))
    assert (pp.interests, pp.residents, pp.orders) == (english.interests, english.residents, english.orders)
    line = next(line for line in report.lines() if line.startswith("点单.csv"))
    assert "GB18030" in line and "同组 → with" in line and "with_" not in line
    assert load(folder).members == load(district(tmp_path / "plain")).members  # 居民.csv is not members.csv


def test_plan_tables_round_trip_through_csv_workbook_and_json(tmp_path):
    made = synthetic_orders(generate("small", 2, groups=12), 2)
    tables = made.plan_problem().tables()
    write_problem(made.problem, tmp_path / "csv", tables=tables)
    write_problem_xlsx(made.problem, tmp_path / "book.xlsx", tables)
    write_problem_json(made.problem, tmp_path / "all.json", tables)
    assert any(o.with_ for o in made.orders)
    for path in (tmp_path / "csv", tmp_path / "book.xlsx", tmp_path / "all.json"):
        pp, report = load_plan_report(path)
        assert pp.problem == made.problem, path
        assert (pp.interests, pp.residents, pp.orders) == (made.interests, made.residents, made.orders), path
        assert report.warnings == [], path  # the plan's sheets are tables, not strays
    assert load_report(tmp_path / "book.xlsx")[1].warnings == []  # nor does solve warn about them


def test_every_problem_of_the_plan_tables_is_located_at_once(tmp_path):
    folder = plan_input(
        tmp_path / "in",
        interests=PLAN["interests"].replace("I2,合唱,arts,10,30", "I2,合唱,arts,十,30"),
        orders=PLAN["orders"] + "R1,I9,0,\nR3,I1,1,\nR1,I1,2,\n",
        teachers=BASE["teachers"]
        .replace("max_sessions_per_day\n", "max_sessions_per_day,interests\n")
        .replace("T1,王老师,C1,10,3", "T1,王老师,C1,10,3,I1;I7"),
    )
    found = {(p.file, p.row, p.column): p for p in plan_problems(folder)}
    assert set(found) == {
        ("interests.csv", 3, "min_size"),  # not a number
        ("orders.csv", 5, "interest_id"),  # unknown interest
        ("orders.csv", 5, "rank"),  # rank 0
        ("orders.csv", 6, "resident_id"),  # unknown resident
        ("orders.csv", 7, "interest_id"),  # R1 orders I1 twice
        ("teachers.csv", 2, "interests"),  # a teacher of an unknown interest
    }
    assert found["orders.csv", 5, "interest_id"].value == "I9"
    assert "no such id in interests" in found["orders.csv", 5, "interest_id"].message
    assert "more than once" in found["orders.csv", 7, "interest_id"].message
    assert found["teachers.csv", 2, "interests"].value == "I7"


def test_min_size_above_max_size_and_a_with_of_nobody_name_the_columns_as_written(tmp_path):
    orders = "居民编号,兴趣编号,志愿,同组\nR1,I1,1,R9\n"
    folder = plan_input(
        tmp_path / "in", interests=PLAN["interests"].replace(",8,20,", ",25,20,"), orders=orders
    )
    found = {(p.file, p.row, p.column): p for p in plan_problems(folder)}
    assert set(found) == {("interests.csv", 2, "min_size"), ("orders.csv", 2, "with")}
    assert "larger than max_size (20)" in found["interests.csv", 2, "min_size"].message
    assert 'column "同组" [with]: "R9" no such id in residents' in found["orders.csv", 2, "with"].render()


def test_json_and_workbook_plans_are_located_too(tmp_path):
    data = json.loads(json.dumps({"communities": [], "venues": [], "opening_hours": [], "teachers": [],
                                  "availability": [], "groups": []}))  # fmt: skip
    data |= {
        "interests": [{"interest_id": "I1", "name": "x", "category": "arts", "min_size": 8, "max_size": 20,
                       "sessions_per_week": 1, "duration_min": 60}],
        "residents": [{"resident_id": "R1", "community_id": "C9"}],
        "orders": [{"resident_id": "R1", "interest_id": "I1", "rank": 1, "with": "R1"}],
    }  # fmt: skip
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    found = {(p.file, p.row, p.column) for p in plan_problems(path)}
    assert found == {("plan.json (residents)", 1, "community_id"), ("plan.json (orders)", 1, "with")}


def test_an_input_without_orders_is_not_a_plan_and_one_missing_table_is_named(tmp_path):
    [only_one] = plan_problems(district(tmp_path / "plain"))
    assert only_one.row is None and "is not an input for kecheng plan" in only_one.message
    assert "kecheng solve" in only_one.message
    [missing] = plan_problems(plan_input(tmp_path / "two", orders=None))
    assert missing.file == "orders.csv" and "is missing" in missing.message
    assert validate_plan(plan_input(tmp_path / "ok")) == []


def test_members_in_a_file_named_like_the_residents_are_warned_about(tmp_path):
    old = district(tmp_path / "old", members=None)
    (old / "居民.csv").write_text(
        BASE["members"].replace("member_id,group_id", "居民编号,兴趣小组编号"), "utf-8"
    )
    problem, report = load_report(old)
    assert len(problem.members) == 0
    [warning] = [w for w in report.warnings if w.file == "居民.csv"]
    assert "rename it members.csv" in warning.message
    residents = district(tmp_path / "plan", members=None, residents=PLAN["residents"])
    assert not [w for w in load_report(residents)[1].warnings if w.file == "residents.csv"]
