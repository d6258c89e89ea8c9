"""Write the bad-input corpus: one folder per case, each a tiny valid district with one thing
broken (or a single JSON / workbook / CSV file), plus ``expected.txt``.

    python tests/bad_inputs/make_corpus.py            # rewrite tests/bad_inputs/<case>/
    python tests/bad_inputs/make_corpus.py OUT        # or into OUT (the test compares the two)

``expected.txt`` holds message fragments, one per line, that ``kecheng validate`` must print
(for the cases that load, the fragments may also be in the load report or its warnings).
Lines starting with "#" are comments, except "# input: NAME", the file to give kecheng
instead of the folder. The cases that must load are ``POSITIVE``; every other case must
exit with code 2. The 50 MB cases are made at test time (tests/test_bad_inputs.py), not here.
"""

# ruff: noqa: E501 — the cases are a table of files and the messages they must give, one per line

from __future__ import annotations

import datetime
import json
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path

HERE = Path(__file__).parent

BASE = {
    "communities": """community_id,name,street,lat,lon
C1,星光社区,人和街道,29.600,106.500
C2,天湖社区,人和街道,29.605,106.505
""",
    "venues": """venue_id,name,community_id,capacity,features,kind,lat,lon
V1,星光活动室,C1,30,piano;mirror,room,,
V2,天湖广场,C2,80,,square,29.6052,106.5051
V3,书画室,C1,20,desks,room,,
""",
    "opening_hours": """venue_id,weekday,open,close
V1,1,08:00,12:00
V1,3,14:00,18:00
V2,2,08:00,21:00
V3,5,09:00,17:00
""",
    "teachers": """teacher_id,name,community_id,max_sessions_per_week,max_sessions_per_day
T1,王老师,C1,10,2
T2,李老师,,,
""",
    "availability": """teacher_id,weekday,start,end
T1,1,08:00,12:00
T1,3,14:00,18:00
T2,2,08:00,12:00
T2,5,09:00,17:00
""",
    "groups": """group_id,name,category,community_id,size,sessions_per_week,duration_min,teacher_id,required_features,max_walk_m,priority
G1,太极拳,体育,C1,20,2,60,T1,,,
G2,合唱团,艺术,C1,25,1,90,T1,piano,800,2
G3,书法班,文化,C2,12,1,120,T2,desks,,
""",
    "members": """member_id,group_id
M001,G1
M001,G2
M002,G2
M003,G3
""",
}
"""The tiny valid district every case starts from (groups.csv: G1 is row 2, G2 row 3, G3 row 4)."""

CHINESE_HEADERS = {
    "communities": "社区编号,社区名称,街道,纬度,经度",
    "venues": "场地编号,场地名称,社区编号,容量,设施/特色,场地类型,纬度,经度",
    "opening_hours": "场地编号,星期,开放时间,关闭时间",
    "teachers": "老师编号,姓名,社区编号,每周最多次数,每天最多次数",
    "availability": "老师编号,星期,开始时间,结束时间",
    "groups": "兴趣小组编号,兴趣小组名称,类别,社区编号,人数,每周次数,时长(分钟),老师编号,所需设施,最远步行(米),优先级",
    "members": "居民编号,兴趣小组编号",
}

POSITIVE = frozenset(
    {
        "bom_utf8",
        "chinese_file_and_sheet_names",
        "chinese_headers_gbk_export",
        "empty_district_header_only",
        "features_enumeration_comma",
        "features_fullwidth_semicolon",
        "features_stray_spaces",
        "fullwidth_digits_and_colons",
        "gbk_encoding",
        "members_file_absent",
        "tab_separated_utf16",
        "time_with_seconds",
        "title_rows_above_header",
        "weekday_chinese_names",
        "xlsx_typed_cells",
    }
)
"""The cases that must load (exit code 0): awkward but valid input."""


@dataclass
class Case:
    expected: list[str]
    files: dict[str, str | bytes | None] = field(default_factory=dict)  # table → text; None drops it
    single: tuple[str, bytes | Callable[[Path], None]] | None = None  # (file name, bytes or writer)
    extra: dict[str, str | bytes] = field(default_factory=dict)  # other files to add to the folder


def swap(table: str, old: str, new: str, text: str | None = None) -> str:
    """The base table with ``old`` replaced by ``new`` once (``old`` must be there)."""
    text = BASE[table] if text is None else text
    assert old in text, (table, old)
    return text.replace(old, new, 1)


