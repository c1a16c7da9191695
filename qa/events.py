"""Questions about several events: which came first, were they in the same month, how far apart.

A news reader asks 「康达访问越南和红魔9 Pro系列手机发布，哪个事件更早发生？」,
「英国脱欧协议生效和武汉解除离汉离鄂通道管控是在同一个月吗？」 or 「A和B相隔多少天？」. No
single passage answers these: each event has its own story and its own date. So:

1. ``EventQuestion.read`` (``newsqa.qa.event_question``) recognises the question's kind —
   ``order`` (更早/更晚/最早/最晚/先/后), ``same`` (同一年/同一个月/同一天, a judgement) or
   ``interval`` (相隔多久/多少天/几年) — and splits it into the events it names;
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
import re
from dataclasses import dataclass, replace

from newsqa.qa.answer_dates import story_day_span, tells_story_day
from newsqa.qa.event_question import NAME_CHARS, EventQuestion
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

__all__ = ["DatedEvent", "EventAnswerer", "EventQuestion", "event_date", "event_words", "word_share"]

EVENT_DEPTH = 5  # passages retrieved per event
MIN_COVERAGE = 0.3  # share of an event's words its passage must hold to date the event
NEAR_BEST = 0.5  # a sentence holding this share of what the best holds of an event may date it
SWITCH_MARGIN = 0.1  # another passage must cover an event this much more than the first to date it


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


_ASKED_TAIL = re.compile(r"的?结果$")  # 「罗马对阵热那亚的比赛结果」: the result is what is asked, not told


def event_words(name: str) -> set[str]:
    """The words (bigrams, latin words, numbers) that tell the event ``name``."""
    told = _ASKED_TAIL.sub("", fold(name)) or fold(name)
    return {t for t in bigram_tokens(told) if not (len(t) == 1 and t in GRAMMAR_CHARS)}


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
    stated = _stated_in(times, best)
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
        said = _stated_in(times, near)
        if said:
            return DatedEvent(name, hit, said[0], coverage, near.start, near.end)
    return DatedEvent(name, hit, None, coverage, best.start, best.end)


def _stated_in(times: list[TimeSpan], sentence) -> list[TimeSpan]:
    """The times stated in ``sentence`` (a span of the passage), a day or month before a
    year, in order otherwise."""
    return sorted((t for t in times if sentence.start <= t.offset < sentence.end), key=lambda t: t.grain == "year")


def _as_stated(event: DatedEvent) -> DatedEvent:
    """The event dated by the day its name states (「2020年1月3日苏莱曼尼被刺杀」): the asker's
    date stands over a passage's (which may tell a later turn of the story); the passage, if
    any, is still cited."""
    stated = [t for t in find_times(event.name) if t.grain == "day" and t.start == t.end and not t.relative]
    if len(stated) != 1 or (event.when is not None and event.when.start == stated[0].start):
        return event
    return replace(event, when=stated[0])


def _same_period_reading(dated: list[DatedEvent], near: list[list[DatedEvent]], grain: Grain) -> list[DatedEvent]:
    """For 「A和B是同一个月吗？」: when an event's words fit another story as well as the one
    chosen (「北京的新政策」), the asker means the one of the other events' period if there is
    one; so the first swap of one event's story for such an equal that puts every event in
    one ``grain`` period, else ``dated`` as chosen. One swap only: with every event free to
    move, generic events (「新增病例」) always find a month in common (measured on both
    ChronoQA halves). Every date shown is cited, so the reader sees which stories."""
    if any(e.when is None for e in dated):
        return dated
    for i, options in enumerate(near):
        for other in options[1:]:
            choice = [*dated[:i], other, *dated[i + 1 :]]
            if all(e.when is not None and GRAIN_ORDER[e.when.grain] >= GRAIN_ORDER[grain] for e in choice) and len(
                {grain_period(e.when.start, grain) for e in choice}
            ) == 1:
                return choice
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
        tried = [self._date_reading(reading, as_of, within, asked.scope, asked.respective) for reading in readings]

        def preference(i: int) -> tuple:
            dated = tried[i][0]
            degree = len(dated) >= 3 if asked.superlative else len(dated) == 2 if asked.comparative else True
            no_bare_name = all(len(e.name) > NAME_CHARS for e in dated)  # 「索尼、微软、任天堂反对…」: 索尼 is no event
            return all(e.when is not None for e in dated), degree, no_bare_name, min(e.coverage for e in dated), -i

        dated, lists, near = tried[max(range(len(tried)), key=preference)]
        if asked.kind == "same":
            dated = _same_period_reading(dated, near, asked.grain)
        elif asked.kind == "within" and (period := _asked_period(asked, as_of)) is not None:
            dated = [next((e for e in options if _inside(e.when, period)), chosen) for chosen, options in zip(dated, near)]
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
        give it a date, best first; and all that were retrieved. ``scope``: the year or month
        the question puts the event in (``EventQuestion.scope``, ``respective``), searched and
        held with the name when the name states no year of its own."""
        query = name
        if scope and not any(not t.relative for t in find_times(name)):
            query = f"{scope}{name}"
        hits = self.retriever.run(query, depth or self.depth, as_of=as_of, within=within)
        words, pinned = event_words(name), Qualifiers.of(query)
        found = [event_date(name, hit, words) for hit in hits if pinned.held_by(hit.document)]
        return [e for e in found if e.when is not None and e.coverage >= self.min_coverage], hits

    def _date_reading(
        self, events: tuple[str, ...], as_of: dt.date | None, within: DateRange | None, scope: str = "",
        respective: tuple[str, ...] = (),
    ) -> tuple[list[DatedEvent], list[list[RetrievedChunk]], list[list[DatedEvent]]]:
        """Each event's date from its best passage; the passages retrieved for each; and each
        event's equals (the chosen passage first, then those covering it at least as well:
        other stories the event's words fit as well).
        ``respective``: each event's own period (「2024年2月和3月，A和B分别…」), when as many."""
        dated, lists, near = [], [], []
        scopes = respective if len(respective) == len(events) else (scope,) * len(events)
        for name, own_scope in zip(events, scopes):
            found, hits = self.candidates(name, as_of=as_of, within=within, scope=own_scope)
            lists.append(hits)
            best = max(found, key=lambda e: e.coverage, default=None)
            if best is not None and found[0].coverage >= best.coverage - SWITCH_MARGIN:
                best = found[0]  # the retriever's first unless another covers the event clearly better
            chosen = _as_stated(best or DatedEvent(name, None, None, 0.0))
            dated.append(chosen)
            near.append([chosen, *(_as_stated(e) for e in found if e is not best and e.coverage >= chosen.coverage)])
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
            answer_text, abstained = _compute(asked, dated, marks, words, _asked_period(asked, as_of)), False
        return Answer(
            question=asked.question,
            answer=answer_text,
            abstained=abstained,
            citations=citations,
            script=script,
            retrieved=_interleave(lists),
            confidence=min((e.coverage for e in dated), default=0.0),
            answer_type={"order": "comparison", "interval": "interval", "dates": "date"}.get(asked.kind, "judgement"),
        )


