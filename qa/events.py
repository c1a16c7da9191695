"""Questions about several events: which came first, were they in the same month, how far apart.

A news reader asks 「康达访问越南和红魔9 Pro系列手机发布，哪个事件更早发生？」,
「英国脱欧协议生效和武汉解除离汉离鄂通道管控是在同一个月吗？」 or 「A和B相隔多少天？」. No
single passage answers these: each event has its own story and its own date. So:

1. ``EventQuestion.read`` recognises the question's kind — ``order`` (更早/更晚/最早/最晚/
   先/后), ``same`` (同一年/同一个月/同一天, a judgement) or ``interval`` (相隔多久/多少天/
   几年) — and splits it into the events it names (「A、B和C」, 「A与B」, 「以下事件中…？A，B，C。」);
2. ``EventAnswerer`` retrieves each event on its own, takes the passage that best covers it
   and the date that passage states for it (``event_date``: the date in the sentence that
   tells the event, else the story's dateline or date, the date a reader would cite);
3. it computes the answer and writes it in the question's script with one citation per
   event and each date shown: 「红魔9 Pro系列手机发布更早（2023年11月24日[1]）；康达访问越南
   在2024年6月24日[2]。」 A judgement starts with 是的 or 不是. An event no passage covers,
   or whose date is coarser than the question needs, is named and nothing is guessed.

Both answer generators use this for such questions: the answer is a computation over dates
the passages state, and the dates and citations are checked by construction.

Example::

    asked = EventQuestion.read("康达访问越南和红魔9 Pro系列手机发布哪个事件更早发生？")
    asked.kind, asked.events                     # ('order', ('康达访问越南', '红魔9 Pro系列手机发布'))
    answer = EventAnswerer(retriever).run(asked, as_of=datetime.date(2024, 11, 12))
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass, replace
from typing import Literal

from newsqa.chinese import JOINING_AND
from newsqa.qa.answer_dates import story_day_span, tells_story_day
from newsqa.qa.qualifiers import Qualifiers
from newsqa.script import Script, detect_script, fold, in_both_scripts
from newsqa.text import GRAMMAR_CHARS, bigram_tokens, split_sentences
from newsqa.timex import (
    GRAIN_ORDER,
    DateRange,
    Grain,
    TimeSpan,
    as_date,
    find_times,
    grain_period,
    show_date,
    story_times,
)
from newsqa.types import Answer, Citation, RetrievedChunk

Kind = Literal["order", "same", "interval", "dates"]

MAX_EVENTS = 5
MIN_EVENT_CHARS = 2
EVENT_DEPTH = 5  # passages retrieved per event
MIN_COVERAGE = 0.3  # share of an event's words its passage must hold to date the event
NEAR_BEST = 0.5  # a sentence holding this share of what the best holds of an event may date it
SWITCH_MARGIN = 0.1  # another passage must cover an event this much more than the first to date it
MAX_CHOICES = 200  # combinations of near-equal stories tried for a same-period judgement

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
_SUPERLATIVE = re.compile(r"最早|最晚|最先|最后发生|最近发生|(?:三|四|五)(?:个|件|项)")
_COMPARATIVE = re.compile(r"更早|更晚|较早|较晚|两(?:个|件|项)")
_LATER_WORDS = ("晚", "后", "近")

# Where the list of events ends: the question clause that follows it.
_LIST_END = re.compile(
    r"[，,]?\s*(?:(?:这|以上|上述|这些)?(?:两|三|四|五|几)?(?:个|件|者|项)?(?:事件|事情|新闻|活动|会议|报告|消息)?(?:中|当中|之中)[，,]?\s*"
    r"|(?:这|以上|上述|这些)(?:两|三|四|五|几)?(?:个|件|者|项)?(?:事件|事情|新闻|活动|会议|报告|消息)?[，,]?\s*)?"
    r"(?:最早|最晚|更早|更晚|哪|谁|何者|是否|是不是|(?:是|都是)?(?:在|发生在|发生于)?(?:\d{4}年)?同一|都是|均是|都在|发生在同一|发生于同一|是不是|相隔|相差|间隔|相距|之间|先后|分别|各自|的时间分别|的日期分别|的先后|的时间顺序|按时间)"
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
    r"(?:相比较|相比|比较|的日期|的时间|比赛结果|的结果|这一事件|这个事件|这两件事|的事件中|事件中|这件事|一事|的|时"
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
        found = _kind(folded)
        if found is None:
            return None
        kind, direction, grain = found
        spans = [r for r in _event_spans(folded) if 2 <= len(r) <= MAX_EVENTS]
        if not spans:
            return None
        readings = [tuple(question[a:b] for a, b in r) for r in spans]
        scope = _scope(folded[: spans[0][0][0]])
        return cls(question, kind, readings[0], direction, grain, tuple(readings[1:]), scope)


def _scope(head: str) -> str:
    """The one year a question's head before its list of events states (「在2023年，」, 「2024年
    发生的事件中，」), as written; "" when it states none or several, or a relative one."""
    years = [t for t in find_times(head) if not t.relative and t.grain == "year" and t.start.year == t.end.year]
    return years[0].text if len(years) == 1 else ""


def _kind(folded: str) -> tuple[Kind, str, Grain] | None:
    same = _SAME.search(folded)
    if same:
        grain = same.group("grain")
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
             if not _ONLY_TIME.match(folded[p[0] : p[1]])]
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
    return [_join_short_parts(folded, [p for p in r if not _ONLY_TIME.match(folded[p[0] : p[1]])]) for r in readings]


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


# --------------------------------------------------------------------------- dating an event


@dataclass(frozen=True, slots=True)
class DatedEvent:
    """An event as the question names it, the passage that tells it and the date that
    passage states for it (``when``; None: no passage covers the event). ``start``/``end``
    are where in the passage's text the date is stated (the sentence to highlight)."""

    name: str
    hit: RetrievedChunk | None
    when: TimeSpan | None
    coverage: float
    start: int = 0
    end: int = 0


