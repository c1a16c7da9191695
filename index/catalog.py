"""The documents side of a ``NewsIndex``: documents, their chunks and their wire copies, in memory.

What the docstore (:mod:`newsqa.index.docstore`) writes to and reads from one SQLite file per
generation, plus the lookups built from it: which chunks (vector ids) a document has, which
document a normalised text belongs to, and which stored document a copy's id stands for.
No vectors and no BM25 here: the facade keeps those in step with the chunks this holds.

Example::

    catalog = DocumentCatalog(read_docstore(path))
    catalog.resolve("copy-id")        # the stored document it is a copy of
    write_docstore(path, catalog.contents())
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from newsqa.index.docstore import DocstoreContents
from newsqa.script import fold
from newsqa.types import Chunk, Document


def text_key(text: str) -> str:
    """Hash of the normalised text (folded, no whitespace or punctuation): equal for wire copies."""
    folded = fold(text)
    return hashlib.sha256("".join(ch for ch in folded if ch.isalnum()).encode("utf-8")).hexdigest()[:24]


def document_reference(doc: Document) -> dict:
    """What identifies a document to a user: id, title, date, source, URL, file (kept for copies)."""
    return {
        "doc_id": doc.doc_id,
        "title": doc.title,
        "date": doc.date,
        "source": doc.source,
        "url": doc.url,
        "source_file": doc.source_file,
    }


class DocumentCatalog:
    """Documents by id, chunks and their folded texts by vector id, and the wire copies."""

    def __init__(self, contents: DocstoreContents | None = None):
        contents = contents if contents is not None else DocstoreContents()
        self.documents: dict[str, Document] = contents.documents
        self.chunks: dict[int, Chunk] = contents.chunks
        self.folded: dict[int, str] = contents.folded  # vector id -> folded text (BM25, script)
        self.text_keys: dict[str, str] = contents.text_keys  # doc id -> normalised-text hash
        self.by_text_key: dict[str, str] = {key: doc_id for doc_id, key in contents.text_keys.items()}
        self.copies: dict[str, dict[str, dict]] = contents.copies  # doc id -> {copy id: copy record}
        self.aliases: dict[str, str] = {copy: doc_id for doc_id, copies in contents.copies.items() for copy in copies}
        self.doc_chunks: dict[str, list[int]] = {}
        for vid, chunk in self.chunks.items():
            self.doc_chunks.setdefault(chunk.doc_id, []).append(vid)

    def contents(self) -> DocstoreContents:
        """What the docstore file holds."""
        return DocstoreContents(self.documents, self.text_keys, self.copies, self.chunks, self.folded)

    # ------------------------------------------------------------------ writes
    def add_document(self, doc: Document, key: str, *, owns_text: bool = True) -> None:
        """Store ``doc`` under its normalised-text hash ``key``, without chunks yet.
        ``owns_text=False`` leaves a text already claimed by another document to it."""
        self.documents[doc.doc_id] = doc
        self.text_keys[doc.doc_id] = key
        if owns_text:
            self.by_text_key[key] = doc.doc_id
            self.doc_chunks[doc.doc_id] = []
        else:
            self.by_text_key.setdefault(key, doc.doc_id)
            self.doc_chunks.setdefault(doc.doc_id, [])

    def add_chunks(self, ids: Iterable[int], chunks: Iterable[Chunk], folded: Iterable[str]) -> None:
        """Store chunks with their folded texts under the vector ids their vectors got."""
        for vid, chunk, text in zip(ids, chunks, folded):
            self.chunks[vid] = chunk
            self.folded[vid] = text
            self.doc_chunks.setdefault(chunk.doc_id, []).append(vid)

    def remove_chunks(self, doc_id: str) -> list[int]:
        """Forget a document's chunks; returns their vector ids (for the vectors to go too)."""
        ids = self.doc_chunks.pop(doc_id, [])
        for vid in ids:
            self.chunks.pop(vid, None)
            self.folded.pop(vid, None)
        return ids

    def forget_text(self, doc_id: str) -> None:
        """Drop a document's normalised-text hash (its text is about to change)."""
        self.by_text_key.pop(self.text_keys.pop(doc_id, None), None)

    def remove_document(self, doc_id: str) -> list[int]:
        """Forget a document and its chunks; returns the chunks' vector ids."""
        ids = self.remove_chunks(doc_id)
        self.documents.pop(doc_id, None)
        key = self.text_keys.pop(doc_id, None)
        if self.by_text_key.get(key) == doc_id:
            del self.by_text_key[key]
        return ids

    def record_copy(self, canonical_id: str, doc: Document) -> None:
        """Record ``doc`` as a copy (same normalised text) of the stored ``canonical_id``."""
        self.copies.setdefault(canonical_id, {})[doc.doc_id] = document_reference(doc)
        self.aliases[doc.doc_id] = canonical_id

    def drop_alias(self, alias_id: str) -> None:
        """Forget that ``alias_id`` is a copy of a stored document."""
        canonical_id = self.aliases.pop(alias_id)
        copies = self.copies.get(canonical_id, {})
        copies.pop(alias_id, None)
        if not copies:
            self.copies.pop(canonical_id, None)

    def drop_copies(self, doc_id: str) -> list[str]:
        """Forget every copy of ``doc_id``; returns their ids."""
        removed = []
        for copy_id in self.copies.pop(doc_id, {}):
            self.aliases.pop(copy_id, None)
            removed.append(copy_id)
        return removed

    # ------------------------------------------------------------------ reads
    def chunks_of(self, doc_id: str) -> list[Chunk]:
        return [self.chunks[v] for v in self.doc_chunks.get(doc_id, [])]

    def copies_of(self, doc_id: str) -> list[dict]:
        """The other names (ids, sources, files) under which the same story arrived."""
        return list(self.copies.get(doc_id, {}).values())

    def resolve(self, doc_id: str) -> str | None:
        """The stored document id for ``doc_id`` (itself, or the story it is a copy of)."""
        if doc_id in self.documents:
            return doc_id
        return self.aliases.get(doc_id)

    def corpus_fingerprint(self) -> str:
        """A hash of every document id with its content hash: equal for equal archives."""
        digest = hashlib.sha256()
        for doc_id in sorted(self.documents):
            digest.update(f"{doc_id}\0{self.documents[doc_id].content_hash}\n".encode())
        return digest.hexdigest()[:16]
