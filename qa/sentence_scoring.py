"""Every sentence of the retrieved passages, scored against the question (the extractive
answerer's step 2; ``newsqa.qa.answerer`` explains the features and how their weights were fitted).

Features: the weighted share (corpus IDF) of the question's script-folded character bigrams
(question words removed) found in the sentence with its neighbours and headline, in its
passage, in its headline and in the next sentence; the same share of the bigrams that are not
in the passage's headline; weighted character overlap of the sentence and of the sentence with
its context; whether the sentence holds the kind of thing asked for; how well its best phrase
fills the question's gap (``newsqa.qa.spans.align``) and whether that phrase is a pronoun; a
sentence that starts by referring back, or whose next sentence does; length; how much of it is
new; the passage's rank (and its dense and BM25 ranks).

Example::

    scorer = SentenceScorer()
    sentences = scorer.score(detect_answer_type("上海自贸区是哪一天挂牌的？"), retrieved)
    best = max(sentences, key=lambda s: s.score)
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from newsqa.answer_types import QuestionType
from newsqa.qa import spans as sp
from newsqa.script import fold
from newsqa.text import MATCH_STOP_CHARS, bigram_tokens, is_han, query_tokens, split_sentences, strip_question_words
from newsqa.types import RetrievedChunk

TermWeights = Callable[[list[str]], dict[str, float]]

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

# Passages / documents whose sentence splits the scorer keeps between questions.
CACHE_SIZE = 20_000

# A sentence that refers back (此/该/他们 …) or continues without a subject (是/也/并 …).
_ANAPHOR_START = re.compile(
    r"^[\s「“]*(?:此|这|该|他|她|它|其|牠|彼|前者|后者|上述|同年|当时|之后|后来|是|为|也|亦|并|又|则|因此|所以|但|而|曾|被|于|在此)"
)
# What a date answer must name for 哪一年 / 哪一天 / 几月 / 哪个世纪.
_DATE_GRAIN = {"年": r"年|世纪", "天": r"[日号]", "日": r"[日号]", "号": r"[日号]", "月": r"月", "世纪": r"世纪|年"}

Neighbour = tuple[frozenset[str], str]  # a neighbouring sentence's bigrams and folded text


@dataclass(slots=True)
class ScoredSentence:
    """A sentence of a retrieved passage with its features and scores."""

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
class _QuestionWeights:
    """What one question's scoring needs of the question and the passages: the bigram weights,
    the passages' headlines and bigrams, the question's characters and their weights."""

    weights: dict[str, float]
    total: float
    q_set: set[str]
    titles: list[str]
    title_tokens: list[set[str]]
    off_title: list[set[str]]
    off_title_total: list[float]
    passage_tokens: list[set[str]]
    q_chars: set[str]
    char_w: dict[str, float]
    char_total: float
    off_title_chars: list[list[str]]
    off_title_char_total: list[float]

    def weight_of(self, toks) -> float:
        return sum(self.weights[t] for t in toks & self.q_set) / self.total

    def off_title_share(self, toks: frozenset[str], passage: int) -> float:
        total_p = self.off_title_total[passage]
        return sum(self.weights[t] for t in toks & self.off_title[passage]) / total_p if total_p else 0.0

    def uni_off_title(self, folded: str, passage: int) -> float:
        total_p = self.off_title_char_total[passage]
        return sum(self.char_w[c] for c in self.off_title_chars[passage] if c in folded) / total_p if total_p else 0.0

    def chars_in(self, text: str) -> float:
        return sum(self.char_w[c] for c in self.q_chars if c in text) / self.char_total if self.q_chars else 0.0


class SentenceScorer:
    """Scores the sentences of retrieved passages against a question; keeps what does not
    depend on the question (sentence spans with their folded text and bigrams, per passage
    and per document) between questions. Plain dicts (get/set are atomic, so concurrent
    questions may share them), emptied when full."""

    def __init__(self) -> None:
        self._passage_cache: dict[str, list[tuple[int, int, sp.Folded, frozenset[str]]]] = {}
        self._document_cache: dict[str, tuple[list[int], list[tuple[int, int]]]] = {}
        self._neighbour_cache: dict[tuple[str, int], Neighbour] = {}

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

    def _neighbours(self, hit: RetrievedChunk, start: int) -> tuple[Neighbour, Neighbour]:
        """The sentences before and after the one at ``start``, from the whole document (a
        passage edge is not a story edge)."""
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

    def score(
        self, q: QuestionType, retrieved: list[RetrievedChunk], term_weights: TermWeights | None = None
    ) -> list[ScoredSentence]:
        """Every sentence of ``retrieved`` with its features, ranking score and evidence match."""
        q_tokens = query_tokens(q.folded)
        out: list[ScoredSentence] = []
        for p_no, hit in enumerate(retrieved):
            for start, end, fm, tokens in self._passage_sentences(hit.chunk.text):
                out.append(ScoredSentence(p_no, start, end, fm, tokens))
        if not out or not q_tokens:
            return []
        weights = term_weights(q_tokens) if term_weights else self._local_idf(q_tokens, [s.tokens for s in out])
        qw = _question_weights(q, q_tokens, weights, retrieved, out)
        for s in out:
            self._score_one(q, s, retrieved[s.passage], qw)
        return out

    def _score_one(self, q: QuestionType, s: ScoredSentence, hit: RetrievedChunk, qw: _QuestionWeights) -> None:
        """Sets ``s``'s fillers, features, coverage, match and score."""
        f = s.folded.text
        (prev_toks, prev_f), (next_toks, next_f) = self._neighbours(hit, s.start)
        around = f + prev_f + next_f + qw.titles[s.passage]
        cov = s.coverage = qw.weight_of(s.tokens)
        cov_next = qw.weight_of(next_toks)
        mask = sp.question_mask(f, qw.q_set)
        typed = sp.typed_spans(q.type, f)
        type_f = type_feature(q, f, typed, mask)
        s.fillers = sp.align(q, f, qw.weights, typed=typed)
        top = s.fillers[0] if s.fillers else None
        title_tokens = qw.title_tokens[s.passage]
        s.features = {
            "ctx": qw.weight_of(s.tokens | title_tokens | prev_toks | next_toks),
            "type": type_f,
            "noun": noun_feature(q, f, mask),
            "anaphor": 1.0 if _ANAPHOR_START.match(f) else 0.0,
            "uni_w": qw.chars_in(f),
            "uni_ctx": qw.chars_in(around),
            "pcov": qw.weight_of(qw.passage_tokens[s.passage] | title_tokens),
            "title": qw.weight_of(title_tokens),
            "rank": 1.0 / (1 + s.passage),
            "bm25_rank": 1.0 / (hit.bm25_rank or 100),
            "dense_rank": 1.0 / (hit.dense_rank or 100),
            "fill": top.score if top else 0.0,
            "fill_anaphor": 1.0 if top and top.anaphor else 0.0,
            "cov_next": cov_next,
            "off_title": qw.off_title_share(s.tokens, s.passage),
            "off_title_ctx": qw.off_title_share(s.tokens | prev_toks | next_toks, s.passage),
            "uni_off_title": qw.uni_off_title(f, s.passage),
            "next_anaphor": cov_next if _ANAPHOR_START.match(next_f) else 0.0,
            "len": math.log1p(len(f)) / 5,
            "novel": 1.0 - (sum(mask) / len(f) if f else 0.0),
        }
        # The evidence match, on the scale the abstention threshold was set on.
        match = 0.7 * cov + 0.3 * qw.weight_of(s.tokens | title_tokens)
        if q.type == "date":
            match += 0.1 if type_f > 0 else -0.25
        elif q.type in ("number", "quantity"):
            match += 0.05 if type_f > 0 else -0.25
        s.match = match + 0.05 / (1 + s.passage)
        s.score = sum(SENTENCE_WEIGHTS.get(k, 0.0) * v for k, v in s.features.items())


