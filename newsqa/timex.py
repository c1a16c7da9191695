"""The time a Chinese text names, as date intervals, against a reference date ("as of").

``find_times`` reads every time expression of a question (or a passage) and resolves it
to a ``TimeSpan``: the first and last day it covers (inclusive), its grain (the unit its
ends are given in: ``year``, ``month`` or ``day``), the text as written and whether it
needed the reference date (``relative``). Both scripts are read (去年/上週/上個月/兩年前),
and full-width digits count as digits.

* explicit: 「2021年」「2020年4月30日」「2020-04-30」「2024年7月底」「2023年上半年」
  「2023年第一季度」「2024年初」, and a year-less 「8月」「4月8日」 (the year of an explicit
  date earlier in the same text, else the reference year — the year before when that
  would put it after the reference date: questions ask about the past);
* relative: 「今年」「去年」「前年」「三年前」「两年多前」「半年前」「八个月前」「上周」「上上周」
  「本周末」「上周五」「上个月」「两周前」「昨天」「三天前」「最近」「近三年」, anchored ones
  (「去年9月」「去年上半年」「三年前的三月」「五年前的今天」「两年前的这个月」
  「一年前的这个星期」) and
  「…以来」/「…至今」 (from the start of the period to the reference date);
* ranges: 「2020年4月1日至4月30日」「2019年到2021年」「2022-2035年」 become one span.

What stands inside 《…》 is a title, not a time the text names, and is not read.

``story_times(text, story_day)`` reads a news passage as its story's: a year-less date takes
the story's year (also after the story's date: a July story's 「将于9月1日生效」), and a
month-less day (「28日9时55分」) the month around the story's date it falls nearest to.

Weeks start on Monday (「上周」 on Thursday 2025-01-02 is 2024-12-23 … 2024-12-29).
Without a reference date only explicit expressions that state their year are read.

Example::

    >>> span = find_times("去年9月哪个飓风对利比亚东部造成严重破坏？", "2024-11-12")[0]
    >>> (span.start.isoformat(), span.end.isoformat(), span.grain, span.text, span.relative)
    ('2023-09-01', '2023-09-30', 'month', '去年9月', True)
    >>> [s.text for s in find_times("2021年8月21日发布的规定什么时候生效？")]
    ['2021年8月21日']
    >>> DateRange.parse("2021-01-01", None).contains("2021-06-30")
    True
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, replace
from typing import Literal

from newsqa.chinese import NUMERAL_DIGITS, numeral_value
from newsqa.dates import DATE_SEP, MAX_YEAR, MIN_YEAR

Grain = Literal["year", "month", "day"]
_Resolved = tuple[dt.date, dt.date, Grain, bool]  # start, end, grain, relative
GRAIN_ORDER = {"year": 0, "month": 1, "day": 2}  # coarse to fine

RECENT_DAYS = 90  # 「最近」「近期」「近来」: this many days up to the reference date
LATELY_DAYS = 30  # 「近日」「日前」


@dataclass(frozen=True, slots=True)
class TimeSpan:
    """A period a text names: ``start`` … ``end`` (inclusive) at ``grain``; ``text`` as
    written, at ``offset`` in the text; ``relative`` when it was read against the
    reference date (「去年」, 「上周」, a year-less 「8月」)."""

    start: dt.date
    end: dt.date
    grain: Grain
    text: str
    relative: bool
    offset: int = 0

    def contains(self, day: dt.date | str | None) -> bool:
        """True when ``day`` (a date or an ISO string) falls in the span."""
        day = as_date(day)
        return day is not None and self.start <= day <= self.end

    def overlaps(self, other: TimeSpan) -> bool:
        return self.start <= other.end and other.start <= self.end

    @property
    def years(self) -> range:
        """The calendar years the span touches."""
        return range(self.start.year, self.end.year + 1)


@dataclass(frozen=True, slots=True)
class DateRange:
    """A hard date filter: ``since`` … ``until`` (inclusive; either may be open).

    ``contains`` is False for an undated article when any bound is set: nothing shows it
    is in the range.
    """

    since: dt.date | None = None
    until: dt.date | None = None

    def __post_init__(self) -> None:
        if self.since is not None and self.until is not None and self.since > self.until:
            raise ValueError(f"the range ends before it starts: {self.since} > {self.until}")

    @classmethod
    def parse(cls, since: str | dt.date | None, until: str | dt.date | None) -> DateRange:
        """From ``YYYY-MM-DD`` strings (or dates); ``ValueError`` names a bad one."""
        return cls(parse_day(since) if since else None, parse_day(until) if until else None)

    @property
    def bounded(self) -> bool:
        return self.since is not None or self.until is not None

    def contains(self, day: dt.date | str | None) -> bool:
        if not self.bounded:
            return True
        day = as_date(day)
        if day is None:
            return False
        return (self.since is None or day >= self.since) and (self.until is None or day <= self.until)


#: A day as ``parse_day`` takes it: 2024-11-12, 2024-1-5 (year, month, day).
ISO_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def parse_day(value: str | dt.date) -> dt.date:
    """A ``YYYY-MM-DD`` date (``YYYY-M-D`` too), as ``--as-of``, ``--since`` and the API take
    it; ``ValueError`` with a message that says what is wrong."""
    if isinstance(value, dt.date):
        return value
    found = ISO_DAY.fullmatch(str(value).strip())
    if not found:
        raise ValueError(f"not a date in the form YYYY-MM-DD: {value!r}")
    try:
        day = dt.date(*map(int, found.groups()))
    except ValueError:
        raise ValueError(f"no such date: {value!r}") from None
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise ValueError(f"a date between {MIN_YEAR} and {MAX_YEAR}, not {value!r}")
    return day


def as_date(value: dt.date | str | None) -> dt.date | None:
    """A date from a date or an ISO ``YYYY-MM-DD…`` string (an article's date); else None."""
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and len(value) >= 10:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def reference_day(as_of: dt.date | str | None = None) -> dt.date:
    """The date relative expressions are read against: ``as_of``, else today."""
    return as_date(as_of) or dt.date.today()


# ---------------------------------------------------------------------------- patterns
_WIDE = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}  # one character for one
_CN_DIGITS = NUMERAL_DIGITS + "兩"  # the text is not folded: both scripts' 两
_N = rf"(?<![哪第])(?:(?<!\d)\d{{1,3}}|[{_CN_DIGITS}十百]{{1,4}})"  # a count: 3, 三, 十二, 两 (not 哪一年之后)
_MONTH = r"(?:1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])"
_DAY = r"(?:3[01]|[12]\d|0?[1-9]|[二三]?十[一二三四五六七八九]?|[一二三四五六七八九])"
# a part of a month: 上旬 1–10, 中旬 11–20, 下旬 and 底/末 21–end, 初 1–10
_MPART = r"(?:上旬|中旬|下旬|初(?![步期次中始衷心级級赛賽])|底|末(?!期))"
_MONTH_DAY = rf"(?P<{{m}}>{_MONTH})\s*月份?(?:\s*(?P<{{d}}>{_DAY})\s*[日号號]|(?P<{{p}}>{_MPART}))?"
_WEEK = r"(?:周|週|星期|礼拜|禮拜)"
_AGO = r"\s*(?:以|之)?(?P<{}>前|后|後)"
_GE = r"(?:个|個)"

