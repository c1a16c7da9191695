"""Progress for long work: a tqdm bar on a terminal, plain log lines (every few seconds) otherwise.

Example::

    with Progress(total=len(chunks), desc="embedding", unit="chunk") as progress:
        for batch in batches:
            ...
            progress.update(len(batch))
"""

from __future__ import annotations

import logging
import sys
import time

logger = logging.getLogger("newsqa.progress")


class Progress:
    """Counts work done; shows rate and ETA."""

    def __init__(self, total: int, desc: str, unit: str = "item", *, tty: bool | None = None, every: float = 10.0):
        self.total = total
        self.desc = desc
        self.unit = unit
        self.done = 0
        self.every = every
        self._started = self._last_log = time.perf_counter()
        self._bar = None
        if (sys.stderr.isatty() if tty is None else tty) and total > 0:
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc=desc, unit=unit, dynamic_ncols=True, leave=False)

    def update(self, n: int) -> None:
        self.done += n
        if self._bar is not None:
            self._bar.update(n)
            return
        now = time.perf_counter()
        if now - self._last_log >= self.every and self.done < self.total:
            self._last_log = now
            rate = self.done / max(now - self._started, 1e-9)
            eta = (self.total - self.done) / rate if rate else float("inf")
            logger.info(
                "%s: %d/%d %ss (%.1f/s, about %.0f s left)", self.desc, self.done, self.total, self.unit, rate, eta
            )

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        elapsed = time.perf_counter() - self._started
        if self.total:
            plural = "" if self.done == 1 else "s"
            logger.info("%s: %d %s%s in %.1f s", self.desc, self.done, self.unit, plural, elapsed)

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
