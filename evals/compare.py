"""Compare two settings files on the same questions: ``newsqa eval --compare A.toml B.toml``.

Each file is a settings TOML as ``newsqa.toml`` is (sections flattened: ``[retrieval]
top_k = 5`` sets ``retrieval_top_k``), loaded exactly as if ``NEWSQA_CONFIG`` pointed at
it, so ``NEWSQA_*`` environment variables still override it and explicit options
(``--index``) override both. Both runs answer the same questions (same split, limit,
script conversion); their reports go to ``<out>/A`` and ``<out>/B``, and ``<out>/compare.md``
(plus ``<out>/hit_at_k.png`` with both curves) holds the side-by-side table with deltas.

Example::

    a, b = compare_settings(Path("a.toml"), Path("b.toml"), Path("evals/seed_qa.jsonl"),
                            out_dir=Path("var/eval/compare"))
    print(format_comparison(a, b))
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from newsqa.config import Settings

from .report import _TABLE, _fmt
from .runner import run_eval


@contextmanager
def _config_env(path: Path) -> Iterator[None]:
    old = os.environ.get("NEWSQA_CONFIG")
    os.environ["NEWSQA_CONFIG"] = str(path)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("NEWSQA_CONFIG", None)
        else:
            os.environ["NEWSQA_CONFIG"] = old


def settings_from_file(path: Path | str, **overrides: Any) -> Settings:
    """Settings from a TOML file with ``NEWSQA_CONFIG`` semantics (env vars and ``overrides`` win)."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"settings file {path} does not exist")
    with _config_env(path.resolve()):
        return Settings.load(**overrides)


def _rows() -> list[tuple[str, str, str]]:
    """(report key, label, kind) of the comparison: the report table with hit@1, 3, 5, 10."""
    rows = [r for r in _TABLE if not r[0].startswith("hit@")]
    hits = [(f"hit@{k}", f"hit@{k}", "ratio") for k in (1, 3, 5, 10)]
    i = next(i for i, r in enumerate(rows) if r[0] == "mrr@10")
    return rows[:i] + hits + rows[i:]


def _delta(a: Any, b: Any, kind: str) -> str:
    if a is None or b is None:
        return "n/a"
    d = float(b) - float(a)
    if kind == "ratio":
        return f"{d:+.3f}"
    if kind == "int":
        return f"{round(d):+d}"
    return f"{d:+.1f}"


def comparison_rows(a: dict[str, Any], b: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(label, A, B, B − A) for every metric in either report."""
    out = []
    for key, label, kind in _rows():
        if key not in a and key not in b:
            continue
        out.append((label, _fmt(a.get(key), kind), _fmt(b.get(key), kind), _delta(a.get(key), b.get(key), kind)))
    return out


def settings_diff(a: dict[str, Any], b: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    sa, sb = a.get("settings") or {}, b.get("settings") or {}
    return [(key, sa.get(key), sb.get(key)) for key in sorted(set(sa) | set(sb)) if sa.get(key) != sb.get(key)]


def format_comparison(a: dict[str, Any], b: dict[str, Any], names: tuple[str, str] = ("A", "B")) -> str:
    """A plain-text side-by-side table with deltas (B − A) and the settings that differ."""
    rows = comparison_rows(a, b)
    header = ("metric", names[0], names[1], "delta (B-A)")
    widths = [max(len(header[i]), *(len(r[i]) for r in rows)) for i in range(4)]
    lines = [f"{header[0].ljust(widths[0])}  " + "  ".join(header[i].rjust(widths[i]) for i in (1, 2, 3))]
    for r in rows:
        lines.append(f"{r[0].ljust(widths[0])}  " + "  ".join(r[i].rjust(widths[i]) for i in (1, 2, 3)))
    diff = settings_diff(a, b)
    lines.append("")
    if diff:
        lines.append("settings that differ:")
        for key, va, vb in diff:
            lines.append(f"  {key}: {va!r} -> {vb!r}")
    else:
        lines.append("settings that differ: none (both files give the same settings)")
    return "\n".join(lines)


def format_comparison_markdown(a: dict[str, Any], b: dict[str, Any], names: tuple[str, str], png: str | None) -> str:
    out = ["# newsqa eval comparison", ""]
    run = a.get("run") or {}
    out.append(f"questions `{run.get('questions', '')}` · split {str(run.get('split', 'all')).upper()} · "
               f"k = {run.get('k', '')}" + (f" · to `{run['to_script']}`" if run.get("to_script") else ""))
    out += ["", f"A = `{names[0]}` (report: A/report.md), B = `{names[1]}` (report: B/report.md)", "",
            "| metric | A | B | B − A |", "| --- | ---: | ---: | ---: |"]
    out += [f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} |" for r in comparison_rows(a, b)]
    out += ["", "## Settings that differ", ""]
    diff = settings_diff(a, b)
    if diff:
        out += ["| setting | A | B |", "| --- | --- | --- |"]
        out += [f"| {k} | {va} | {vb} |" for k, va, vb in diff]
    else:
        out.append("None.")
    if png:
        out += ["", f"![hit@k, A and B]({png})"]
    return "\n".join(out) + "\n"


def compare_settings(
    a_file: Path,
    b_file: Path,
    questions: Path,
    *,
    out_dir: Path,
    corpus: Path | None = None,
    split: str = "all",
    k: int = 5,
    limit: int | None = None,
    to_script: str | None = None,
    overrides: dict[str, Any] | None = None,
    progress: bool = True,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run both settings files (one after the other) and write ``out_dir/{A,B}`` and ``compare.md``."""
    from .charts import hit_at_k_chart

    overrides = overrides or {}
    settings = [settings_from_file(a_file, **overrides), settings_from_file(b_file, **overrides)]
    reports = []
    for name, s in zip(("A", "B"), settings):
        reports.append(
            run_eval(questions, s, corpus=corpus, out_dir=Path(out_dir) / name, k=k, limit=limit,
                     split=split, to_script=to_script, progress=progress)
        )
    a, b = reports
    names = (Path(a_file).name, Path(b_file).name)
    png = None
    try:
        png = hit_at_k_chart({f"A {names[0]}": a, f"B {names[1]}": b}, Path(out_dir) / "hit_at_k.png",
                             title="hit@k: A vs B")
    except Exception:  # pragma: no cover - a chart never costs the results
        logging.getLogger(__name__).warning("could not draw the comparison chart", exc_info=True)
        png = None
    (Path(out_dir) / "compare.md").write_text(
        format_comparison_markdown(a, b, names, png.name if png else None), encoding="utf-8"
    )
    return a, b


__all__ = ["compare_settings", "comparison_rows", "format_comparison", "settings_from_file"]