def _asked_period(asked: EventQuestion, as_of: dt.date | None) -> TimeSpan | None:
    """The period a ``within`` judgement asks about (「都是2019年发生的吗」), read against
    ``as_of`` (「都是去年…」); None for other kinds or when it cannot be read."""
    if asked.kind != "within":
        return None
    found = find_times(asked.period, as_of)
    return found[0] if len(found) == 1 else None


def _inside(when: TimeSpan | None, period: TimeSpan) -> bool:
    return when is not None and period.start <= when.start and when.end <= period.end


def _judged(asked: EventQuestion, spans: list[TimeSpan], period: TimeSpan | None) -> bool | None:
    """A ``before``/``within`` judgement on dated events: True, False, or None when the
    dates are too coarse to tell (「2023年7月」 against 「7月20日」)."""
    if asked.kind == "within":
        if period is None:
            return None
        if all(_inside(s, period) for s in spans):
            return True
        return False if any(not s.overlaps(period) for s in spans) else None
    a, b = spans
    one_day = a.grain == b.grain == "day" and a.start == a.end and b.start == b.end
    if a.overlaps(b) and not one_day:
        return None
    return a.end < b.start if asked.direction == "earliest" else a.start > b.end


def _compute(
    asked: EventQuestion, dated: list[DatedEvent], marks: dict[int, str], words: dict[str, str],
    period: TimeSpan | None = None,
) -> str:
    """The answer text for dated events (every ``when`` set); ``period``: the one a
    ``within`` judgement asks about."""
    spans = [e.when for e in dated]
    listed = "，".join(f"{e.name}{words['at']}{marks[i]}" for i, e in enumerate(dated))
    if asked.kind == "dates":
        return listed + "。"
    if asked.kind in ("before", "within"):
        holds = _judged(asked, spans, period)
        verdict = words["undecided"] if holds is None else f"{words['yes'] if holds else words['no']}："
        return f"{verdict}{listed}。"
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
