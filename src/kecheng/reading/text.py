"""Bytes into a grid of text cells: CSV files in the encodings Excel and WPS write, or the sheets of
one .xlsx workbook.

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
import zipfile
from collections import Counter
from io import BytesIO
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kecheng.errors import Unreadable
from kecheng.i18n import N_, _

SAVE_AS = N_('in Excel or WPS use "Save as" → "CSV UTF-8 (comma delimited)"')
"""The fix for a CSV file that cannot be read (English id: shown as ``_(SAVE_AS)``)."""
MAX_FILE_BYTES = 256 * 2**20
"""A bigger file is refused before it is read (a district's largest table is a few MB)."""
BLANKS = "".join(c for c in map(chr, range(0x3001)) if c.isspace()) + "\u200b\u200c\u200d\u2060\ufeff"
"""What str.strip() strips, and the zero-width characters that web exports leave in cells."""
_INK = re.compile(f"[^{re.escape(BLANKS)}]")


def short(text: Any, limit: int = 60) -> str:
    """Text cut to ``limit`` characters for a message."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes Excel read a CSV cell as a formula; kecheng writes such a text cell with a leading
apostrophe (OWASP's advice against CSV injection) and reads the apostrophe off again."""


def unquote(text: str) -> str:
    """A cell as kecheng wrote it, without the apostrophe that kept a formula-like text a text."""
    return text[1:] if text.startswith("'") and text[1:2] in FORMULA_STARTS and text[1:2] else text


def decode(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was in; Unreadable if it is not text."""
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise Unreadable(
            _(
                "is an Excel workbook, not a CSV file — give kecheng the workbook itself (named .xlsx), "
                "or {save_as}"
            ).format(save_as=_(SAVE_AS))
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return _text_only(data.decode("utf-16")), "UTF-16"
        except UnicodeDecodeError:
            raise Unreadable(
                _("starts like UTF-16 text but is not — {save_as}").format(save_as=_(SAVE_AS))
            ) from None
    if b"\x00" in data:
        raise Unreadable(
            _("is not a text file (it holds binary data) — {save_as}").format(save_as=_(SAVE_AS))
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    else:
        return _text_only(text), N_("UTF-8 with BOM") if data.startswith(b"\xef\xbb\xbf") else "UTF-8"
    line = data.count(b"\n", 0, utf8_error.start) + 1
    if not data.startswith(b"\xef\xbb\xbf") and not _mostly_utf8(data):
        try:
            text = _text_only(data.decode("gb18030"), gbk=True)
        except (UnicodeDecodeError, Unreadable):
            text = None
        if text is not None and _mostly_common_chinese(text):
            return text, "GB18030"
        raise Unreadable(
            _("is neither UTF-8 nor GBK text (the first odd byte is on line {line}) — {save_as}").format(
                line=line, save_as=_(SAVE_AS)
            )
        )
    raise Unreadable(
        _(
            "is UTF-8 text, but line {line} holds bytes that are not (pasted from another program?) — "
            "retype that line, or {save_as}"
        ).format(line=line, save_as=_(SAVE_AS)),
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
        raise Unreadable(
            _("is not a text file (it holds control characters or binary data) — {save_as}").format(
                save_as=_(SAVE_AS)
            )
        )
    return text


# ---------------------------------------------------------------- CSV files


def read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise Unreadable(
                _("is {size} MB, more than kecheng reads ({limit} MB) — is this the right file?").format(
                    size=f"{size / 2**20:,.0f}", limit=f"{MAX_FILE_BYTES / 2**20:,.0f}"
                )
            )
        return path.read_bytes()
    except OSError as exc:
        raise Unreadable(
            _("could not be opened ({reason}) — close it in Excel or WPS and try again").format(
                reason=exc.strerror
            )
        ) from None


def csv_grid(path: Path) -> tuple[np.ndarray, str]:
    """Every cell of a CSV file as text ("" when blank), row 0 being spreadsheet row 1; and the
    encoding it was in."""
    text, encoding = decode(read_bytes(path))
    if not _INK.search(text):
        return np.empty((0, 0), dtype=object), encoding
    first = text.lstrip(BLANKS).split("\n", 1)[0]
    sep = "\t" if "\t" in first and "," not in first else ","  # Excel's "Unicode Text" is tab-separated
    if sep == "," and "," not in first and "，" in first:
        raise Unreadable(
            _(
                'separates its columns with the full-width comma "，" (typed with a Chinese keyboard); '
                'kecheng reads the ASCII comma "," — {save_as}, or replace every "，" between columns by ","'
            ).format(save_as=_(SAVE_AS)),
            1,
        )
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
        message = _(
            "has {cells} cells but the header has {header} — delete the extra cells, "
            "or put quotes around values that hold commas"
        )
        return message.format(cells=found[3], header=found[1]), int(found[2])
    if found := re.search(r"EOF inside string starting at row (\d+)", text):
        return _('has a quote mark (") that is never closed — close or delete it'), int(found[1]) + 1
    message = _("could not be read as CSV ({reason}) — {save_as}")
    return message.format(reason=short(text.strip(), 200), save_as=_(SAVE_AS)), None


# ---------------------------------------------------------------- xlsx workbooks


def workbook_grids(path: Path) -> dict[str, np.ndarray]:
    """Every sheet of an .xlsx workbook as text cells, row 0 being spreadsheet row 1."""
    data = read_bytes(path)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise Unreadable(
            _(
                'is an old-style .xls workbook or has a password — open it and "Save as" an Excel '
                "Workbook (.xlsx) without a password"
            )
        )
    if not data.startswith(b"PK\x03\x04"):
        raise Unreadable(_("is not an Excel .xlsx workbook — open it in Excel or WPS and save it as .xlsx"))
    try:
        sheets = pd.read_excel(
            path, sheet_name=None, header=None, dtype=object, keep_default_na=False, engine="openpyxl"
        )
    except Exception as exc:  # zipfile, XML and openpyxl errors all mean a broken workbook
        reason = _("it is damaged") if isinstance(exc, zipfile.BadZipFile | KeyError) else short(exc, 120)
        raise Unreadable(
            _(
                "could not be read as an Excel workbook ({reason}) — open it in Excel or WPS and save again"
            ).format(reason=reason)
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