_PATTERN = re.compile(
    # every expression starts with one of these (a quick test before the alternatives)
    r"(?=[\d〇零一二两兩三四五六七八九十百半大前去今本明后後上这這下昨近过過最日])(?:"
    # a year, explicit or relative, maybe followed by a part of it
    r"(?:(?P<ya>(?<!\d)(?:1[89]|2[01])\d{2}|[〇零一二三四五六七八九]{4})\s*年(?![代纪紀级級])"
    r"|(?P<yr>大前年|前年|去年|今年|本年|明年|大后年|后年|後年)"
    rf"|(?P<yn>{_N})\s*(?P<ym1>多)?\s*年\s*(?P<ym2>多)?{_AGO.format('yd')})"
    r"(?:\s*的?\s*(?:"
    + _MONTH_DAY.format(m="tm", d="td", p="tp")
    + r"|(?P<th>[上下])半年"
    r"|第?(?P<tq>[一二三四1-4])季度?"
    r"|(?P<tpart>年[初底末]|初(?![中期步次级級赛賽始心])|底|末(?!期))"
    r"|(?P<tmonth>本月|这个月|這個月|当月|當月)"
    rf"|(?P<tweek>本{_WEEK}|这{_GE}?{_WEEK}|這{_GE}?{_WEEK})"
    r"|(?P<tday>今天|今日|当天|當天)"
    r"))?"
    # the other relative expressions
    rf"|(?P<mn>{_N})\s*{_GE}\s*(?P<mmore>多)?\s*月{_AGO.format('md')}"
    rf"|(?:(?P<hn>{_N})\s*年半|(?P<hy>半年)){_AGO.format('hd')}"
    rf"|(?P<mr>上上{_GE}?月|上{_GE}?月|本月|这个月|這個月|下{_GE}?月)(?![球亮])"  # not 登上月球
    rf"|(?P<wr>上上{_GE}?|上{_GE}?|本|这{_GE}?|這{_GE}?|下{_GE}?){_WEEK}(?![期刊])"
    r"(?:(?P<wend>末)|(?P<wday>[一二三四五六日天])(?![一二三四五六七八九十个個]))?"
    rf"|(?P<wn>{_N})\s*{_GE}?\s*{_WEEK}{_AGO.format('wd')}"
    r"|(?P<dr>大前天|(?<![目提之以当當月年周天])前天|昨天|昨日|昨晚|昨夜|今天|今日|明天|明日|大后天|后天|後天)(?![皇王])"  # not 舒明天皇
    r"|(?P<dr1>(?<![今])昨)(?=\s*(?:[从從在起向对對将將已获獲到至召举舉发發宣公表]|[（(]))"  # news style: 「记者昨从…获悉」
    rf"|(?P<dn>{_N})\s*[天日]{_AGO.format('dd')}"
    rf"|(?:近|过去|過去|最近)\s*(?P<ln>{_N})\s*(?P<lu>年|{_GE}月|{_GE}?{_WEEK}|天|日)"
    r"|(?P<recent>最近|近期|近来|近來)|(?P<lately>近日|(?<![节節假生止期作])日前)"
    # the first year of 「2022-2035年」 (joined with the second as a range)
    r"|(?P<yb>(?<!\d)(?:1[89]|2[01])\d{2})(?=\s*[-—–~～至到]\s*(?:1[89]|2[01])\d{2}\s*年)"
    # 2020-04-30, and a month without a year
    rf"|(?P<iso>(?<!\d)(?P<iy>\d{{4}}){DATE_SEP}(?P<im>\d{{1,2}}){DATE_SEP}(?P<id>\d{{1,2}})(?!\d))"
    rf"|(?<![\d{_CN_DIGITS}十个個第]){_MONTH_DAY.format(m='om', d='od', p='op')}"
    r")(?P<since>\s*(?:以来|以來|至今|迄今))?"
)
_RANGE_GAP = re.compile(r"\s*(?:至|到|~|～|—|–|-)\s*")
_TITLE = re.compile(r"《[^《》]*》")  # a title's years (《规划纲要（2022-2035年）》) are not a time the text names


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _add_months(day: dt.date, months: int) -> tuple[int, int]:
    index = day.year * 12 + day.month - 1 + months
    return index // 12, index % 12 + 1


