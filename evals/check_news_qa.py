"""Check the news eval set (``evals/news_qa.jsonl``) row by row.

``python -m newsqa.evals.check_news_qa [--questions FILE] [--articles DIR]`` prints what is
wrong and exits 1, or prints the row counts and exits 0. It checks:

- every row: the fields and their types (``id``, ``question``, ``answers``, ``article``,
  ``answerable``, ``kind``, ``script``; ``evidence`` on answerable rows, ``near_miss_of`` on
  unanswerable ones), that the question is written in the script its ``script`` says,
  that answers are short and that no answer is given away by its own question;
- every answerable row: each answer occurs verbatim in the evidence, and the evidence
  occurs verbatim in the (first) article file;
- every unanswerable row: ``answers`` is ``[]`` and its near-miss article exists;
- the set: unique ids, at least 150 rows, 25 unanswerable ones, both scripts, 60 articles.

The article checks need ``../shared/data/crud_news/articles`` (or ``--articles``); when the
folder is absent they are skipped with a note, and the rest still runs. Whether an
unanswerable question is really answered by no article is not checked here: each one was
grepped for over the 500 files when it was written (see ``near_miss_of``).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from newsqa.evals.metrics import normalize_answer
from newsqa.script import detect_script

NEWS_QA = Path(__file__).with_name("news_qa.jsonl")
"""The bundled news eval set."""

ARTICLES_REL = Path("..") / "shared" / "data" / "crud_news" / "articles"
KINDS = {"who", "what", "when", "where", "how_many", "which", "why", "date"}
SCRIPTS = {"hans", "hant"}
MIN_ROWS, MIN_UNANSWERABLE, MIN_ARTICLES, MIN_PER_SCRIPT = 150, 25, 60, 0.4
MAX_ANSWER_CHARS = 25
_ID = re.compile(r"^news-\d{3,}$")
_ARTICLE = re.compile(r"^doc_\d{4}\.txt$")
_REQUIRED = {"id", "question", "answers", "article", "answerable", "kind", "script"}
_OPTIONAL = {"evidence", "near_miss_of", "answer_match"}


def default_articles_dir() -> Path | None:
    """``../shared/data/crud_news/articles`` from the working directory or the project root."""
    for base in (Path.cwd(), Path(__file__).resolve().parents[1]):
        candidate = (base / ARTICLES_REL).resolve()
        if candidate.is_dir():
            return candidate
    return None


def _articles_of(row: dict[str, Any]) -> list[str]:
    article = row.get("article")
    return [article] if isinstance(article, str) else list(article or [])


def check_row(row: Any, articles_dir: Path | None = None) -> list[str]:
    """What is wrong with one parsed row (an empty list when nothing is)."""
    if not isinstance(row, dict):
        return ["not a JSON object"]
    problems: list[str] = []
    missing = _REQUIRED - set(row)
    if missing:
        problems.append(f"missing fields {sorted(missing)}")
    unknown = set(row) - _REQUIRED - _OPTIONAL
    if unknown:
        problems.append(f"unknown fields {sorted(unknown)}")
    if missing:
        return problems
    if not isinstance(row["id"], str) or not _ID.match(row["id"]):
        problems.append(f"id {row['id']!r} is not news-NNN")
    question = row["question"]
    if not isinstance(question, str) or not question.strip():
        return problems + ["question must be a non-empty string"]
    answers = row["answers"]
    if not isinstance(answers, list) or not all(isinstance(a, str) and a.strip() for a in answers):
        return problems + ["answers must be a list of non-empty strings"]
    articles = _articles_of(row)
    if not articles or not all(isinstance(a, str) and _ARTICLE.match(a) for a in articles):
        problems.append(f"article {row['article']!r} must be doc_NNNN.txt or a list of them")
        articles = []
    if row["kind"] not in KINDS:
        problems.append(f"kind {row['kind']!r} is not one of {sorted(KINDS)}")
    if row["script"] not in SCRIPTS:
        problems.append(f"script {row['script']!r} is not hans or hant")
    elif detect_script(question, default=row["script"]) != row["script"]:
        problems.append(f"question is not written in {row['script']}: {question}")
    if not isinstance(row["answerable"], bool):
        return problems + ["answerable must be true or false"]

    if row["answerable"]:
        evidence = row.get("evidence")
        if not answers:
            problems.append("an answerable row needs answers")
        if not isinstance(evidence, str) or not evidence.strip() or "\n" in evidence:
            return problems + ["an answerable row needs one line of evidence"]
        for answer in answers:
            if len(answer) > MAX_ANSWER_CHARS:
                problems.append(f"answer {answer!r} is not short ({len(answer)} characters)")
            if answer not in evidence:
                problems.append(f"answer {answer!r} is not in the evidence")
            if normalize_answer(answer) in normalize_answer(question):
                problems.append(f"the question gives its answer {answer!r} away")
        if articles_dir is not None and articles:
            path = articles_dir / articles[0]
            if not path.is_file():
                problems.append(f"no article file {articles[0]}")
            elif evidence not in path.read_text(encoding="utf-8"):
                problems.append(f"the evidence is not verbatim in {articles[0]}")
    else:
        if answers:
            problems.append('an unanswerable row must have "answers": []')
        if "evidence" in row:
            problems.append("an unanswerable row has no evidence")
        near = row.get("near_miss_of")
        if not isinstance(near, str) or not near.strip():
            problems.append("an unanswerable row needs near_miss_of (what it is confused with)")
        if articles_dir is not None:
            problems += [f"no article file {a}" for a in articles if not (articles_dir / a).is_file()]
    return problems


def check_rows(rows: list[Any], articles_dir: Path | None = None) -> list[str]:
    """Every problem of the set, each prefixed with its row's id or line."""
    problems: list[str] = []
    ids: Counter[str] = Counter()
    for lineno, row in enumerate(rows, start=1):
        name = row.get("id") if isinstance(row, dict) and isinstance(row.get("id"), str) else f"line {lineno}"
        ids[name] += 1
        problems += [f"{name}: {p}" for p in check_row(row, articles_dir)]
    problems += [f"{name}: id used {n} times" for name, n in ids.items() if n > 1]
    good = [r for r in rows if isinstance(r, dict)]
    unanswerable = sum(1 for r in good if r.get("answerable") is False)
    scripts = Counter(r.get("script") for r in good)
    n_articles = len({a for r in good for a in _articles_of(r) if isinstance(a, str)})
    if len(rows) < MIN_ROWS:
        problems.append(f"only {len(rows)} rows (at least {MIN_ROWS})")
    if unanswerable < MIN_UNANSWERABLE:
        problems.append(f"only {unanswerable} unanswerable rows (at least {MIN_UNANSWERABLE})")
    for script in sorted(SCRIPTS):
        if scripts[script] < MIN_PER_SCRIPT * len(rows):
            problems.append(f"only {scripts[script]} {script} questions of {len(rows)} (at least {MIN_PER_SCRIPT:.0%})")
    if n_articles < MIN_ARTICLES:
        problems.append(f"questions on only {n_articles} articles (at least {MIN_ARTICLES})")
    return problems