def event_words(name: str) -> set[str]:
    """The words (bigrams, latin words, numbers) that tell the event ``name``."""
    return {t for t in bigram_tokens(fold(name)) if not (len(t) == 1 and t in GRAMMAR_CHARS)}


def word_share(words: set[str], folded: str) -> float:
    """The share of ``words`` that stand in ``folded``."""
    return sum(1 for w in words if w in folded) / len(words) if words else 0.0


def event_date(name: str, hit: RetrievedChunk, words: set[str] | None = None) -> DatedEvent:
    """When ``hit`` says the event ``name`` happened: the first day or month stated in the
    sentence that tells it best (relative dates read against the story's date), else the
    passage's dateline (a date opening its first sentence), else — when that sentence is
    the story's lead, or the story is a brief — the story's date, else a year the sentence
    states. ``words``: the event's words (``event_words``), for how well the passage covers
    it. A sentence deep in a story that states no date is not dated by the story's date:
    that is when it was reported."""
    words = words if words is not None else event_words(name)
    text, story_day = hit.chunk.text, as_date(hit.document.date)
    coverage = word_share(words, fold(f"{hit.document.title}\n{text}"))
    sentences = split_sentences(text) or []
    if not sentences:
        return DatedEvent(name, hit, None, coverage)
    shares = [word_share(words, fold(text[sp.start : sp.end])) for sp in sentences]
    ranked = sorted(range(len(sentences)), key=lambda i: -shares[i])  # the first of equals first
    best = sentences[ranked[0]]
    # Read over the whole passage: a year-less 「8月8日」 takes the year of a date before it.
    times = story_times(text, story_day)
    stated = [t for t in times if best.start <= t.offset < best.end]
    stated.sort(key=lambda t: t.grain == "year")  # a day or month before a year; stable otherwise
    if stated and stated[0].grain != "year":
        return DatedEvent(name, hit, stated[0], coverage, best.start, best.end)
    first = sentences[0]
    opening = [t for t in times if t.grain != "year" and t.offset <= first.start + 2]  # a dateline
    finer = None
    if opening:
        finer = DatedEvent(name, hit, opening[0], coverage, first.start, first.end)
    elif story_day is not None and tells_story_day(hit, best.start):  # the lead, or a brief: one event
        finer = DatedEvent(name, hit, story_day_span(hit), coverage, best.start, best.end)
    if finer is not None:  # a year the sentence names may be background (「成立于1927年的沃尔沃」)
        return finer
    if stated:
        return DatedEvent(name, hit, stated[0], coverage, best.start, best.end)
    # Nothing dates the best sentence, nor the story: a sentence telling the event almost as
    # well may state its date (「…是费孝通研究的基地。自1936年起，费孝通多次访问…」).
    for i in ranked[1:]:
        if shares[i] == 0 or shares[i] < NEAR_BEST * shares[ranked[0]]:
            break
        near = sentences[i]
        said = sorted((t for t in times if near.start <= t.offset < near.end), key=lambda t: t.grain == "year")
        if said:
            return DatedEvent(name, hit, said[0], coverage, near.start, near.end)
    return DatedEvent(name, hit, None, coverage, best.start, best.end)