def chinese(table: str) -> str:
    _, rest = BASE[table].split("\n", 1)
    return CHINESE_HEADERS[table] + "\n" + rest


def json_input(change: Callable[[dict], object] | None = None) -> bytes:
    """The base district as one JSON file (every cell a string, as in the CSV), then changed."""
    import pandas as pd

    data: dict = {
        name: pd.read_csv(StringIO(text), dtype=str, keep_default_na=False).to_dict("records")
        for name, text in BASE.items()
    }
    if change:
        change(data)
    return json.dumps(data, ensure_ascii=False, indent=1).encode()


def workbook(sheets: dict[str, str] | None = None, typed: bool = False, names: dict[str, str] | None = None):
    """A writer of the base district as an .xlsx workbook (sheet per table)."""

    def write(path: Path) -> None:
        import pandas as pd
        from openpyxl import Workbook

        book = Workbook()
        book.remove(book.active)
        for name, text in (BASE | (sheets or {})).items():
            if text is None:
                continue
            sheet = book.create_sheet((names or {}).get(name, name))
            for line in pd.read_csv(StringIO(text), header=None, dtype=str, keep_default_na=False).values:
                sheet.append([_typed(cell) if typed else cell for cell in line])
        stamp = datetime.datetime(2024, 9, 1)
        book.properties.created = book.properties.modified = stamp
        book.save(path)

    return write


def _typed(cell: str):
    """A cell as Excel would store it when typed in: numbers as numbers, times as times."""
    try:
        if cell.isascii() and cell.replace(".", "", 1).isdigit() and not cell.startswith("0"):
            return float(cell) if "." in cell else int(cell)
        if cell.isascii() and len(cell) == 5 and cell[2] == ":":
            return datetime.time(int(cell[:2]), int(cell[3:]))
    except ValueError:  # "24:00", "99:99": Excel keeps them as text
        pass
    return cell


