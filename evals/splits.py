"""The deterministic TUNE/CHECK split of an eval set, by article.

A row is TUNE when ``int(sha1(article).hexdigest(), 16) % 2 == 0`` and CHECK otherwise,
where ``article`` is the row's ``article`` value exactly as written in the file (the
first one when it is a list); a row without an article is split by its ``id`` the same
way. Every question about one article therefore lands in the same half, so thresholds
and weights tuned on TUNE are judged on articles they never saw. Other tools of the
project use exactly this rule: do not change it.

Example::

    split_of({"id": "1147-5-1", "article": "1147.md"})   # 'tune' or 'check'
    filter_split(rows, "check")
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any, Literal

Split = Literal["tune", "check"]
SPLITS: tuple[str, ...] = ("tune", "check", "all")


def split_key(row: dict[str, Any]) -> str:
    """The string the split is decided by: the row's article, else its id."""
    article = row.get("article")
    if isinstance(article, (list, tuple)):
        article = next((a for a in article if isinstance(a, str) and a.strip()), None)
    if isinstance(article, str) and article.strip():
        return article
    return str(row.get("id", ""))


def split_of_key(key: str) -> Split:
    return "tune" if int(hashlib.sha1(key.encode()).hexdigest(), 16) % 2 == 0 else "check"


def split_of(row: dict[str, Any]) -> Split:
    """``"tune"`` or ``"check"`` for one eval row."""
    return split_of_key(split_key(row))


def filter_split(rows: Iterable[dict[str, Any]], split: str) -> list[dict[str, Any]]:
    """The rows of ``split`` ("tune", "check" or "all"), in their order."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; use one of {', '.join(SPLITS)}")
    rows = list(rows)
    if split == "all":
        return rows
    return [row for row in rows if split_of(row) == split]
