"""Reading article files: discovery, size limits and encoding detection.

Every failure is an ``IngestError`` whose message names the file and says what to
do, so a batch can report it and go on with the rest.

Encodings: a byte-order mark (UTF-8, UTF-16 LE/BE, UTF-32) decides; then, for HTML, a
declared ``<meta charset>`` when the bytes decode cleanly with it; then strict UTF-8;
then GB18030 or Big5. charset-normalizer (restricted to GB18030, Big5, CP950 and
Big5-HKSCS) proposes the legacy encoding, and when the bytes are valid in both a GB and
a Big5 encoding the decoding whose characters are the more frequent in real Chinese
(a list of ~1,170 common characters, in both scripts) wins: Big5 bytes are nearly
always valid GB18030 too, and charset-normalizer's Chinese model knows only
Simplified. Text that decodes to mostly unreadable characters is refused.

Example::

    text = read_text(Path("data/articles/000_8cf7c1ad8f2038b8.txt"), max_bytes=20_000_000)
"""

from __future__ import annotations

import codecs
import errno
import logging
import os
import re
import stat
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path

from newsqa.chinese import chinese_score, sample

logger = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = frozenset({".txt", ".md", ".html", ".htm", ".json", ".jsonl"})

SAVE_AS_UTF8 = "save it as UTF-8 and ingest it again"


class IngestError(Exception):
    """A file that cannot be ingested; the message is meant for the user."""

    def __init__(self, path: Path | str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


# ---------------------------------------------------------------------------- discovery


def iter_article_files(
    paths: Iterable[Path], failures: list[tuple[str, str]] | None = None
) -> Iterator[tuple[Path, Path]]:
    """Yield ``(file, root)`` for every supported file under ``paths`` (folders recursively).

    ``root`` is the folder given (or the file's parent for a file), used to name the
    document relative to it. Hidden files and folders (``.name``) inside a folder are
    skipped; symlinks are followed, each real file is yielded once, and a link that
    leads back into a folder being walked (a loop) is reported and not entered.

    Problems (a symlink loop, a broken link, a folder that cannot be listed) are
    appended to ``failures`` as ``(path, reason)`` when it is given, and the walk goes
    on; a path that does not exist is one of them. Without ``failures`` a missing path
    raises ``IngestError`` and the other problems are logged as warnings.
    """
    walk = _FileWalk(failures)
    for path in paths:
        path = Path(path)
        try:
            st = os.stat(path)
        except OSError as exc:
            reason = _stat_failure(path, exc) or "no such file or folder"
            if failures is None:
                raise IngestError(path, reason) from exc
            walk.fail(path, reason)
            continue
        key = (st.st_dev, st.st_ino)
        if stat.S_ISDIR(st.st_mode):
            if key not in walk.walked_dirs:
                walk.walked_dirs.add(key)
                yield from walk.folder(path, key)
        elif key not in walk.seen_files:  # a file named explicitly: taken whatever its name
            walk.seen_files.add(key)
            yield path, path.parent


class _FileWalk:
    """One ``iter_article_files`` walk: the files already yielded and the folders already
    entered (by device and inode, so each is reached once whatever links lead to it), and
    where its problems go (``failures``, else a warning)."""

    def __init__(self, failures: list[tuple[str, str]] | None):
        self.failures = failures
        self.seen_files: set[tuple[int, int]] = set()
        self.walked_dirs: set[tuple[int, int]] = set()

    def fail(self, where: Path | str, reason: str) -> None:
        if self.failures is None:
            logger.warning("skipped %s: %s", where, reason)
        else:
            self.failures.append((str(where), reason))

    def listing(self, folder: Path) -> Iterator[os.DirEntry]:
        """A folder's entries by name; none (and a failure) when it cannot be listed."""
        try:
            with os.scandir(folder) as it:
                return iter(sorted(it, key=lambda e: e.name))
        except PermissionError:
            self.fail(folder, "permission denied: cannot list the folder (check its permissions)")
        except OSError as exc:
            self.fail(folder, f"cannot list the folder ({exc.strerror})")
        return iter(())

    def folder(self, top: Path, top_key: tuple[int, int]) -> Iterator[tuple[Path, Path]]:
        """``(file, top)`` for the supported files under the folder ``top``."""
        # Depth-first over an explicit stack (folders may nest deeper than Python's recursion
        # limit); ``active`` holds the folders being walked, to tell a symlink loop.
        active = {top_key: top}
        stack = [(top_key, self.listing(top))]
        while stack:
            folder_key, entries = stack[-1]
            entry = next(entries, None)
            if entry is None:
                stack.pop()
                del active[folder_key]
                continue
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            try:
                st = os.stat(path)  # follows symlinks
            except OSError as exc:
                reason = _stat_failure(path, exc)
                if reason and (path.suffix.lower() in SUPPORTED_SUFFIXES or not path.suffix):
                    self.fail(path, reason)
                continue
            key = (st.st_dev, st.st_ino)
            if stat.S_ISDIR(st.st_mode):
                if key in active:
                    self.fail(path, f"symlink loop: it leads back to {active[key]}; not followed")
                    continue
                if key in self.walked_dirs:  # the same folder reached through another link
                    continue
                self.walked_dirs.add(key)
                active[key] = path
                stack.append((key, self.listing(path)))
            elif stat.S_ISREG(st.st_mode) and path.suffix.lower() in SUPPORTED_SUFFIXES and key not in self.seen_files:
                self.seen_files.add(key)
                yield path, top


def _stat_failure(path: Path, exc: OSError) -> str | None:
    """Why ``os.stat`` failed, in words; None for "does not exist" of a non-link."""
    if exc.errno == errno.ELOOP:
        return "symlink loop: the link points (through other links) back to itself; not followed"
    if isinstance(exc, PermissionError):
        return "permission denied: cannot reach the file (check the folder's permissions)"
    if path.is_symlink():
        try:
            target = os.readlink(path)
        except OSError:
            target = "?"
        return f"broken symlink: its target {target} does not exist"
    if exc.errno == errno.ENOENT:
        return None
    return f"cannot read it ({exc.strerror})"


# ---------------------------------------------------------------------------- decoding

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"),
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)

