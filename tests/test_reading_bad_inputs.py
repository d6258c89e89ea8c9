"""Issue 6, bad input: the corpus under tests/bad_inputs/ through ``kecheng validate``, the 50 MB
files (made here, not stored), and fuzzing of the loaders.

Every case must exit with code 2 — or 0 for the awkward-but-valid cases in POSITIVE — print no
traceback, print every fragment of its expected.txt, and locate every message about a row
with its file, row and (for a cell) column.
"""

from __future__ import annotations

import base64
import csv
import importlib.util
import io as stdio
import json
import random
import re
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from kecheng import reading
from kecheng.cli import app
from kecheng.errors import InputError
from kecheng.lint import lint
from kecheng.model import TABLES, Problem, columns
from kecheng.reading.aliases import COLUMN_ALIASES, WEEKDAY_NAMES, header_aliases

CORPUS = Path(__file__).parent / "bad_inputs"
_spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
make_corpus = sys.modules["make_corpus"] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_corpus)

CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "expected.txt").is_file())
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
"""The cases that must load (exit 0); every other case must exit 2."""

LOCATED = re.compile(
    r"^(warning: )?[^,:]+\.(csv|json|xlsx|xls)( \(\w+\))?(, sheet [^,:]+)?"
    r', row \d+(, column "[^"]+"( \[\w+\])?)?: \S'
)


def validate(path: Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["validate", str(path)])
    crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
    assert not crashed, f"kecheng crashed: {result.exception!r}"
    return result.exit_code, result.output


def case_input(folder: Path) -> tuple[Path, list[str]]:
    lines = (folder / "expected.txt").read_text(encoding="utf-8").splitlines()
    given_ = [line.split(":", 1)[1].strip() for line in lines if line.startswith("# input:")]
    fragments = [line for line in lines if line.strip() and not line.startswith("#")]
    return (folder / given_[0] if given_ else folder), fragments


def test_the_corpus_is_big_enough_and_its_positive_cases_are_listed():
    assert len(CASES) >= 40
    assert set(CASES) >= POSITIVE == make_corpus.POSITIVE
    assert sorted(make_corpus.CASES) == CASES


@pytest.mark.parametrize("name", CASES)
def test_case(name):
    path, fragments = case_input(CORPUS / name)
    code, output = validate(path)
    assert "Traceback" not in output
    assert code == (0 if name in POSITIVE else 2), output
    seen = output
    if name in POSITIVE:  # the CLI may not print the report and warnings; the library has them
        problem, report = reading.load_report(path)
        seen += "\n".join(report.lines() + [w.render() for w in report.warnings] + lint(problem))
    for fragment in fragments:
        assert fragment in seen, f"{fragment!r} not in:\n{seen}"
    for line in output.splitlines():
        if re.search(r", row \d+", line):
            assert LOCATED.match(line), f"not located as file, row, column: {line}"


def test_the_corpus_is_what_make_corpus_writes(tmp_path):
    make_corpus.write_corpus(tmp_path)
    for name in CASES:
        stored = sorted(p.name for p in (CORPUS / name).iterdir())
        assert sorted(p.name for p in (tmp_path / name).iterdir()) == stored, name
        for file in stored:
            old, new = CORPUS / name / file, tmp_path / name / file
            assert old.read_bytes() == new.read_bytes() or _cells(old) == _cells(new) is not None, (
                name,
                file,
            )


