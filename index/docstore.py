"""The docstore: documents, copies and chunks of one index generation, in one SQLite file.

Written whole at save time (into a new generation folder) and read whole at load
time; SQLite gives a single, checksummed, inspectable file that users can query
with the ``sqlite3`` shell (tables ``documents``, ``copies``, ``chunks``).

Example::

    write_docstore(path, contents)
    contents = read_docstore(path)
    contents.documents["000_seed.txt"].title
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from newsqa.types import Chunk, Document

_SCHEMA = """
CREATE TABLE documents (doc_id TEXT PRIMARY KEY, text_key TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE copies (copy_id TEXT PRIMARY KEY, doc_id TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE chunks (
    vector_id INTEGER PRIMARY KEY,
    chunk_id TEXT NOT NULL UNIQUE,
    doc_id TEXT NOT NULL,
    data TEXT NOT NULL,
    folded TEXT NOT NULL
);
CREATE INDEX chunks_doc ON chunks (doc_id);
"""


@dataclass(slots=True)
class DocstoreContents:
    """Everything the docstore holds, keyed the way ``NewsIndex`` uses it."""

    documents: dict[str, Document] = field(default_factory=dict)
    text_keys: dict[str, str] = field(default_factory=dict)  # doc id -> normalised-text hash
    copies: dict[str, dict[str, dict]] = field(default_factory=dict)  # doc id -> {copy id: record}
    chunks: dict[int, Chunk] = field(default_factory=dict)  # vector id -> chunk
    folded: dict[int, str] = field(default_factory=dict)  # vector id -> folded text for BM25

    # The rows every store keeps (the SQLite tables here; Milvus's records and passages), one
    # mapping both ways so that the stores cannot drift apart.
    def document_rows(self) -> Iterator[tuple[str, str, dict]]:
        """``(doc id, text key, the document as a dict)`` of every stored document."""
        return ((d.doc_id, self.text_keys[d.doc_id], d.to_dict()) for d in self.documents.values())

    def copy_rows(self) -> Iterator[tuple[str, str, dict]]:
        """``(copy id, doc id, record)`` of every recorded copy, in the order they were recorded."""
        return ((copy_id, doc_id, record) for doc_id, copies in self.copies.items() for copy_id, record in copies.items())

    def add_document_row(self, doc_id: str, key: str, data: dict) -> None:
        self.documents[doc_id] = Document.from_dict(data)
        self.text_keys[doc_id] = key

    def add_copy_row(self, copy_id: str, doc_id: str, record: dict) -> None:
        self.copies.setdefault(doc_id, {})[copy_id] = record

    def add_chunk_row(self, vid: int, data: dict, folded: str) -> None:
        self.chunks[vid] = Chunk.from_dict(data)
        self.folded[vid] = folded


def write_docstore(path: Path, contents: DocstoreContents) -> None:
    if path.exists():
        path.unlink()
    con = sqlite3.connect(path)
    try:
        con.executescript(_SCHEMA)
        con.executemany(
            "INSERT INTO documents VALUES (?, ?, ?)",
            ((doc_id, key, json.dumps(data, ensure_ascii=False)) for doc_id, key, data in contents.document_rows()),
        )
        con.executemany(
            "INSERT INTO copies VALUES (?, ?, ?)",
            ((copy_id, doc_id, json.dumps(record, ensure_ascii=False)) for copy_id, doc_id, record in contents.copy_rows()),
        )
        con.executemany(
            "INSERT INTO chunks VALUES (?, ?, ?, ?, ?)",
            (
                (vid, c.chunk_id, c.doc_id, json.dumps(c.to_dict(), ensure_ascii=False), contents.folded[vid])
                for vid, c in contents.chunks.items()
            ),
        )
        con.commit()
    finally:
        con.close()


def read_docstore(path: Path) -> DocstoreContents:
    contents = DocstoreContents()
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        for doc_id, key, data in con.execute("SELECT doc_id, text_key, data FROM documents"):
            contents.add_document_row(doc_id, key, json.loads(data))
        for copy_id, doc_id, data in con.execute("SELECT copy_id, doc_id, data FROM copies ORDER BY rowid"):
            contents.add_copy_row(copy_id, doc_id, json.loads(data))
        for vid, data, fold_text in con.execute("SELECT vector_id, data, folded FROM chunks ORDER BY vector_id"):
            contents.add_chunk_row(vid, json.loads(data), fold_text)
    finally:
        con.close()
    return contents