def _month_span(year: int, month: int, day: int | None, part: str | None) -> tuple[dt.date, dt.date, Grain] | None:
    """A month, a day of it, or a part of it (上旬, 底 …)."""
    if not 1 <= month <= 12 or not MIN_YEAR <= year <= MAX_YEAR:
        return None
    if day is not None:
        try:
            return dt.date(year, month, day), dt.date(year, month, day), "day"
        except ValueError:
            return None
    last = _month_end(year, month)
    if part in ("初", "上旬"):
        return dt.date(year, month, 1), dt.date(year, month, 10), "day"
    if part == "中旬":
        return dt.date(year, month, 11), dt.date(year, month, 20), "day"
    if part in ("下旬", "底", "末"):
        return dt.date(year, month, 21), last, "day"
    return dt.date(year, month, 1), last, "month"


def _months(year: int, first: int, last: int) -> tuple[dt.date, dt.date, Grain]:
    return dt.date(year, first, 1), _month_end(year, last), "month"


def _same_day(year: int, ref: dt.date) -> dt.date:
    """``ref``'s month and day in ``year`` (29 February becomes the 28th)."""
    return dt.date(year, ref.month, min(ref.day, calendar.monthrange(year, ref.month)[1]))


def _anchor_years(m: re.Match, ref: dt.date | None) -> tuple[int, int, bool] | None:
    """(first year, last year, relative) of the year an anchored expression starts with."""
    if m["ya"]:
        year = numeral_value(m["ya"])
        return (year, year, False) if year is not None and MIN_YEAR <= year <= MAX_YEAR else None
    if ref is None:
        return None
    if m["yr"]:
        shift = {"大前年": -3, "前年": -2, "去年": -1, "今年": 0, "本年": 0, "明年": 1, "后年": 2, "後年": 2, "大后年": 3}
        year = ref.year + shift[m["yr"]]
        return year, year, True
    n = numeral_value(m["yn"])
    if n is None or n > 200:
        return None
    sign = -1 if m["yd"] == "前" else 1
    year = ref.year + sign * n
    if m["ym1"] or m["ym2"]:  # 两年多前: more than two years ago, so two or three years back
        return (min(year, year + sign), max(year, year + sign), True)
    return year, year, True


