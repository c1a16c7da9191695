"""Questions anchored on another event's day: 「香港法院向中国恒大发出清盘令当天，中国民办教育协会发布了什么预警？」.

The day is not in the question: it is the date of the event the question names. So the
question is read as an anchor event, a period (当天 → that day, 当月 → its month, 当年 →
its year) and the question proper; the anchor is dated as in ``newsqa.qa.events``, the
question proper is answered from the articles of that period only, and the answer says the
anchor's date with its citation first:
「香港法院向中国恒大发出清盘令在2024年1月29日[1]。当天：中国民办教育协会发布了关于抵制违规竞赛的预警……[2]」
When the anchor cannot be dated, the answer says so and nothing is guessed.

Example::

    asked = AnchoredQuestion.read("神舟十三号成功返回当天，江苏省新增了多少本土确诊病例？")
    asked.anchor, asked.grain, asked.rest     # ('神舟十三号成功返回', 'day', '江苏省新增了多少本土确诊病例？')
    asked.period(dated.when)                  # DateRange of that day
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from newsqa.qa.events import DatedEvent, word_share
from newsqa.qa.parts import cite_into
from newsqa.script import Script, detect_script, fold, in_both_scripts
from newsqa.text import query_tokens
from newsqa.timex import GRAIN_ORDER, DateRange, Grain, TimeSpan, as_date, grain_period, show_date, story_times
from newsqa.types import Answer, Citation, RetrievedChunk

# 「X当天，…」: the anchor word closes a clause of its own (「…夺得了当年NCAA冠军」 is no anchor),
# and the anchor names an event, not what is asked (no 哪/谁/什么) nor a sentence (no 。？).
_ANCHOR = re.compile(
    r"^(?P<anchor>[^。？?]{3,60}?)(?:的)?(?P<word>当天|当日|同一天|那一天|那天|当月|同月|那个月|当年|同年|那一年)[，,]\s*(?P<rest>.{4,})$"
)
_ASKING = re.compile(r"哪|谁|什么|何|多少|几|怎")
_GRAINS: dict[str, Grain] = {
    "当天": "day", "当日": "day", "同一天": "day", "那一天": "day", "那天": "day",
    "当月": "month", "同月": "month", "那个月": "month", "当年": "year", "同年": "year", "那一年": "year",
}
ANCHOR_DEPTH = 10  # passages searched for the anchor event and for the question proper
PROPER_DAYS = 3  # the days of this many passages for the question proper are searched for the anchor
IN_PERIOD_COST = 5  # the rank an anchor passage found only within such a day counts as
MIN_PROPER_SHARE = 0.4  # of the question proper's words, the sentence quoted from the anchor's day must hold

_WORDS: dict[Script, dict[str, str]] = in_both_scripts({
    "at": "在", "day": "当天", "month": "当月", "year": "当年",
    "undated": "在资料中找不到「{}」的日期，不知道是哪一天。",
    "nothing": "但那段时间的文章里找不到这个问题的答案。",
    "any_day": "不限日期的话，资料中有：", "cannot": "无法回答。",
})


@dataclass(frozen=True, slots=True)
class AnchoredQuestion:
    """A question asked of another event's period: the ``anchor`` event as written, the
    ``grain`` of the period (当天 day, 当月 month, 当年 year) and the question proper."""

    question: str
    anchor: str
    grain: Grain
    rest: str

    @classmethod
    def read(cls, question: str) -> AnchoredQuestion | None:
        folded = fold(question)
        if len(folded) != len(question):
            folded = question
        m = _ANCHOR.match(folded.strip())
        if m is None:
            return None
        lead = len(folded) - len(folded.lstrip())
        anchor = question[lead + m.start("anchor") : lead + m.end("anchor")].strip(" ，,")
        rest = question[lead + m.start("rest") :].strip()
        if len(anchor) < 3 or len(fold(rest).strip("？?。 ")) < 3 or _ASKING.search(m.group("anchor")):
            return None
        return cls(question, anchor, _GRAINS[m.group("word")], rest)

    def period(self, when: TimeSpan) -> DateRange:
        """The anchor's day, month or year (the grain asked), as a date range."""
        return DateRange.parse(*grain_period(when.start, self.grain))

    def fine_enough(self, when: TimeSpan) -> bool:
        """Whether the anchor's date is at least as fine as the period asked (a month is no 当天)."""
        return GRAIN_ORDER[when.grain] >= GRAIN_ORDER[self.grain] and when.start.year == when.end.year


def pick_anchor(
    asked: AnchoredQuestion,
    anchors: list[DatedEvent],
    proper: list[RetrievedChunk],
    anchors_in: Callable[[DateRange], list[DatedEvent]] | None = None,
) -> DatedEvent | None:
    """The dated anchor passage whose period also holds a passage found for the question
    proper (``proper``, best first): the pair with the lowest sum of ranks, among the anchor's
    own top passages (``anchors``, best first) and, through ``anchors_in(period)``, the
    passages of the anchor in the periods of the first ``PROPER_DAYS`` proper passages (at a
    cost of ``IN_PERIOD_COST``: they were not among the anchor's best). The first anchor
    when no period holds both; None when nothing dates the anchor."""
    pairs: list[tuple[int, DatedEvent]] = []
    for i, anchor in enumerate(anchors):
        period = asked.period(anchor.when)
        j = next((j for j, hit in enumerate(proper) if period.contains(hit.document.date)), None)
        if j is not None:
            pairs.append((i + j, anchor))
    if anchors_in is not None:
        for j, hit in enumerate(proper[:PROPER_DAYS]):
            day = as_date(hit.document.date)
            if day is None:
                continue
            period = asked.period(TimeSpan(day, day, "day", "", False))
            found = [a for a in anchors_in(period) if asked.fine_enough(a.when) and period.contains(a.when.start)]
            if found:
                pairs.append((j + IN_PERIOD_COST, found[0]))
    if pairs:
        return min(pairs, key=lambda pair: pair[0])[1]
    return anchors[0] if anchors else None


