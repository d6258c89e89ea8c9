"""Raw tables as staff hand them over: CSV files in the encodings Excel and WPS write, or the
sheets of one .xlsx workbook, with English or Chinese column headers.

Everything here turns bytes into rows of stripped text keyed by kecheng's own column names,
and remembers where each row came from (file or sheet, row number as a spreadsheet shows it,
column as written in the header). Whether a cell is *valid* is decided later, by the models
in :mod:`kecheng.model`; :mod:`kecheng.io` is the façade that puts the two together.

Encodings are detected by strict decoding in a fixed order — UTF-8 (with or without BOM),
UTF-16 with a BOM (Excel's "Unicode Text"), then GB18030 (the superset of GBK that Excel on
Chinese Windows writes) — rather than by statistical guessing: valid UTF-8 is practically
never an accident, GBK is the only other encoding a Chongqing office produces, and guessers
such as charset-normalizer misname short GBK files (a three-line venues.csv came out as
Korean cp949). A file that is neither, or that looks like UTF-8 with a few broken bytes, is
a located error — never decoded into mojibake.
"""

from __future__ import annotations

import datetime as dt
import re
import typing
import unicodedata
import zipfile
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kecheng.model import TABLES, columns

SAVE_AS = 'in Excel or WPS use "Save as" → "CSV UTF-8 (comma delimited)"'
MAX_FILE_BYTES = 256 * 2**20
"""A bigger file is refused before it is read (a district's largest table is a few MB)."""
MAX_ROWS = 1_000_000
"""A table with more data rows is refused: it is not a district's (1.1 million residents)."""
MAX_PROBLEMS_PER_TABLE = 1000
"""Past this many, a table's further problems are counted, not listed."""
HEADER_SEARCH_ROWS = 10
"""Title rows above the header ("2024年兴趣小组名单") are skipped if the header is within these."""

# ---------------------------------------------------------------- the alias tables

TABLE_ALIASES: dict[str, tuple[str, ...]] = {
    "communities": ("社区", "社区表", "社区信息"),
    "venues": ("场地", "场地表", "场地信息"),
    "opening_hours": ("开放时间", "场地开放时间"),
    "teachers": ("老师", "教师", "师资", "老师表", "教师表"),
    "availability": ("老师时间", "教师时间", "老师空闲时间", "教师空闲时间", "空闲时间", "可用时间"),
    "groups": ("兴趣小组", "小组", "兴趣小组表"),
    "members": ("成员", "小组成员", "居民", "成员表"),
}
"""Besides its own name, the file names (without .csv) and sheet names a table may have."""

COLUMN_ALIASES: dict[str, str] = {
    # ids
    "社区编号": "community_id", "社区ID": "community_id", "社区代码": "community_id",
    "场地编号": "venue_id", "场地ID": "venue_id", "场地代码": "venue_id",
    "老师编号": "teacher_id", "教师编号": "teacher_id", "老师ID": "teacher_id", "教师ID": "teacher_id",
    "兴趣小组编号": "group_id", "小组编号": "group_id", "兴趣小组ID": "group_id", "小组ID": "group_id",
    "成员编号": "member_id", "居民编号": "member_id", "成员ID": "member_id", "居民ID": "member_id",
    # names and kinds
    "名称": "name", "名字": "name", "街道": "street", "所属街道": "street", "类别": "category",
    "分类": "category", "类型": "kind", "场地类型": "kind",
    # numbers
    "容量": "capacity", "可容纳人数": "capacity", "容纳人数": "capacity", "人数": "size",
    "小组人数": "size", "每周次数": "sessions_per_week", "每周几次": "sessions_per_week",
    "时长": "duration_min", "每次时长": "duration_min", "时长(分钟)": "duration_min",
    "最远步行": "max_walk_m", "最远步行(米)": "max_walk_m", "步行距离": "max_walk_m",
    "优先级": "priority", "每周最多次数": "max_sessions_per_week", "每周最多": "max_sessions_per_week",
    "每天最多次数": "max_sessions_per_day", "每日最多次数": "max_sessions_per_day",
    "每天最多": "max_sessions_per_day", "经度": "lon", "纬度": "lat",
    # time
    "星期": "weekday", "周几": "weekday", "星期几": "weekday",
    "开放时间": "open", "开门时间": "open", "关闭时间": "close", "关门时间": "close",
    "开始时间": "start", "结束时间": "end",
    # tags
    "设施": "features", "特色": "features", "设施/特色": "features", "场地设施": "features",
    "所需设施": "required_features", "需要设施": "required_features", "设施要求": "required_features",
    # preferences (where the model has them)
    "偏好时段": "preferred_times", "希望时段": "preferred_times", "时段": "preferred_times",
    "偏好星期": "preferred_weekdays", "希望星期": "preferred_weekdays",
}  # fmt: skip
"""Header → column, in every table that has the column. Matching ignores case, spaces,
underscores, hyphens, full/half width, and a unit in brackets after the name: "Venue ID",
"容量（人）" and "时长(分钟)" all match."""

