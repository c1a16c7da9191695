"""The default answer generator: extractive, offline, with citations and abstention.

1. What the question asks for and where its question word sits
   (``newsqa.qa.answer_types``: date, number, quantity, person, place, organisation,
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
   (``SENTENCE_WEIGHTS``) were fitted as a conditional logit on the TUNE half of DRCD
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
   (``newsqa.qa.abstain.AbstentionModel``: re-ranker score, evidence match, e5 cosine;
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

import bisect
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from newsqa.index.bm25 import bigram_tokens, query_tokens
from newsqa.ingest.chunker import split_sentences
from newsqa.ingest.news_pieces import lead_end
from newsqa.qa import spans as sp
from newsqa.qa.abstain import AbstentionModel
from newsqa.qa.answer_types import QuestionType, detect_answer_type
from newsqa.qa.places import regions_in
from newsqa.qa.qualifiers import Qualifiers
from newsqa.script import Script, TraditionalVariant, detect_script, fold, to_reader_script
from newsqa.timex import as_date, show_date, story_times
from newsqa.types import Answer, Citation, RetrievedChunk

TermWeights = Callable[[list[str]], dict[str, float]]

ABSTAIN_MESSAGE = {"hant": "資料中沒有相關內容。", "hans": "资料中没有相关内容。"}

# Conditional-logit weights of the sentence features (see the module docstring).
SENTENCE_WEIGHTS: dict[str, float] = {
    "ctx": 0.000,
    "type": 0.758,
    "noun": 0.963,
    "anaphor": 0.215,
    "uni_w": 0.000,
    "uni_ctx": 1.643,
    "pcov": 3.570,
    "title": 6.182,
    "rank": 2.093,
    "bm25_rank": -0.181,
    "dense_rank": 0.901,
    "fill": 5.051,
    "fill_anaphor": -4.501,
    "cov_next": 0.647,
    "off_title": 0.000,
    "off_title_ctx": 1.863,
    "uni_off_title": 5.017,
    "next_anaphor": 1.881,
    "len": -0.961,
    "novel": -0.837,
}

# A sentence is a candidate only when its passage holds at least this share of what the
# best-matching passage holds of the question (a related story that shares a few words
# with the question does not outrank the story it asks about).
PASSAGE_GATE = 0.8
# ... or, for another passage of the best passage's own article, at least this share.
SAME_STORY_GATE = 0.4
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
# Passages / documents whose sentence splits the answerer keeps between questions.
CACHE_SIZE = 20_000

# A sentence that refers back (此/该/他们 …) or continues without a subject (是/也/并 …).
_ANAPHOR_START = re.compile(
    r"^[\s「“]*(?:此|这|该|他|她|它|其|牠|彼|前者|后者|上述|同年|当时|之后|后来|是|为|也|亦|并|又|则|因此|所以|但|而|曾|被|于|在此)"
)
# What a date answer must name for 哪一年 / 哪一天 / 几月 / 哪个世纪.
_DATE_GRAIN = {"年": r"年|世纪", "天": r"[日号]", "日": r"[日号]", "号": r"[日号]", "月": r"月", "世纪": r"世纪|年"}
# Characters too common to say anything about a match.
_STOP_CHARS = set("的是了在和与及或也都就还又而但则之其所为于被把将从自到对向以这那个一有中上下")


@dataclass(slots=True)
class _Sentence:
    passage: int  # index into retrieved
    start: int  # offsets within the chunk text
    end: int
    folded: sp.Folded
    tokens: frozenset[str]
    features: dict[str, float] = field(default_factory=dict)
    fillers: list[sp.Filler] = field(default_factory=list)
    coverage: float = 0.0  # weighted share of the question's bigrams in the sentence
    score: float = 0.0  # the ranking score (conditional-logit utility)
    match: float = 0.0  # how well it matches the question (the confidence measure)


@dataclass(slots=True)
class Candidates:
    """What the answerer may quote for one question (see ``ExtractiveAnswerer.candidates``)."""

    sentences: list[_Sentence]  # scored, best first, after the place check
    gated: list[_Sentence]  # those whose passage passes the gate; gated[0] is quoted
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
        # What does not depend on the question, per passage and per document text: the
        # sentence spans with their folded text and bigrams. Plain dicts (get/set are atomic,
        # so concurrent questions may share them), emptied when full.
        self._passage_cache: dict[str, list[tuple[int, int, sp.Folded, frozenset[str]]]] = {}
        self._document_cache: dict[str, tuple[list[int], list[tuple[int, int]]]] = {}
        self._neighbour_cache: dict[tuple[str, int], tuple[frozenset[str], str]] = {}

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
    @staticmethod
    def _local_idf(q_tokens: list[str], sentences_tokens: list[set[str]]) -> dict[str, float]:
        """IDF over the candidate sentences, when no corpus statistics are given."""
        n = max(len(sentences_tokens), 1)
        return {t: math.log(1 + n / (1 + sum(t in toks for toks in sentences_tokens))) for t in set(q_tokens)}

    @staticmethod
    def _split(text: str) -> list[tuple[int, int]]:
        """Sentence spans of ``text``, paragraph by paragraph."""
        out = []
        for para in re.finditer(r"[^\n]+", text):
            out.extend((s.start, s.end) for s in split_sentences(text, para.start(), para.end()))
        return out

    def _passage_sentences(self, text: str) -> list[tuple[int, int, sp.Folded, frozenset[str]]]:
        """``(start, end, folded, bigrams)`` of each sentence of a passage (cached by its text)."""
        found = self._passage_cache.get(text)
        if found is None:
            found = []
            for start, end in self._split(text):
                fm = sp.fold_map(text[start:end])
                found.append((start, end, fm, frozenset(bigram_tokens(fm.text))))
            if len(self._passage_cache) >= CACHE_SIZE:
                self._passage_cache = {}
            self._passage_cache[text] = found
        return found

    def _document_sentences(self, text: str) -> tuple[list[int], list[tuple[int, int]]]:
        """Sentence starts and spans of a whole document (cached by its text)."""
        found = self._document_cache.get(text)
        if found is None:
            spans = self._split(text)
            found = ([a for a, _ in spans], spans)
            if len(self._document_cache) >= CACHE_SIZE:
                self._document_cache = {}
                self._neighbour_cache = {}
            self._document_cache[text] = found
        return found

    def sentences(
        self, q: QuestionType, retrieved: list[RetrievedChunk], term_weights: TermWeights | None = None
    ) -> list[_Sentence]:
        """Every sentence of ``retrieved`` with its features, ranking score and evidence match."""
        q_tokens = query_tokens(q.folded)
        out: list[_Sentence] = []
        for p_no, hit in enumerate(retrieved):
            for start, end, fm, tokens in self._passage_sentences(hit.chunk.text):
                out.append(_Sentence(p_no, start, end, fm, tokens))
        if not out or not q_tokens:
            return []
        weights = term_weights(q_tokens) if term_weights else self._local_idf(q_tokens, [s.tokens for s in out])
        weights = {t: w + (0.5 if t[0].isdigit() else 0.0) for t, w in weights.items()}
        total = sum(weights.values()) or 1.0
        q_set = set(q_tokens)

        def weight_of(toks: set[str]) -> float:
            return sum(weights[t] for t in toks & q_set) / total

        titles = [fold(h.document.title) for h in retrieved]
        title_tokens = [set(bigram_tokens(t)) for t in titles]
        # What the question asks beyond each passage's topic: a question about 日本绿鹦嘴鱼
        # shares the name (in the headline) with every sentence of that story.
        off_title = [q_set - t for t in title_tokens]
        off_title_total = [sum(weights[t] for t in rest) for rest in off_title]

        def off_title_share(toks: frozenset[str], passage: int) -> float:
            total_p = off_title_total[passage]
            return sum(weights[t] for t in toks & off_title[passage]) / total_p if total_p else 0.0

        passage_tokens = [set(bigram_tokens(fold(h.chunk.text))) for h in retrieved]
        # Character overlap, weighted by rarity among the candidates (robust to rewording).
        q_chars = {c for c in sp.strip_question_words(q.folded) if sp.is_cjk(c) and c not in _STOP_CHARS}
        char_w = {}
        top_weight = max(weights.values(), default=1.0) or 1.0
        for c in q_chars:
            local = math.log(1 + len(out) / (1 + sum(c in x.folded.text for x in out)))
            # A character of a common word (海 of 上海 in a Shanghai archive) says little.
            word = max((w for t, w in weights.items() if c in t), default=None)
            char_w[c] = local if word is None else local * word / top_weight
        char_total = sum(char_w.values()) or 1.0

        off_title_chars = [[c for c in q_chars if c not in t] for t in titles]
        off_title_char_total = [sum(char_w[c] for c in rest) for rest in off_title_chars]

        def uni_off_title(folded: str, passage: int) -> float:
            total_p = off_title_char_total[passage]
            return sum(char_w[c] for c in off_title_chars[passage] if c in folded) / total_p if total_p else 0.0

        # Neighbouring sentences come from the whole document (a passage edge is not a story edge).
        def neighbours(hit: RetrievedChunk, start: int) -> tuple[tuple[frozenset[str], str], tuple[frozenset[str], str]]:
            text = hit.document.text
            starts, spans = self._document_sentences(text)
            i = bisect.bisect_right(starts, hit.chunk.start + start) - 1
            found = []
            for j in (i - 1, i + 1):
                if not 0 <= j < len(spans):
                    found.append((frozenset(), ""))
                    continue
                key = (text, j)
                neighbour = self._neighbour_cache.get(key)
                if neighbour is None:
                    if len(self._neighbour_cache) >= 10 * CACHE_SIZE:
                        self._neighbour_cache = {}
                    f = fold(text[spans[j][0] : spans[j][1]])
                    neighbour = self._neighbour_cache[key] = (frozenset(bigram_tokens(f)), f)
                found.append(neighbour)
            return found[0], found[1]

        for s in out:
            hit = retrieved[s.passage]
            f = s.folded.text
            (prev_toks, prev_f), (next_toks, next_f) = neighbours(hit, s.start)
            around = f + prev_f + next_f + titles[s.passage]
            cov = s.coverage = weight_of(s.tokens)
            cov_next = weight_of(next_toks)
            mask = sp.question_mask(f, q_set)
            typed = sp.typed_spans(q.type, f)
            type_f = self._type_feature(q, f, typed, mask)
            s.fillers = sp.align(q, f, weights, typed=typed)
            top = s.fillers[0] if s.fillers else None
            s.features = {
                "ctx": weight_of(s.tokens | title_tokens[s.passage] | prev_toks | next_toks),
                "type": type_f,
                "noun": self._noun_feature(q, f, mask),
                "anaphor": 1.0 if _ANAPHOR_START.match(f) else 0.0,
                "uni_w": sum(char_w[c] for c in q_chars if c in f) / char_total if q_chars else 0.0,
                "uni_ctx": sum(char_w[c] for c in q_chars if c in around) / char_total if q_chars else 0.0,
                "pcov": weight_of(passage_tokens[s.passage] | title_tokens[s.passage]),
                "title": weight_of(title_tokens[s.passage]),
                "rank": 1.0 / (1 + s.passage),
                "bm25_rank": 1.0 / (hit.bm25_rank or 100),
                "dense_rank": 1.0 / (hit.dense_rank or 100),
                "fill": top.score if top else 0.0,
                "fill_anaphor": 1.0 if top and top.anaphor else 0.0,
                "cov_next": cov_next,
                "off_title": off_title_share(s.tokens, s.passage),
                "off_title_ctx": off_title_share(s.tokens | prev_toks | next_toks, s.passage),
                "uni_off_title": uni_off_title(f, s.passage),
                "next_anaphor": cov_next if _ANAPHOR_START.match(next_f) else 0.0,
                "len": math.log1p(len(f)) / 5,
                "novel": 1.0 - (sum(mask) / len(f) if f else 0.0),
            }
            # The evidence match, on the scale the abstention threshold was set on.
            match = 0.7 * cov + 0.3 * weight_of(s.tokens | title_tokens[s.passage])
            if q.type == "date":
                match += 0.1 if type_f > 0 else -0.25
            elif q.type in ("number", "quantity"):
                match += 0.05 if type_f > 0 else -0.25
            s.match = match + 0.05 / (1 + s.passage)
            s.score = sum(SENTENCE_WEIGHTS.get(k, 0.0) * v for k, v in s.features.items())
        return out

    @staticmethod
    def _type_feature(q: QuestionType, folded: str, typed: list[tuple[int, int]], mask: list[bool]) -> float:
        """1 when the sentence holds the kind of thing asked for (not already in the question),
        0.3 when it holds a coarser one (a day for 哪一年), −1 when none; 0 for other types."""
        if q.type not in ("date", "number", "quantity"):
            return 0.0
        fresh = [(a, b) for a, b in typed if b > a and sum(not mask[i] for i in range(a, b)) * 2 >= (b - a)]
        if not fresh:
            return -1.0
        if q.type == "quantity" and q.unit:
            return 1.0 if any(q.unit in folded[a:b] for a, b in fresh) else 0.3
        if q.type == "date" and q.noun:
            grain = _DATE_GRAIN.get(q.noun) or _DATE_GRAIN.get(q.noun[-1:])
            if grain and not any(re.search(grain, folded[a:b]) for a, b in fresh):
                return 0.3
        return 1.0

    @staticmethod
    def _noun_feature(q: QuestionType, folded: str, mask: list[bool]) -> float:
        """1 when the noun the question asks about (州, 大學, 國家 …) ends a new word here (阿拉巴馬州)."""
        if not q.noun or q.type not in ("place", "organisation", "person", "date"):
            return 0.0
        pos = folded.find(q.noun)
        while pos >= 0:
            if pos > 0 and not mask[pos - 1] and folded[pos - 1] not in sp.PUNCTUATION:
                return 1.0
            pos = folded.find(q.noun, pos + 1)
        return 0.0

    def confidence(
        self,
        question: str,
        sentences: list[_Sentence],
        retrieved: list[RetrievedChunk],
        term_weights: TermWeights | None = None,
    ) -> float:
        """How sure the answerer is that ``retrieved`` answers ``question``, in [0, 1].

        With an abstention model: its probability. Without: the best evidence match among
        the candidate sentences (not only the chosen one's, so the threshold keeps its
        meaning whichever sentence the ranking prefers).
        """
        if not sentences:
            return 0.0
        if self.abstention is not None:
            features = self.abstention.features(question, sentences, retrieved, term_weights=term_weights)
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
    def _gate(sentences: list[_Sentence], retrieved: list[RetrievedChunk]) -> list[_Sentence]:
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
    def _in_the_place_asked(q: QuestionType, sentences: list[_Sentence], retrieved: list[RetrievedChunk]) -> list[_Sentence]:
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
        asked: Qualifiers, sentences: list[_Sentence], retrieved: list[RetrievedChunk]
    ) -> list[_Sentence]:
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
    def _answer_span(self, q: QuestionType, text: str, sent: _Sentence, q_tokens: set[str]) -> tuple[int, int]:
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
        sentences = found.sentences
        confidence = self.confidence(question, sentences, retrieved, term_weights)
        if found.elsewhere and sentences and q.type in ("date", "number", "quantity"):
            # What is asked (a date, a number) is only in the other place's story: 河北's
            # opening date is not in the 廣東 item, whatever else they share.
            if all(x.features["type"] < 0 for x in found.gated):
                confidence = 0.0
        quotable = self._about_what_was_asked(Qualifiers.of(question), found.gated, retrieved)
        if sentences and not quotable:
            # Every story it could quote is about another year, edition or sex than asked:
            # the 2023 story does not answer 「2019年…」, the men's final not 「女子…」.
            confidence = 0.0
        if not sentences or confidence < self.min_confidence:
            return Answer(
                question=question,
                answer=ABSTAIN_MESSAGE[script],
                abstained=True,
                citations=[],
                script=script,
                confidence=confidence,
                answer_type=q.type,
            )
        # Only passages that match the question nearly as well as the best one are sources,
        # of stories that hold what the question pins its subject down with.
        sentences = quotable
        best = sentences[0]
        chosen = [best] + [
            s for s in sentences[1 : self.max_sentences]
            if s.score >= best.score - SECOND_SENTENCE_MARGIN and s.coverage > 0
        ]
        q_tokens = set(query_tokens(q.folded))
        citations: list[Citation] = []
        parts: list[tuple[str, int]] = []  # (text, citation number)
        dated = full_date(q, retrieved[best.passage], best) if q.type == "date" else ""
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
        return Answer(
            question=question,
            answer=(f"{dated}：" if dated else "") + format_answer(parts),
            abstained=False,
            citations=citations,
            script=script,
            confidence=confidence,
            answer_type=q.type,
        )


def full_date(q: QuestionType, hit: RetrievedChunk, sent: _Sentence) -> str:
    """The day a when-question's quote gives without its year (「该方案于3月13日发布」,
    「28日9时55分…登陆」), with the month and year its story's date gives (2024年3月13日):
    the date of the best phrase that fills the question's gap and is a date (a typed one
    first). Without a story date, a year the passage states before the day gives it
    (「1857年…。4月20日，巴麥尊任命…」). "" when the quote states its year itself, or
    nothing gives the day its year."""
    if not sent.fillers:
        return ""
    times = story_times(hit.chunk.text, as_date(hit.document.date))
    for filler in sorted(sent.fillers, key=lambda f: not f.typed):  # typed first, in rank order
        a, b = sent.folded.span(filler.start, filler.end)
        a, b = sent.start + a, sent.start + b
        for span in times:
            if span.offset < b and a < span.offset + len(span.text):
                yearless = "年" not in span.text and span.grain == "day"  # 「生日在7月、8月」 is no date
                return show_date(span) if yearless and span.start.year == span.end.year else ""
    return ""


def _within_gaps(text: str, start: int, end: int, sent: _Sentence) -> tuple[int, int]:
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


def _after_lead(text: str, start: int, end: int, sent: _Sentence) -> int:
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
