"""Progress for long work: a tqdm bar on a terminal, plain log lines otherwise.

On a terminal the bar moves with every update and log lines are written above it (never
into it). Without one (a log file, CI, ``serve`` under a supervisor) a line with the count,
rate and time left is logged at least every ``every`` seconds while the work runs, from a
timer thread, so a slow first batch is not a silent minute.

The work running now can be read from another thread (``current()``): the chat UI's
archive tab shows an upload's step, count and percentage from it.

Example::

    with Progress(total=len(chunks), desc="embedding", unit="chunk") as progress:
        for batch in batches:
            ...
            progress.update(len(batch))

    current()   # Step(desc='embedding', unit='chunk', done=96, total=1092) while it runs
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass

logger = logging.getLogger("newsqa.progress")

_running: list[Progress] = []  # the Progress objects open now, oldest first
_running_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class Step:
    """What a running ``Progress`` has done: ``done`` of ``total`` ``unit``s of ``desc``."""

    desc: str
    unit: str
    done: int
    total: int

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0


def current() -> Step | None:
    """The newest work still running in this process, or None."""
    with _running_lock:
        progress = _running[-1] if _running else None
    return Step(progress.desc, progress.unit, progress.done, progress.total) if progress is not None else None


class Progress:
    """Counts work done; shows rate and ETA (a bar on a terminal, a log line every
    ``every`` seconds otherwise)."""

    def __init__(self, total: int, desc: str, unit: str = "item", *, tty: bool | None = None, every: float = 10.0):
        self.total = total
        self.desc = desc
        self.unit = unit
        self.done = 0
        self.every = every
        self._started = time.perf_counter()
        self._bar = None
        self._redirect: AbstractContextManager | None = None
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        self._closed = False
        with _running_lock:
            _running.append(self)
        if (sys.stderr.isatty() if tty is None else tty) and total > 0:
            from tqdm import tqdm
            from tqdm.contrib.logging import logging_redirect_tqdm

            self._bar = tqdm(total=total, desc=desc, unit=unit, dynamic_ncols=True, leave=False)
            self._redirect = logging_redirect_tqdm()  # log lines go above the bar, not into it
            self._redirect.__enter__()
        elif total > 0:
            self._ticker = threading.Thread(target=self._tick, name=f"progress-{desc}", daemon=True)
            self._ticker.start()

    def update(self, n: int) -> None:
        self.done += n
        if self._bar is not None:
            self._bar.update(n)

    def status(self) -> str:
        """「embedding: 96/116 chunks (6.1/s, about 3 s left)」."""
        elapsed = max(time.perf_counter() - self._started, 1e-9)
        rate = self.done / elapsed
        left = f"about {(self.total - self.done) / rate:.0f} s left" if rate else "starting"
        return f"{self.desc}: {self.done}/{self.total} {self.unit}s ({rate:.1f}/s, {left})"

    def _tick(self) -> None:
        while not self._stop.wait(self.every):
            if self.done < self.total:
                logger.info("%s", self.status())

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        with _running_lock:
            if self in _running:
                _running.remove(self)
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        if self._redirect is not None:
            self._redirect.__exit__(None, None, None)
            self._redirect = None
        elapsed = time.perf_counter() - self._started
        if self.total:
            plural = "" if self.done == 1 else "s"
            logger.info("%s: %d %s%s in %.1f s", self.desc, self.done, self.unit, plural, elapsed)

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
