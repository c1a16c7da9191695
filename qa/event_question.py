"""Reading a question about several events: what it asks of them and which events it names.

「康达访问越南和红魔9 Pro系列手机发布，哪个事件更早发生？」 asks an ``order``;
「英国脱欧协议生效和武汉解除离汉离鄂通道管控是在同一个月吗？」 a ``same``-period judgement;
「A和B相隔多少天？」 an ``interval``; 「A和B分别是什么时候？」 their ``dates``. ``EventQuestion.read``
finds the kind and splits the question into the events it names (「A、B和C」, 「A与B」,
「以下事件中…？A，B，C。」), with the other readings of an ambiguous list; ``newsqa.qa.events``
dates the events and answers.

Example::

    asked = EventQuestion.read("康达访问越南和红魔9 Pro系列手机发布哪个事件更早发生？")
    asked.kind, asked.events, asked.direction    # ('order', ('康达访问越南', '红魔9 Pro系列手机发布'), 'earliest')
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

from newsqa.chinese import JOINING_AND
from newsqa.script import fold
from newsqa.timex import Grain, find_times, show_date

Kind = Literal["order", "same", "interval", "dates", "before", "within"]

MAX_EVENTS = 5
MIN_EVENT_CHARS = 2
_ANY_DAY = dt.date(2000, 6, 15)

# What asks for an order, a same-period judgement or an interval (on the folded question).
_ORDER_WORDS = r"更早|最早|较早|比较早|在先|先发生|先举行|率先发生|更晚|最晚|较晚|比较晚|后发生|在后|更近|最近发生"
_ORDER = re.compile(
    rf"(?:哪|谁|何者)[^，,？?。]{{0,12}}?(?P<word>{_ORDER_WORDS})"
    rf"|(?P<word2>{_ORDER_WORDS})(?:发生|举行|出现|发布|宣布|开始|进行)?(?:的|一个|一件)?(?:事件|事情|活动)?(?:是|为)(?:哪|谁)"
    r"|(?P<seq>先后顺序|时间顺序|谁先谁后|哪个先哪个后)"
    r"|(?:谁|哪个|哪一个|哪件事?|哪一件)(?P<first>先)(?:发生|举行|开始|登陆|上市|发布|出现|到达|抵达|完成)?[？?]?$"  # 「A和B谁先？」
)
_SAME = re.compile(
    r"(?:是|都是|均是|都|均)?(?:否)?(?:在|发生在|发生于|于)?同一(?:个)?(?P<grain>年|年份|月|月份|天|日|周|星期)"
    r"|同(?P<grain2>年同月|月同日|年同日)"  # 「是同年同月发生的吗」
)
_INTERVAL = re.compile(
    r"(?:相隔|相差|间隔|隔了|相距|差了|之间(?:隔|差|相差|相隔)?)[^，,？?。]{0,6}?"
    r"(?P<unit>多少天|几天|多久|多长时间|多少年|几年|多少个月|几个月|多少周|几周|多少时间)"
    r"|比[^，,？?。]{1,40}?(?:早|晚)了?(?P<unit2>多少天|几天|多久|多少年|几年|多少个月|几个月)"
)
_DATES = re.compile(
    r"(?:分别|各自)(?:是|在|发生在|发生于|于)?(?:什么时候|何时|哪一天|哪天|什么日期|什么时间|哪一年|哪年|几月几日|几号)"
    r"|(?:的时间|的日期|的时候)分别是"
)
# 「A是否在B之前？」「A是在B之后吗？」「A比B早吗？」「A是否早于B？」: a judgement on two events' order.
_ASK_END = r"(?:发生|举行|进行|发布|出现|开始)?(?:的)?(?:吗|呢|么)?\s*[？?]?\s*$"
_BEFORE = (
    re.compile(rf"^(?P<a>.+?)(?:是否|是不是)?(?:是)?(?:在|于)(?P<b>.+?)(?:之|以)(?P<rel>前|后)(?:发生|举行|进行|发布|出现|开始)?{_ASK_END}"),
    re.compile(rf"^(?P<a>.+?)(?:是否|是不是)?比(?![赛例较如利特])(?P<b>.+?)(?:更|要)?(?P<rel>早|晚)(?:发生)?{_ASK_END}"),
    re.compile(rf"^(?P<a>.+?)(?:是否|是不是)?(?:发生)?(?P<rel>早于|晚于|先于|后于)(?P<b>.+?){_ASK_END}"),
)
# 「A和B都是2019年发生的吗？」「A和B是否都在2024年3月发生？」: a judgement on the period of each.
_YES_NO = re.compile(r"是否|是不是|[吗呢么]\s*[？?]?\s*$")  # a judgement is asked, not 「哪个更早」
_ASKS_A_WORD = re.compile(r"哪|什么|何时|何地|谁|多久|几|还是")  # 「在哪一场战争之后？」 asks a thing
_WITHIN = re.compile(
    r"(?:是否|是不是)?(?:都|均|全)(?:是|在|于|发生在|发生于)?(?:在|于)?(?P<period>[^，,？?。]{2,16}?)"
    rf"(?:内|期间|之内)?{_ASK_END}"
)
_SUPERLATIVE = re.compile(r"最早|最晚|最先|最后发生|最近发生|(?:三|四|五)(?:个|件|项)")
_COMPARATIVE = re.compile(r"更早|更晚|较早|较晚|两(?:个|件|项)")
_LATER_WORDS = ("晚", "后", "近")

# Where the list of events ends: the question clause that follows it.
_LIST_END = re.compile(
    r"[，,]?\s*(?:(?:这|以上|上述|这些)?(?:两|三|四|五|几)?(?:个|件|者|项)?(?:事件|事情|新闻|活动|会议|报告|消息)?(?:中|当中|之中)[，,]?\s*"
    r"|(?:这|以上|上述|这些)(?:两|三|四|五|几)?(?:个|件|者|项)?(?:事件|事情|新闻|活动|会议|报告|消息)?[，,]?\s*)?"
    r"(?:最早|最晚|更早|更晚|哪|谁|何者|是否|是不是|(?:是|都是)?(?:在|发生在|发生于)?(?:\d{4}年)?同一|(?:是|都是)?同年同|同月同|都是|均是|都在|发生在同一|发生于同一|是不是|相隔|相差|间隔|相距|之间|先后|分别|各自|的时间分别|的日期分别|的先后|的时间顺序|按时间)"
)
_LIST_HEAD = re.compile(
    r"(?:请问|请比较|比较|关于|对于)?(?:在)?(?:(?:以下|下列|如下)(?:几个|三个|两个)?(?:事件|事情)?(?:中|当中|里)?[，,：:]?)?"
    r"(?:(?:\d{4}年)?(?:这|那)(?:几|两|三|四|五)?(?:个|件|项)?(?:事件|事情)(?:中|当中|里)[，,：:]?)?"  # 「在2020年这几个事件中，」
    r"(?:\d{4}年(?:发生|举行)?的?(?:以下|下列|这些|几个)?(?:事件|事情)(?:中|当中|里)[，,：:]?)?"  # 「2024年发生的事件中，」
)
_TOP_SPLIT = re.compile(r"[、，,；;。]|(?<=\s)\d{1,2}[.．、)）]\s*")  # 「：1. A 2. B 3. C」
_CLAUSE_SPLIT = re.compile(r"[，,；;。]")
_LEAD = re.compile(r"(?:\d{1,2}[、.．)）]\s*|相较于|相较|相比|对比|比起|以及|还有|和|与|及|跟|或者|还是|或|在|是|由|当|于)+")
_CONJ = (re.compile(rf"以及|{JOINING_AND}|还是|或者"), re.compile(r"与|及|跟"))
_YEAR_NEXT = re.compile(r"\s*\d{4}年")  # 「…、2023年A与2024年B」: 与 before a year joins two events
_COUNT = re.compile(r"(两|二|三|四|五)(?:个|件|项)(?:事件|事情|新闻|活动|会议|报告|消息)")
_COUNTS = {"两": 2, "二": 2, "三": 3, "四": 4, "五": 5}
_ONLY_TIME = re.compile(
    r"^(?:在|于)?(?:[\d一二三四五六七八九十零〇]*(?:年|年代)?|今年|去年|前年|明年|当年|同年)(?:\d+月)?(?:\d+日)?(?:上半年|下半年|初|底|中)?$"
    r"|^(?:这|那)?(?:几|两|二|三|四|五)?(?:个|件|项)?(?:事件|事情|事)$"  # 「…，这三件事哪个最早」
)
_TAIL = re.compile(
    r"(?:相比较|相比|比较|的日期|的时间|这一事件|这个事件|这两件事|的事件中|事件中|这件事|一事|的|时"
    r"|(?:这)?(?:两|二|三|四|五|几)(?:个|件|项)(?:事件|事情|事))+$"
)
NAME_CHARS = 3  # a listed part this short is a name (德国), not an event
_QUOTES = {"“": "”", "‘": "’", "「": "」", "『": "』", '"': '"', "'": "'", "《": "》", "（": "）", "(": ")"}
_STRIP = " 　\t。.！!：:？?"
_LIST_COLON = re.compile(r"：|(?<![a-z0-9]):|:(?![a-z0-9])")  # not the colon of 「Run:AI」


@dataclass(frozen=True, slots=True)
class EventQuestion:
    """A question about several events: its ``kind``, the ``events`` as written in the
    question, the ``direction`` an order question asks for (``earliest``/``latest``) and
    the ``grain`` a same-period judgement or an interval is asked at."""

    question: str
    kind: Kind
    events: tuple[str, ...]
    direction: Literal["earliest", "latest"] = "earliest"
    grain: Grain = "day"
    alternatives: tuple[tuple[str, ...], ...] = ()  # other readings of an ambiguous list (「A和B和C」)
    scope: str = ""  # the year a head before the list puts every event in (「在2023年，A和B…」): "2023年"
    period: str = ""  # the period a ``within`` judgement asks about, as written (「2019年」)
    respective: tuple[str, ...] = ()  # 「2024年2月和3月，A和B分别…」: each event's own period, in full

    @property
    def superlative(self) -> bool:
        """「…哪个最早」: the question compares three or more events."""
        return self.kind == "order" and bool(_SUPERLATIVE.search(fold(self.question)))

    @property
    def comparative(self) -> bool:
        """「…哪个更早」: the question compares two events."""
        return self.kind == "order" and not self.superlative and bool(_COMPARATIVE.search(fold(self.question)))

    @classmethod
    def read(cls, question: str) -> EventQuestion | None:
        """The question's events and what it asks of them; ``None`` when it is not about
        two or more events' dates."""
        folded = fold(question)
        if len(folded) != len(question):  # offsets must line up to quote the question's own words
            folded = question
        two = _read_before(question, folded)
        if two is not None:
            return two
        within = _WITHIN.search(folded) if _asks_yes_or_no(folded) else None
        if within is not None and _is_period(within.group("period")):
            spans = [r for r in _event_spans(folded[: within.start()] + "是否") if 2 <= len(r) <= MAX_EVENTS]
            if spans:
                readings = [tuple(question[a:b] for a, b in r) for r in spans]
                period = question[within.start("period") : within.end("period")]
                return cls(question, "within", readings[0], alternatives=tuple(readings[1:]), period=period)
        found = _kind(folded)
        if found is None:
            return None
        kind, direction, grain = found
        spans = [r for r in _event_spans(folded) if 2 <= len(r) <= MAX_EVENTS]
        if not spans:
            return None
        readings = [tuple(question[a:b] for a, b in r) for r in spans]
        head = folded[: spans[0][0][0]]
        respective = _respective(head, len(readings[0])) if "分别" in folded or "各自" in folded else ()
        scope = "" if respective else _scope(head)
        return cls(question, kind, readings[0], direction, grain, tuple(readings[1:]), scope, respective=respective)