_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document (save its text as .txt)"),
    (b"PK\x03\x04", "a ZIP archive or an Office document (save its text as .txt)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office document (save its text as .txt)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"BZh", "a bzip2 archive"),
    (b"\xfd7zXZ\x00", "an xz archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\x7fELF", "a program (ELF)"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"OggS", "an audio file (Ogg)"),
    (b"ID3", "an audio file (MP3)"),
    (b"fLaC", "an audio file (FLAC)"),
    (b"\x1aE\xdf\xa3", "a video file (Matroska/WebM)"),
)

# Legacy encodings tried for files that are not UTF-8 (Chinese news: mainland GB, Taiwan/HK Big5).
LEGACY_ENCODINGS = ("gb18030", "big5", "cp950", "big5hkscs")
_GB = {"gb18030"}
_STRICT_TRIES = ("gb18030", "big5hkscs", "cp950")

_DECLARED_ALIASES = {
    **dict.fromkeys(
        ("gb2312", "gbk", "x-gbk", "gb_2312-80", "gb_2312", "csgb2312", "chinese", "euc-cn", "euccn",
         "cp936", "windows-936", "ms936", "gb18030", "iso-ir-58", "csiso58gb231280"),
        "gb18030",
    ),
    **dict.fromkeys(("big5", "big5-hkscs", "big5hkscs", "x-x-big5", "cn-big5", "csbig5", "cp950", "x-big5"),
                    "big5hkscs"),
}

_MIN_FREQUENT_RATIO = 0.35  # real Chinese decodes ≥ 0.45 (mostly > 0.8); a wrong codec ≤ 0.31
_MAX_UNREADABLE_RATIO = 0.10


def _unreadable_ratio(text: str) -> float:
    """Share of the visible characters that are replacement, control, private-use or unassigned."""
    visible = bad = 0
    for c in sample(text):
        if c in "\t\n\r\f\v" or c.isspace():
            continue
        visible += 1
        if c == "\ufffd" or unicodedata.category(c) in ("Cc", "Co", "Cn", "Cs"):
            bad += 1
    return bad / visible if visible else 0.0


def _check_readable(text: str, path: Path | str, encoding: str, *, chinese: bool) -> str:
    if _unreadable_ratio(text) > _MAX_UNREADABLE_RATIO:
        raise IngestError(
            path, f"its text ({encoding}) is mostly control or unreadable characters; if it is an article, {SAVE_AS_UTF8}"
        )
    if chinese:
        score, count = chinese_score(text)
        if count >= 20 and score < _MIN_FREQUENT_RATIO:
            raise IngestError(
                path, f"cannot tell its text encoding (not UTF-8, GB18030 or Big5); {SAVE_AS_UTF8}"
            )
    return text