def _as_stated(event: DatedEvent) -> DatedEvent:
    """The event dated by the day its name states (「2020年1月3日苏莱曼尼被刺杀」): the asker's
    date stands over a passage's (which may tell a later turn of the story); the passage, if
    any, is still cited."""
    stated = [t for t in find_times(event.name) if t.grain == "day" and t.start == t.end and not t.relative]
    if len(stated) != 1 or (event.when is not None and event.when.start == stated[0].start):
        return event
    return replace(event, when=stated[0])


def _same_period_reading(dated: list[DatedEvent], near: list[list[DatedEvent]], grain: Grain) -> list[DatedEvent]:
    """For 「A和B是同一个月吗？」: when an event's words fit several stories as well
    (「北京的新政策」), the asker means the one of the other events' period if there is one; so
    the first choice of near-equal stories that puts every event in one ``grain`` period,
    else ``dated`` as chosen. Every date shown is cited, so the reader sees which stories."""
    if any(e.when is None for e in dated) or all(len(options) == 1 for options in near):
        return dated
    for choice in itertools.islice(itertools.product(*near), MAX_CHOICES):
        if all(e.when is not None and GRAIN_ORDER[e.when.grain] >= GRAIN_ORDER[grain] for e in choice) and len(
            {grain_period(e.when.start, grain) for e in choice}
        ) == 1:
            return list(choice)
    return dated


# --------------------------------------------------------------------------- the answer

# The words of an answer, written once (the events and dates come from the question and passages).
_WORDS: dict[Script, dict[str, str]] = in_both_scripts({
    "earliest2": "更早", "latest2": "更晚", "earliest": "最早", "latest": "最晚", "at": "在",
    "yes": "是的", "no": "不是", "apart": "相隔", "days": "天", "months": "个月", "years": "年",
    "tie": "同时发生，都在", "unknown": "无法判断先后：", "undecided": "无法判断：", "coarse": "只知道在",
    "missing": "在资料中找不到这些事件的日期：", "missing_one": "在资料中找不到这个事件的日期：",
    "cannot": "所以无法回答。", "found": "找到的：",
})


