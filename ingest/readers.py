"""Reading article files: discovery, size limits and encoding detection.

Every failure is an ``IngestError`` whose message names the file and says what to
do, so a batch can report it and go on with the rest.

Example::

    text = read_text(Path("data/articles/000_8cf7c1ad8f2038b8.txt"), max_bytes=20_000_000)
"""

from __future__ import annotations

import codecs
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path

logger = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = frozenset({".txt", ".md"})


class IngestError(Exception):
    """A file that cannot be ingested; the message is meant for the user."""

    def __init__(self, path: Path | str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


def iter_article_files(paths: Iterable[Path]) -> Iterator[tuple[Path, Path]]:
    """Yield ``(file, root)`` for every supported file under ``paths`` (folders recursively).

    ``root`` is the folder given (or the file's parent for a file), used to name the
    document relative to it. Hidden files and folders are skipped. A path that does
    not exist raises ``IngestError``.
    """
    for path in paths:
        path = Path(path)
        if not path.exists():
            raise IngestError(path, "no such file or folder")
        if path.is_file():
            yield path, path.parent
            continue
        seen: set[Path] = set()
        for file in sorted(path.rglob("*")):
            rel = file.relative_to(path)
            if any(part.startswith(".") for part in rel.parts):
                continue
            if file.is_file() and file.suffix.lower() in SUPPORTED_SUFFIXES:
                real = file.resolve()
                if real in seen:
                    continue
                seen.add(real)
                yield file, path


_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_bytes(data: bytes, path: Path | str = "<bytes>") -> str:
    """Decode article bytes: BOM, then strict UTF-8, then charset-normalizer's best guess."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding)
    if b"\x00" in data[:4096]:
        raise IngestError(path, "looks like a binary file (NUL bytes), not an article")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=["gb18030", "big5", "utf_16", "cp950", "gbk"]).best()
    if best is None:
        raise IngestError(
            path, "cannot tell its text encoding; save it as UTF-8 and ingest it again"
        )
    logger.info("%s: decoded as %s", path, best.encoding)
    return str(best)


def read_text(path: Path, max_bytes: int) -> str:
    """The decoded text of ``path``; raises ``IngestError`` for anything unusable."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise IngestError(path, f"cannot read it ({exc.strerror})") from exc
    if size == 0:
        raise IngestError(path, "the file is empty")
    if size > max_bytes:
        raise IngestError(
            path,
            f"the file is {size:,} bytes, over the limit of {max_bytes:,} "
            "(raise NEWSQA_INGEST_MAX_FILE_BYTES to allow it)",
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(path, f"cannot read it ({exc.strerror})") from exc
    text = decode_bytes(data, path)
    if not text.strip():
        raise IngestError(path, "the file holds no text")
    return text