def _anchored(m: re.Match, ref: dt.date | None) -> _Resolved | None:
    """A year (explicit, 今年/去年…, N年前) and what follows it: a month, a day, a half, a
    quarter, 年初/年底, 本月, 今天."""
    found = _anchor_years(m, ref)
    if found is None:
        return None
    first, last, relative = found
    if m["tm"]:
        span = _month_span(first, numeral_value(m["tm"]), numeral_value(m["td"]) if m["td"] else None, m["tp"])
        return (*span, relative) if span else None
    if m["th"]:
        return (*(_months(first, 1, 6) if m["th"] == "上" else _months(first, 7, 12)), relative)
    if m["tq"]:
        q = numeral_value(m["tq"])
        return (*_months(first, 3 * q - 2, 3 * q), relative)
    if m["tpart"]:
        return (*(_months(first, 1, 2) if m["tpart"].endswith("初") else _months(first, 11, 12)), relative)
    if (m["tmonth"] or m["tday"] or m["tweek"]) and ref is not None:
        day = _same_day(first, ref)
        if m["tday"]:
            return day, day, "day", True
        if m["tweek"]:  # 一年前的这个星期: the week that day fell in
            monday = day - dt.timedelta(days=day.weekday())
            return monday, monday + dt.timedelta(days=6), "day", True
        return dt.date(first, ref.month, 1), _month_end(first, ref.month), "month", True
    return dt.date(first, 1, 1), dt.date(last, 12, 31), "year", relative


