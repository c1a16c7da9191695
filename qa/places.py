"""Place names a question is about, to keep an answer in the place it asks about.

A news archive holds many stories that differ only in where they happen (the 相關焦點 items
of the seed article: the 廣東, 河北, 湖北 … free-trade zones). Asked about 河北, the
answerer must not quote the 廣東 story's date because it shares every other word. These are
the names that tell such stories apart: China's provinces, municipalities and special
regions, and cities often named on their own, each with the region it lies in. Names are folded (Simplified, see
``newsqa.script.fold``), so both scripts match.

Example::

    >>> sorted(places_in("河北自贸试验区是哪一天正式挂牌的？"))
    ['河北']
    >>> sorted(regions_in("上海浦东临港新片区"))
    ['上海']
"""

from __future__ import annotations

import re

# Each name with the province-level region it lies in (a region maps to itself), so that a
# passage about 浦东 still answers for 上海 and one about 宜昌 for 湖北.
REGION_OF: dict[str, str] = {
    **{name: name for name in (
        "北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江",
        "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州",
        "云南", "陕西", "甘肃", "青海", "台湾", "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港",
        "澳门",
    )},
    "浦东": "上海", "临港": "上海", "滨海新区": "天津", "雄安": "河北", "石家庄": "河北",
    "深圳": "广东", "广州": "广东", "珠海": "广东", "前海": "广东", "蛇口": "广东", "横琴": "广东",
    "南沙": "广东", "厦门": "福建", "福州": "福建", "宁波": "浙江", "杭州": "浙江", "温州": "浙江",
    "义乌": "浙江", "南京": "江苏", "苏州": "江苏", "无锡": "江苏", "青岛": "山东", "济南": "山东",
    "烟台": "山东", "大连": "辽宁", "沈阳": "辽宁", "长春": "吉林", "哈尔滨": "黑龙江",
    "武汉": "湖北", "宜昌": "湖北", "襄阳": "湖北", "长沙": "湖南", "岳阳": "湖南", "郑州": "河南",
    "洛阳": "河南", "开封": "河南", "成都": "四川", "西安": "陕西", "兰州": "甘肃", "西宁": "青海",
    "银川": "宁夏", "乌鲁木齐": "新疆", "拉萨": "西藏", "昆明": "云南", "贵阳": "贵州",
    "南宁": "广西", "海口": "海南", "三亚": "海南", "南昌": "江西", "合肥": "安徽", "太原": "山西",
    "呼和浩特": "内蒙古",
}
PLACES: tuple[str, ...] = tuple(REGION_OF)
_PLACE_RE = re.compile("|".join(sorted(PLACES, key=len, reverse=True)))


def places_in(folded: str) -> set[str]:
    """The names of ``PLACES`` in a folded text."""
    return set(_PLACE_RE.findall(folded))


def regions_in(folded: str) -> set[str]:
    """The province-level regions the places named in a folded text lie in."""
    return {REGION_OF[name] for name in places_in(folded)}