def _read_before(question: str, folded: str) -> EventQuestion | None:
    """「A是否在B之前？」 and its kin: a ``before`` judgement on A and B (``direction``
    ``latest`` when it asks 之后/晚于); None when B is a time, not an event (「…在2020年之前…」)."""
    if not _asks_yes_or_no(folded):
        return None
    for pattern in _BEFORE:
        m = pattern.match(folded)
        if m is None:
            continue
        spans = [_trim(folded, *m.span("a")), _trim(folded, *m.span("b"))]
        if any(b - a < MIN_EVENT_CHARS for a, b in spans) or _is_period(folded[slice(*spans[1])]):
            return None
        events = tuple(question[a:b] for a, b in spans)
        direction = "latest" if m.group("rel") in ("后", "晚", "晚于", "后于") else "earliest"
        return EventQuestion(question, "before", events, direction)
    return None


def _asks_yes_or_no(folded: str) -> bool:
    """A judgement is asked (是否, 吗), and no thing (「在哪一场战争之后？」)."""
    return bool(_YES_NO.search(folded)) and not _ASKS_A_WORD.search(folded)


def _is_period(text: str) -> bool:
    """Whether ``text`` is a time expression and nothing else (「2019年」, 「2024年3月」, 「去年」)."""
    times = find_times(text, _ANY_DAY)  # a reference only to read relative ones (去年) at all
    covered = sum(len(t.text) for t in times)
    return bool(times) and covered >= len(re.sub(r"[\s的]", "", text)) - 1


