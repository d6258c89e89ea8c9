"""Which table a file or sheet is, and which column a header names, in English or Chinese.

Staff export from their service app, Excel or WPS with Chinese headers and file names; the alias
tables below map those to kecheng's names. Matching ignores case, spaces, underscores, hyphens,
full/half width, and a unit in brackets after the name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kecheng.model import TABLES
from kecheng.validation import columns_of

TABLE_ALIASES: dict[str, tuple[str, ...]] = {
    "communities": ("社区", "社区表", "社区信息"),
    "venues": ("场地", "场地表", "场地信息"),
    "opening_hours": ("开放时间", "场地开放时间"),
    "teachers": ("老师", "教师", "师资", "老师表", "教师表"),
    "availability": ("老师时间", "教师时间", "老师空闲时间", "教师空闲时间", "空闲时间", "可用时间"),
    "groups": ("兴趣小组", "小组", "兴趣小组表"),
    "members": ("成员", "小组成员", "成员表"),
}
"""Besides its own name, the file names (without .csv) and sheet names a table may have. 居民
(residents) is ``kecheng plan``'s residents table, not the members of groups."""

PLAN_TABLE_ALIASES: dict[str, tuple[str, ...]] = {
    "interests": ("兴趣", "兴趣项目", "兴趣表", "兴趣项目表"),
    "residents": ("居民", "居民表", "居民信息"),
    "orders": ("点单", "订单", "点单表", "订单表", "居民点单"),
}
"""The same for the three tables ``kecheng plan`` reads beside the district's."""

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
    # residents' orders (kecheng plan)
    "兴趣编号": "interest_id", "兴趣项目编号": "interest_id", "兴趣ID": "interest_id",
    "最少人数": "min_size", "最低开班人数": "min_size", "开班人数": "min_size",
    "最多人数": "max_size", "人数上限": "max_size",
    "志愿": "rank", "顺位": "rank", "志愿顺序": "rank", "第几志愿": "rank",
    "同组": "with_", "同组居民": "with_", "结伴": "with_",
    "可参加时间": "available", "有空时间": "available", "空闲时间": "available",
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
        "社区": "community_id", "所属社区": "community_id", "可教兴趣": "interests", "能教兴趣": "interests",
        "兴趣": "interests", "最多新开小组": "max_groups", "最多新开": "max_groups", "可带新组": "max_groups",
    },
    "availability": {"老师": "teacher_id", "教师": "teacher_id"},
    "groups": {
        "兴趣小组": "name", "兴趣小组名称": "name", "小组名称": "name", "社区": "community_id",
        "所属社区": "community_id", "老师": "teacher_id", "教师": "teacher_id", "类型": "category",
    },
    "members": {"成员": "member_id", "居民": "member_id", "兴趣小组": "group_id", "小组": "group_id"},
    "interests": {"兴趣": "name", "兴趣项目": "name", "兴趣名称": "name", "项目名称": "name"},
    "residents": {
        "居民编号": "resident_id", "居民ID": "resident_id", "居民": "resident_id",
        "社区": "community_id", "所属社区": "community_id", "最多参加": "max_groups",
        "最多参加小组": "max_groups", "最多小组数": "max_groups", "可用时间": "available",
    },
    "orders": {
        "居民编号": "resident_id", "居民ID": "resident_id", "居民": "resident_id",
        "兴趣": "interest_id", "兴趣项目": "interest_id",
    },
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


def _key(header: str) -> str:
    """A header as compared: NFKC (full-width → half-width), case and separators ignored."""
    return re.sub(r"[\s_\-]+", "", unicodedata.normalize("NFKC", header)).casefold()


def header_aliases(table: str, row_type: type | None = None) -> dict[str, str]:
    """Every accepted header of a table → its column: the column names themselves, a field's own
    alias (orders.csv's ``with`` is the field ``with_``) and the aliases above."""
    fields = columns_of(row_type or TABLES[table])
    found = {name: name for name in fields}
    found |= {info.alias: name for name, info in fields.items() if info.alias}
    found |= {alias: column for alias, column in COLUMN_ALIASES.items() if column in fields}
    return found | TABLE_COLUMN_ALIASES.get(table, {})


def alias_keys(table: str | None, columns: Iterable[str], row_type: type | None = None) -> dict[str, str]:
    """Compared header → column, for one table (or, without a table, its own column names only)."""
    pairs = header_aliases(table, row_type).items() if table else ((c, c) for c in columns)
    return {_key(alias): column for alias, column in pairs}


def column_of(header: str, keys: dict[str, str]) -> str | None:
    """The column a header names, or None: exact first, then without a unit in brackets."""
    key = _key(header)
    if key in keys:
        return keys[key]
    return keys.get(re.sub(r"\([^()]*\)$", "", key)) if key.endswith(")") else None


def table_of(stem: str, names: dict[str, tuple[str, ...]] | None = None) -> str | None:
    """The table a file or sheet name stands for ("groups", "兴趣小组", " Groups ")."""
    key = _key(stem)
    for table, aliases in (names or TABLE_ALIASES).items():
        if key == _key(table) or key in map(_key, aliases):
            return table
    return None


Found = tuple[dict[str, str], list[str], list[tuple[str, str]]]
"""table → file or sheet; the names kecheng ignores; pairs of names claiming one table."""


def find_sheets(names: Iterable[str], tables: dict[str, tuple[str, ...]] | None = None) -> Found:
    """table → sheet name; the sheets kecheng ignores; pairs of sheets claiming one table."""
    return _match(names, lambda name: name, tables)


def find_csv_files(folder: Path, tables: dict[str, tuple[str, ...]] | None = None) -> Found:
    """table → file name in the folder ("groups.csv", "兴趣小组.CSV"), like find_sheets."""
    names = sorted(p.name for p in folder.iterdir() if p.suffix.lower() == ".csv" and p.is_file())
    return _match(names, lambda name: name[: -len(".csv")], tables)


def _match(names: Iterable[str], stem: Any, tables: dict[str, tuple[str, ...]] | None) -> Found:
    found: dict[str, str] = {}
    ignored, clashes = [], []
    for name in names:
        table = table_of(stem(name), tables)
        if table is None:
            ignored.append(name)
        elif table in found:
            clashes.append((found[table], name))
        else:
            found[table] = name
    return found, ignored, clashes
