"""The date a when-answer leads with, and when a story's own date tells what a sentence says.

A news sentence often states its day without the year (「该协议预计将于9月1日生效」, 「28日9时55分
…登陆」), or no date at all, because the story's dateline — taken into its metadata at ingest —
says it. An answer to 「什么时候」 that quotes such a sentence leads with the full date:

- a year-less day or month in the quoted phrase takes its year (and month) from the story's date
  (``newsqa.timex.story_times``): 「2024年9月1日：…将于9月1日生效…[1]」;
- without a story date, from a year the passage states before it (「1857年…。4月20日，…」), or
  from the one year the question itself names (「2024年3月1日中超联赛的揭幕日期是什么？」 quoting
  「2024赛季中超联赛将于3月1日揭幕」);
- a period of days asked for its end (「截止日期」, 「到什么时候」) leads with its last day in full;
- a relative year (「14年前」, 「去年」) is read against the story's date when a year is asked:
  「哪一年」 quoting 「14年前，…」 in a 2024 story leads with 「2010年：」;
- a quote that states no date at all is dated by its story's date when it is the story's lead
  or the story is a brief (``tells_story_day``): what a lead reports happened on its dateline,
  while a sentence deep in a long story may be background.

Example::

    full_date(question_folded, hit, [(filler_start, filler_end)], (sentence_start, sentence_end))
    # '2024年9月1日' (or "" when the quote states its year, or nothing dates it)
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

from newsqa.script import fold
from newsqa.text import split_sentences
from newsqa.timex import TimeSpan, as_date, find_times, show_date, story_times
from newsqa.types import RetrievedChunk

_ASKS_A_DAY = re.compile(r"几月几[日号]|哪一?天|哪一?日|几号|日期|生日")
_ASKS_A_YEAR = re.compile(r"哪一?年|何年|几几年|年份")
_ASKS_THE_END = re.compile(r"截止|截至|结束|到什么时候|到何时|持续到|为止|到期")
# A sentence about what is still to come: its story's date is not when it happens.
_AHEAD = re.compile(r"将于|将在|将要|即将|预计|预期|计划|拟于|拟在|有望|下半年|年底前|明年|届时|择期")
_WITH_MONTH = re.compile(r"\s*(?:\d{1,2}|十[一二]?|[一二三四五六七八九])\s*月")
_PART_OF_DAY = r"(?:凌晨|清晨|早上|早晨|上午|中午|午间|下午|傍晚|晚上|晚间|夜间|深夜)"
_TIME_OF_DAY = re.compile(
    rf"\s*{_PART_OF_DAY}?\s*(?:\d{{1,2}}\s*[时時点點]\s*(?:\d{{1,2}}\s*分|半)?|\d{{1,2}}:\d{{2}})(?:左右|前后|前|后|许)?"
    rf"|\s*{_PART_OF_DAY}前?"
)
_RANGE_END = re.compile(r"\s*(?:至|到|-|—|–|~|～)\s*(?:3[01]|[12]\d|0?[1-9])\s*[日号號](?![本报報元内內前电電])")
LEAD_SENTENCES = 2  # a story's first sentences tell the event of its date
BRIEF_CHARS = 400  # ... and so does all of a story this short


def tells_story_day(hit: RetrievedChunk, start: int) -> bool:
    """Whether the sentence at ``start`` (an offset in the passage) tells what happened on its
    story's date: it is among the story's first ``LEAD_SENTENCES``, or the story is a brief;
    and it tells no plan or forecast (「…将于下半年对外发布」 happens after its dateline)."""
    if hit.chunk.start != 0:
        return False
    sentences = split_sentences(hit.chunk.text)
    at = next((s for s in sentences if s.start <= start < s.end), None)
    if at is not None and _AHEAD.search(fold(hit.chunk.text[at.start : at.end])):
        return False
    if len(hit.document.text) <= BRIEF_CHARS:
        return True
    return any(s.start <= start < s.end for s in sentences[:LEAD_SENTENCES])


def story_day_span(hit: RetrievedChunk) -> TimeSpan | None:
    """The story's date as a one-day span, or None when it has none."""
    day = as_date(hit.document.date)
    return TimeSpan(day, day, "day", hit.document.date or "", False) if day else None


