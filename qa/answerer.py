"""The default answer generator: extractive, offline, with citations and abstention.

It scores every sentence of the retrieved passages against the question (weighted
overlap of script-folded character bigrams, with question words removed, plus a bonus
when the sentence holds the kind of thing asked for — a date for 哪一天, a number for
多少 — and a prior for the passage's retrieval rank), answers with the best sentence
(cut to its best clauses when long), marks it ``[n]`` where ``n`` indexes the citation
list, and converts it to the question's script. When the evidence score is under the
threshold it abstains with a fixed message instead of guessing.

Example::

    answerer = ExtractiveAnswerer(min_confidence=0.2)
    answer = answerer.run("上海自贸区是哪一天挂牌的？", retrieved)
    answer.answer      # '2013年9月29日上海自贸区挂牌。[1]'
    answer.citations[0].title
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from newsqa.index.bm25 import bigram_tokens, query_tokens
from newsqa.ingest.chunker import split_sentences
from newsqa.script import Script, detect_script, fold, to_script
from newsqa.types import Answer, Citation, RetrievedChunk

TermWeights = Callable[[list[str]], dict[str, float]]

ABSTAIN_MESSAGE = {"hant": "資料中沒有相關內容。", "hans": "资料中没有相关内容。"}

_DATE_Q = re.compile(r"哪一?天|哪一?年|何时|什么时候|几月|几日|几号|日期|哪个月|何年|何日|时间")
_NUMBER_Q = re.compile(r"多少|几|多大|多长|多高|多远|多久|比例|面积|数量|人数|比重|百分")
_DATE_A = re.compile(r"\d{1,4}\s*年(?:\s*\d{1,2}\s*月)?(?:\s*\d{1,2}\s*[日号])?|\d{1,2}\s*月\s*\d{1,2}\s*[日号]|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}")
_NUMBER_A = re.compile(r"\d|[一二三四五六七八九十百千万亿两]+[个家项名人年万亿%]")
_CLAUSE = re.compile(r"[^，,、：:；;]+[，,、：:；;]?")


@dataclass(slots=True)
class _Candidate:
    passage: int  # index into retrieved
    start: int  # offsets within the chunk text
    end: int
    score: float
    overlap: float


def _question_kind(folded_question: str) -> str:
    if _DATE_Q.search(folded_question):
        return "date"
    if _NUMBER_Q.search(folded_question):
        return "number"
    return "other"


class ExtractiveAnswerer:
    """Picks the sentence(s) that answer the question best, with ``[n]`` citations."""

    def __init__(self, min_confidence: float = 0.2, max_sentences: int = 1, max_chars: int = 120):
        self.min_confidence = min_confidence
        self.max_sentences = max_sentences
        self.max_chars = max_chars

    @classmethod
    def from_settings(cls, settings) -> "ExtractiveAnswerer":
        return cls(
            min_confidence=settings.answer_min_confidence,
            max_sentences=settings.answer_max_sentences,
            max_chars=settings.answer_max_chars,
        )

    # ------------------------------------------------------------------ scoring
    @staticmethod
    def _local_idf(q_tokens: list[str], sentences_tokens: list[set[str]]) -> dict[str, float]:
        """IDF over the candidate sentences, when no corpus statistics are given."""
        n = max(len(sentences_tokens), 1)
        return {t: math.log(1 + n / (1 + sum(t in toks for toks in sentences_tokens))) for t in set(q_tokens)}

    def _candidates(
        self, question: str, retrieved: list[RetrievedChunk], term_weights: TermWeights | None
    ) -> list[_Candidate]:
        q_fold = fold(question)
        q_tokens = query_tokens(q_fold)
        kind = _question_kind(q_fold)
        spans: list[tuple[int, int, int, set[str], str]] = []
        for p_no, hit in enumerate(retrieved):
            text = hit.chunk.text
            for para in re.finditer(r"[^\n]+", text):
                for sent in split_sentences(text, para.start(), para.end()):
                    s_fold = fold(text[sent.start : sent.end])
                    spans.append((p_no, sent.start, sent.end, set(bigram_tokens(s_fold)), s_fold))
        if not spans or not q_tokens:
            return []
        weights = term_weights(q_tokens) if term_weights else self._local_idf(q_tokens, [s[3] for s in spans])
        weights = {t: w + (0.5 if t[0].isdigit() else 0.0) for t, w in weights.items()}
        total = sum(weights.values()) or 1.0
        title_tokens = [set(bigram_tokens(fold(h.document.title))) for h in retrieved]
        candidates = []
        for p_no, start, end, toks, s_fold in spans:
            # Title words count too (the headline says what the story is about), but less.
            overlap = sum(w for t, w in weights.items() if t in toks) / total
            context = sum(w for t, w in weights.items() if t in toks | title_tokens[p_no]) / total
            score = 0.7 * overlap + 0.3 * context
            # The sentence must hold the kind of thing asked for.
            if kind == "date":
                score += 0.1 if _DATE_A.search(s_fold) else -0.25
            elif kind == "number":
                score += 0.05 if _NUMBER_A.search(s_fold) else -0.25
            score += 0.05 / (1 + p_no)  # retrieval rank prior
            candidates.append(_Candidate(p_no, start, end, score, overlap))
        candidates.sort(key=lambda c: -c.score)
        return candidates

    def _trim(self, text: str, start: int, end: int, question: str) -> tuple[int, int]:
        """Cut a long sentence down to its best run of clauses (within ``max_chars``)."""
        if end - start <= self.max_chars:
            return start, end
        q_tokens = set(query_tokens(fold(question)))
        clauses = [(start + m.start(), start + m.end()) for m in _CLAUSE.finditer(text[start:end])]
        best, best_score = (start, min(end, start + self.max_chars)), -1.0
        for i in range(len(clauses)):
            j = i
            while j + 1 < len(clauses) and clauses[j + 1][1] - clauses[i][0] <= self.max_chars:
                j += 1
            s, e = clauses[i][0], clauses[j][1]
            toks = set(bigram_tokens(fold(text[s:e])))
            score = len(q_tokens & toks) - 0.001 * (e - s)
            if score > best_score:
                best, best_score = (s, e), score
        return best

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
        candidates = self._candidates(question, retrieved, term_weights)
        confidence = min(1.0, candidates[0].score) if candidates else 0.0
        if not candidates or confidence < self.min_confidence:
            return Answer(
                question=question,
                answer=ABSTAIN_MESSAGE[script],
                abstained=True,
                citations=[],
                script=script,
                confidence=confidence,
            )
        chosen = [candidates[0]]
        for cand in candidates[1 : self.max_sentences]:
            if cand.score >= 0.9 * candidates[0].score and cand.overlap > 0:
                chosen.append(cand)
        citations: list[Citation] = []
        cited: dict[int, int] = {}  # passage index -> citation number
        parts: list[str] = []
        for cand in chosen:
            hit = retrieved[cand.passage]
            start, end = self._trim(hit.chunk.text, cand.start, cand.end, question)
            if cand.passage in cited:  # a second sentence of a cited passage: widen its highlight
                citation = citations[cited[cand.passage] - 1]
                citation.highlight_start = min(citation.highlight_start, start)
                citation.highlight_end = max(citation.highlight_end, end)
            else:
                cited[cand.passage] = len(citations) + 1
                citations.append(
                    Citation(
                        n=cited[cand.passage],
                        doc_id=hit.document.doc_id,
                        title=hit.document.title,
                        date=hit.document.date,
                        source=hit.document.source,
                        text=hit.chunk.text,
                        start=hit.chunk.start,
                        end=hit.chunk.end,
                        score=hit.score,
                        highlight_start=start,
                        highlight_end=end,
                    )
                )
            sentence = hit.chunk.text[start:end].strip()
            parts.append(f"{to_script(sentence, script)}[{cited[cand.passage]}]")
        return Answer(
            question=question,
            answer="".join(parts),
            abstained=False,
            citations=citations,
            script=script,
            confidence=confidence,
        )