G = "groups"
CASES: dict[str, Case] = {
    # ------------------------------------------------------------ files and their shape
    "missing_file": Case(["venues.csv: is missing from", "a header alone will do"], {"venues": None}),
    "members_file_absent": Case(["OK: 2 communities, 3 venues, 2 teachers, 3 groups"], {"members": None}),
    "missing_column": Case(
        [
            'groups.csv, row 1: is missing the column(s) "size" (or 人数/小组人数)',
            'found "group_id", "name"',
            "the header must name: group_id, name, category, community_id, size, sessions_per_week, duration_min, "
            "teacher_id (optional: required_features, max_walk_m, priority",
        ],
        {G: BASE[G].replace(",size,", ",").replace(",C1,20,", ",C1,").replace(",C1,25,", ",C1,").replace(",C2,12,", ",C2,")},
    ),
    "missing_two_columns": Case(
        ['communities.csv, row 1: is missing the column(s) "lat" (or 纬度), "lon" (or 经度)'],
        {"communities": "community_id,name,street\nC1,星光社区,人和街道\nC2,天湖社区,人和街道\n"},
    ),
    "empty_file": Case(["opening_hours.csv: is empty — row 1 must be the header: weekday, venue_id, open, close"], {"opening_hours": ""}),
    "blank_lines_only": Case(["teachers.csv: is empty"], {"teachers": "\n \n\t\n"}),
    "header_only_teachers": Case(
        [
            'groups.csv, row 2, column "teacher_id": "T1" no such id in teachers (used in 2 rows: 2, 3) — check the spelling, or add it to teachers.csv',
            'availability.csv, row 2, column "teacher_id": "T1" no such id in teachers (used in 2 rows: 2, 3)',
        ],
        {"teachers": BASE["teachers"].split("\n")[0] + "\n"},
    ),
    "empty_district_header_only": Case(
        ["OK: 0 communities, 0 venues, 0 teachers, 0 groups"],
        {name: text.split("\n")[0] + "\n" for name, text in BASE.items()},
    ),
    "no_header_row": Case(
        ['venues.csv, row 1: is missing the column(s) "venue_id"', 'found "V1", "星光活动室"'],
        {"venues": BASE["venues"].split("\n", 1)[1]},
    ),
    "duplicate_header": Case(
        ['members.csv, row 1, column "group_id": appears twice in the header'],
        {"members": "member_id,group_id,group_id\nM001,G1,G2\n"},
    ),
    "duplicate_header_via_alias": Case(
        ['venues.csv, row 1, column "场地编号" [venue_id]: and column "venue_id" both mean venue_id'],
        {"venues": swap("venues", "venue_id,name", "venue_id,场地编号,name").replace("\nV1,", "\nV1,V1,").replace("\nV2,", "\nV2,V2,").replace("\nV3,", "\nV3,V3,")},
    ),
    "too_many_cells": Case(
        ["members.csv, row 4: has 3 cells but the header has 2"], {"members": swap("members", "M002,G2", "M002,G2,G3")}
    ),
    "unclosed_quote": Case(
        ['members.csv, row 3: has a quote mark (") that is never closed'], {"members": swap("members", "M001,G2", '"M001,G2')}
    ),
    "two_files_one_table": Case(
        ["兴趣小组.csv: is the same table as groups.csv — keep one of them"], extra={"兴趣小组.csv": BASE[G]}
    ),
    "single_csv_instead_of_folder": Case(
        ["groups.csv: is not a folder, an .xlsx workbook or a .json file — give the folder of CSV files"],
        single=("groups.csv", BASE[G].encode()),
    ),
    # ------------------------------------------------------------ ids and references
    "duplicate_venue_id": Case(
        [
            'venues.csv, row 4, column "venue_id": "V1" this id appears more than once; ids must be unique (first used in row 2)',
            'opening_hours.csv, row 5, column "venue_id": "V3" no such id in venues',
        ],
        {"venues": swap("venues", "V3,书画室", "V1,书画室")},
    ),
    "duplicate_group_id": Case(
        ['groups.csv, row 4, column "group_id": "G2" this id appears more than once', "(first used in row 3)"],
        {G: swap(G, "G3,书法班", "G2,书法班"), "members": swap("members", "M003,G3", "M003,G2")},
    ),
    "unknown_community": Case(
        ['venues.csv, row 3, column "community_id": "C9" no such id in communities — check the spelling, or add it to communities.csv'],
        {"venues": swap("venues", "天湖广场,C2", "天湖广场,C9")},
    ),
    "unknown_venue": Case(
        ['opening_hours.csv, row 4, column "venue_id": "V9" no such id in venues — check the spelling, or add it to venues.csv'],
        {"opening_hours": swap("opening_hours", "V2,2", "V9,2")},
    ),
    "unknown_teacher": Case(
        ['groups.csv, row 4, column "teacher_id": "T9" no such id in teachers'], {G: swap(G, "120,T2", "120,T9")}
    ),
    "unknown_group_in_members": Case(
        ['members.csv, row 5, column "group_id": "G9" no such id in groups'], {"members": swap("members", "M003,G3", "M003,G9")}
    ),
    "id_in_lower_case": Case(
        ['groups.csv, row 2, column "teacher_id": "t1" no such id in teachers'], {G: swap(G, "60,T1", "60,t1")}
    ),
    "empty_id_cell": Case(
        ['members.csv, row 6, column "group_id": the cell is empty — expected an id'], {"members": BASE["members"] + "M004,\n"}
    ),
    # ------------------------------------------------------------ weekdays
    "weekday_0": Case(
        ['opening_hours.csv, row 2, column "weekday": "0" must be at least 1', "(1 = Monday … 7 = Sunday)"],
        {"opening_hours": swap("opening_hours", "V1,1", "V1,0")},
    ),
    "weekday_8": Case(
        ['availability.csv, row 5, column "weekday": "8" must be at most 7'], {"availability": swap("availability", "T2,5", "T2,8")}
    ),
    "weekday_mon": Case(
        ['opening_hours.csv, row 3, column "weekday": "Mon" is not a whole number', "or 周一 … 周日"],
        {"opening_hours": swap("opening_hours", "V1,3", "V1,Mon")},
    ),
    "weekday_chinese_typo": Case(
        ['opening_hours.csv, row 3, column "weekday": "周八" is not a whole number'],
        {"opening_hours": swap("opening_hours", "V1,3", "V1,周八")},
    ),
    "weekday_chinese_names": Case(
        ["OK: 2 communities"],
        {"opening_hours": swap("opening_hours", "V1,1", "V1,周一").replace("V1,3", "V1,星期三").replace("V3,5", "V3,礼拜五"),
         "availability": swap("availability", "T1,1", "T1,星期一").replace("T1,3", "T1,周三")},
    ),
    "weekday_decimal": Case(
        ['availability.csv, row 2, column "weekday": "1.5" is not a whole number'], {"availability": swap("availability", "T1,1", "T1,1.5")}
    ),
    # ------------------------------------------------------------ times
    "time_25_00": Case(
        ['availability.csv, row 3, column "start": "25:00" is not valid: expected a time between 00:00 and 24:00'],
        {"availability": swap("availability", "T1,3,14:00", "T1,3,25:00")},
    ),
    "time_9_30_with_a_dot": Case(
        ['opening_hours.csv, row 4, column "open": "9.30" is not valid: expected a time as HH:MM, e.g. 08:30'],
        {"opening_hours": swap("opening_hours", "V2,2,08:00", "V2,2,9.30")},
    ),
    "time_am_pm": Case(
        ['availability.csv, row 2, column "end": "12:00 PM" is not valid: expected a time as HH:MM'],
        {"availability": swap("availability", "T1,1,08:00,12:00", "T1,1,08:00,12:00 PM")},
    ),
    "close_before_open": Case(
        ['opening_hours.csv, row 3, column "close": this row ends (14:00) at or before it begins (18:00)'],
        {"opening_hours": swap("opening_hours", "V1,3,14:00,18:00", "V1,3,18:00,14:00")},
    ),
    "window_crossing_midnight": Case(
        ['opening_hours.csv, row 4, column "close"', "a window across midnight must be split into two rows"],
        {"opening_hours": swap("opening_hours", "V2,2,08:00,21:00", "V2,2,22:00,02:00")},
    ),
    "empty_end_time": Case(
        ['availability.csv, row 4, column "end": the cell is empty — expected a time as HH:MM, e.g. 08:30'], {"availability": swap("availability", "T2,2,08:00,12:00", "T2,2,08:00,")}
    ),
    "time_with_seconds": Case(["OK:"], {"availability": swap("availability", "T1,1,08:00,12:00", "T1,1,08:00:00,12:00:00")}),
    "fullwidth_digits_and_colons": Case(
        ["OK:"], {"opening_hours": swap("opening_hours", "V1,1,08:00,12:00", "V1,１,０８：００,１２：００")}
    ),
    # ------------------------------------------------------------ numbers
    "capacity_negative": Case(
        ['venues.csv, row 3, column "capacity": "-5" must be greater than 0 — expected a whole number greater than 0'],
        {"venues": swap("venues", "C2,80", "C2,-5")},
    ),
    "capacity_zero": Case(['venues.csv, row 2, column "capacity": "0" must be greater than 0'], {"venues": swap("venues", "C1,30", "C1,0")}),
    "size_zero": Case(['groups.csv, row 2, column "size": "0" must be greater than 0'], {G: swap(G, "C1,20,2", "C1,0,2")}),
    "sessions_per_week_8": Case(
        ['groups.csv, row 3, column "sessions_per_week": "8" must be at most 7'], {G: swap(G, "C1,25,1", "C1,25,8")}
    ),
    "sessions_per_week_0": Case(
        ['groups.csv, row 4, column "sessions_per_week": "0" must be at least 1'], {G: swap(G, "C2,12,1", "C2,12,0")}
    ),
    "duration_off_the_grid": Case(
        ['groups.csv, row 2, column "duration_min": "50" must be a whole number of 15-minute steps'], {G: swap(G, ",2,60,", ",2,50,")}
    ),
    "duration_longer_than_a_day": Case(
        ['groups.csv, row 4, column "duration_min": "1500" must be at most 1440'], {G: swap(G, ",1,120,", ",1,1500,")}
    ),
    "nan_in_a_whole_number": Case(['groups.csv, row 3, column "size": "NaN" is not a whole number'], {G: swap(G, "C1,25,", "C1,NaN,")}),
    "nan_in_a_number": Case(
        ['groups.csv, row 3, column "max_walk_m": "nan" is not a finite number'], {G: swap(G, "piano,800", "piano,nan")}
    ),
    "text_in_a_number": Case(['venues.csv, row 4, column "capacity": "三十" is not a whole number'], {"venues": swap("venues", "C1,20", "C1,三十")}),
    "number_with_a_unit": Case(
        ['groups.csv, row 4, column "duration_min": "120分钟" is not a whole number'], {G: swap(G, ",1,120,", ",1,120分钟,")}
    ),
    "decimal_in_a_whole_number": Case(['groups.csv, row 2, column "size": "20.5" is not a whole number'], {G: swap(G, "C1,20,", "C1,20.5,")}),
    "latitude_out_of_range": Case(
        ['communities.csv, row 2, column "lat": "129.600" must be at most 90'], {"communities": swap("communities", "29.600", "129.600")}
    ),
    "longitude_out_of_range": Case(
        ['venues.csv, row 3, column "lon": "-200" must be at least -180'], {"venues": swap("venues", "106.5051", "-200")}
    ),
    "latitude_as_text": Case(
        ['communities.csv, row 3, column "lat": "北纬29.6" is not a number'], {"communities": swap("communities", "29.605", "北纬29.6")}
    ),
    "priority_zero": Case(['groups.csv, row 3, column "priority": "0" must be at least 1'], {G: swap(G, "800,2", "800,0")}),
    "teacher_limit_negative": Case(
        ['teachers.csv, row 2, column "max_sessions_per_day": "-1" must be at least 0'], {"teachers": swap("teachers", "10,2", "10,-1")}
    ),
    "errors_in_several_files_at_once": Case(
        [
            'venues.csv, row 2, column "capacity": "abc"',
            'opening_hours.csv, row 2, column "weekday": "0"',
            'groups.csv, row 3, column "sessions_per_week": "9"',
        ],
        {"venues": swap("venues", "C1,30", "C1,abc"), "opening_hours": swap("opening_hours", "V1,1", "V1,0"), G: swap(G, "C1,25,1", "C1,25,9")},
    ),
    # ------------------------------------------------------------ features
    "features_stray_spaces": Case(["OK:"], {"venues": swap("venues", "piano;mirror", " piano ;  mirror ; ")}),
    "features_fullwidth_semicolon": Case(
        ["OK:", 'venues.csv, row 2, column "features": "piano；mirror" read as the tags "piano", "mirror"'],
        {"venues": swap("venues", "piano;mirror", "piano；mirror")},
    ),
    "features_enumeration_comma": Case(
        ["OK:", 'read as the tags "piano", "mirror"; kecheng separates tags with ";"'],
        {"venues": swap("venues", "piano;mirror", "piano、mirror")},
    ),
    # ------------------------------------------------------------ encodings and bytes
    "bom_utf8": Case(["OK:", "groups.csv: 3 rows, UTF-8 with BOM"], {n: t.encode("utf-8-sig") for n, t in BASE.items()}),
    "gbk_encoding": Case(["OK:", "groups.csv: 3 rows, GB18030", "communities.csv: 2 rows, GB18030"], {n: t.encode("gbk") for n, t in BASE.items()}),
    "chinese_headers_gbk_export": Case(
        ["OK: 2 communities, 3 venues", "groups.csv: 3 rows, GB18030; columns 兴趣小组编号 → group_id"],
        {n: chinese(n).encode("gbk") for n in BASE},
    ),
    "tab_separated_utf16": Case(["OK:", "venues.csv: 3 rows, UTF-16"], {"venues": BASE["venues"].replace(",", "\t").encode("utf-16")}),
    "undecodable_latin1": Case(
        ["teachers.csv: is neither UTF-8 nor GBK text (the first odd byte is on line 3)", "CSV UTF-8"],
        {"teachers": swap("teachers", "李老师", "Zoë Müller").encode("latin-1", errors="replace")},
    ),
    "utf8_with_a_broken_byte": Case(
        ["groups.csv, row 3: is UTF-8 text, but line 3 holds bytes that are not"],
        {G: BASE[G].encode().replace("合唱团".encode(), "合唱团".encode()[:-1], 1)},
    ),
    "binary_file_renamed_csv": Case(
        ["communities.csv: is not a text file (it holds binary data)"],
        {"communities": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256))},
    ),
    "workbook_renamed_csv": Case(["groups.csv: is an Excel workbook, not a CSV file"], {G: b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40}),
    # ------------------------------------------------------------ Chinese headers
    "chinese_header_bad_cell": Case(
        ['groups.csv, row 3, column "人数" [size]: "二十五" is not a whole number'], {G: swap(G, "C1,25,", "C1,二十五,", chinese(G))}
    ),
    "chinese_header_missing_column": Case(
        ['groups.csv, row 1: is missing the column(s) "size" (or 人数/小组人数)', 'found "兴趣小组编号"'],
        {G: chinese(G).replace(",人数,", ",成员人数,")},
    ),
    "title_rows_above_header": Case(
        ["OK:", "groups.csv, row 1: rows 1–2 are above the header (row 3) and skipped as a title"],
        {G: "2024年秋季兴趣小组名单,,,,,,,,,,\n导出时间 2024-09-01,,,,,,,,,,\n" + BASE[G]},
    ),
    # ------------------------------------------------------------ JSON
    "json_not_json": Case(["input.json: is not valid JSON"], single=("input.json", b'{"communities": [,]}')),
    "json_empty_file": Case(["input.json: is not valid JSON"], single=("input.json", b"")),
    "json_wrong_shape": Case(["input.json: has the wrong shape"], single=("input.json", b"[1, 2, 3]")),
    "json_table_not_a_list": Case(
        ['input.json (venues): is not a list of rows — add "venues": [...]'],
        single=("input.json", json_input(lambda d: d.update(venues={"V1": "星光活动室"}))),
    ),
    "json_row_not_an_object": Case(
        ['input.json (venues), row 2: "V2" is not a row'], single=("input.json", json_input(lambda d: d["venues"].__setitem__(1, "V2")))
    ),
    "json_missing_table": Case(
        ['input.json (groups): is missing — add "groups": [...]'], single=("input.json", json_input(lambda d: d.pop("groups")))
    ),
    "json_bad_cell": Case(
        ['input.json (groups), row 1, column "size": "-3" must be greater than 0'],
        single=("input.json", json_input(lambda d: d["groups"][0].update(size=-3))),
    ),
    "json_bad_grid_min": Case(
        ['input.json, column "grid_min": "0" must be greater than 0'], single=("input.json", json_input(lambda d: d.update(grid_min=0)))
    ),
    # ------------------------------------------------------------ workbooks
    "xlsx_bad_cell": Case(
        ['district.xlsx, sheet groups, row 3, column "size": "0" must be greater than 0'],
        single=("district.xlsx", workbook({G: swap(G, "C1,25,", "C1,0,")})),
    ),
    "xlsx_missing_sheet": Case(
        ['district.xlsx: has no sheet "venues" (sheets: "communities", "opening_hours"'],
        single=("district.xlsx", workbook({"venues": None})),
    ),
    "xlsx_typed_cells": Case(["OK: 2 communities", "district.xlsx, sheet groups: 3 rows"], single=("district.xlsx", workbook(typed=True))),
    "chinese_file_and_sheet_names": Case(
        ["OK: 2 communities", "district.xlsx, sheet 兴趣小组: 3 rows"],
        single=("district.xlsx", workbook(names={G: "兴趣小组", "venues": "场地", "availability": "老师时间"})),
    ),
    "xlsx_damaged": Case(["district.xlsx: could not be read as an Excel workbook"], single=("district.xlsx", b"PK\x03\x04" + b"\x00" * 60)),
    "xls_old_format": Case(
        ["district.xlsx: is an old-style .xls workbook or has a password"],
        single=("district.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 60),
    ),
    "xls_file_name": Case(
        ["district.xls: is an old Excel (or WPS) workbook — open it and save it as an Excel Workbook (.xlsx)"],
        single=("district.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 60),
    ),
}  # fmt: skip


def write_case(name: str, case: Case, folder: Path) -> None:
    folder.mkdir(parents=True)
    exit_code = 0 if name in POSITIVE else 2
    header = [f"# kecheng validate → exit {exit_code}; message fragments, one per line"]
    if case.single:
        file, content = case.single
        header.append(f"# input: {file}")
        if callable(content):
            content(folder / file)
        else:
            (folder / file).write_bytes(content)
    else:
        for table, text in (BASE | case.files).items():
            if text is not None:
                data = text if isinstance(text, bytes) else text.encode()
                (folder / f"{table}.csv").write_bytes(data)
        for file, text in case.extra.items():
            (folder / file).write_bytes(text if isinstance(text, bytes) else text.encode())
    (folder / "expected.txt").write_text("\n".join(header + case.expected) + "\n", encoding="utf-8")


def write_corpus(out: Path) -> list[str]:
    """Write every case into ``out/<case>/`` (replacing what was there); the case names."""
    for name, case in CASES.items():
        shutil.rmtree(out / name, ignore_errors=True)
        write_case(name, case, out / name)
    return list(CASES)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
    names = write_corpus(target)
    print(f"wrote {len(names)} cases ({len(POSITIVE)} that must load) into {target}")