class EventAnswerer:
    """Answers an ``EventQuestion`` from the passages that date each of its events.

    ``retriever`` is anything with ``run(query, k, *, as_of, within)`` returning
    ``RetrievedChunk``s best first (``HybridRetriever``). An event is dated by a passage
    holding at least ``min_coverage`` of its words (a weak test: a made-up event whose
    words a real story shares can still be dated by it).

    Example::

        answerer = EventAnswerer(HybridRetriever(index))
        asked = EventQuestion.read("英国脱欧协议生效和武汉解除离汉离鄂通道管控是在同一个月吗？")
        answerer.run(asked).answer   # '不是：英国脱欧协议生效在2020年1月31日[1]，…在2020年4月8日[2]。'
    """

    def __init__(
        self,
        retriever,
        *,
        depth: int = EVENT_DEPTH,
        min_coverage: float = MIN_COVERAGE,
    ):
        self.retriever = retriever
        self.depth = depth
        self.min_coverage = min_coverage

    def date_events(
        self, asked: EventQuestion, *, as_of: dt.date | None = None, within: DateRange | None = None
    ) -> tuple[list[DatedEvent], list[list[RetrievedChunk]]]:
        """Each event dated from the passage that covers it best among its top ``depth``, for
        the reading of an ambiguous list (「A和B和C」) whose events are all dated, of the
        number a superlative (最早) implies (three or more), and best covered."""
        readings = (asked.events, *asked.alternatives)
        tried = [self._date_reading(reading, as_of, within, asked.scope) for reading in readings]

        def preference(i: int) -> tuple:
            dated = tried[i][0]
            degree = len(dated) >= 3 if asked.superlative else len(dated) == 2 if asked.comparative else True
            no_bare_name = all(len(e.name) > NAME_CHARS for e in dated)  # 「索尼、微软、任天堂反对…」: 索尼 is no event
            return all(e.when is not None for e in dated), degree, no_bare_name, min(e.coverage for e in dated), -i

        dated, lists, near = tried[max(range(len(tried)), key=preference)]
        if asked.kind == "same":
            dated = _same_period_reading(dated, near, asked.grain)
        return dated, lists

    def candidates(
        self,
        name: str,
        *,
        depth: int | None = None,
        as_of: dt.date | None = None,
        within: DateRange | None = None,
        scope: str = "",
    ) -> tuple[list[DatedEvent], list[RetrievedChunk]]:
        """The passages among the top ``depth`` for the event ``name`` that cover it, hold
        what it is pinned down with (a year, 第七届, a code: ``newsqa.qa.qualifiers``) and
        give it a date, best first; and all that were retrieved. ``scope``: the year the
        question puts all its events in (``EventQuestion.scope``), searched and held with the
        name when the name states no year of its own."""
        query = name
        if scope and not any(not t.relative for t in find_times(name)):
            query = f"{scope}{name}"
        hits = self.retriever.run(query, depth or self.depth, as_of=as_of, within=within)
        words, pinned = event_words(name), Qualifiers.of(query)
        found = [event_date(name, hit, words) for hit in hits if pinned.held_by(hit.document)]
        return [e for e in found if e.when is not None and e.coverage >= self.min_coverage], hits

    def _date_reading(
        self, events: tuple[str, ...], as_of: dt.date | None, within: DateRange | None, scope: str = ""
    ) -> tuple[list[DatedEvent], list[list[RetrievedChunk]], list[list[DatedEvent]]]:
        """Each event's date from its best passage; the passages retrieved for each; and each
        event's near-equals (the chosen passage first, then those covering it within
        ``SWITCH_MARGIN`` of the best: other stories the event's words fit as well)."""
        dated, lists, near = [], [], []
        for name in events:
            found, hits = self.candidates(name, as_of=as_of, within=within, scope=scope)
            lists.append(hits)
            best = max(found, key=lambda e: e.coverage, default=None)
            if best is not None and found[0].coverage >= best.coverage - SWITCH_MARGIN:
                best = found[0]  # the retriever's first unless another covers the event clearly better
            chosen = _as_stated(best or DatedEvent(name, None, None, 0.0))
            dated.append(chosen)
            top = max((e.coverage for e in found), default=0.0)
            near.append([chosen, *(_as_stated(e) for e in found if e is not best and e.coverage >= top - SWITCH_MARGIN)])
        return dated, lists, near

    def run(
        self, asked: EventQuestion, *, as_of: dt.date | None = None, within: DateRange | None = None
    ) -> Answer:
        """The computed answer, one citation per dated event; abstains naming the events
        whose date no passage gives."""
        script = detect_script(asked.question)
        words = _WORDS[script]
        dated, lists = self.date_events(asked, as_of=as_of, within=within)
        citations: list[Citation] = []
        marks: dict[int, str] = {}
        for i, event in enumerate(dated):
            if event.hit is None:
                if event.when is not None:  # dated by the question itself, no passage to cite
                    marks[i] = show_date(event.when)
                continue
            n = next((c.n for c in citations if (c.doc_id, c.start) == (event.hit.document.doc_id, event.hit.chunk.start)
                      and (c.highlight_start, c.highlight_end) == (event.start, event.end)), None)
            if n is None:
                n = len(citations) + 1
                citations.append(event.hit.citation(n, event.start, event.end))
            marks[i] = f"{show_date(event.when)}[{n}]"
        missing = [e.name for e in dated if e.when is None]
        if missing:
            text = words["missing_one" if len(missing) == 1 else "missing"] + "、".join(f"「{m}」" for m in missing)
            text += "，" + words["cannot"]
            if marks:
                text += words["found"] + "，".join(f"{dated[i].name}{words['at']}{m}" for i, m in marks.items()) + "。"
            answer_text, abstained = text, True
        else:
            answer_text, abstained = _compute(asked, dated, marks, words), False
        return Answer(
            question=asked.question,
            answer=answer_text,
            abstained=abstained,
            citations=citations,
            script=script,
            retrieved=_interleave(lists),
            confidence=min((e.coverage for e in dated), default=0.0),
            answer_type={"order": "comparison", "same": "judgement", "interval": "interval", "dates": "date"}[asked.kind],
        )


