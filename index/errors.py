"""The index floor's errors: every message says what to do.

Example::

    try:
        index = open_index(settings)
    except IndexNotFoundError as exc:
        print(exc)   # "no index at …; build one with `newsqa ingest --rebuild` …"
"""

from __future__ import annotations


class NewsIndexError(RuntimeError):
    """Base class of index problems; messages are meant for the user."""


class IndexNotFoundError(NewsIndexError):
    """No index has been built where the settings point."""


class IndexMismatchError(NewsIndexError):
    """The index was built with settings that differ from the current ones."""


class IndexBusyError(NewsIndexError):
    """Another ingest holds the index's writer lock."""