def _relative(m: re.Match, ref: dt.date) -> tuple[dt.date, dt.date, Grain] | None:
    """The expressions that count from the reference date: weeks, months, days, 最近."""
    if m["mn"] or m["mr"]:
        if m["mn"]:
            n = numeral_value(m["mn"])
            if n is None:
                return None
            shift = -n if m["md"] == "前" else n
        else:
            word = m["mr"]
            shift = -2 if word.startswith("上上") else {"上": -1, "下": 1}.get(word[0], 0)
        year, month = _add_months(ref, shift)
        start = dt.date(year, month, 1)
        if m["mmore"]:  # 三个多月前: three or four months back
            start = dt.date(*_add_months(ref, shift - 1), 1)
        return start, _month_end(year, month), "month"
    if m["hn"] or m["hy"]:  # 半年前, 两年半前: the month that many months back
        n = numeral_value(m["hn"]) if m["hn"] else 0
        if n is None:
            return None
        year, month = _add_months(ref, (12 * n + 6) * (-1 if m["hd"] == "前" else 1))
        return dt.date(year, month, 1), _month_end(year, month), "month"
    if m["wr"] or m["wn"]:
        if m["wr"]:
            word = m["wr"]
            weeks = -2 if word.startswith("上上") else -1 if word[0] == "上" else 1 if word[0] == "下" else 0
        else:
            n = numeral_value(m["wn"])
            if n is None:
                return None
            weeks = -n if m["wd"] == "前" else n
        monday = ref - dt.timedelta(days=ref.weekday()) + dt.timedelta(weeks=weeks)
        if m["wend"]:
            return monday + dt.timedelta(days=5), monday + dt.timedelta(days=6), "day"
        if m["wday"]:  # 上周五: that day of the week
            day = monday + dt.timedelta(days="一二三四五六日".index(m["wday"].replace("天", "日")))
            return day, day, "day"
        return monday, monday + dt.timedelta(days=6), "day"
    if m["dr"] or m["dr1"] or m["dn"]:
        if m["dr"] or m["dr1"]:
            shift = {"大前天": -3, "前天": -2, "昨天": -1, "昨日": -1, "昨晚": -1, "昨夜": -1, "昨": -1, "今天": 0,
                     "今日": 0, "明天": 1, "明日": 1, "后天": 2, "後天": 2, "大后天": 3}[m["dr"] or m["dr1"]]
        else:
            n = numeral_value(m["dn"])
            if n is None:
                return None
            shift = -n if m["dd"] == "前" else n
        day = ref + dt.timedelta(days=shift)
        return day, day, "day"
    if m["ln"]:
        n = numeral_value(m["ln"])
        if n is None or n > 200:
            return None
        unit = m["lu"]
        if unit == "年":
            start = _same_day(ref.year - n, ref)
        elif unit.endswith("月"):
            year, month = _add_months(ref, -n)
            start = dt.date(year, month, min(ref.day, calendar.monthrange(year, month)[1]))
        else:
            start = ref - dt.timedelta(days=n * (1 if unit in ("天", "日") else 7))
        return start, ref, "day"
    if m["recent"] or m["lately"]:
        return ref - dt.timedelta(days=RECENT_DAYS if m["recent"] else LATELY_DAYS), ref, "day"
    return None


def _yearless(m: re.Match, ref: dt.date | None, context_year: int | None) -> _Resolved | None:
    """「8月」「4月8日」「7月底」: the year of an earlier explicit date, else the reference
    year (the one before when that puts it after the reference date)."""
    month, day = numeral_value(m["om"]), numeral_value(m["od"]) if m["od"] else None
    if month is None:
        return None
    if context_year is not None:
        span = _month_span(context_year, month, day, m["op"])
        return (*span, False) if span else None
    if ref is None:
        return None
    span = _month_span(ref.year, month, day, m["op"])
    if span is not None and span[0] > ref:
        span = _month_span(ref.year - 1, month, day, m["op"])
    return (*span, True) if span else None


def _resolve(m: re.Match, ref: dt.date | None, context_year: int | None) -> _Resolved | None:
    if m["ya"] or m["yr"] or m["yn"]:
        return _anchored(m, ref)
    if m["yb"]:
        year = int(m["yb"])
        return dt.date(year, 1, 1), dt.date(year, 12, 31), "year", False
    if m["iso"]:
        try:
            day = dt.date(int(m["iy"]), int(m["im"]), int(m["id"]))
        except ValueError:
            return None
        return (day, day, "day", False) if MIN_YEAR <= day.year <= MAX_YEAR else None
    if m["om"]:
        return _yearless(m, ref, context_year)
    if ref is None:
        return None
    span = _relative(m, ref)
    return (*span, True) if span else None


def find_times(text: str, today: dt.date | str | None = None) -> list[TimeSpan]:
    """Every time expression in ``text``, in order, resolved against ``today`` (the
    reference date: a date or ``YYYY-MM-DD``; None: only expressions that state their
    year). Adjacent ones joined by 至/到/- are one span."""
    if not text:
        return []
    ref = as_date(today) if today is not None else None
    folded = text.translate(_WIDE)
    titles = [t.span() for t in _TITLE.finditer(folded)] if "《" in folded else []
    spans: list[TimeSpan] = []
    context_year: int | None = None
    for m in _PATTERN.finditer(folded):
        if any(start < m.start() < end for start, end in titles):
            continue
        resolved = _resolve(m, ref, context_year)
        if resolved is None:
            continue
        start, end, grain, relative = resolved
        if m["since"] and ref is not None and start <= ref:
            end, grain = ref, "day"
        span = TimeSpan(start, end, grain, text[m.start() : m.end()], relative, m.start())
        if not relative and (m["ya"] or m["iso"]):
            context_year = end.year
        if spans and _RANGE_GAP.fullmatch(folded, spans[-1].offset + len(spans[-1].text), m.start()):
            spans[-1] = _join(spans[-1], span, text)
        else:
            spans.append(span)
    return spans


