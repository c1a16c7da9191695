"""What kind of answer a question asks for, from its wording (both scripts): the one
question classifier. The answerer, span alignment and sentence scoring read
``detect_answer_type``; the eval's per-type breakdown reports its type; the reranker's
coarse ``question_kind`` sits here too, with the cue words its weights were fitted on.

The question is folded first (``newsqa.script.fold``: width-folded, Simplified, lower
case), so 「哪一年」 and 「哪一年」, 「幾月」 and 「几月」, 「什麼時候」 and 「什么时候」 are
the same cue. ``detect_answer_type`` returns the type and where the question word sits
in the folded question (the *gap* the answer fills); span extraction aligns the words
around the gap with the evidence sentence.

Types: ``date``, ``number``, ``quantity`` (a number with a unit), ``person``,
``place``, ``organisation``, ``list``, ``yesno``, ``other``.

``question_kind`` is coarser and reads cue words anywhere in the question (日期, 面积 …),
not its question word: ``date``, ``number`` or ``other``. It is what the reranker's
``type_ok`` feature was fitted with, so it keeps its own cues (on the shared question sets
it differs from ``detect_answer_type``'s date / number-or-quantity on about one question
in twenty).

Example::

    >>> detect_answer_type("上海自貿區是哪一天掛牌的？").type
    'date'
    >>> detect_answer_type("河北自贸区面积有多少平方公里？").type
    'quantity'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from newsqa.script import fold

ANSWER_TYPES: tuple[str, ...] = (
    "date", "number", "quantity", "person", "place", "organisation", "list", "yesno", "other"
)


def _alternation(words) -> str:
    return "|".join(sorted((re.escape(w) for w in set(words)), key=len, reverse=True))


# Nouns that say what a 哪(一)个 / 什么 / 何 question, or a trailing 「…为？」, asks for.
_TIME_NOUNS = (
    "年", "天", "日", "月", "号", "年代", "年份", "世纪", "时候", "时间", "时期", "时代", "阶段", "季节", "朝代",
    "日子", "日期", "时", "个月", "个年代", "个世纪", "个时期", "个朝代", "一年", "年间", "时节", "岁",
)
_PERSON_NOUNS = (
    "人", "人物", "位", "作者", "总统", "皇帝", "国王", "首相", "总理", "教宗", "教皇", "导演", "演员", "歌手",
    "学者", "科学家", "将军", "君主", "领导人", "领导者", "领袖", "主席", "画家", "作家", "诗人", "球员", "选手",
    "创始人", "创办人", "设计师", "建筑师", "哲学家", "国王", "皇后", "女王", "元首", "统治者", "首领",
    "校长", "市长", "州长", "总督", "总司令", "司令", "统帅", "大臣", "丞相", "宰相", "君王", "天皇", "法老",
    "发明者", "发现者", "创立者", "建立者", "作曲家", "音乐家", "数学家", "物理学家", "艺术家", "人士", "成员",
    "儿子", "女儿", "父亲", "母亲", "妻子", "丈夫", "兄弟", "后代", "继承人", "主角", "角色", "明星", "冠军",
    "老师", "学生", "弟子", "门徒", "祖先", "使徒", "先知", "圣人", "思想家", "政治家", "外交官", "主教",
    "编剧", "制作人", "作词", "作曲", "主持人", "主演", "候选人", "继任者", "前任",
)
_PLACE_NOUNS = (
    "国家", "城市", "地区", "地方", "省份", "省", "州", "县", "市", "镇", "村", "岛", "岛屿", "洲", "国", "区域",
    "地点", "位置", "港口", "港", "河", "河流", "山", "山脉", "湖", "海", "大陆", "半岛", "城", "首都", "都市",
    "区", "街", "路", "处", "地", "国度", "海域", "流域", "平原", "盆地", "沙漠", "机场", "车站", "高地", "高原",
    "海峡", "海湾", "边境", "郡", "邦", "地域", "城镇", "乡", "首府", "省会", "区块", "大洲", "地带", "行政区",
    "殖民地", "领土", "战场", "海岸", "江", "水域", "岛国", "宫殿", "寺庙", "建筑", "公园", "场馆", "体育场",
)
_ORG_NOUNS = (
    "组织", "公司", "机构", "单位", "团体", "政党", "党", "企业", "集团", "大学", "学校", "学院", "银行", "协会",
    "委员会", "部门", "机关", "报纸", "报社", "电视台", "媒体", "球队", "队", "俱乐部", "政府", "军队", "部队",
    "厂商", "厂", "家", "出版社", "王朝", "政权", "联盟", "乐团", "教会", "军", "团队", "品牌", "会社", "法院",
    "议会", "国会", "内阁", "派", "党派", "派别", "学派", "教派", "宗派", "帮派", "部落", "族", "民族", "族群",
    "媒体", "杂志", "期刊", "电台", "频道", "网站", "基金会", "研究所", "实验室", "医院", "航空公司", "制造商",
    "商", "联合会", "理事会", "法庭", "国际组织", "帝国", "王国", "部", "署", "局", "厅", "院", "会",
)
# Units that make a number a quantity (the question names it: 多少公里, 几个人 …).
UNITS = (
    "平方公里", "平方千米", "平方米", "平方英里", "公里", "千米", "公尺", "米", "厘米", "公分", "毫米", "英里",
    "英尺", "海里", "公顷", "亩", "吨", "公吨", "公斤", "千克", "克", "磅", "升", "公升", "毫升", "度", "摄氏度",
    "°c", "%", "倍", "元", "美元", "欧元", "英镑", "日元", "港元", "港币", "新台币", "台币", "人民币", "卢布",
    "亿", "万", "千", "百", "人", "名", "位", "个", "家", "座", "所", "种", "次", "场", "部", "本", "条", "项",
    "件", "艘", "架", "辆", "台", "层", "届", "份", "岁", "年", "个月", "天", "日", "周", "星期", "小时",
    "分钟", "秒", "世纪", "票", "席", "枚", "首", "集", "卷", "章", "页", "颗", "只", "头", "匹", "株", "棵",
    "户", "口", "瓦", "千瓦", "兆瓦", "伏", "赫兹", "马力", "节", "码", "英亩", "分", "点", "成", "块", "间",
    "座", "支", "门", "球", "局", "轮", "代", "届", "任", "季", "段", "组", "对", "双", "批", "类", "片",
)

_YESNO = r"是不是|是否|有没有|有无|能不能|可不可以|会不会|要不要|对不对|可否|能否|与否|可以吗|是吗"
# The question words (the gap), longest alternatives first.
_WH_RE = re.compile(
    r"(?P<wh>哪一?(?:个|些|几)?|那一个|什么|甚么|啥|多少|几(?!乎|内亚)|谁|何(?=[时地处人年种者方日月物事])|何(?=$|[?？，,]))"
)
_WHY_HOW = re.compile(r"为什么|为何|如何|怎么样?|怎样|怎么|何以|原因|目的|为了什么")
_MEASURE = re.compile(r"多(?:大|长|高|远|久|重|深|宽|厚|快|老|少)(?!数)")
# 「名为什么」「称为什么」: 为 + 什么 ("named what"), not 为什么 ("why").
_WEI_SHENME = re.compile(r"(?:名|称|成|作|改|设置|设|定|视|列|选|译|封|命名|称之|被|立|升|任|分|变)为什么")
# A question without a question word asks for what follows a trailing 「…为？」「…是？」.
_TRAILING = re.compile(r"(?:为|是|叫|叫做|称为|名为|有|在|于|指|即|乃|就是|包括)\s*[?？:：]?\s*$")
_STRIP_END = re.compile(r"[\s?？!！。.…]+$")


@dataclass(frozen=True, slots=True)
class QuestionType:
    """The expected answer type and the gap: ``folded[gap_start:gap_end]`` is the question word.

    ``noun`` is what the question word is about (年, 国家, 公司 …) when it says so.
    """

    type: str
    folded: str
    gap_start: int
    gap_end: int
    noun: str = ""
    unit: str | None = None  # for quantity questions: the unit the question names (公里, 人 …)

    @property
    def left(self) -> str:
        """The question before the gap (folded)."""
        return self.folded[: self.gap_start]

    @property
    def right(self) -> str:
        """The question after the gap (folded, without the final question mark)."""
        return _STRIP_END.sub("", self.folded[self.gap_end :])


# Words that open with a time noun but are not times: 「什么天气」 asks for weather, 「哪个日本漫画家」 a person.
_NOT_TIME_WORDS = (
    "天气", "天然", "天空", "天文", "天才", "天价", "天下", "天使", "日本", "日报", "日元", "日用", "日记",
    "月球", "月饼", "月亮", "年级", "年货", "时装", "时尚", "时政", "时事", "号码",
)
_TIME_RE = re.compile(rf"^(?!(?:一)?(?:{_alternation(_NOT_TIME_WORDS)}))(?:一)?(?:{_alternation(_TIME_NOUNS)})")
_PERSON_RE = re.compile(rf"^(?:一)?(?:个|名|位)?(?:{_alternation(_PERSON_NOUNS)})")
_PLACE_RE = re.compile(rf"^(?:一)?(?:个|座|条|片|处)?(?:{_alternation(_PLACE_NOUNS)})")
_ORG_RE = re.compile(rf"^(?:一)?(?:个|家|所|支)?(?:{_alternation(_ORG_NOUNS)})")
_UNIT_RE = re.compile(rf"^(?:{_alternation(UNITS)})")
_NOUN_BEFORE_RE = {  # the noun right before a trailing 「为？」/「是？」
    "date": re.compile(rf"(?:{_alternation(t for t in _TIME_NOUNS if len(t) > 1)})(?:是|为|在|于)?$"),
    "person": re.compile(rf"(?:{_alternation(p for p in _PERSON_NOUNS if len(p) > 1 or p == '人')})(?:是|为)?$"),
    "place": re.compile(rf"(?:{_alternation(p for p in _PLACE_NOUNS if len(p) > 1)})(?:是|为|在|于)?$"),
    "organisation": re.compile(rf"(?:{_alternation(o for o in _ORG_NOUNS if len(o) > 1)})(?:是|为)?$"),
}


def _classify_noun(after: str) -> tuple[str, str]:
    """The answer type a question word's following noun implies, and the noun."""
    for name, pattern in (("date", _TIME_RE), ("person", _PERSON_RE), ("place", _PLACE_RE), ("organisation", _ORG_RE)):
        m = pattern.match(after)
        if m:
            return name, m.group()
    return "other", ""


