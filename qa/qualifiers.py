"""What a question pins its subject down with, and whether a story holds it.

A near-miss question shares almost every word with a story that does not answer it:
「2019年女足世界杯中国女足是在哪一轮被淘汰的？」 asked of the 2023 story,
「成都大運會女子三級跳遠的金牌得主是誰？」 of the men's final, 「第八屆炎陵黃桃大會…」 of
the ninth, 「…第9次上調時…」 of the tenth. The words that make the difference are few and
exact, so they are checked exactly:

* a **year** the question states (「2019年」, 「2023年上半年」, 「1993年到2005年」:
  ``newsqa.timex.find_times`` without a reference date, so only explicit ones): the
  story's date lies in it, or its text names a year of it;
* an **ordinal** (「第9次」「第八屆」「首届」: ``newsqa.chinese.ordinals``): the story does
  not number the same thing otherwise (第九屆 but never 第八屆);
* a **sex** of a competition (男子/女子/男篮/女足 …): the story does not name only the other;
* a **code** (诺基亚G310, QX036: letters and digits in one word, ``newsqa.chinese.codes``):
  the story holds it (the C210 story does not answer for the G310);
* a **day** the question states with its year (「2023年5月19日A股…」): the story is dated
  that day or up to ``DAY_AFTER`` days after (a next-day report), or its text names the day
  (「5月19日」, or 「19日」 in a story of that month: ``newsqa.timex.story_times``).

Ordinals and sexes fail only on evidence of another one, since stories paraphrase them
(「二戰」, 「首個」); a year, a code and a day must be there.

``Qualifiers.of(question).held_by(document)`` is False when the story fails one; the
answerer then quotes the next candidate of a story that holds them all, else abstains
(``newsqa.qa.answerer``). A question without qualifiers is never affected.

Example::

    asked = Qualifiers.of("2019年女足世界杯中国女足是在哪一轮被淘汰的？")
    asked.years, asked.sexes         # ((2019, 2019),), frozenset({'女足'})
    asked.held_by(story_of_2023)     # False: nothing dated or written 2019
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from newsqa.chinese import OTHER_SEX, SEX_WORDS, codes, holds_codes, ordinals
from newsqa.script import fold
from newsqa.timex import as_date, find_times, story_times
from newsqa.types import Document

_SEX_RE = re.compile("|".join(SEX_WORDS))
STORY_CACHE_SIZE = 2048  # folded stories kept between questions
DAY_AFTER = 2  # a story dated this many days after the day asked may report it
_CODE_JOINERS = re.compile(r"(?<=[a-z0-9])[-‐–\s·.](?=[a-z0-9])")


@dataclass(frozen=True, slots=True)
class Qualifiers:
    """The years, ordinals and sex words a question names (folded text)."""

    years: tuple[tuple[int, int], ...] = ()  # (first, last) year of each period named
    ordinals: frozenset[tuple[str, int]] = frozenset()
    sexes: frozenset[str] = frozenset()
    codes: frozenset[str] = frozenset()  # g310, qx036: identifiers the story must hold
    days: tuple[dt.date, ...] = ()  # days stated with their year: the story is of one or names it

    @classmethod
    def of(cls, question: str) -> Qualifiers:
        folded = fold(question)
        spans = [span for span in find_times(folded) if not span.relative]
        years = sorted({(span.start.year, span.end.year) for span in spans})
        days = tuple(sorted({s.start for s in spans if s.grain == "day" and s.start == s.end}))
        # 第一次 is mostly "for the first time" (第一次來到), told as 第一批 or 首次: no edition.
        numbered = frozenset(o for o in ordinals(folded) if o != ("次", 1))
        return cls(tuple(years), numbered, frozenset(_SEX_RE.findall(folded)), frozenset(codes(folded)), days)

    def __bool__(self) -> bool:
        return bool(self.years or self.ordinals or self.sexes or self.codes or self.days)

    def held_by(self, document: Document) -> bool:
        """Whether the story (headline, text, date) can be about what was asked.

        A year must be the story's date or stand in its text (any year of a range: 「1993年到
        2005年」). An ordinal or a sex word fails only on evidence of another one: the story
        numbers the same thing otherwise (第九屆, not 第八屆) or names the other sex (男子,
        never 女子); a story that does not say (「二戰」 for 第二次世界大戰) is given the benefit.
        """
        if not self:
            return True
        text = _story_text(document.title, document.text)
        if self.codes:
            joined = _CODE_JOINERS.sub("", text)  # written with or without its hyphen: f-16 holds f16
            if not all(holds_codes(text, [code]) or holds_codes(joined, [code]) for code in self.codes):
                return False
        dated = (document.date or "")[:4]
        for first, last in self.years:
            if not any(dated == str(y) or _names_year(text, y) for y in range(first, last + 1)):
                return False
        if self.days and not _tells_a_day(self.days, document):
            return False
        if self.ordinals:
            stated = ordinals(text)
            for counter, n in self.ordinals:
                if (counter, n) not in stated and any(c == counter for c, _ in stated):
                    return False
        return all(word in text or not any(other in text for other in OTHER_SEX[word]) for word in self.sexes)


@lru_cache(maxsize=STORY_CACHE_SIZE)
def _story_text(title: str, text: str) -> str:
    """A story's headline and text, folded; kept, since the same stories come back question
    after question and ``fold`` converts a long text afresh each time."""
    return fold(title + "\n" + text)


def _tells_a_day(days: tuple[dt.date, ...], document: Document) -> bool:
    """Whether the story is dated one of ``days`` (or up to ``DAY_AFTER`` days after it),
    or its text names one of them."""
    story_day = as_date(document.date)
    if story_day is not None and any(0 <= (story_day - day).days <= DAY_AFTER for day in days):
        return True
    named = _story_days(document.title + "\n" + document.text, story_day)
    return any(day in named for day in days)


@lru_cache(maxsize=STORY_CACHE_SIZE)
def _story_days(text: str, story_day: dt.date | None) -> frozenset[dt.date]:
    """The single days a story's text names, read as the story's (``story_times``)."""
    return frozenset(t.start for t in story_times(text, story_day) if t.grain == "day" and t.start == t.end)


def _names_year(folded: str, year: int) -> bool:
    """Whether the text writes ``year`` in digits (not inside a longer number) or in
    numerals digit by digit (二〇〇五, 二零零五)."""
    if re.search(rf"(?<!\d){year}(?!\d)", folded):
        return True
    digits = str(year)
    return any(digits.translate(table) in folded for table in _NUMERAL_YEARS)


_NUMERAL_YEARS = (str.maketrans("0123456789", "〇一二三四五六七八九"), str.maketrans("0123456789", "零一二三四五六七八九"))