TABLE_COLUMN_ALIASES: dict[str, dict[str, str]] = {
    "communities": {"社区": "name", "社区名称": "name"},
    "venues": {"场地": "name", "场地名称": "name", "社区": "community_id", "所属社区": "community_id"},
    "opening_hours": {"场地": "venue_id", "开始时间": "open", "结束时间": "close"},
    "teachers": {
        "老师": "name", "教师": "name", "姓名": "name", "老师姓名": "name", "教师姓名": "name",
        "社区": "community_id", "所属社区": "community_id",
    },
    "availability": {"老师": "teacher_id", "教师": "teacher_id"},
    "groups": {
        "兴趣小组": "name", "兴趣小组名称": "name", "小组名称": "name", "社区": "community_id",
        "所属社区": "community_id", "老师": "teacher_id", "教师": "teacher_id", "类型": "category",
    },
    "members": {"成员": "member_id", "居民": "member_id", "兴趣小组": "group_id", "小组": "group_id"},
}  # fmt: skip
"""Words whose column depends on the table: 场地 is a venue's name in venues.csv but the
venue_id in opening_hours.csv; these win over COLUMN_ALIASES."""

WEEKDAY_NAMES: dict[str, int] = {
    f"{prefix}{day}": number
    for prefix in ("周", "星期", "礼拜")
    for number, days in enumerate((("一",), ("二",), ("三",), ("四",), ("五",), ("六",), ("日", "天")), 1)
    for day in days
}
"""周一…周日, 星期一…星期日/星期天, 礼拜一…礼拜天 → 1 (Monday) … 7 (Sunday)."""

TAG_SEPARATORS = re.compile(r"[；;、，,]")
"""";" separates tags; the full-width ；, the enumeration comma 、 and commas are read as it (with a
warning), since that is what a Chinese keyboard types."""

TAG_COLUMNS = frozenset({"features", "required_features"})
_BLANKS = "".join(c for c in map(chr, range(0x3001)) if c.isspace()) + "\u200b\u200c\u200d\u2060\ufeff"
"""What str.strip() strips, and the zero-width characters that web exports leave in cells."""
_INK = re.compile(f"[^{re.escape(_BLANKS)}]")


def _key(header: str) -> str:
    """A header as compared: NFKC (full-width → half-width), case and separators ignored."""
    return re.sub(r"[\s_\-]+", "", unicodedata.normalize("NFKC", header)).casefold()


def header_aliases(table: str) -> dict[str, str]:
    """Every accepted header of a table → its column: the column names themselves and aliases."""
    fields = columns(TABLES[table])
    found = {name: name for name in fields}
    found |= {alias: column for alias, column in COLUMN_ALIASES.items() if column in fields}
    return found | TABLE_COLUMN_ALIASES.get(table, {})


def _alias_keys(table: str | None, columns: Iterable[str]) -> dict[str, str]:
    pairs = header_aliases(table).items() if table else ((c, c) for c in columns)
    return {_key(alias): column for alias, column in pairs}


def column_of(header: str, keys: dict[str, str]) -> str | None:
    """The column a header names, or None: exact first, then without a unit in brackets."""
    key = _key(header)
    if key in keys:
        return keys[key]
    return keys.get(re.sub(r"\([^()]*\)$", "", key)) if key.endswith(")") else None


def table_of(stem: str) -> str | None:
    """The table a file or sheet name stands for ("groups", "兴趣小组", " Groups ")."""
    key = _key(stem)
    for table, aliases in TABLE_ALIASES.items():
        if key == _key(table) or key in map(_key, aliases):
            return table
    return None


# ---------------------------------------------------------------- located issues