def answers_the_question(
    asked: AnchoredQuestion, answer: Answer, period: DateRange | None = None, min_share: float = MIN_PROPER_SHARE
) -> bool:
    """Whether ``answer`` (to the question proper, from the anchor's period) quotes a sentence
    that holds at least ``min_share`` of the question proper's words (its headline counted):
    from a day with few articles the answerer may quote whatever is there; and, when the
    sentence states a day or month, one within ``period`` (a story of 7月29日 telling what
    happened 「7月28日晚」 is not about the 29th)."""
    if answer.abstained or not answer.citations:
        return False
    cited = answer.citations[0]
    quoted = cited.text[cited.highlight_start : cited.highlight_end]
    if period is not None and not _states_a_day_in(quoted, as_date(cited.date), period):
        return False
    words = set(query_tokens(fold(asked.rest)))
    if not words:
        return True
    return word_share(words, fold(cited.title + "\n" + quoted)) >= min_share


def _states_a_day_in(quoted: str, story_day, period: DateRange) -> bool:
    """False when ``quoted`` states days or months (read near its story's date) and none of
    them falls in ``period``; True otherwise (a sentence that states none is the story's)."""
    stated = [t for t in story_times(quoted, story_day) if t.grain != "year"]
    return not stated or any(period.contains(t.start) or period.contains(t.end) for t in stated)


def with_undated_stories_of(
    period: DateRange, of_the_period: list[RetrievedChunk], any_day: list[RetrievedChunk]
) -> list[RetrievedChunk]:
    """``of_the_period`` (a search limited to ``period``) with the undated stories of
    ``any_day`` (the same search, unlimited) whose text states a day of ``period``, by score: a
    date filter reads a story's date, so it passes over 「长沙市中级人民法院于2020年7月25日对…
    宣判」 in a story that has none, though it tells that day."""
    seen = {h.chunk.chunk_id for h in of_the_period}
    undated = [
        h for h in any_day
        if h.chunk.chunk_id not in seen and as_date(h.document.date) is None
        and any(t.grain == "day" and period.contains(t.start) for t in story_times(h.chunk.text, None))
    ]
    return sorted([*of_the_period, *undated], key=lambda h: -h.score) if undated else of_the_period


def within_both(first: DateRange | None, second: DateRange) -> DateRange | None:
    """The days in both ranges (``first`` None: no limit); None when they do not overlap."""
    if first is None:
        return second
    since = max(filter(None, (first.since, second.since)), default=None)
    until = min(filter(None, (first.until, second.until)), default=None)
    if since is not None and until is not None and since > until:
        return None
    return DateRange.parse(since, until)


def anchored_answer(
    asked: AnchoredQuestion, anchor: DatedEvent | None, on_the_day: Answer | None, any_day: Answer | None = None
) -> Answer:
    """The answer to an anchored question, saying what was found at each step:

    * the anchor dated and the question proper answered from its period: 「X在D[1]。当天：…[2]」;
    * the anchor dated, its period silent: 「X在D[1]。但那段时间的文章里找不到…。不限日期的话，资料中有：…[2]」;
    * the anchor undated: 「在资料中找不到「X」的日期，不知道是哪一天。不限日期的话，资料中有：…[1]」.

    ``any_day`` is the answer to the question proper from all articles: offered only when
    the anchor's period gives none (``on_the_day`` None or abstained), and marked as such,
    so the reader knows it is not pinned to that day. Abstains when neither gives an answer."""
    script = detect_script(asked.question)
    words = _WORDS[script]
    parts: list[str] = []
    citations: list[Citation] = []
    if anchor is None:
        parts.append(words["undated"].format(asked.anchor))
    else:
        citations.append(anchor.hit.citation(1, anchor.start, anchor.end))
        parts.append(f"{asked.anchor}{words['at']}{show_date(anchor.when)}[1]。")
    answered = on_the_day is not None and not on_the_day.abstained
    chosen = on_the_day if answered or any_day is None else any_day
    if chosen is None:
        raise ValueError("anchored_answer needs an answer from the anchor's period or from any day")
    if on_the_day is not None and not answered:
        parts.append(words["nothing"])
    if chosen.abstained:
        parts.append(words["cannot"])
    else:
        text = cite_into(chosen, citations)  # the anchor's own sentence keeps its [1]
        parts.append((words[asked.grain] + "：" if answered else words["any_day"]) + text)
    return replace(
        chosen,
        question=asked.question,
        answer="".join(parts),
        abstained=chosen.abstained,
        citations=citations,
        script=script,
        answer_type="anchored",
    )
