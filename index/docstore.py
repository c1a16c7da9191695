"""The docstore: documents and chunks of one index generation, in one SQLite file.

Written whole at save time (into a new generation folder) and read whole at load
time; SQLite gives a single, checksummed, inspectable file that users can query
with the ``sqlite3`` shell.

Example::

    write_docstore(path, documents, chunks_by_vector_id, folded_by_vector_id)
    documents, chunks, folded = read_docstore(path)
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from pathlib import Path

from newsqa.types import Chunk, Document

_SCHEMA = """
CREATE TABLE documents (doc_id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE chunks (
    vector_id INTEGER PRIMARY KEY,
    chunk_id TEXT NOT NULL UNIQUE,
    doc_id TEXT NOT NULL,
    data TEXT NOT NULL,
    folded TEXT NOT NULL
);
CREATE INDEX chunks_doc ON chunks (doc_id);
"""


def write_docstore(
    path: Path,
    documents: Mapping[str, Document],
    chunks: Mapping[int, Chunk],
    folded: Mapping[int, str],
) -> None:
    if path.exists():
        path.unlink()
    con = sqlite3.connect(path)
    try:
        con.executescript(_SCHEMA)
        con.executemany(
            "INSERT INTO documents VALUES (?, ?)",
            ((d.doc_id, json.dumps(d.to_dict(), ensure_ascii=False)) for d in documents.values()),
        )
        con.executemany(
            "INSERT INTO chunks VALUES (?, ?, ?, ?, ?)",
            (
                (vid, c.chunk_id, c.doc_id, json.dumps(c.to_dict(), ensure_ascii=False), folded[vid])
                for vid, c in chunks.items()
            ),
        )
        con.commit()
    finally:
        con.close()


def read_docstore(path: Path) -> tuple[dict[str, Document], dict[int, Chunk], dict[int, str]]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        documents = {
            doc_id: Document.from_dict(json.loads(data))
            for doc_id, data in con.execute("SELECT doc_id, data FROM documents")
        }
        chunks: dict[int, Chunk] = {}
        folded: dict[int, str] = {}
        for vid, data, fold_text in con.execute("SELECT vector_id, data, folded FROM chunks ORDER BY vector_id"):
            chunks[vid] = Chunk.from_dict(json.loads(data))
            folded[vid] = fold_text
    finally:
        con.close()
    return documents, chunks, folded