def _wh_type(folded: str, m: re.Match) -> tuple[str, str, int, str | None]:
    """(type, noun, gap end, unit) for the question word matched by ``m``."""
    wh, end = m.group(), m.end()
    after = folded[end : end + 8]
    if wh == "谁":
        return "person", "", end, None
    if wh in ("多少", "几"):
        if wh == "几" and re.match(r"个?(?:月|日|号|点钟|点|时)", after):
            unit = re.match(r"个?(?:月|日|号|点钟|点|时)", after).group()
            return ("quantity" if unit.startswith("个") else "date"), unit, end + len(unit), None
        if after.startswith("年") and (
            re.search(r"(?:西元|公元|民国|于|在|是|从|自|至|到|昭和|明治|光绪|乾隆|康熙|大正|平成|纪元)\s*$", folded[: m.start()])
            or re.match(r"年(?:时|的时候|开始|成立|出生|去世|过世|建立|创立|发生|举行|举办|完成|通过|停止|结束|首次)", after)
        ):
            return "date", "年", end + 1, None
        if re.match(r"(?:个|名)?(?:人)?(?:比例|百分比)", after) or folded[max(0, m.start() - 3) : m.start()].endswith("百分之"):
            return "number", "", end, None
        u = _UNIT_RE.match(after)
        if u and not (m.start() > 0 and folded[m.start() - 1] == "第"):  # 第几名 is a rank
            return "quantity", u.group(), end, u.group()
        return "number", "", end, None
    if wh in ("哪些", "哪几"):
        return "list", "", end, None
    # 哪 / 哪一 / 哪个 / 什么 / 何 / 啥
    if wh == "何":
        nxt = after[:1]
        name = {"时": "date", "年": "date", "日": "date", "月": "date", "地": "place", "处": "place", "方": "place",
                "人": "person", "者": "person"}.get(nxt, "other")
        if name == "other":
            name, noun = _classify_noun(after)
            return name, noun, end, None
        return name, nxt, end + 1, None
    name, noun = _classify_noun(after)
    asked_of = _TIME_ASKED_OF.search(folded[: m.start()])
    if wh in ("什么", "甚么", "啥") and name == "other" and asked_of:  # 「揭幕日期是什么」
        return "date", asked_of.group(1), end, None
    if wh.startswith("哪") and not noun:
        if after.startswith(("里", "儿")):
            return "place", "", end + 1, None
        if after.startswith("国"):
            return "place", "国", end + 1, None
        if after.startswith(("位", "名")):
            return "person", after[0], end + 1, None
        if after.startswith(("家",)):
            return "organisation", "家", end + 1, None
    return name, noun, end, None


