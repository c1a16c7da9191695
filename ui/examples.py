"""The example questions under the chat box: given ones; else the bundled seed questions
when the index holds the seed article; else questions made from the archive's own newest
headlines, in their script (「东方甄选直播被暂停服务是什么时候的事？」): a reader's archive
suggests what it can answer, never the sample's questions.

Example::

    example_questions(live.qa, None)   # ['上海自貿區是哪一天掛牌的？', …] over the bundled article
    headline_examples(documents)       # ['杜苏芮登陆福建是什么时候的事？', …] over your own
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from pathlib import Path

from newsqa.script import detect_script
from newsqa.timex import find_times
from newsqa.types import Document
from newsqa.ui.live import QACore

log = logging.getLogger(__name__)

#: Example questions when the index holds the bundled seed article.
DEFAULT_EXAMPLES: tuple[str, ...] = (
    "上海自貿區是哪一天掛牌的？",
    "上海自贸区扩区前面积多大？",
)


def indexed_files(qa: QACore) -> set[str]:
    """The article file names in ``qa``'s index (a document's id stands in for a missing file)."""
    return {Path((doc.source_file or doc.doc_id).split("#", 1)[0]).name for doc in qa.documents()}


def seed_examples(indexed: set[str], limit: int = 4) -> list[str]:
    """The seed eval questions whose article is in the index (seed questions first)."""
    try:
        # The seed questions are the eval set's (newsqa.evals): the one place the UI reads above the core.
        from newsqa.evals import SEED_QA

        rows = [json.loads(line) for line in SEED_QA.read_text(encoding="utf-8").splitlines() if line.strip()]
    except Exception:  # noqa: BLE001 - examples are a nicety
        log.debug("seed questions unavailable", exc_info=True)
        return []
    answerable = [r for r in rows if r.get("answerable", True) and r.get("article")]
    if not any(Path(r["article"]).name in indexed for r in answerable):
        return []
    questions = list(DEFAULT_EXAMPLES)
    for row in answerable:
        if Path(row["article"]).name in indexed and row["question"] not in questions:
            questions.append(row["question"])
    return questions[:limit]


_ASK_WHEN = {"hans": "是什么时候的事？", "hant": "是什麼時候的事？"}
_HEADLINE_CUT = re.compile(r"[：:，,；;。！？!?｜|]|\s{1,}")
MIN_HEADLINE_CHARS = 8
MAX_HEADLINE_CHARS = 20
_ASKS = re.compile(r"什么|什麼|吗|嗎|如何|为何|為何|怎么|怎麼|哪|谁|誰|几|幾|多少")


def headline_examples(documents: Sequence[Document], limit: int = 4) -> list[str]:
    """Questions made from the newest dated headlines (「<headline>是什么时候的事？」, in the
    headline's script): the headline cut at its first clause mark or space (「东方甄选直播被
    暂停服务 原因成谜」 → 「东方甄选直播被暂停服务」), kept when 8 to 20 characters long,
    asking nothing itself and naming no time (its question would answer itself)."""
    dated = sorted((d for d in documents if d.title and d.date), key=lambda d: (d.date, d.doc_id), reverse=True)
    questions: list[str] = []
    for doc in dated:
        head = _HEADLINE_CUT.split(doc.title.strip().strip("《》「」“”\"'"), maxsplit=1)[0].strip()
        fits = MIN_HEADLINE_CHARS <= len(head) <= MAX_HEADLINE_CHARS
        if not fits or _ASKS.search(head) or find_times(head, doc.date):
            continue
        question = head + _ASK_WHEN["hant" if detect_script(head) == "hant" else "hans"]
        if question not in questions:
            questions.append(question)
        if len(questions) == limit:
            break
    return questions


def example_questions(qa: QACore | None, examples: Sequence[str] | None) -> list[str]:
    """Example questions: the explicit ones; else the seed questions when the index holds
    the seed article; else questions from the archive's newest headlines (none without an
    index or headlines)."""
    if examples is not None:
        return [q for q in examples if q]
    if qa is None:
        return []
    return seed_examples(indexed_files(qa)) or headline_examples(qa.documents())
