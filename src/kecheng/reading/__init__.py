"""Reading what staff hand over: a district's tables (folder of CSV files, .xlsx workbook, JSON),
residents' orders beside them, and timetables. ``text`` turns bytes into cells, ``aliases`` names
tables and columns (Chinese too), ``raw`` finds the header, ``load`` validates and locates every
problem, ``plan`` adds interests, residents and orders (imported from ``kecheng.reading.plan``:
it builds on ``kecheng.planning``, which this package's readers must not wait for), ``timetable``
reads a timetable.csv back."""

from kecheng.reading.aliases import (
    COLUMN_ALIASES,
    PLAN_TABLE_ALIASES,
    TABLE_ALIASES,
    TABLE_COLUMN_ALIASES,
    WEEKDAY_NAMES,
)
from kecheng.reading.load import (
    DISTRICT_TABLES,
    WORKBOOK_SUFFIXES,
    LoadReport,
    SourceInfo,
    TableSpec,
    TablesRead,
    load,
    load_report,
    read_tables,
    validate,
)
from kecheng.reading.text import SAVE_AS
from kecheng.reading.timetable import read_placements, read_timetable

__all__ = [
    "COLUMN_ALIASES",
    "DISTRICT_TABLES",
    "PLAN_TABLE_ALIASES",
    "SAVE_AS",
    "TABLE_ALIASES",
    "TABLE_COLUMN_ALIASES",
    "WEEKDAY_NAMES",
    "WORKBOOK_SUFFIXES",
    "LoadReport",
    "SourceInfo",
    "TableSpec",
    "TablesRead",
    "load",
    "load_report",
    "read_placements",
    "read_tables",
    "read_timetable",
    "validate",
]
