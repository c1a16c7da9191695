"""Build an eval set with unanswerable questions: real questions whose article is held out.

A question about an article that is not in the corpus cannot be answered from it, so
holding articles out turns their questions into unanswerable ones without writing any
question by hand. The builder

1. chooses held-out articles deterministically: articles in the order of
   ``sha1("newsqa-unanswerable/1:" + article)``, taken per half (TUNE/CHECK, see
   ``newsqa.evals.splits``) until the half has ``n`` questions (default 300); the first
   ``n`` questions of those articles (file order) become the half's unanswerable set;
2. writes ``<out>/corpus/``: copies of every article file except the held-out ones
   (copies rather than symlinks, so the documents get the same names as in the source
   folder); re-running syncs the folder (adds, removes, re-copies what differs) and the
   content-keyed eval cache reuses its index;
3. writes ``<out>/questions.jsonl``: every question of the kept articles (answerable,
   unchanged) and the chosen questions of the held-out articles as ``"answerable":
   false, "answers": []`` (their ``article`` is kept, so they fall in the same split,
   and ``"held_out": true``); other questions of held-out articles are left out;
4. writes ``<out>/manifest.json`` (sources, held-out articles, counts, the eval command)
   with two leak checks: how many chosen questions have their evidence sentence, or a
   gold answer, somewhere in the kept articles (normalised text). The first should be
   0; the second is not a leak by itself (short answers such as 1989年 occur anywhere) but
   says how many "unanswerable" questions a related kept article might still answer.

TUNE and CHECK hold out their articles from one and the same reduced corpus, so one
extra index serves both: a single run of
``newsqa eval --corpus <out>/corpus --questions <out>/questions.jsonl`` gives
``abstain_recall`` and ``false_abstain_rate`` for each half (report.md "By split") and
the calibration (fitted on TUNE, judged on CHECK); ``--split check`` keeps the held-out
test alone.

Command line (defaults: DRCD dev from ``../shared/data/drcd_dev``, 300 a half,
``var/eval-sets/drcd-unanswerable``)::

    python -m newsqa.evals.build_unanswerable [--questions F --articles DIR --n 300 --out DIR]
"""

from __future__ import annotations

import argparse
import filecmp
import hashlib
import json
import logging
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from newsqa.config import project_home

from .metrics import load_questions
from .splits import split_of_key

logger = logging.getLogger(__name__)

SALT = "newsqa-unanswerable/1:"
DEFAULT_N = 300
DEFAULT_SOURCE = "../shared/data/drcd_dev"
DEFAULT_OUT = "var/eval-sets/drcd-unanswerable"


def _order_key(article: str) -> str:
    return hashlib.sha1((SALT + article).encode()).hexdigest()


def _article_of(row: dict[str, Any]) -> str | None:
    article = row.get("article")
    if isinstance(article, list):
        return article[0] if len(article) == 1 else None  # multi-article rows are never held out
    return article if isinstance(article, str) and article.strip() else None


def choose(rows: Sequence[dict[str, Any]], n: int = DEFAULT_N) -> dict[str, dict[str, list[str]]]:
    """Per half (``tune``, ``check``): the held-out ``articles`` and the chosen question ``ids``.

    Raises ``ValueError`` when a half has fewer than ``n`` questions about single articles.
    """
    by_article: dict[str, list[str]] = {}
    for row in rows:
        article = _article_of(row)
        if article is not None and row.get("answerable", True):
            by_article.setdefault(article, []).append(row["id"])
    multi = {a for row in rows if isinstance(row.get("article"), list) for a in row["article"]}
    out: dict[str, dict[str, list[str]]] = {}
    for half in ("tune", "check"):
        articles: list[str] = []
        ids: list[str] = []
        for article in sorted(by_article, key=_order_key):
            if len(ids) >= n:
                break
            if split_of_key(article) != half or article in multi:
                continue
            articles.append(article)
            ids += by_article[article]
        if len(ids) < n:
            raise ValueError(f"the {half.upper()} half has only {len(ids)} questions to hold out; asked for {n}")
        out[half] = {"articles": articles, "ids": ids[:n]}
    return out


def _sync_corpus(articles_dir: Path, corpus_dir: Path, held_out: set[str]) -> dict[str, int]:
    """Make ``corpus_dir`` a copy of ``articles_dir`` without ``held_out`` (relative paths)."""
    wanted: dict[str, Path] = {}
    for path in sorted(articles_dir.rglob("*")):
        rel = path.relative_to(articles_dir)
        if any(part.startswith(".") for part in rel.parts) or not path.is_file():
            continue
        if rel.as_posix() in held_out or rel.name in held_out:
            continue
        wanted[rel.as_posix()] = path
    corpus_dir.mkdir(parents=True, exist_ok=True)
    stats = {"kept": len(wanted), "copied": 0, "removed": 0}
    for path in sorted(corpus_dir.rglob("*"), reverse=True):
        rel = path.relative_to(corpus_dir).as_posix()
        if path.is_dir() and not path.is_symlink():
            if not any(path.iterdir()):
                path.rmdir()
            continue
        if rel not in wanted:
            path.unlink()
            stats["removed"] += 1
    for rel, src in wanted.items():
        dst = corpus_dir / rel
        if dst.is_file() and not dst.is_symlink() and filecmp.cmp(src, dst, shallow=False):
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        if dst.is_symlink() or dst.exists():
            dst.unlink()
        shutil.copyfile(src, dst)
        stats["copied"] += 1
    return stats


