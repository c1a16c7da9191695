"""The example questions under the chat box: given ones, else the bundled seed questions
whose article is in the index (none when the index holds none of them).

Example::

    example_questions(live.qa, None)   # ['上海自貿區是哪一天掛牌的？', …] over the bundled article
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path

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


def example_questions(qa: QACore | None, examples: Sequence[str] | None) -> list[str]:
    """Example questions: the explicit ones; else the seed questions about articles in the
    index (none without an index, or when it holds none of them)."""
    if examples is not None:
        return [q for q in examples if q]
    if qa is None:
        return []
    return seed_examples(indexed_files(qa))