def _question_weights(
    q: QuestionType, q_tokens: list[str], weights: dict[str, float], retrieved: list[RetrievedChunk],
    sentences: list[ScoredSentence],
) -> _QuestionWeights:
    """The question's bigram weights (a number weighs more), and what it asks beyond each
    passage's topic: a question about 日本绿鹦嘴鱼 shares the name (in the headline) with every
    sentence of that story. Characters are weighted by rarity among the candidates (robust to
    rewording); a character of a common word (海 of 上海 in a Shanghai archive) says little."""
    weights = {t: w + (0.5 if t[0].isdigit() else 0.0) for t, w in weights.items()}
    q_set = set(q_tokens)
    titles = [fold(h.document.title) for h in retrieved]
    title_tokens = [set(bigram_tokens(t)) for t in titles]
    off_title = [q_set - t for t in title_tokens]
    q_chars = {c for c in strip_question_words(q.folded) if is_han(c) and c not in MATCH_STOP_CHARS}
    char_w = {}
    top_weight = max(weights.values(), default=1.0) or 1.0
    for c in q_chars:
        local = math.log(1 + len(sentences) / (1 + sum(c in x.folded.text for x in sentences)))
        word = max((w for t, w in weights.items() if c in t), default=None)
        char_w[c] = local if word is None else local * word / top_weight
    off_title_chars = [[c for c in q_chars if c not in t] for t in titles]
    return _QuestionWeights(
        weights=weights,
        total=sum(weights.values()) or 1.0,
        q_set=q_set,
        titles=titles,
        title_tokens=title_tokens,
        off_title=off_title,
        off_title_total=[sum(weights[t] for t in rest) for rest in off_title],
        passage_tokens=[set(bigram_tokens(fold(h.chunk.text))) for h in retrieved],
        q_chars=q_chars,
        char_w=char_w,
        char_total=sum(char_w.values()) or 1.0,
        off_title_chars=off_title_chars,
        off_title_char_total=[sum(char_w[c] for c in rest) for rest in off_title_chars],
    )


def type_feature(q: QuestionType, folded: str, typed: list[tuple[int, int]], mask: list[bool]) -> float:
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


def noun_feature(q: QuestionType, folded: str, mask: list[bool]) -> float:
    """1 when the noun the question asks about (州, 大學, 國家 …) ends a new word here (阿拉巴馬州)."""
    if not q.noun or q.type not in ("place", "organisation", "person", "date"):
        return 0.0
    pos = folded.find(q.noun)
    while pos >= 0:
        if pos > 0 and not mask[pos - 1] and folded[pos - 1] not in sp.PUNCTUATION:
            return 1.0
        pos = folded.find(q.noun, pos + 1)
    return 0.0