def _join(first: TimeSpan, second: TimeSpan, text: str) -> TimeSpan:
    """「2019年至2021年」: one span from the first's start to the second's end."""
    if second.end < first.start:  # not a range after all (「2021年-2019年」): keep the first
        return first
    grain = first.grain if GRAIN_ORDER[first.grain] >= GRAIN_ORDER[second.grain] else second.grain
    end = second.offset + len(second.text)
    return TimeSpan(first.start, second.end, grain, text[first.offset : end], first.relative or second.relative,
                    first.offset)


# A day without its month (「28日9时55分」「将于10日登陆」), as news writes days near its own date.
_DAY_ONLY = re.compile(r"(?<![\d.．月号])(\d{1,2})\s*日(?![本报報元内內前电電讯訊])")
DAY_AHEAD = 10  # a month-less day at most this far after the story's date is in its month ...
DAY_BEHIND = 20  # ... and at most this far before it; otherwise in the month next to it


def story_times(text: str, story_day: dt.date | None) -> list[TimeSpan]:
    """The times a passage states, read as its story's: a year-less date (「8月11日」) takes
    the story's year, also when it falls after the story's date (a July story's 「将于9月1日
    生效」 is that September, not the last); a month-less day (「28日」) the month around the
    story's date it falls nearest to; relative ones (「昨天」) are read against the story's
    date. Offsets are into ``text``."""
    if story_day is None:
        return find_times(text)
    head = f"{story_day.year}年："
    times = [replace(t, offset=t.offset - len(head)) for t in find_times(head + text, story_day) if t.offset >= len(head)]
    taken = [(t.offset, t.offset + len(t.text)) for t in times]
    for m in _DAY_ONLY.finditer(text):
        if any(a <= m.start() < b for a, b in taken):
            continue
        day = _near_day(int(m.group(1)), story_day)
        if day is not None:
            times.append(TimeSpan(day, day, "day", m.group(0), True, m.start()))
    return sorted(times, key=lambda t: t.offset)


def _near_day(day: int, story_day: dt.date) -> dt.date | None:
    """The date of 「{day}日」 in a story of ``story_day``: in its month when that is at most
    ``DAY_AHEAD`` days after and ``DAY_BEHIND`` before it, else the month before or after."""
    for shift in (0, -1, 1):
        try:
            candidate = dt.date(*_add_months(story_day, shift), day)
        except ValueError:
            continue
        if -DAY_BEHIND <= (candidate - story_day).days <= DAY_AHEAD:
            return candidate
    return None


def grain_period(day: dt.date, grain: Grain) -> tuple[dt.date, dt.date]:
    """The first and last day of ``day``'s year, month or the day itself (``grain``)."""
    if grain == "year":
        return dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)
    if grain == "month":
        return dt.date(day.year, day.month, 1), _month_end(day.year, day.month)
    return day, day


def show_date(span: TimeSpan) -> str:
    """``span`` as a reader writes it, at its grain: 2019年11月5日, 2019年11月, 2019年, or for a
    period of several the second end without what it shares with the first, as news writes
    it: 「2024年1月至6月」, 「2019年11月17日至12月29日」, 「2021年5月12日至20日」."""
    first, last = _at_grain(span.start, span.grain), _at_grain(span.end, span.grain)
    if first == last:
        return first
    if span.grain != "year" and span.start.year == span.end.year:
        last = last.split("年", 1)[1]
        if span.grain == "day" and span.start.month == span.end.month:
            last = last.split("月", 1)[1]
    return f"{first}至{last}"


def _at_grain(day: dt.date, grain: Grain) -> str:
    if grain == "year":
        return f"{day.year}年"
    if grain == "month":
        return f"{day.year}年{day.month}月"
    return f"{day.year}年{day.month}月{day.day}日"