def _leak_checks(corpus: Path, chosen: Sequence[dict[str, Any]]) -> dict[str, int]:
    """How many chosen questions have their evidence / a gold answer in the kept corpus."""
    from .metrics import normalize_answer

    text = "\n".join(
        normalize_answer(p.read_text(encoding="utf-8", errors="replace"))
        for p in sorted(corpus.rglob("*")) if p.is_file()
    )
    evidence = answer = 0
    for row in chosen:
        ev = normalize_answer(row.get("evidence") or "")
        if ev and ev in text:
            evidence += 1
        if any((a := normalize_answer(g)) and a in text for g in row.get("answers", [])):
            answer += 1
    return {"evidence_in_kept_corpus": evidence, "gold_answer_in_kept_corpus": answer}


def build(questions: Path, articles: Path, out: Path, *, n: int = DEFAULT_N) -> dict[str, Any]:
    """Write ``out/corpus``, ``out/questions.jsonl`` and ``out/manifest.json``; returns the manifest."""
    questions, articles, out = Path(questions), Path(articles), Path(out)
    if not articles.is_dir():
        raise FileNotFoundError(f"articles folder {articles} does not exist")
    rows = load_questions(questions)
    chosen = choose(rows, n)
    held_articles = {a for half in chosen.values() for a in half["articles"]}
    unanswerable_ids = {i for half in chosen.values() for i in half["ids"]}
    missing = sorted(a for a in held_articles if not (articles / a).is_file())
    if missing:
        raise FileNotFoundError(f"held-out article(s) not in {articles}: {', '.join(missing[:5])}")

    out.mkdir(parents=True, exist_ok=True)
    stats = _sync_corpus(articles, out / "corpus", held_articles)

    mixed: list[dict[str, Any]] = []
    dropped = 0
    for row in rows:
        article = _article_of(row)
        in_held = article in held_articles or (
            isinstance(row.get("article"), list) and any(a in held_articles for a in row["article"])
        )
        if not in_held:
            mixed.append({k: v for k, v in row.items() if not (k == "answer_match" and v == "any")})
        elif row["id"] in unanswerable_ids:
            mixed.append({"id": row["id"], "question": row["question"], "answers": [], "answerable": False,
                          "article": article, "held_out": True})
        else:
            dropped += 1
    tmp = out / "questions.jsonl.tmp"
    tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in mixed), encoding="utf-8")
    tmp.replace(out / "questions.jsonl")

    n_unans = sum(1 for r in mixed if r.get("answerable") is False)
    checks = _leak_checks(out / "corpus", [r for r in rows if r["id"] in unanswerable_ids])
    if checks["evidence_in_kept_corpus"]:
        logger.warning("%d unanswerable question(s) have their evidence sentence in a kept article",
                       checks["evidence_in_kept_corpus"])
    manifest = {
        "format": "newsqa-unanswerable/1",
        "source_questions": str(questions),
        "source_articles": str(articles),
        "n_per_half": n,
        "rule": "held-out articles in sha1('" + SALT + "' + article) order per TUNE/CHECK half until n questions",
        "held_out": {half: {"articles": sorted(v["articles"]), "n_questions": len(v["ids"])}
                     for half, v in chosen.items()},
        "questions": {
            "total": len(mixed),
            "answerable": len(mixed) - n_unans,
            "unanswerable": n_unans,
            "dropped_from_held_out_articles": dropped,
        },
        "corpus": {"files": stats["kept"], "held_out_files": len(held_articles),
                   "copied": stats["copied"], "removed": stats["removed"]},
        "checks": checks,
        "questions_sha1": hashlib.sha1((out / "questions.jsonl").read_bytes()).hexdigest(),
        "eval_command": f"newsqa eval --corpus {out / 'corpus'} --questions {out / 'questions.jsonl'} "
        f"--out var/eval/{out.name}",
    }
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> int:
    home = project_home()
    parser = argparse.ArgumentParser(
        prog="python -m newsqa.evals.build_unanswerable",
        description="Hold out articles of a QA set: a reduced corpus and a question file mixing the "
        "kept articles' (answerable) questions with n unanswerable ones per TUNE/CHECK half.",
    )
    parser.add_argument("--questions", default=str(home / DEFAULT_SOURCE / "qa.jsonl"), metavar="FILE.jsonl",
                        help="source questions (default: DRCD dev)")
    parser.add_argument("--articles", default=str(home / DEFAULT_SOURCE / "articles"), metavar="DIR",
                        help="source articles (default: DRCD dev)")
    parser.add_argument("--n", type=int, default=DEFAULT_N, help="unanswerable questions per half (default 300)")
    parser.add_argument("--out", default=str(home / DEFAULT_OUT), metavar="DIR",
                        help=f"output folder (default {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("--n must be at least 1")
    try:
        manifest = build(Path(args.questions), Path(args.articles), Path(args.out), n=args.n)
    except (FileNotFoundError, ValueError) as exc:
        print(f"build_unanswerable: error: {exc}", file=sys.stderr)
        return 2
    q, c = manifest["questions"], manifest["corpus"]
    print(f"corpus: {c['files']} files ({c['held_out_files']} held out; {c['copied']} copied, "
          f"{c['removed']} removed this time)")
    print(f"questions: {q['total']} ({q['answerable']} answerable, {q['unanswerable']} unanswerable: "
          + ", ".join(f"{h.upper()} {v['n_questions']} from {len(v['articles'])} articles"
                      for h, v in manifest["held_out"].items()) + ")")
    ch = manifest["checks"]
    print(f"checks: {ch['evidence_in_kept_corpus']} chosen questions have their evidence sentence in a kept "
          f"article (should be 0); {ch['gold_answer_in_kept_corpus']} have a gold answer string somewhere in it")
    print(f"written: {Path(args.out) / 'questions.jsonl'}, {Path(args.out) / 'corpus'}")
    print(f"run: {manifest['eval_command']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
