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

An application on the top floor (see README, "Architecture"): it may import every floor
below it and the other applications (the chat UI, the evals, the model tooling).

- :mod:`newsqa.cli.parser`   the argument parser: commands, flags and their help texts
- :mod:`newsqa.cli.commands` what each command does
- :mod:`newsqa.cli.entry`    ``main``: parse, set up logging, run, turn errors into exit codes
- :mod:`newsqa.cli.common`   settings, logging, what a user can fix, and how an error is shown
"""

from newsqa.cli.entry import main
from newsqa.cli.parser import build_parser

__all__ = ["build_parser", "main"]