# 「…的日期是什么」「时间为何」: the gap stands for a time named before it.
_TIME_ASKED_OF = re.compile(r"(日期|时间|日子|年份)(?:是|为)$")

# 「有哪些」「哪几」「分别是」「包括哪」: the question asks for several things (the match is where it asks).
_LIST_RE = re.compile(r"有哪(?:些|几)|哪些|哪几|分别(?:是|为|有)|包括哪")


def detect_answer_type(question: str) -> QuestionType:
    """The answer type of ``question`` (either script) and where its question word sits."""
    folded = fold(question).strip()
    body = _STRIP_END.sub("", folded)

    # Yes/no: an A-not-A or 是否 form, or a final 吗 without any question word.
    wh_matches = list(_WH_RE.finditer(body))
    yn = re.search(_YESNO, body)
    if yn and not wh_matches:
        return QuestionType("yesno", folded, yn.start(), yn.end())
    if not wh_matches and re.search(r"[吗么]$", body):
        return QuestionType("yesno", folded, len(body) - 1, len(body))

    # 「为什么」 is "why" unless it reads 「名为 / 称为 + 什么」 ("named what").
    why = None
    for w in re.finditer(r"为什么", body):
        if not _WEI_SHENME.search(body[: w.end()]):
            why = w
    if why is not None:
        return QuestionType("other", folded, why.start(), why.end())

    listing = _LIST_RE.search(body)
    if listing and not re.search(r"还有哪一?个|和哪一?个|还有一个", body):
        where = re.search(r"哪些|哪几|有哪|分别", body) or listing  # 「包括哪一位」 has only the latter
        return QuestionType("list", folded, where.start(), where.end())

    measure = _MEASURE.search(body)
    if wh_matches:
        m = wh_matches[0]
        if measure and measure.start() < m.start():
            return QuestionType("quantity", folded, measure.start(), measure.end())
        qtype, noun, gap_end, unit = _wh_type(body, m)
        return QuestionType(qtype, folded, m.start(), gap_end, noun, unit)
    if measure:
        return QuestionType("quantity", folded, measure.start(), measure.end())

    # No question word: 「…的领导人为？」 asks for what follows; the noun before says what kind.
    gap = len(body)
    trailing = _TRAILING.search(body)
    head = body[: trailing.start()] if trailing else body
    for name, pattern in _NOUN_BEFORE_RE.items():
        found = pattern.search(head)
        if found:
            return QuestionType(name, folded, gap, gap, found.group())
    if _WHY_HOW.search(body):
        w = _WHY_HOW.search(body)
        return QuestionType("other", folded, w.start(), w.end())
    return QuestionType("other", folded, gap, gap)


# The reranker's cue words (folded): a question holding one asks for a date / a number.
_DATE_CUES = re.compile(r"哪一?天|哪一?年|何时|什么时候|几月|几日|几号|日期|哪个月|何年|何日|哪个朝代|年份|年代|几年")
_NUMBER_CUES = re.compile(r"多少|几|多大|多长|多高|多远|多久|多重|多深|比例|面积|数量|人数|比重|百分|第几")


def question_kind(folded_question: str) -> str:
    """``"date"``, ``"number"`` or ``"other"``: what the (folded) question asks for, by its
    cue words (the reranker's ``type_ok`` feature)."""
    if _DATE_CUES.search(folded_question):
        return "date"
    if _NUMBER_CUES.search(folded_question):
        return "number"
    return "other"