def full_date(
    question_folded: str, hit: RetrievedChunk, phrases: list[tuple[int, int]], quote: tuple[int, int]
) -> str:
    """The full date a when-answer quoting ``quote`` (offsets in the passage) leads with: that
    of the first of ``phrases`` (the phrases that could fill the question's gap, offsets in the
    passage, best first) that is a date, when it lacks its year; else the story's date for a
    quote that states no date and tells its story's day. "" when the phrase states its year
    (the quote says it all) or nothing dates it."""
    text, story_day = hit.chunk.text, as_date(hit.document.date)
    times = story_times(text, story_day)
    asked_year = _the_question_year(question_folded)
    if story_day is None and asked_year is not None:
        times = _with_the_question_year(text, times, asked_year)
    phrases = _past_the_dateline(text, times, phrases, quote)
    for a, b in phrases:
        for span in times:
            if span.grain == "year":  # 「今年第5号台风」: a year alone is not when it happened,
                if span.relative and _ASKS_A_YEAR.search(question_folded) and span.start.year == span.end.year:
                    return f"{span.start.year}年"  # unless a year is asked: 「14年前」 in a 2024 story
                continue
            if span.offset < b and a < span.offset + len(span.text):
                listed = "、" in text[max(0, span.offset - 1) : span.offset + len(span.text) + 1]  # 「在7月、8月」
                # a bare 「11月」 is shown with its year when the story's date or the question gave it
                months_too = (story_day is not None or span.start.year == asked_year) and not listed
                if span.grain == "day" and span.start != span.end and _ASKS_THE_END.search(question_folded):
                    return show_date(replace(span, start=span.end))  # 「截止日期」: the range's last day
                shown = _yearless(span, months_too=months_too and not _ASKS_A_DAY.search(question_folded))
                return shown + _said_after(text, span) if shown else ""
    start, end = quote
    if story_day is not None and not any(start <= t.offset < end for t in times) and tells_story_day(hit, start):
        return show_date(story_day_span(hit))
    return ""


# 「…将于20日正式上市」: the day a sentence says something is to happen.
_TO_HAPPEN_ON = re.compile(r"(?:将|即将|定|预计|拟|计划)(?:于|在)$")


def _past_the_dateline(
    text: str, times: list[TimeSpan], phrases: list[tuple[int, int]], quote: tuple[int, int]
) -> list[tuple[int, int]]:
    """``phrases`` with the day the quote says its event is to happen first, when the quote
    opens with its report's date: 「2023年9月15日，…仰望U8将于20日正式上市」 is asked 「什么时候
    上市」 about the 20th, not the 15th."""
    start, end = quote
    opening = next((t for t in times if start <= t.offset <= start + 2 and t.grain == "day"), None)
    if opening is None or not text[opening.offset + len(opening.text) :].lstrip().startswith(("，", ",")):
        return phrases
    ahead = [
        t for t in times
        if opening.offset < t.offset < end and t.grain == "day"
        and _TO_HAPPEN_ON.search(fold(text[max(start, t.offset - 4) : t.offset]).rstrip())
    ]
    if not ahead:
        return phrases
    first = ahead[0]
    return [(first.offset, first.offset + len(first.text)), *phrases]


def _yearless(span: TimeSpan, *, months_too: bool) -> str:
    """``span`` shown in full when the text wrote it without its year: a day, or with
    ``months_too`` a month (when the story's date gave the year — a bare 「7月」 in an undated
    text may be any July — and the question does not ask for a day)."""
    if "年" in span.text or span.start.year != span.end.year:
        return ""
    if span.grain == "day" or (span.grain == "month" and months_too and span.start.month == span.end.month):
        # one expression as the text wrote it, with its year (「2024年5月底」, not 「2024年5月21日至
        # 2024年5月31日」); a range the text wrote in full, each end in full (both are dates asked for)
        as_written = _WITH_MONTH.match(span.text) and not any(c in span.text for c in "至到~～—–-")
        return f"{span.start.year}年{''.join(span.text.split()).replace('月份', '月')}" if as_written else show_date(span)
    return ""


def _said_after(text: str, span: TimeSpan) -> str:
    """What the text adds right after ``span``: the last day of a range in its month
    (「9月19日至21日」), or a time of day (「7月9日中午前」, 「18时左右」)."""
    m = _RANGE_END.match(text, span.offset + len(span.text)) if span.grain == "day" else None
    m = m or _TIME_OF_DAY.match(text, span.offset + len(span.text))
    return "".join(m.group(0).split()) if m else ""


def _the_question_year(question_folded: str) -> int | None:
    """The one year the question names explicitly (「2021年…」), or None (none, or several)."""
    years = {t.start.year for t in find_times(question_folded) if not t.relative and t.start.year == t.end.year}
    return years.pop() if len(years) == 1 else None


def _with_the_question_year(text: str, times: list[TimeSpan], year: int) -> list[TimeSpan]:
    """For an undated passage: its year-less dates (with a month) read in ``year``, the one
    year the question names, when the passage gave them none."""
    taken = {t.offset for t in times}
    read = [t for t in story_times(text, dt.date(year, 7, 1)) if t.offset not in taken and "月" in t.text]
    return sorted(times + read, key=lambda t: t.offset)
