"""The persistence side of a ``NewsIndex``: numbered generations in one index folder.

``CURRENT`` names the live ``gen-NNNNNN`` folder. A save writes a complete new
generation into a temporary folder (``.gen-NNNNNN.tmp-PID``), fsyncs it, renames it into
place and then swaps ``CURRENT`` with an atomic rename, so a crash at any point leaves
the previous generation loadable and a reader never sees a half-written one. What is
inside a generation is the facade's business (``newsqa.index.store``); this module only
names, publishes and cleans up the folders.

Example::

    folder = GenerationFolder(path)
    name = folder.name_for(folder.latest_number() + 1)
    tmp = folder.begin(name)      # write the generation's files into tmp
    final = folder.publish(tmp, name)
    folder.prune(keep={name, previous})
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path

from newsqa.faults import crash_point

CURRENT_FILE = "CURRENT"
MANIFEST_FILE = "manifest.json"


class GenerationFolder:
    """An index folder: its generations, the ``CURRENT`` pointer and what crashed saves left."""

    def __init__(self, path: Path):
        self.path = Path(path)

    @staticmethod
    def name_for(generation: int) -> str:
        return f"gen-{generation:06d}"

    def latest_number(self) -> int:
        """The highest generation number present (live or not), 0 for none."""
        numbers = [n for p in self.path.glob("gen-*") if (n := _generation_number(p.name)) is not None]
        return max(numbers, default=0)

    def begin(self, name: str) -> Path:
        """An empty temporary folder to write generation ``name`` into."""
        tmp_dir = self.path / f".{name}.tmp-{os.getpid()}"
        shutil.rmtree(tmp_dir, ignore_errors=True)
        tmp_dir.mkdir()
        return tmp_dir

    def publish(self, tmp_dir: Path, name: str) -> Path:
        """Make the written ``tmp_dir`` the live generation ``name``: fsync it, rename it into
        place, swap ``CURRENT`` atomically. Returns the generation's folder."""
        final_dir = self.path / name
        _fsync_tree(tmp_dir)
        crash_point("save:generation-written")
        os.replace(tmp_dir, final_dir)
        crash_point("save:generation-renamed")
        pointer_tmp = self.path / f".{CURRENT_FILE}.tmp-{os.getpid()}"
        pointer_tmp.write_text(name + "\n")
        _fsync_file(pointer_tmp)
        os.replace(pointer_tmp, self.path / CURRENT_FILE)
        crash_point("save:pointer-swapped")
        _fsync_dir(self.path)
        return final_dir

    def prune(self, keep: set[str]) -> None:
        """Remove generations other than ``keep`` (the live one and the one live before it,
        which a reader may still be loading) and leftovers of interrupted saves."""
        old = [p for p in self.path.glob("gen-*") if p.is_dir() and p.name not in keep]
        _remove_paths([*old, *_temporary_leftovers(self.path)])

    def remove_crash_leftovers(self) -> tuple[list[Path], int]:
        """Remove what interrupted saves left: (paths removed, sorted; bytes freed).

        Call it only while holding the ingest lock, when no other writer runs. It removes the
        temporary generation folders and pointer files (``.gen-NNNNNN.tmp-PID``,
        ``.CURRENT.tmp-PID``) of writers that are no longer running (never this process's
        own), and generation folders newer than the one ``CURRENT`` names (renamed into place
        by a save that died before the pointer swap, so never live). The live generation and
        older ones (a reader may still be loading the previous one) are left to ``prune``.
        """
        if not self.path.is_dir():
            return [], 0
        doomed = [p for p in _temporary_leftovers(self.path) if not _writer_alive(p.name)]
        current_file = self.path / CURRENT_FILE
        try:
            current = _generation_number(current_file.read_text().strip()) if current_file.is_file() else 0
        except OSError:
            current = None
        if current is not None:  # a CURRENT that names no generation: none is called unused
            doomed += [
                p for p in self.path.glob("gen-*")
                if p.is_dir() and (n := _generation_number(p.name)) is not None and n > current
            ]
        doomed.sort()
        return doomed, _remove_paths(doomed)


def _generation_number(name: str) -> int | None:
    """6 for ``gen-000006``; None for any other name."""
    digits = name[4:]
    return int(digits) if name.startswith("gen-") and digits.isdigit() else None


def _temporary_leftovers(path: Path) -> list[Path]:
    """Temporary generation folders and pointer files of saves (``.gen-*.tmp-PID``, ``.CURRENT.tmp-PID``)."""
    return [*path.glob(".gen-*.tmp-*"), *path.glob(f".{CURRENT_FILE}.tmp-*")]


def _writer_alive(name: str) -> bool:
    """Whether the process whose id ends a temporary name (``….tmp-PID``) is this one or still runs."""
    pid = name.rpartition(".tmp-")[2]
    if not pid.isdigit() or int(pid) <= 0:
        return False
    if int(pid) == os.getpid():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it runs, as another user
        return True
    except OSError:
        return False
    return True


def _remove_paths(paths: Iterable[Path]) -> int:
    """Remove folders and files; returns the bytes freed."""
    freed = 0
    for path in paths:
        size = _size_on_disk(path)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        if not os.path.lexists(path):
            freed += size
    return freed


def _size_on_disk(path: Path) -> int:
    try:
        files = [path] if path.is_symlink() or not path.is_dir() else [path, *path.rglob("*")]
        return sum(f.lstat().st_size for f in files if not f.is_dir() or f.is_symlink())
    except OSError:
        return 0


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    try:
        _fsync_file(path)
    except OSError:  # pragma: no cover - some filesystems refuse directory fsync
        pass


def _fsync_tree(folder: Path) -> None:
    for file in folder.rglob("*"):
        if file.is_file():
            _fsync_file(file)
    _fsync_dir(folder)
