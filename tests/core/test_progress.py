"""Progress that moves: a log line at least every few seconds without a terminal (from a
timer, so a slow batch is not silent), a bar with log lines above it on one, a summary once."""

from __future__ import annotations

import logging
import time

from newsqa.progress import Progress


def test_without_a_terminal_a_line_comes_every_few_seconds_even_during_a_slow_step(caplog):
    caplog.set_level(logging.INFO, logger="newsqa.progress")
    with Progress(10, "embedding", "chunk", tty=False, every=0.05) as progress:
        progress.update(4)
        time.sleep(0.3)  # one slow batch: no update, the timer still reports
    lines = [r.getMessage() for r in caplog.records]
    assert any(line.startswith("embedding: 4/10 chunks (") and "s left" in line for line in lines)
    assert sum(line.startswith("embedding: 4 chunks in") for line in lines) == 1  # the summary once
    time.sleep(0.15)
    assert len(caplog.records) == len(lines)  # nothing after close


def test_on_a_terminal_the_bar_moves_and_log_lines_go_above_it(capsys, caplog):
    progress = Progress(3, "reading", "file", tty=True)
    progress.update(1)
    assert progress._bar is not None and progress._bar.n == 1
    logging.getLogger("newsqa.test").warning("a line while the bar runs")
    progress.close()
    progress.close()  # a second close does nothing
    assert "a line while the bar runs" in capsys.readouterr().err + caplog.text
    assert Progress(0, "nothing", tty=False)._ticker is None  # no work, no timer