@dataclass(frozen=True, slots=True)
class LocatedIssue:
    """One problem, located as staff see it: file (and sheet), spreadsheet row (header = 1) and
    column — ``column`` is kecheng's name, ``header`` the name as written in the file."""

    file: str
    row: int | None
    column: str | None
    value: str | None
    message: str
    header: str | None = None

    def render(self) -> str:
        where = [self.file] + [f"row {self.row}"] * (self.row is not None)
        if self.column:
            named = self.header and self.header != self.column
            where.append(f'column "{self.header}" [{self.column}]' if named else f'column "{self.column}"')
        value = f'"{self.value}" ' if self.value else ""
        return f"{', '.join(where)}: {value}{self.message}"


def whole_file(file: str, message: str, row: int | None = None) -> LocatedIssue:
    return LocatedIssue(file, row, None, None, message)


def short(text: Any, limit: int = 60) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------- raw tables


ABSENT: Any = type("Absent", (), {"__repr__": lambda self: "ABSENT", "__slots__": ()})()
"""A JSON row's cell that is not there at all (a CSV row has every column of its header)."""


@dataclass
class RawTable:
    """One table as read, column by column: stripped text (or JSON values), each row with its
    row number. Held as columns rather than a dict per row: a city's 205 000 memberships as
    dicts took 38 MB, as columns they take the lists of cells the file already gave."""

    file: str  # as staff see it: "groups.csv", "district.xlsx, sheet groups", "input.json (groups)"
    cells: dict[str, list[Any]] = field(default_factory=dict)  # column → its cells, row by row
    rows: Sequence[int] = ()  # each row's number as a spreadsheet shows it
    headers: dict[str, str] = field(default_factory=dict)  # column → header as written, if different
    encoding: str | None = None  # of a CSV file: "UTF-8", "UTF-8 with BOM", "UTF-16", "GB18030"
    complete: bool = True  # every row was read as a row, so all its ids are known
    not_rows: dict[int, Any] = field(default_factory=dict)  # JSON items that are not objects, by index

    def __len__(self) -> int:
        return len(self.rows)

    def row(self, index: int) -> int:
        return self.rows[index]

    def records(self, start: int, stop: int, optional: Iterable[str] = ()) -> list[Any]:
        """Rows ``start:stop`` as dicts for validation. Absent cells and blank optional ones are
        left out, so that the column's default applies."""
        optional = frozenset(optional)
        chunk = [(name, column[start:stop], name in optional) for name, column in self.cells.items()]
        out: list[Any] = []
        for k, index in enumerate(range(start, min(stop, len(self)))):
            if index in self.not_rows:
                out.append(self.not_rows[index])
                continue
            record = {}
            for name, column, blank_means_default in chunk:
                value = column[k]
                if value is not ABSENT and not (blank_means_default and (value is None or value == "")):
                    record[name] = value
            out.append(record)
        return out


class Unreadable(Exception):
    """A file that is not a table at all; the message says why and how to fix it."""

    def __init__(self, message: str, row: int | None = None):
        super().__init__(message)
        self.message, self.row = message, row


# ---------------------------------------------------------------- bytes → text


