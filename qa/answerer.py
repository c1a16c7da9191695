"""The default answer generator: extractive, offline, with citations and abstention.

1. What the question asks for and where its question word sits
   (``newsqa.answer_types``: date, number, quantity, person, place, organisation,
   list, yes/no, other).
2. Every sentence of the retrieved passages is scored against the question. Features:
   the weighted share (corpus IDF) of the question's script-folded character bigrams
   (question words removed) found in the sentence with its neighbours and headline, in
   its passage, in its headline and in the next sentence; the same share of the bigrams
   that are not in the passage's headline, in the sentence with its neighbours; weighted
   character overlap of the sentence (also counting only the characters that are not in
   the headline: a question about 日本绿鹦嘴鱼 shares the name with every sentence of
   that story, and what it asks beyond the name says which one answers), and of the
   sentence with its context (robust to rewording); whether
   the sentence holds the kind of thing asked for (a year for 哪一年, a number with the
   asked unit for 多少公里, a new word ending in 州 for 哪一州); how well its best phrase
   fills the question's gap (``newsqa.qa.spans.align``: the question's words before the
   gap sit before it, those after sit after it) and whether that phrase is a pronoun
   (此/他們: the answer is in another sentence); a sentence that starts by referring
   back, or whose next sentence does (it then holds the antecedent); length; how much
   of it is new; the passage's rank (and its dense and BM25 ranks). The weights
   (``newsqa.qa.sentence_scoring.SENTENCE_WEIGHTS``) were fitted as a conditional logit on the TUNE half of DRCD
   dev (articles whose SHA-1 is even), over the passages the default retriever (fusion
   + re-ranker) returns: among the sentences of the top 5 passages, the one that holds
   the gold answer inside the gold passage (coverage weights kept non-negative).
   Only sentences of passages that hold at least ``PASSAGE_GATE`` of what the best
   passage holds of the question are candidates (a related story that shares a few
   words does not answer for the story asked about); another passage of the best
   passage's own article needs only ``SAME_STORY_GATE`` (DRCD TUNE citation accuracy
   0.956 -> 0.958; the seed set's 0.963 -> 0.982).
   When the question names a place (``newsqa.qa.places``: provinces, major cities),
   passages about other places only are no sources (``PLACE_CHECK``); and when a date or
   number question has then lost every candidate that holds one, the answerer abstains:
   asked when 河北's zone opened, it does not quote the 廣東 item's date.
3. The answer is the best sentence when it is short (``max_chars``), else the clauses
   around the gap's filler within ``max_chars``; for a number/quantity question
   whose filler is an unambiguous number next to the question's words, only the
   clause(s) around it (``SHORT_TYPED_CHARS``). It is marked ``[n]`` where ``n``
   indexes the citation list, converted to the question's script, and the citation's
   highlight is the quoted text within the passage.
4. ``confidence`` is the probability that the passages answer the question at all
   (``newsqa.qa.abstain.AbstentionModel``: the re-ranker score the passages carry, evidence match, e5 cosine;
   fitted on DRCD questions whose articles are held out). Without a model it is the evidence match itself: the best, over the candidate
   sentences, of 0.7 × the weighted share of the question's bigrams in the sentence +
   0.3 × the same with the headline, ± the type check (a date/number question without
   one: −0.25), + a small retrieval-rank prior. Under ``min_confidence`` the answerer
   abstains.

Example::

    answerer = ExtractiveAnswerer(min_confidence=0.2)
    answer = answerer.run("上海自贸区是哪一天挂牌的？", retrieved)
    answer.answer        # '2013年9月29日上海自贸区挂牌。[1]'
    answer.answer_type   # 'date'
    answer.citations[0].title
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from newsqa.answer_types import QuestionType, detect_answer_type
from newsqa.ingest.news_pieces import lead_end
from newsqa.qa import spans as sp
from newsqa.qa.abstain import AbstentionModel
from newsqa.qa.answer_dates import full_date
from newsqa.qa.places import regions_in
from newsqa.qa.qualifiers import Qualifiers
from newsqa.qa.sentence_scoring import SENTENCE_WEIGHTS, ScoredSentence, SentenceScorer, TermWeights  # noqa: F401 - re-exported
from newsqa.qa.yesno import verdict
from newsqa.script import Script, TraditionalVariant, detect_script, fold, to_reader_script
from newsqa.text import query_tokens
from newsqa.types import Answer, Citation, RetrievedChunk

ABSTAIN_MESSAGE = {"hant": "資料中沒有相關內容。", "hans": "资料中没有相关内容。"}

# A sentence is a candidate only when its passage holds at least this share of what the
# best-matching passage holds of the question (a related story that shares a few words
# with the question does not outrank the story it asks about).
PASSAGE_GATE = 0.8
# ... or, for another passage of the best passage's own article, at least this share.
SAME_STORY_GATE = 0.4
# ... or, when every passage that passes is of another year or day than the question asks, the
# retriever's first story, if it is of the asked one and holds at least this share (ChronoQA: the
# 2021-08-03 story that answers 「美国国务院于2021年8月3日做出了怎样的决定？」 holds 0.76 of what the
# best, a March story, holds; an unrelated story of the same day 0.17. Rescuing stories further
# down too gave 4 wrong answers of 20 on CHECK and 1 on TUNE, and no right one more).
ASKED_STORY_GATE = 0.6
# Drop the sentences of passages about another place than the question names (seed set:
# abstain recall 0.375 -> 0.625, nothing else changed; DRCD and CMRC unchanged).
PLACE_CHECK = True
# Two sentences of one passage share a citation when the second lies this close to the first.
NEAR_HIGHLIGHT = 20
SENTENCE_END = "。！？!?；;…」』”’）)"  # a piece ending otherwise was cut short of its sentence's end
# A number/quantity answer next to the question's words is quoted with only the
# clause(s) around it, up to this many characters ...
SHORT_TYPED_CHARS = 24
# ... when no other typed phrase of the sentence aligns within this much of it.
SHORT_TYPED_MARGIN = 0.15
# With max_sentences > 1, further sentences must score within this much of the best.
SECOND_SENTENCE_MARGIN = 1.0
# An answer opening with a dateline or byline starts after it when this much is left.
MIN_AFTER_LEAD = 4
_GAP = re.compile(r"\s{3,}")  # a blanked photo credit or a layout gap: no answer quotes across it
@dataclass(slots=True)
class Candidates:
    """What the answerer may quote for one question (see ``ExtractiveAnswerer.candidates``)."""

    sentences: list[ScoredSentence]  # scored, best first, after the place check
    gated: list[ScoredSentence]  # those whose passage passes the gate; gated[0] is quoted
    elsewhere: bool  # passages about another place than the question names were set aside


class ExtractiveAnswerer:
    """Picks the sentence that answers the question best and the phrase in it, with ``[n]`` citations."""

    def __init__(
        self,
        min_confidence: float = 0.2,
        max_sentences: int = 1,
        max_chars: int = 120,
        abstention: AbstentionModel | None = None,
        traditional_variant: TraditionalVariant = "tw",
    ):
        self.min_confidence = min_confidence
        self.traditional_variant = traditional_variant
        self.max_sentences = max_sentences
        self.max_chars = max_chars
        self.abstention = abstention
        self.scorer = SentenceScorer()  # keeps the passages' sentence splits between questions

    @classmethod
    def from_settings(cls, settings) -> "ExtractiveAnswerer":
        weights = settings.answer_abstention_weights
        return cls(
            min_confidence=settings.answer_min_confidence,
            max_sentences=settings.answer_max_sentences,
            max_chars=settings.answer_max_chars,
            abstention=AbstentionModel.load(settings.resolve(weights) if weights else None),
            traditional_variant=settings.answer_traditional_variant,
        )

    # ------------------------------------------------------------------ scoring
    def sentences(
        self, q: QuestionType, retrieved: list[RetrievedChunk], term_weights: TermWeights | None = None
    ) -> list[ScoredSentence]:
        """Every sentence of ``retrieved`` with its features, ranking score and evidence match
        (``newsqa.qa.sentence_scoring``)."""
        return self.scorer.score(q, retrieved, term_weights)

    def confidence(self, sentences: list[ScoredSentence], retrieved: list[RetrievedChunk]) -> float:
        """How sure the answerer is that ``retrieved`` answers the question its ``sentences``
        were scored for, in [0, 1].

        With an abstention model: its probability (from the retriever's scores the passages
        carry and the sentences' evidence match). Without: the best evidence match among
        the candidate sentences (not only the chosen one's, so the threshold keeps its
        meaning whichever sentence the ranking prefers).
        """
        if not sentences:
            return 0.0
        if self.abstention is not None:
            features = self.abstention.features(sentences, retrieved)
            return self.abstention.probability(features)
        return max(0.0, min(1.0, max(s.match for s in sentences)))

    def candidates(
        self, q: QuestionType, retrieved: list[RetrievedChunk], term_weights: TermWeights | None = None
    ) -> Candidates:
        """The scored sentences (best first) after the place check, and those of them that
        pass the passage gate (``_gate``): the first of those is what the answer quotes."""
        sentences = sorted(self.sentences(q, retrieved, term_weights), key=lambda s: -s.score)
        elsewhere = False  # passages about another place than the question names were set aside
        if PLACE_CHECK:
            in_place = self._in_the_place_asked(q, sentences, retrieved)
            elsewhere = len(in_place) < len(sentences)
            sentences = in_place
        gated = self._gate(sentences, retrieved) if sentences else []
        return Candidates(sentences, gated, elsewhere)

    @staticmethod
    def _gate(sentences: list[ScoredSentence], retrieved: list[RetrievedChunk]) -> list[ScoredSentence]:
        """The candidates whose passage matches the question nearly as well as the best one
        (``PASSAGE_GATE``), or, within the best passage's own story, at least ``SAME_STORY_GATE``
        as well: another story must be about the question nearly as much to be a source."""
        best = max(sentences, key=lambda x: x.features["pcov"])
        best_cov = best.features["pcov"]
        story = retrieved[best.passage].document.doc_id
        return [
            x for x in sentences
            if x.features["pcov"] >= PASSAGE_GATE * best_cov
            or (retrieved[x.passage].document.doc_id == story and x.features["pcov"] >= SAME_STORY_GATE * best_cov)
        ]

    @staticmethod
    def _in_the_place_asked(
        q: QuestionType, sentences: list[ScoredSentence], retrieved: list[RetrievedChunk]
    ) -> list[ScoredSentence]:
        """Without the sentences of passages about another region than the one the question
        names (``newsqa.qa.places``): asked about 河北, a passage of the 廣東 story is no
        source, though it shares every other word; one about 浦東 is for 上海. A passage
        that names no place stays."""
        asked = regions_in(q.folded)
        if not asked:
            return sentences
        # fold() caches by text: the passages were folded for scoring already.
        named = [regions_in(fold(hit.document.title)) | regions_in(fold(hit.chunk.text)) for hit in retrieved]
        return [s for s in sentences if asked & named[s.passage] or not named[s.passage]]

    @staticmethod
    def _about_what_was_asked(
        asked: Qualifiers, sentences: list[ScoredSentence], retrieved: list[RetrievedChunk]
    ) -> list[ScoredSentence]:
        """The ``sentences`` of stories that hold the question's year, ordinal and sex words
        (``newsqa.qa.qualifiers``); all of them when the question names none."""
        if not asked:
            return sentences
        held: dict[str, bool] = {}
        out = []
        for s in sentences:
            doc = retrieved[s.passage].document
            if doc.doc_id not in held:
                held[doc.doc_id] = asked.held_by(doc)
            if held[doc.doc_id]:
                out.append(s)
        return out

    # ------------------------------------------------------------------ the answer text
    def _answer_span(self, q: QuestionType, text: str, sent: ScoredSentence, q_tokens: set[str]) -> tuple[int, int]:
        """``(start, end)`` within the chunk text of what the answer quotes.

        The sentence when it is short enough; else the clauses around the filler of the
        question's gap (the best-aligned phrase), within the length budget.
        """
        start, end = sent.start, sent.end
        sentence = text[start:end]
        top = sent.fillers[0] if sent.fillers else None
        budget = self.max_chars
        if top is not None and top.typed and top.adjacent and q.type in ("number", "quantity"):
            # Only an unambiguous one: no other number of the sentence fits nearly as well.
            rivals = [f for f in sent.fillers[1:] if f.typed and not _same_phrase(f, top)]
            if not rivals or top.score - rivals[0].score >= SHORT_TYPED_MARGIN:
                budget = min(budget, SHORT_TYPED_CHARS)
        if end - start <= budget:
            return start, end
        if top is not None:
            a, b = sent.folded.span(top.start, top.end)
        else:
            a, b = sp.best_clause(sentence, q_tokens)
        a, b = sp.clause_window(sentence, a, b, budget, q_tokens)
        return start + a, start + b

    # ------------------------------------------------------------------ answering
    @staticmethod
    def _full_date(q: QuestionType, hit: RetrievedChunk, sent: ScoredSentence) -> str:
        """The full date a when-answer quoting ``sent`` leads with (``newsqa.qa.answer_dates``)."""
        phrases = []
        for filler in sorted(sent.fillers, key=lambda f: not f.typed):  # typed first, in rank order
            a, b = sent.folded.span(filler.start, filler.end)
            phrases.append((sent.start + a, sent.start + b))
        return full_date(q.folded, hit, phrases, (sent.start, sent.end))

    def _lead(
        self, question: str, q: QuestionType, hit: RetrievedChunk, best: ScoredSentence, parts: list[tuple[str, int]],
        script: Script,
    ) -> str:
        """What the answer opens with before its quote: a when-question's full date
        (``full_date``), a yes/no question's 是/不是 (``newsqa.qa.yesno``), else nothing."""
        if q.type == "date":  # the text's own time of day comes with it: 「凌晨1時02分」 for a Traditional reader
            return to_reader_script(self._full_date(q, hit, best), script, variant=self.traditional_variant)
        if q.type == "yesno" and parts:
            said = verdict(question, parts[0][0])
            return to_reader_script(said, script, variant=self.traditional_variant) if said else ""
        return ""

    def run(
        self,
        question: str,
        retrieved: list[RetrievedChunk],
        *,
        term_weights: TermWeights | None = None,
        script: Script | None = None,
    ) -> Answer:
        """Answer ``question`` from ``retrieved`` (best first); abstains when evidence is weak.

        ``term_weights`` maps question tokens to corpus IDF (``NewsIndex.term_weights``); a
        question whose rare words no passage holds then scores low, and the answerer abstains.
        """
        script = script or detect_script(question)
        q = detect_answer_type(question)
        found = self.candidates(q, retrieved, term_weights)
        confidence, quotable = self._judged(question, q, found, retrieved)
        if not found.sentences or confidence < self.min_confidence:
            return Answer(
                question=question,
                answer=ABSTAIN_MESSAGE[script],
                abstained=True,
                citations=[],
                script=script,
                confidence=confidence,
                answer_type=q.type,
            )
        best = quotable[0]
        chosen = [best] + [
            s for s in quotable[1 : self.max_sentences]
            if s.score >= best.score - SECOND_SENTENCE_MARGIN and s.coverage > 0
        ]
        parts, citations = self._quoted(question, q, chosen, retrieved, script)
        lead = self._lead(question, q, retrieved[best.passage], best, parts, script)
        return Answer(
            question=question,
            answer=(f"{lead}：" if lead else "") + format_answer(parts),
            abstained=False,
            citations=citations,
            script=script,
            confidence=confidence,
            answer_type=q.type,
        )

    def _judged(
        self, question: str, q: QuestionType, found: Candidates, retrieved: list[RetrievedChunk]
    ) -> tuple[float, list[ScoredSentence]]:
        """The confidence that ``retrieved`` answers the question, and the sentences the answer
        may quote: those of passages that match the question nearly as well as the best one
        (``found.gated``), of stories that hold what the question pins its subject down with."""
        sentences = found.sentences
        confidence = self.confidence(sentences, retrieved)
        if found.elsewhere and sentences and q.type in ("date", "number", "quantity"):
            # What is asked (a date, a number) is only in the other place's story: 河北's
            # opening date is not in the 廣東 item, whatever else they share.
            if all(x.features["type"] < 0 for x in found.gated):
                confidence = 0.0
        asked = Qualifiers.of(question)
        quotable = self._about_what_was_asked(asked, found.gated, retrieved)
        if sentences and not quotable:
            # Every story nearest the question is about another year, day, edition or sex than
            # asked: the 2023 story does not answer 「2019年…」, the men's final not 「女子…」.
            # The retriever's first story (it prefers the period asked), when it is of the one
            # asked, may answer, judged on its own evidence.
            best_cov = max(x.features["pcov"] for x in sentences)
            first_story = retrieved[0].document.doc_id
            of_first = [
                x for x in sentences
                if retrieved[x.passage].document.doc_id == first_story
                and x.features["pcov"] >= ASKED_STORY_GATE * best_cov
            ]
            held = self._about_what_was_asked(asked, of_first, retrieved)
            quotable = self._gate(held, retrieved) if held else []
            confidence = self.confidence(held, retrieved) if held else 0.0
        return confidence, quotable

    def _quoted(
        self,
        question: str,
        q: QuestionType,
        chosen: list[ScoredSentence],
        retrieved: list[RetrievedChunk],
        script: Script,
    ) -> tuple[list[tuple[str, int]], list[Citation]]:
        """What the answer quotes of each chosen sentence, in the reader's script, with its
        citation number; and the citations (the next sentence of a cited passage shares its [n])."""
        q_tokens = set(query_tokens(q.folded))
        citations: list[Citation] = []
        parts: list[tuple[str, int]] = []  # (text, citation number)
        seen: set[str] = set()
        for cand in chosen:
            hit = retrieved[cand.passage]
            start, end = sp.whole_span(hit.chunk.text, *self._answer_span(q, hit.chunk.text, cand, q_tokens))
            raw = hit.chunk.text[start:end]
            lead = len(raw) - len(raw.lstrip())
            start, end = start + lead, start + len(raw.rstrip())
            start, end = _within_gaps(hit.chunk.text, start, end, cand)
            start = _after_lead(hit.chunk.text, start, end, cand)
            piece = hit.chunk.text[start:end]
            if not piece or fold(piece) in seen:  # the same sentence from an overlapping passage
                continue
            seen.add(fold(piece))
            n = _near_citation(citations, hit, start, end)
            if n:  # the next sentence of a cited passage: one citation, wider highlight
                citation = citations[n - 1]
                citation.highlight_start = min(citation.highlight_start, start)
                citation.highlight_end = max(citation.highlight_end, end)
            else:  # a passage not cited yet, or a sentence far from what it highlights: its own [n]
                n = len(citations) + 1
                citations.append(hit.citation(n, start, end))
            parts.append((to_reader_script(piece, script, variant=self.traditional_variant, question=question), n))
        return parts, citations


def _within_gaps(text: str, start: int, end: int, sent: ScoredSentence) -> tuple[int, int]:
    """The part of ``text[start:end]`` between blank runs (a photo credit blanked by the
    reader, a layout gap between a headline and its lead) that holds the answer's phrase,
    else the longest part: an answer never quotes across a blank."""
    cuts = [m.span() for m in _GAP.finditer(text, start, end)]
    if not cuts:
        return start, end
    bounds = [start, *(x for cut in cuts for x in cut), end]
    parts = [(bounds[i], bounds[i + 1]) for i in range(0, len(bounds), 2) if bounds[i + 1] > bounds[i]]
    top = sent.fillers[0] if sent.fillers else None
    at = sent.start + sent.folded.span(top.start, top.end)[0] if top is not None else -1
    return next((p for p in parts if p[0] <= at < p[1]), max(parts, key=lambda p: p[1] - p[0]))


def _after_lead(text: str, start: int, end: int, sent: ScoredSentence) -> int:
    """``start`` moved past a dateline, byline or source lead that opens ``text[start:end]``
    (「IT之家 7 月 31 日消息，」, 「據新華社電」: ``lead_end``), so the answer and its highlight
    begin with what the article reports; kept when the answer's phrase lies in the lead or
    little would be left."""
    after = lead_end(text, start, end)
    top = sent.fillers[0] if sent.fillers else None
    if top is not None and sent.start + sent.folded.span(top.start, top.end)[0] < after:
        return start
    return after if end - after >= MIN_AFTER_LEAD else start


def _same_phrase(a: sp.Filler, b: sp.Filler) -> bool:
    return a.start < b.end and b.start < a.end


def _near_citation(citations: list[Citation], hit: RetrievedChunk, start: int, end: int) -> int | None:
    """The number of the citation of ``hit``'s passage whose highlight ends or starts within
    ``NEAR_HIGHLIGHT`` characters of ``[start, end)``, if any."""
    for n, c in enumerate(citations, 1):
        same = (c.doc_id, c.start, c.end) == (hit.document.doc_id, hit.chunk.start, hit.chunk.end)
        if same and start <= c.highlight_end + NEAR_HIGHLIGHT and end >= c.highlight_start - NEAR_HIGHLIGHT:
            return n
    return None


def format_answer(parts: list[tuple[str, int]]) -> str:
    """Join answer pieces with their ``[n]`` markers; consecutive pieces from the same
    source share one marker (「甲。乙。[1]」, not 「甲。[1]乙。[1]」). A piece cut short of its
    sentence's end gets 「……」 before the next one, so two pieces never run together."""
    out: list[str] = []
    for i, (text, n) in enumerate(parts):
        if i + 1 < len(parts) and text[-1:] not in SENTENCE_END:
            text += "……"
        out.append(text)
        if i + 1 == len(parts) or parts[i + 1][1] != n:
            out.append(f"[{n}]")
    return "".join(out)
