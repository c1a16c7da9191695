"""Chinese script handling with OpenCC: detection, conversion, and folding for matching.

Display text is never changed; ``fold()`` gives the form used for keyword matching
(NFKC width folding, Simplified script, lower case), so a Traditional question
matches a Simplified article and the machine-conversion artefacts of the seed
(公裡, 籤署) fold onto their Simplified forms (公里, 签署).

Example::

    >>> detect_script("上海自贸区是哪一天挂牌的？")
    'hans'
    >>> to_script("2013年9月29日上海自貿區掛牌", "hans")
    '2013年9月29日上海自贸区挂牌'
"""

from __future__ import annotations

import threading
import unicodedata
from functools import lru_cache
from typing import Literal

Script = Literal["hans", "hant"]

_lock = threading.Lock()
_converters: dict[str, object] = {}


def _converter(config: str):
    # opencc-python-reimplemented builds its dictionaries on construction (~50 ms); share them.
    with _lock:
        conv = _converters.get(config)
        if conv is None:
            from opencc import OpenCC

            conv = OpenCC(config)
            _converters[config] = conv
        return conv


def to_simplified(text: str) -> str:
    return _converter("t2s").convert(text) if text else text


def to_traditional(text: str) -> str:
    return _converter("s2t").convert(text) if text else text


def to_script(text: str, script: Script) -> str:
    """Convert ``text`` to ``script`` ("hans" Simplified, "hant" Traditional)."""
    if script == "hans":
        return to_simplified(text)
    if script == "hant":
        return to_traditional(text)
    raise ValueError(f"unknown script {script!r}; use 'hans' or 'hant'")


def detect_script(text: str, default: Script = "hant") -> Script:
    """Which script ``text`` is written in, judged by the characters OpenCC would change.

    Text whose characters exist identically in both scripts (e.g. 上海) gives ``default``.
    """
    han = [ch for ch in text if "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"]
    if not han:
        return default
    sample = "".join(han)
    trad_only = sum(a != b for a, b in zip(sample, to_simplified(sample)))
    simp_only = sum(a != b for a, b in zip(sample, to_traditional(sample)))
    if trad_only > simp_only:
        return "hant"
    if simp_only > trad_only:
        return "hans"
    return default


def width_fold(text: str) -> str:
    """NFKC: full-width letters/digits/punctuation to half-width; keeps the length per char mostly."""
    return unicodedata.normalize("NFKC", text)


@lru_cache(maxsize=32768)
def _fold_cached(text: str) -> str:
    return to_simplified(width_fold(text)).lower()


def fold(text: str) -> str:
    """The matching form of ``text``: width-folded, Simplified, lower-cased.

    Texts up to a passage's length are cached (OpenCC is pure Python, ~1 ms a passage, and
    answering folds the sentences and passages it was handed: retrieved passages recur).
    """
    if len(text) <= 2048:
        return _fold_cached(text)
    return to_simplified(width_fold(text)).lower()