def _head_periods(head: str) -> list:
    return [t for t in find_times(head) if not t.relative and t.grain in ("year", "month") and t.start.year == t.end.year]


def _scope(head: str) -> str:
    """The one year or month a question's head before its list of events states (「在2023年，」,
    「2024年发生的事件中，」, 「2024年5月，」), as written; "" when it states none or several, or a
    relative one."""
    periods = _head_periods(head)
    return periods[0].text if len(periods) == 1 else ""


def _respective(head: str, count: int) -> tuple[str, ...]:
    """「2024年2月和3月，阿巴斯和理想汽车分别…」: the head's periods, one per event in order and
    each in full (「2024年3月」), when it states as many as there are events; else ()."""
    periods = _head_periods(head)
    return tuple(show_date(t) for t in periods) if len(periods) == count >= 2 else ()


def _kind(folded: str) -> tuple[Kind, str, Grain] | None:
    same = _SAME.search(folded)
    if same:
        grain = same.group("grain") or same.group("grain2")[2:]  # 同年同月: the month
        if grain.startswith("年") and re.match(r"的?\d{1,2}月", folded[same.end() :]):
            grain = "月"  # 「是否在同一年8月？」: the month is judged
        return "same", "earliest", "year" if grain.startswith("年") else "month" if grain.startswith("月") else "day"
    interval = _INTERVAL.search(folded)
    if interval:
        unit = interval.group("unit") or interval.group("unit2")
        return "interval", "earliest", "year" if "年" in unit else "month" if "月" in unit else "day"
    if _DATES.search(folded):
        return "dates", "earliest", "day"
    order = _ORDER.search(folded)
    if order:
        word = order.group("word") or order.group("word2") or ""
        return "order", "latest" if any(w in word for w in _LATER_WORDS) else "earliest", "day"
    return None


