"""The Chinese names a generated district is written in: streets, places, districts, people, ids.

Kept apart from the drawing so that the tables read as the data they are; nothing here
draws a random number.
"""

from __future__ import annotations

# fmt: off
STREETS = (
    "人和街道", "大竹林街道", "礼嘉街道", "金山街道", "天宫殿街道", "翠云街道", "康美街道", "鸳鸯街道",
    "悦来街道", "回兴街道", "双凤桥街道", "双龙湖街道", "龙山街道", "龙溪街道", "龙塔街道", "宝圣湖街道",
    "王家街道", "观音岩街道", "大坪街道", "化龙桥街道", "南坪街道", "弹子石街道", "铜元局街道", "杨家坪街道",
    "谢家湾街道", "石桥铺街道", "天星桥街道", "小龙坎街道", "磁器口街道", "井口街道", "歇马街道", "天生街道",
)
PLACES = (
    "星光", "天湖", "邢家桥", "高岭", "万紫山", "民心佳园", "康庄", "青枫", "星湖", "汇祥",
    "白云湖", "龙塘", "礼悦", "金渝", "湖彩", "栖霞", "恒山", "鹿山", "卫星", "云竹",
    "长塘", "水星", "美溪", "金州", "丹鹤", "天一", "金鹏", "海棠", "悦港", "金港",
    "柏林", "松牌", "黄茅坪", "长安", "兰馨", "翠湖", "枫林", "锦绣", "和睦", "紫薇",
    "翠屏", "云湖", "碧津", "新南", "华岩", "朝晖", "东湖", "锦霞", "瑞丰", "幸福",
    "书香", "桂花", "梨园", "龙湖", "嘉园", "明月", "北城", "江畔", "映山", "玉峰",
    "清溪", "晨曦", "文星", "银杏",
)
# fmt: on
COMPANIES = ("星云科技", "渝智软件", "两江云谷", "嘉陵智造", "山城数据", "长江汽配", "金渝电子", "巴渝设计")
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)
OLD_NAMES = ("秀英", "桂兰", "建国", "国华", "淑珍", "玉兰", "志强", "德明", "素芬", "永福", "文华", "凤英")
YOUNG_NAMES = ("子涵", "欣怡", "浩然", "雨萱", "梓轩", "思远", "佳琪", "一鸣", "语桐", "宇航", "诗琪", "俊杰")
ORDINALS = "一二三四五六七八九十"
DISTRICTS = (
    "两江新区", "渝北区", "江北区", "渝中区", "南岸区",
    "九龙坡区", "沙坪坝区", "大渡口区", "北碚区", "巴南区",
)  # fmt: skip


def district_of(street: str) -> str:
    """The district a generated street lies in ("" for single-district presets)."""
    return street.split("·")[0] if "·" in street else ""


def district_name(index: int) -> str:
    """The ``index``-th district's name; past the tenth, names repeat with a number: 两江新区（2）."""
    again, k = divmod(index, len(DISTRICTS))
    return DISTRICTS[k] + (f"（{again + 1}）" if again else "")


def ordinal(nth: int) -> str:
    """The suffix of the ``nth`` group or venue of one name: "" for the first, then （二）, （三） …"""
    return f"（{ORDINALS[(nth - 1) % 10]}）" if nth > 1 else ""


def ids(prefix: str, count: int, width: int) -> list[str]:
    """``count`` zero-padded ids (C001, V0001 …), wider when the count needs it."""
    width = max(width, len(str(count)))
    return [f"{prefix}{i:0{width}d}" for i in range(1, count + 1)]