def decode(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was in; Unreadable if it is not text."""
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise Unreadable(
            "is an Excel workbook, not a CSV file — give kecheng the workbook itself (named .xlsx), "
            f"or {SAVE_AS}"
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return _text_only(data.decode("utf-16")), "UTF-16"
        except UnicodeDecodeError:
            raise Unreadable(f"starts like UTF-16 text but is not — {SAVE_AS}") from None
    if b"\x00" in data:
        raise Unreadable(f"is not a text file (it holds binary data) — {SAVE_AS}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    else:
        return _text_only(text), "UTF-8 with BOM" if data.startswith(b"\xef\xbb\xbf") else "UTF-8"
    line = data.count(b"\n", 0, utf8_error.start) + 1
    if not data.startswith(b"\xef\xbb\xbf") and not _mostly_utf8(data):
        try:
            text = _text_only(data.decode("gb18030"), gbk=True)
        except (UnicodeDecodeError, Unreadable):
            text = None
        if text is not None and _mostly_common_chinese(text):
            return text, "GB18030"
        raise Unreadable(f"is neither UTF-8 nor GBK text (the first odd byte is on line {line}) — {SAVE_AS}")
    raise Unreadable(
        f"is UTF-8 text, but line {line} holds bytes that are not (pasted from another program?) — "
        f"retype that line, or {SAVE_AS}",
        line,
    )


def _mostly_utf8(data: bytes) -> bool:
    """Whether most non-ASCII bytes form valid UTF-8: then the file is UTF-8 with a few broken
    bytes, not GBK (in GBK text only about one character in six happens to look like UTF-8)."""
    text = data.decode("utf-8", errors="replace")
    ascii_chars = len(data) - len(data.translate(None, bytes(range(128))))
    bad = text.count("\ufffd")
    return len(text) - ascii_chars - bad > bad


def _mostly_common_chinese(text: str, sample: int = 1_000_000) -> bool:
    """Whether most non-ASCII characters of text read as GBK are in GB2312, the common core of
    GBK that Chinese office text keeps to. Other bytes (cp1252's "é" before a letter) can also
    decode as GBK, but into rare characters: that is a wrong guess, not Chinese."""
    counts = Counter(text[:sample])
    rare = common = 0
    for char, count in counts.items():
        if not char.isascii():
            try:
                char.encode("gb2312")
                common += count
            except UnicodeEncodeError:
                rare += count
    return common >= rare


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_PRIVATE_USE = re.compile(r"[\ue000-\uf8ff]")


def _text_only(text: str, gbk: bool = False) -> str:
    """Reject control characters (binary data), and — in text read as GBK — the private-use
    characters that only a wrong guess of the encoding produces."""
    if _CONTROL.search(text) or (gbk and _PRIVATE_USE.search(text)):
        raise Unreadable(f"is not a text file (it holds control characters or binary data) — {SAVE_AS}")
    return text


# ---------------------------------------------------------------- CSV files


def read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise Unreadable(
                f"is {size / 2**20:,.0f} MB, more than kecheng reads ({MAX_FILE_BYTES / 2**20:,.0f} MB) "
                "— is this the right file?"
            )
        return path.read_bytes()
    except OSError as exc:
        raise Unreadable(
            f"could not be opened ({exc.strerror}) — close it in Excel or WPS and try again"
        ) from None


def csv_grid(path: Path) -> tuple[np.ndarray, str]:
    """Every cell of a CSV file as text ("" when blank), row 0 being spreadsheet row 1; and the
    encoding it was in."""
    text, encoding = decode(read_bytes(path))
    if not _INK.search(text):
        return np.empty((0, 0), dtype=object), encoding
    first = text.lstrip(_BLANKS).split("\n", 1)[0]
    sep = "\t" if "\t" in first and "," not in first else ","  # Excel's "Unicode Text" is tab-separated
    # The parser reads UTF-8 bytes: a StringIO of the text would hold 4 bytes a character.
    data = BytesIO(text.encode("utf-8"))
    del text
    try:
        frame = pd.read_csv(
            data,
            sep=sep,
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            encoding="utf-8",
        )
    except Exception as exc:  # the parser's own words, located when it says where
        raise Unreadable(*_parser_message(str(exc))) from None
    del data
    grid = frame.to_numpy(dtype=object, copy=True)  # writable: pandas may hand out a read-only view
    del frame
    grid[pd.isna(grid)] = ""  # the missing cells of a short row
    return grid, encoding


def _parser_message(text: str) -> tuple[str, int | None]:
    if found := re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text):
        fix = "delete the extra cells, or put quotes around values that hold commas"
        return f"has {found[3]} cells but the header has {found[1]} — {fix}", int(found[2])
    if found := re.search(r"EOF inside string starting at row (\d+)", text):
        return 'has a quote mark (") that is never closed — close or delete it', int(found[1]) + 1
    return f"could not be read as CSV ({short(text.strip(), 200)}) — {SAVE_AS}", None


# ---------------------------------------------------------------- xlsx workbooks


def workbook_grids(path: Path) -> dict[str, np.ndarray]:
    """Every sheet of an .xlsx workbook as text cells, row 0 being spreadsheet row 1."""
    data = read_bytes(path)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise Unreadable(
            'is an old-style .xls workbook or has a password — open it and "Save as" an Excel '
            "Workbook (.xlsx) without a password"
        )
    if not data.startswith(b"PK\x03\x04"):
        raise Unreadable("is not an Excel .xlsx workbook — open it in Excel or WPS and save it as .xlsx")
    try:
        sheets = pd.read_excel(
            path, sheet_name=None, header=None, dtype=object, keep_default_na=False, engine="openpyxl"
        )
    except Exception as exc:  # zipfile, XML and openpyxl errors all mean a broken workbook
        reason = "it is damaged" if isinstance(exc, zipfile.BadZipFile | KeyError) else short(exc, 120)
        raise Unreadable(
            f"could not be read as an Excel workbook ({reason}) — open it in Excel or WPS and save again"
        ) from None
    return {str(name): sheet.map(excel_text).to_numpy(dtype=object) for name, sheet in sheets.items()}


_EXCEL_DAY_ZERO = dt.datetime(1899, 12, 31)  # openpyxl's date for serial 0 (serial 1.0 = 1900-01-01)


def excel_text(value: Any) -> str:
    """A cell as the text a CSV export would hold: 30 → "30", a time → "08:30", blank → ""."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.time):
        minutes = round((value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6) / 60)
        return f"{minutes // 60:02d}:{minutes % 60:02d}"
    if isinstance(value, dt.timedelta) or (isinstance(value, dt.datetime) and value.year <= 1900):
        span = value if isinstance(value, dt.timedelta) else value - _EXCEL_DAY_ZERO  # "24:00" is serial 1
        minutes = round(span.total_seconds() / 60)
        return f"{minutes // 60:02d}:{minutes % 60:02d}"
    return str(value).strip()


def find_sheets(names: Iterable[str]) -> tuple[dict[str, str], list[str], list[tuple[str, str]]]:
    """table → sheet name; the sheets kecheng ignores; pairs of sheets claiming one table."""
    return _match(names, lambda name: name)


def find_csv_files(folder: Path) -> tuple[dict[str, str], list[str], list[tuple[str, str]]]:
    """table → file name in the folder ("groups.csv", "兴趣小组.CSV"), like find_sheets."""
    names = sorted(p.name for p in folder.iterdir() if p.suffix.lower() == ".csv" and p.is_file())
    return _match(names, lambda name: name[: -len(".csv")])


def _match(names: Iterable[str], stem: Any) -> tuple[dict[str, str], list[str], list[tuple[str, str]]]:
    found: dict[str, str] = {}
    ignored, clashes = [], []
    for name in names:
        table = table_of(stem(name))
        if table is None:
            ignored.append(name)
        elif table in found:
            clashes.append((found[table], name))
        else:
            found[table] = name
    return found, ignored, clashes


# ---------------------------------------------------------------- grid → records


def grid_table(
    cells: np.ndarray,
    file: str,
    table: str | None,
    columns: list[str],
    required: list[str],
    problems: list[LocatedIssue],
    warnings: list[LocatedIssue],
) -> RawTable | None:
    """The records of a grid of text cells (row 0 is spreadsheet row 1): find the header,
    skipping title rows, map its names through the aliases (``table`` None: no aliases), and
    keep the known columns, trimmed. None, with the reasons in problems, if it is no table."""
    fail = lambda message, row=None: problems.append(whole_file(file, message, row))  # noqa: E731
    keys = _alias_keys(table, columns)
    inked = (cells != "").any(axis=1) if cells.size else np.zeros(len(cells), dtype=bool)
    if not inked.any():
        return fail(f"is empty — row 1 must be the header: {_named(columns, required)}")
    first = int(inked.argmax())
    candidates = [i for i in range(first, min(first + HEADER_SEARCH_ROWS, len(cells))) if inked[i]]
    known = [sum(column_of(str(cell), keys) is not None for cell in cells[i]) for i in candidates]
    at = candidates[known.index(max(known))] if max(known) else first  # the header's position
    if at > first:
        rows = f"row {first + 1} is" if at == first + 1 else f"rows {first + 1}–{at} are"
        msg = f"{rows} above the header (row {at + 1}) and skipped as a title"
        warnings.append(whole_file(file, msg, first + 1))
    header = [str(cell).strip(_BLANKS) for cell in cells[at]]
    where: dict[str, int] = {}
    written: dict[str, str] = {}
    clash = False
    for position, name in enumerate(header):
        column = column_of(name, keys)
        if column is None:
            if name:
                msg = "is not a column kecheng uses; ignored"
                warnings.append(LocatedIssue(file, at + 1, short(name, 40), None, msg))
        elif column in where:
            clash = True
            before = written[column]
            msg = (
                f'appears twice in the header — keep one column "{name}", rename or delete the other'
                if before == name
                else f'and column "{before}" both mean {column} — keep one of them'
            )
            problems.append(LocatedIssue(file, at + 1, column, None, msg, header=name))
        else:
            where[column], written[column] = position, name
    if missing := [c for c in required if c not in where]:
        found = ", ".join(f'"{short(n, 30)}"' for n in header[:12] if n) or "no names"
        found += ", …" if len(header) > 12 else ""
        aliases = header_aliases(table) if table else {}
        accepted = {c: [a for a, col in aliases.items() if col == c and a != c][:3] for c in missing}
        wanted = ", ".join(
            f'"{c}"' + (f" (or {'/'.join(accepted[c])})" if accepted[c] else "") for c in missing
        )
        must = _named(columns, required)
        fail(
            f"is missing the column(s) {wanted} — found {found}; the header must name: {must}",
            at + 1,
        )
    if missing or clash:
        return None
    if (count := int(inked[at + 1 :].sum())) > MAX_ROWS:
        return fail(
            f"has {count:,} rows, more than kecheng reads ({MAX_ROWS:,} per table) — is this the right file?"
        )
    names = list(where)
    cells_of = {name: [cell.strip(_BLANKS) for cell in cells[at + 1 :, where[name]]] for name in names}
    kept = [i for i, values in enumerate(zip(*cells_of.values(), strict=True)) if any(values)]
    if len(kept) < len(cells) - at - 1:  # blank rows are skipped, yet rows keep their numbers
        cells_of = {name: [column[i] for i in kept] for name, column in cells_of.items()}
    rows = array("I", (i + at + 2 for i in kept))
    raw = RawTable(file, cells_of, rows, {c: written[c] for c in names if written[c] != c})
    if table:
        clean_cells(raw, table, warnings)
    return raw


def _named(columns: list[str], required: list[str]) -> str:
    optional = [c for c in columns if c not in required]
    return ", ".join(required) + (f" (optional: {', '.join(optional)})" if optional else "")


def clean_cells(raw: RawTable, table: str, warnings: list[LocatedIssue]) -> None:
    """Make text cells say what staff meant: full-width digits and colons as ASCII ("０８：３０"),
    weekday names as numbers (周三 → 3), and ；、， between tags as ";" (one warning per column)."""
    fields = columns(TABLES[table])
    for name in (name for name, info in fields.items() if _is_number(info.annotation)):
        column = raw.cells.get(name, ())
        for index, value in enumerate(column):
            if isinstance(value, str) and not value.isascii():
                value = column[index] = unicodedata.normalize("NFKC", value).strip(_BLANKS)
                if name == "weekday" and value in WEEKDAY_NAMES:
                    column[index] = str(WEEKDAY_NAMES[value])
                elif name.endswith("weekdays"):  # a list of weekdays, e.g. preferred_weekdays "周一；周三"
                    days = (day.strip(_BLANKS) for day in TAG_SEPARATORS.split(value))
                    column[index] = ";".join(str(WEEKDAY_NAMES.get(day, day)) for day in days if day)
    for name in (name for name in fields if name in TAG_COLUMNS):
        column = raw.cells.get(name, ())
        odd: list[tuple[int, str]] = []
        for index, value in enumerate(column):
            if isinstance(value, str) and not (value.isascii() and "," not in value):
                parts = (
                    unicodedata.normalize("NFKC", tag).strip(_BLANKS) for tag in TAG_SEPARATORS.split(value)
                )
                column[index] = ";".join(tag for tag in parts if tag)
                if any(sep in value for sep in "；、，,"):
                    odd.append((index, value))
        if odd:
            index, value = odd[0]
            tags_read = ", ".join(f'"{tag}"' for tag in column[index].split(";"))
            more = f" (and {len(odd) - 1} more cells like it)" if len(odd) > 1 else ""
            msg = f'read as the tags {tags_read}; kecheng separates tags with ";"{more}'
            warnings.append(
                LocatedIssue(raw.file, raw.row(index), name, short(value), msg, raw.headers.get(name))
            )


def _is_number(annotation: Any) -> bool:
    """int, float, and those inside Optional[...] or Annotated[...]."""
    if annotation in (int, float):
        return True
    return any(_is_number(arg) for arg in typing.get_args(annotation) if arg is not type(None))
