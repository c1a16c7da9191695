"""Crash points for the crash-safety tests.

``crash_point(name)`` does nothing unless the environment variable ``NEWSQA_CRASH_AT``
equals ``name``; then the process kills itself with SIGKILL on the spot, exactly as
``kill -9`` or a power cut would, so tests can show that every step of a re-index
leaves a loadable index behind.

Example::

    crash_point("save:pointer-swapped")
"""

from __future__ import annotations

import os
import signal


def crash_point(name: str) -> None:
    if os.environ.get("NEWSQA_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
