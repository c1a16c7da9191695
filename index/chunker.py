"""Chinese sentence-aware, paragraph-respecting chunking with exact character offsets.

Sentences are those of ``newsqa.text.split_sentences`` (they end at 。！？；… and their
half-width forms, closing quotes kept on the sentence they close). Chunks are built from whole
sentences, prefer to end at a paragraph break, stay under ``max_chars`` (a sentence
longer than that is cut at a clause comma, or hard-cut as a last resort), and
repeat up to ``overlap`` characters of trailing sentences at the start of the next
chunk. Every chunk satisfies ``document.text[chunk.start:chunk.end] == chunk.text``.

Example::

    chunker = SentenceChunker(max_chars=400, overlap=60)
    chunks = chunker.run(document)
    assert document.text[chunks[0].start:chunks[0].end] == chunks[0].text
"""

from __future__ import annotations

import re

from newsqa.text import Span, split_paragraphs, split_sentences
from newsqa.types import Chunk, Document, content_hash

_CLAUSE_BREAK_RE = re.compile(r"[，,、：:]")


def _cut_long(text: str, span: Span, max_chars: int) -> list[Span]:
    """Cut a sentence longer than ``max_chars`` at clause commas, else hard."""
    pieces: list[Span] = []
    cursor = span.start
    while span.end - cursor > max_chars:
        window = text[cursor : cursor + max_chars]
        breaks = [m.end() for m in _CLAUSE_BREAK_RE.finditer(window) if m.end() >= max_chars // 3]
        cut = cursor + (breaks[-1] if breaks else max_chars)
        pieces.append(Span(cursor, cut))
        cursor = cut
    pieces.append(Span(cursor, span.end))
    return pieces


class SentenceChunker:
    """Turns a ``Document`` into overlapping passages of whole sentences."""

    def __init__(self, max_chars: int = 400, overlap: int = 60, min_chars: int = 80):
        if overlap >= max_chars // 2:
            raise ValueError("overlap must be under half of max_chars")
        self.max_chars = max_chars
        self.overlap = overlap
        self.min_chars = min_chars

    def sentences(self, text: str) -> list[tuple[Span, int]]:
        """All sentence spans of ``text`` with their paragraph number, long ones cut."""
        result: list[tuple[Span, int]] = []
        for p_no, para in enumerate(split_paragraphs(text)):
            for sent in split_sentences(text, para.start, para.end):
                for piece in _cut_long(text, sent, self.max_chars):
                    result.append((piece, p_no))
        return result

    def spans(self, text: str) -> list[Span]:
        """The chunk spans of ``text``."""
        sentences = self.sentences(text)
        if not sentences:
            return []
        chunks: list[Span] = []
        i = 0
        while i < len(sentences):
            first = i
            start = sentences[i][0].start
            end = sentences[i][0].end
            i += 1
            while i < len(sentences):
                span, p_no = sentences[i]
                if span.end - start > self.max_chars:
                    break
                # Prefer a paragraph break once the chunk is reasonably full.
                if p_no != sentences[i - 1][1] and end - start >= self.max_chars * 0.6:
                    break
                end = span.end
                i += 1
            chunks.append(Span(start, end))
            if i >= len(sentences):
                break
            # Overlap: step back over trailing sentences that fit in the overlap budget,
            # never back to the chunk's own first sentence (that would not advance).
            back = i
            while back - 1 > first and sentences[i - 1][0].end - sentences[back - 1][0].start <= self.overlap:
                back -= 1
            i = back
        # A too-short tail merges into the previous chunk when that stays within bounds.
        if len(chunks) > 1 and len(chunks[-1]) < self.min_chars:
            merged = Span(chunks[-2].start, chunks[-1].end)
            if len(merged) <= self.max_chars * 1.25:
                chunks[-2:] = [merged]
        return chunks

    def run(self, document: Document) -> list[Chunk]:
        """Chunks of ``document`` with ids stable across runs (doc id + content + position)."""
        header = document.title
        if document.date:
            header += f"（{document.date}）"
        chunks = []
        for ordinal, span in enumerate(self.spans(document.text)):
            text = document.text[span.start : span.end]
            chunk_id = f"{document.doc_id}::{ordinal}:{content_hash(text)[:8]}"
            chunks.append(
                Chunk(
                    chunk_id=chunk_id,
                    doc_id=document.doc_id,
                    ordinal=ordinal,
                    text=text,
                    start=span.start,
                    end=span.end,
                    embed_text=f"{header}\n{text}" if header else text,
                )
            )
        return chunks