def sniff_declared_charset(data: bytes) -> str | None:
    """The charset an HTML/XML file declares near its top (``<meta charset>``, http-equiv, ``<?xml encoding>``)."""
    head = data[:4096]
    m = re.search(rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", head, re.IGNORECASE)
    if not m:
        m = re.search(rb"<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9_.:-]+)", head, re.IGNORECASE)
    return m.group(1).decode("ascii").lower() if m else None


def _codec_for(declared: str) -> str | None:
    name = declared.strip().lower()
    if name in _DECLARED_ALIASES:
        return _DECLARED_ALIASES[name]
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_bytes(data: bytes, path: Path | str = "<bytes>", *, declared: str | None = None) -> str:
    """Decode article bytes (see the module doc for the order); raises ``IngestError``.

    ``declared`` is the charset the file itself declares (HTML ``<meta charset>``); it
    is honoured when the bytes decode cleanly with it.
    """
    for signature, what in _SIGNATURES:
        if data.startswith(signature):
            raise IngestError(path, f"this is {what}, not a text article")
    for bom, encoding, label in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise IngestError(
                    path, f"starts with a {label} byte-order mark but is not valid {label} ({exc.reason}); {SAVE_AS_UTF8}"
                ) from exc
            nul = text.find("\x00")  # UTF-16/32 text is full of NUL bytes; a NUL character is still binary
            if nul >= 0:
                raise IngestError(
                    path, f"looks like a binary file (it has NUL characters, the first at character {nul:,}), not an article"
                )
            return _check_readable(text, path, label, chinese=False)
    nul = data.find(b"\x00")  # anywhere, not just at the top: no UTF-8, GB18030 or Big5 text has one
    if nul >= 0:
        raise IngestError(
            path, f"looks like a binary file (it has NUL bytes, the first at byte {nul:,}), not an article; "
            f"if it is UTF-16 text without a byte-order mark, {SAVE_AS_UTF8}"
        )
    if declared:
        text = _decode_declared(data, path, declared)
        if text is not None:
            return text
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return _check_readable(text, path, "UTF-8", chinese=False)
    return _decode_legacy(data, path)


def _decode_declared(data: bytes, path: Path | str, declared: str) -> str | None:
    codec = _codec_for(declared)
    if codec is None:
        logger.info("%s: declares an unknown charset %r; detecting it instead", path, declared)
        return None
    if codec in ("utf-8", "ascii"):
        return None  # the UTF-8 path below does exactly this
    chinese = codec in ("gb18030", "big5hkscs")
    if not chinese:
        # A single-byte charset (latin-1, windows-1252…) decodes any bytes: it is believed
        # only when the bytes are neither valid UTF-8 nor convincing GB18030/Big5 Chinese.
        try:
            data.decode("utf-8")
            logger.info("%s: declares %s but is valid UTF-8; read as UTF-8", path, declared)
            return None
        except UnicodeDecodeError:
            pass
        try:
            score, count = chinese_score(_decode_legacy(data, path))
            if count >= 20 and score >= 0.6:
                logger.info("%s: declares %s but reads as Chinese GB18030/Big5; detecting it", path, declared)
                return None
        except IngestError:
            pass
    tries = (codec, "cp950") if codec == "big5hkscs" else (codec,)
    for encoding in tries:
        try:
            text = data.decode(encoding)
            return _check_readable(text, path, encoding, chinese=chinese)
        except (UnicodeDecodeError, IngestError):
            continue
    logger.info("%s: does not decode cleanly as its declared %s; detecting the encoding", path, declared)
    return None


def _decode_legacy(data: bytes, path: Path | str) -> str:
    from charset_normalizer import from_bytes

    options: dict[str, str] = {}
    best = from_bytes(data, cp_isolation=list(LEGACY_ENCODINGS)).best()
    proposed = best.encoding if best is not None else None
    if best is not None:
        options[best.encoding] = str(best)
    for encoding in _STRICT_TRIES:
        if encoding in options:
            continue
        try:
            options[encoding] = data.decode(encoding)
        except UnicodeDecodeError:
            continue
    if not options:
        raise IngestError(path, f"cannot decode it as UTF-8, GB18030 or Big5; {SAVE_AS_UTF8}")

    def rank(item: tuple[str, str]) -> tuple[float, bool, bool]:
        encoding, text = item
        score, _ = chinese_score(text)
        return (round(score, 3), encoding == proposed, encoding in _GB)

    encoding, text = max(options.items(), key=rank)
    if proposed and encoding != proposed:
        logger.debug("%s: charset-normalizer proposed %s; %s reads as more common Chinese", path, proposed, encoding)
    _check_readable(text, path, encoding, chinese=True)
    logger.info("%s: decoded as %s", path, encoding)
    return text


# ---------------------------------------------------------------------------- reading


def read_bytes(path: Path, max_bytes: int) -> bytes:
    """The bytes of ``path``; raises ``IngestError`` when it is empty, too big or unreadable."""
    try:
        size = path.stat().st_size
    except PermissionError as exc:
        raise IngestError(path, "permission denied: cannot reach the file (check its folder's permissions)") from exc
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
        return path.read_bytes()
    except PermissionError as exc:
        raise IngestError(path, "permission denied: cannot open the file (check its permissions)") from exc
    except IsADirectoryError as exc:
        raise IngestError(path, "is a folder, not a file") from exc
    except OSError as exc:
        raise IngestError(path, f"cannot read it ({exc.strerror})") from exc


def read_text(path: Path, max_bytes: int, *, html: bool = False) -> str:
    """The decoded text of ``path``; raises ``IngestError`` for anything unusable.

    ``html`` honours a charset the file declares (``<meta charset>``).
    """
    data = read_bytes(path, max_bytes)
    declared = sniff_declared_charset(data) if html else None
    text = decode_bytes(data, path, declared=declared)
    if not text.strip():
        raise IngestError(path, "the file holds no text")
    return text
