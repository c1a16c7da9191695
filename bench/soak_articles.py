"""The soak's material (``bench/soak.py``): questions made from the articles' sentences, and a
copy of the archive in which some articles gained a sentence with a unique marker."""

from __future__ import annotations

import logging
import random
import re
import shutil
from pathlib import Path
from typing import Any

logger = logging.getLogger("bench.soak")

# A number (with its unit) or a year in a sentence becomes the thing asked about.
_UNITS = ("平方公里|平方米|公里|千米|公顷|万元|亿元|万人|元|人|名|个|家|项|座|次|吨|台|辆|件|场|所|天|小时|岁|户|亩|米|%|倍")
_NUMBER = re.compile(rf"(?<![\d.])\d+(?:\.\d+)?(?:万|亿)?(?={_UNITS})")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?=年)")
_CLAUSE_SPLIT = re.compile(r"[。！？；!?;\n]")
_DATED_HEAD = re.compile(r"^\s*[\d\-/:. ]+[，,]\s*(?:正文[：:])?")
# Only the changed articles' new sentence holds this; any answer that cites it comes from
# the new generation (which changed article it cites does not matter: the answerer tells
# 第1组 from 第16组 poorly, so asking about one marker may well cite another).
MARKER_PREFIX = "青鸟行动"
_MARKER = MARKER_PREFIX + "第{k}组"



def article_body(text: str) -> str:
    """The article's text without the CRUD layout's ``2023-07-29 06:53:40，正文：`` head."""
    return _DATED_HEAD.sub("", text, count=1)


def questions_from_text(text: str, limit: int = 3) -> list[str]:
    """Up to ``limit`` questions made from sentences of ``text`` that hold a number or a year."""
    out: list[str] = []
    for sentence in _CLAUSE_SPLIT.split(article_body(text)):
        sentence = sentence.strip(" \t“”\"'「」『』（）()")
        if not 10 <= len(sentence) <= 70:
            continue
        if _YEAR.search(sentence):
            question = _YEAR.sub("哪一", sentence, count=1)
        elif _NUMBER.search(sentence):
            question = _NUMBER.sub("多少", sentence, count=1)
        else:
            continue
        out.append(question.rstrip("，,、：:") + "？")
        if len(out) >= limit:
            break
    return out


def build_questions(files: list[Path], seed: int, per_article: int = 3) -> list[str]:
    """Questions from every article, shuffled; every other one in Traditional script."""
    from newsqa.script import to_script

    pool: list[str] = []
    for path in files:
        try:
            pool.extend(questions_from_text(path.read_text(encoding="utf-8", errors="replace"), per_article))
        except OSError:
            logger.warning("cannot read %s; no questions from it", path)
    random.Random(seed).shuffle(pool)
    return [to_script(q, "hant") if i % 2 else q for i, q in enumerate(pool)]


def change_articles(source: Path, target: Path, count: int, seed: int) -> list[dict[str, Any]]:
    """Copy ``source`` to ``target`` with ``count`` articles given one new sentence each;
    returns ``{"file", "marker", "question", "expect"}`` for each changed article."""
    shutil.copytree(source, target)
    files = sorted(p for p in target.rglob("*") if p.is_file() and not p.name.startswith("."))
    rng = random.Random(seed)
    changed = []
    for k, path in enumerate(rng.sample(files, min(count, len(files))), start=1):
        marker = _MARKER.format(k=k)
        people = rng.randint(120, 980)
        text = path.read_text(encoding="utf-8", errors="replace").rstrip("\n")
        path.write_text(f"{text}\n\n最新消息：{marker}的志愿者共计{people}人。\n", encoding="utf-8")
        changed.append({"file": path.relative_to(target).as_posix(), "marker": marker,
                        "question": f"{marker}的志愿者共计多少人？", "expect": f"{people}人"})
    return changed
