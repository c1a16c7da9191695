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


def write_docstore(path: Path, contents: DocstoreContents) -> None:
    if path.exists():
        path.unlink()
    con = sqlite3.connect(path)
    try:
        con.executescript(_SCHEMA)
        con.executemany(
            "INSERT INTO documents VALUES (?, ?, ?)",
            (
                (d.doc_id, contents.text_keys[d.doc_id], json.dumps(d.to_dict(), ensure_ascii=False))
                for d in contents.documents.values()
            ),
        )
        con.executemany(
            "INSERT INTO copies VALUES (?, ?, ?)",
            (
                (copy_id, doc_id, json.dumps(record, ensure_ascii=False))
                for doc_id, copies in contents.copies.items()
                for copy_id, record in copies.items()
            ),
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
            contents.documents[doc_id] = Document.from_dict(json.loads(data))
            contents.text_keys[doc_id] = key
        for copy_id, doc_id, data in con.execute("SELECT copy_id, doc_id, data FROM copies ORDER BY rowid"):
            contents.copies.setdefault(doc_id, {})[copy_id] = json.loads(data)
        for vid, data, fold_text in con.execute("SELECT vector_id, data, folded FROM chunks ORDER BY vector_id"):
            contents.chunks[vid] = Chunk.from_dict(json.loads(data))
            contents.folded[vid] = fold_text
    finally:
        con.close()
    return contents