def _event_spans(folded: str) -> list[list[tuple[int, int]]]:
    """Where the events stand in the question: the list before the question clause, or
    the list after it (「以下事件中，哪个最早发生？A，B，C。」); one reading per place the
    last part may be split at (the likeliest first)."""
    ask = folded.find("？") if "？" in folded else folded.find("?")
    tail = folded[ask + 1 :] if ask >= 0 else ""
    colons = [m.start() for m in _LIST_COLON.finditer(folded)]
    colon = colons[0] if colons else -1
    if ask >= 0 and len(tail.strip(" 。.！!")) >= 2 * MIN_EVENT_CHARS:
        start, end = ask + 1, len(folded)
    elif colon >= 0 and len(folded[colon + 1 :].strip(" 。.！!？?")) >= 2 * MIN_EVENT_CHARS:
        start, end = colon + 1, len(folded)  # 「以下事件中，哪个最早发生：A、B、C？」
        clause = _LIST_END.search(folded, start)
        if clause is not None and clause.start() > start:  # 「以下四个事件：A、B、C，哪一个最早？」
            end = clause.start()
    else:
        clause = _LIST_END.search(folded)
        if clause is None or clause.start() == 0:
            return []
        start, end = 0, clause.start()
    if folded[start] == "在" and folded[end - 1] == "中":  # 「在A、B和C中，哪个…」
        start, end = start + 1, end - 1
    head = _LIST_HEAD.match(folded, start)
    if head is not None and head.end() < end:
        start = head.end()
    parts = [p for p in _split_at(_TOP_SPLIT, folded, start, end)  # at 、，；
             if not _only_time(folded[p[0] : p[1]])]
    stated = _COUNT.search(folded)
    wanted = _COUNTS[stated.group(1)] if stated else None
    readings = [parts]
    if parts and (len(parts) == 1 or (wanted or 0) > len(parts) or (wanted is None and len(parts) >= 2)):
        readings = [parts[:-1] + last for last in _split_last(folded, *parts[-1], only_and=len(parts) >= 2)]
        if len(parts) == 1:  # 「A和B和C」: also every 和 a split
            every = _split_at(_CONJ[0], folded, *parts[0])
            if len(every) > 2:
                readings.append(every)
    if len(parts) >= 2 and any(b - a <= NAME_CHARS for a, b in parts):
        # 「德国、荷兰和加拿大派遣军舰…的事件和B」: names listed before the verb they share; the
        # whole list split in two at a 和 is also a reading
        # (at 与 too: 「韩国瑜访问香港、澳门、深圳和厦门的行程与沪指下跌136点」)
        readings += [r for r in _split_last(folded, start, end, only_and=False) if len(r) == 2]
    if "、" in folded[start:end]:  # 「北京东城区、西城区和通州区开始实施…，浙江证监局…」: 、 inside one event
        by_comma = _split_at(_CLAUSE_SPLIT, folded, start, end)
        if len(by_comma) >= 2 and by_comma != parts:
            readings.append(by_comma)
    return [_join_short_parts(folded, [p for p in r if not _only_time(folded[p[0] : p[1]])]) for r in readings]