def load_rows(path: Path) -> tuple[list[Any], list[str]]:
    """The parsed rows of a JSON Lines file, and the lines that are not JSON."""
    rows: list[Any] = []
    problems: list[str] = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            problems.append(f"line {lineno}: not valid JSON ({exc.msg})")
    return rows, problems


def check(path: Path = NEWS_QA, articles_dir: Path | None = None) -> list[str]:
    """Every problem of the file at ``path`` (article checks only with ``articles_dir``)."""
    rows, problems = load_rows(Path(path))
    return problems + check_rows(rows, articles_dir)


def summary(rows: list[dict[str, Any]]) -> str:
    """Row counts by answerability, script and kind, and how many articles are asked about."""
    answerable = Counter("answerable" if r["answerable"] else "unanswerable" for r in rows)
    scripts = Counter(r["script"] for r in rows)
    kinds = Counter(r["kind"] for r in rows)
    by_script = Counter((r["script"], "answerable" if r["answerable"] else "unanswerable") for r in rows)
    n_articles = len({a for r in rows for a in _articles_of(r)})

    def fmt(counter: Counter) -> str:
        return ", ".join(f"{k} {v}" for k, v in sorted(counter.items(), key=lambda kv: (-kv[1], str(kv[0]))))

    return "\n".join([
        f"{len(rows)} questions on {n_articles} articles",
        f"  {fmt(answerable)}",
        f"  scripts: {fmt(scripts)}",
        "  " + ", ".join(f"{s}/{a} {n}" for (s, a), n in sorted(by_script.items())),
        f"  kinds: {fmt(kinds)}",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m newsqa.evals.check_news_qa", description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=Path, default=NEWS_QA, help="the eval file (default: the bundled one)")
    parser.add_argument("--articles", type=Path, default=None,
                        help=f"the crud_news articles (default: {ARTICLES_REL} if present)")
    args = parser.parse_args(argv)
    articles_dir = args.articles if args.articles is not None else default_articles_dir()
    if args.articles is not None and not args.articles.is_dir():
        print(f"no such folder: {args.articles}", file=sys.stderr)
        return 1
    if not args.questions.is_file():
        print(f"no such file: {args.questions}", file=sys.stderr)
        return 1
    if articles_dir is None:
        print(f"note: {ARTICLES_REL} not found, the evidence is not checked against the articles")
    problems = check(args.questions, articles_dir)
    if problems:
        print("\n".join(problems))
        print(f"{len(problems)} problem(s) in {args.questions}", file=sys.stderr)
        return 1
    rows, _ = load_rows(args.questions)
    print(summary(rows))
    print(f"ok: {args.questions}" + (f" (evidence checked against {articles_dir})" if articles_dir else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