def _cells(path: Path) -> dict | None:
    """A workbook's cell values (its bytes hold the time it was zipped); None if it is no workbook."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path)
    except Exception:
        return None
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book}


# ---------------------------------------------------------------- 50 MB files, made here

FIFTY_MB = 50 * 2**20


@pytest.fixture
def big(tmp_path):
    """A folder for a 50 MB file, emptied afterwards (pytest keeps recent temporary folders)."""
    yield tmp_path
    for file in tmp_path.iterdir():
        file.unlink()


def base_district(folder: Path, **files: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in make_corpus.BASE.items():
        (folder / f"{name}.csv").write_bytes(files.get(name, text.encode()))
    return folder


def fifty_mb(header: str, row: Callable[[int], str]) -> bytes:
    lines, size, i = [header], len(header), 0
    while size < FIFTY_MB:
        line = row(i)
        lines.append(line)
        size, i = size + len(line.encode()), i + 1
    return "".join(lines).encode()


def test_a_50_mb_members_export_loads(big):
    """A real export carries names, phones and addresses beside the two columns kecheng reads."""
    data = fifty_mb(
        "居民编号,姓名,电话,住址,兴趣小组编号,备注\n",
        lambda i: f"M{i:07d},张三丰,13800138000,渝北区人和街道幸福路{i % 97}号,G{i % 3 + 1},喜欢唱歌\n",
    )
    assert len(data) >= FIFTY_MB
    folder = base_district(big, members=data)
    code, output = validate(folder)
    assert code == 0 and "memberships" in output, output


def test_50_mb_of_narrow_rows_is_refused_clearly_and_quickly(big):
    """4.4 million memberships are not a district's; kecheng says so instead of using gigabytes."""
    data = fifty_mb("member_id,group_id\n", lambda i: f"M{i:07d},G{i % 3 + 1}\n")
    code, output = validate(base_district(big, members=data))
    assert (
        code == 2
        and "members.csv: has 4,369,066 rows" in output
        and "more than kecheng reads (1,000,000" in output
    )


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("random bytes", "groups.csv: is not a text file"),
        ("one long text column", 'is missing the column(s) "group_id"'),
    ],
)
def test_50_mb_of_garbage_errors_quickly(big, kind, words):
    rng = random.Random(6)
    if kind == "random bytes":
        data = rng.randbytes(FIFTY_MB)
    else:  # 50 MB of letters and digits, in lines of 1000 and no commas: a one-column "table"
        text = base64.b64encode(rng.randbytes(FIFTY_MB * 3 // 4))
        data = b"\n".join(text[k : k + 1000] for k in range(0, len(text), 1000))
    code, output = validate(base_district(big, groups=data))
    assert code == 2 and words in output and "Traceback" not in output
    assert len(output) < 2000  # no 50 MB cell echoed back


# ---------------------------------------------------------------- fuzzing

TABLE_NAMES = list(TABLES)
HEADERS = {name: ",".join(columns(TABLES[name])) for name in TABLE_NAMES}
CELL = st.one_of(
    st.sampled_from(["C1", "C2", "V1", "V3", "T1", "T2", "G1", "G2", "M001", "", " ", "0", "-1", "1", "7",
                     "8", "20", "60", "50", "1e3", "NaN", "inf", "08:00", "24:00", "25:00", "9.30", "周三",
                     "星期天", "piano；mirror", "a、b", "29.6", "106.5", "999", "\u3000", "\u200b", "=1+1",
                     '"', "'"]),
    st.text(max_size=12),
    st.integers(-(10**12), 10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)  # fmt: skip


def _quiet_load(folder: Path) -> None:
    """Loading gives a Problem (that lint can read) or an InputError that says what is wrong."""
    try:
        problem, report = reading.load_report(folder)
    except InputError as err:
        assert err.problems and all(p.render() for p in err.problems)
        assert "Traceback" not in err.render()
    else:
        assert isinstance(problem, Problem)
        assert all(isinstance(line, str) for line in report.lines() + lint(problem))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    table=st.sampled_from(TABLE_NAMES),
    data=st.one_of(
        st.binary(max_size=400),
        st.text(max_size=300).map(lambda t: t.encode("utf-8")),
        st.text(alphabet=st.characters(codec="gbk"), max_size=200).map(lambda t: t.encode("gbk")),
        st.tuples(st.sampled_from(TABLE_NAMES), st.binary(max_size=200)).map(
            lambda pair: HEADERS[pair[0]].encode() + b"\n" + pair[1]
        ),
    ),
)
def test_arbitrary_bytes_as_any_csv_file(table, data):
    with tempfile.TemporaryDirectory() as folder:
        _quiet_load(base_district(Path(folder), **{table: data}))


@st.composite
def tables(draw) -> tuple[str, list[list[str]]]:
    """A table's header (kecheng's names or Chinese aliases, in any order, some left out, some
    unknown) and rows of arbitrary cells."""
    table = draw(st.sampled_from(TABLE_NAMES))
    names = {
        column: [a for a, c in header_aliases(table).items() if c == column]
        for column in columns(TABLES[table])
    }
    header = [draw(st.sampled_from(aliases)) for aliases in names.values() if draw(st.integers(0, 9))]
    header = draw(st.permutations(header)) + draw(st.lists(st.sampled_from(["备注", "x", ""]), max_size=2))
    rows = draw(st.lists(st.lists(CELL, min_size=len(header), max_size=len(header)), max_size=6))
    return table, [header, *rows]


def _csv_bytes(rows: list[list[str]], encoding: str) -> bytes:
    buffer = stdio.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode(encoding, errors="replace")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(content=tables(), encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
def test_arbitrary_table_contents_in_csv(content, encoding):
    table, rows = content
    with tempfile.TemporaryDirectory() as folder:
        _quiet_load(base_district(Path(folder), **{table: _csv_bytes(rows, encoding)}))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(content=tables())
def test_arbitrary_table_contents_in_a_workbook(content):
    from openpyxl import load_workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    table, rows = content
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "district.xlsx"
        make_corpus.workbook(typed=True)(path)
        book = load_workbook(path)
        del book[table]
        sheet = book.create_sheet(table)
        for row in rows:  # as Excel would hold them: numbers and times typed, no control characters
            sheet.append([make_corpus._typed(ILLEGAL_CHARACTERS_RE.sub("", cell)) for cell in row])
        book.save(path)
        _quiet_load(path)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10) | CELL,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    table=st.sampled_from([*TABLE_NAMES, "grid_min"]),
    value=st.one_of(
        JSON, st.lists(st.dictionaries(st.sampled_from(sorted(set(COLUMN_ALIASES.values()))), CELL | JSON))
    ),
)
def test_arbitrary_json(table, value):
    data = json.loads(make_corpus.json_input())
    data[table] = value
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "input.json"
        path.write_text(json.dumps(data, allow_nan=True), encoding="utf-8")
        _quiet_load(path)


def test_weekday_names_cover_the_week():
    assert sorted(set(WEEKDAY_NAMES.values())) == list(range(1, 8))