def _only_time(part: str) -> bool:
    """A listed part that is no event but times (「2020年」, 「这三件事」, 「2024年2月和3月」)."""
    return bool(_ONLY_TIME.match(part)) or _is_period(re.sub(r"和|与|及|、", "", part))


def _join_short_parts(folded: str, parts: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A part of a name's length after a longer event is no event of its own. Last and after
    a comma, it is the question's subject (「…，中国哪个政策更早发布？」) and is dropped; joined
    by 和/、 it belongs to that event (「日本特大地震和海啸」, 「完成股权转让、更名」), unless
    the list would be left with fewer than two events (「A股下跌和海啸」)."""

    def short_after_long(kept: list[tuple[int, int]], a: int, b: int) -> bool:
        return bool(kept) and b - a <= NAME_CHARS and kept[-1][1] - kept[-1][0] > NAME_CHARS

    if len(parts) >= 2 and short_after_long(parts[:-1], *parts[-1]) and re.search(r"[，,；;]", folded[parts[-2][1] : parts[-1][0]]):
        parts = parts[:-1]
    joined: list[tuple[int, int]] = []
    for a, b in parts:
        if short_after_long(joined, a, b) and not re.search(r"[，,；;]", folded[joined[-1][1] : a]):
            joined[-1] = (joined[-1][0], b)
        else:
            joined.append((a, b))
    return joined if len(joined) >= 2 else parts


def _split_at(separator: re.Pattern, folded: str, start: int, end: int) -> list[tuple[int, int]]:
    """``[start, end)`` split at every ``separator``, each part trimmed (a leading 以及/和
    dropped) and kept when it is at least ``MIN_EVENT_CHARS`` long."""
    bounds, at = [], start
    for m in separator.finditer(folded, start, end):
        bounds.append((at, m.start()))
        at = m.end()
    bounds.append((at, end))
    parts = [_trim(folded, a, b) for a, b in bounds]
    return [p for p in parts if p[1] - p[0] >= MIN_EVENT_CHARS]


def _split_last(folded: str, start: int, end: int, *, only_and: bool) -> list[list[tuple[int, int]]]:
    """The ways to split the last part in two at a conjunction (「B和C」), likeliest first:
    at 以及/和 before 与/及, the first such word first; with ``only_and`` (the list already
    had 、 parts) only at 以及/和, so 「香港与内地恢复通关」 stays one. Unsplit if none."""
    splits = []
    for conj in _CONJ:
        for m in conj.finditer(folded, start, end):
            if only_and and conj is _CONJ[1] and not _YEAR_NEXT.match(folded, m.end()):
                continue
            if start + MIN_EVENT_CHARS <= m.start() and m.end() <= end - MIN_EVENT_CHARS:
                pair = [_trim(folded, start, m.start()), _trim(folded, m.end(), end)]
                splits.append([p for p in pair if p[1] - p[0] >= MIN_EVENT_CHARS])
    return splits or [[(start, end)]]


def _trim(folded: str, start: int, end: int) -> tuple[int, int]:
    """``[start, end)`` without a leading 以及/在/「1、」, a trailing 事件/相比/的时间, spaces,
    and quotes that open or close outside it (「民进党回应“关注31条”」 keeps its pair)."""
    for _ in range(3):
        lead = _LEAD.match(folded, start, end)
        if lead and lead.end() < end:
            start = lead.end()
        tail = _TAIL.search(folded, start, end)
        if tail and tail.start() > start:
            end = tail.start()
        while start < end and (folded[start] in _STRIP or _unpaired(folded, start, end, opening=True)):
            start += 1
        while end > start and (folded[end - 1] in _STRIP or _unpaired(folded, start, end, opening=False)):
            end -= 1
    return start, end


def _unpaired(folded: str, start: int, end: int, *, opening: bool) -> bool:
    """Whether the quote at the start (``opening``) or the end of ``folded[start:end]`` has
    no partner inside it (and so belongs to words outside the event)."""
    part = folded[start:end]
    ch = part[0] if opening else part[-1]
    if ch in ('"', "'"):
        return part.count(ch) % 2 == 1
    if opening:
        return ch in _QUOTES and _QUOTES[ch] not in part[1:]
    openers = [o for o, c in _QUOTES.items() if c == ch]
    return bool(openers) and not any(o in part[:-1] for o in openers)
