"""``main``: parse the command line, set up logging, run the command, and turn what went
wrong into one line on stderr and an exit code (2 a user can fix it, 1 a bug)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from newsqa.cli.common import EXIT_USER_ERROR, _is_user_error, _json_error, _setup_logging, logger
from newsqa.cli.parser import build_parser
from newsqa.timex import DateRange, parse_day


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