def _compute(asked: EventQuestion, dated: list[DatedEvent], marks: dict[int, str], words: dict[str, str]) -> str:
    """The answer text for dated events (every ``when`` set)."""
    spans = [e.when for e in dated]
    listed = "，".join(f"{e.name}{words['at']}{marks[i]}" for i, e in enumerate(dated))
    if asked.kind == "dates":
        return listed + "。"
    if asked.kind == "same":
        coarse = [i for i, s in enumerate(spans) if GRAIN_ORDER[s.grain] < GRAIN_ORDER[asked.grain]]
        if coarse:
            return words["undecided"] + "，".join(
                f"{dated[i].name}{words['coarse']}{marks[i]}" for i in coarse) + "。"
        same = len({grain_period(s.start, asked.grain) for s in spans}) == 1
        return f"{words['yes'] if same else words['no']}：{listed}。"
    if asked.kind == "interval":
        ordered = sorted(spans, key=lambda s: s.start)
        first, last = ordered[0], ordered[-1]
        days = (last.start - first.start).days
        if asked.grain == "year":
            gap = f"{last.start.year - first.start.year}{words['years']}"
        elif asked.grain == "month":
            gap = f"{(last.start.year - first.start.year) * 12 + last.start.month - first.start.month}{words['months']}"
        else:
            gap = f"{days}{words['days']}"
        return f"{words['apart']}{gap}：{listed}。"
    order = sorted(range(len(dated)), key=lambda i: (spans[i].start, spans[i].end), reverse=asked.direction == "latest")
    top, runner = order[0], order[1]
    one_day = all(s.grain == "day" and s.start == s.end for s in (spans[top], spans[runner]))
    if spans[top].overlaps(spans[runner]) and not one_day:  # 2023年7月 and 7月20日, or a range holding the other day
        return words["unknown"] + listed + "。"
    if spans[top].start == spans[runner].start:
        return f"{dated[top].name}和{dated[runner].name}{words['tie']}{show_date(spans[top])}：{listed}。"
    which = words[asked.direction + ("2" if len(dated) == 2 else "")]
    rest = "，".join(f"{dated[i].name}{words['at']}{marks[i]}" for i in order[1:])
    return f"{dated[top].name}{which}（{marks[top]}）；{rest}。"


def _interleave(lists: list[list[RetrievedChunk]]) -> list[RetrievedChunk]:
    """The events' passages taken in turn (each event's best first), each passage once."""
    out, seen = [], set()
    for rank in range(max((len(x) for x in lists), default=0)):
        for hits in lists:
            if rank < len(hits):
                key = (hits[rank].document.doc_id, hits[rank].chunk.start)
                if key not in seen:
                    seen.add(key)
                    out.append(hits[rank])
    return out
