"""Calibrating the abstention threshold from an eval run's ``rows.jsonl``.

The answerer abstains when ``Answer.confidence`` is below ``answer_min_confidence``.
Every row of ``rows.jsonl`` records the confidence (also when the answerer abstained),
so for any threshold ``t`` we know which questions it would abstain on (``confidence <
t``) without running anything again:

- ``abstain_recall(t)``: share of unanswerable questions abstained on;
- ``false_abstain_rate(t)``: share of answerable questions abstained on;
- ``abstain_precision(t)``: share of abstentions that were on unanswerable questions.

``recommend`` picks the threshold (on a 0.01 grid) with the highest abstain recall
whose false-abstain rate is at most ``max_false_abstain`` (default 0.05); ties go to
the lower false-abstain rate, then the lower threshold. ``calibrate`` fits it on the
TUNE rows (``split`` of the row, see ``newsqa.evals.splits``) and reports what it gives
on the CHECK rows; when a run has no TUNE rows it fits on all rows and says so.

Command line (one or more run folders or ``rows.jsonl`` files; rows are pooled)::

    python -m newsqa.evals.calibrate var/eval/unanswerable [--max-false-abstain 0.05] [--out DIR]

writes ``calibration.json``, ``calibration.md`` and ``calibration.png`` (to ``--out``,
default the first run folder) and prints the recommendation.
"""

from __future__ import annotations

import argparse
import bisect
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

DEFAULT_MAX_FALSE_ABSTAIN = 0.05
THRESHOLDS: tuple[float, ...] = tuple(round(i / 100, 2) for i in range(101))
TABLE_STEP = 0.05


def _ratio(num: int, den: int) -> float | None:
    return None if den == 0 else round(num / den, 4)


def _confidences(rows: Iterable[dict[str, Any]], answerable: bool) -> list[float]:
    return sorted(
        float(r["confidence"])
        for r in rows
        if r.get("confidence") is not None and bool(r.get("answerable", True)) == answerable
    )


def point_at(rows: Sequence[dict[str, Any]], threshold: float) -> dict[str, Any]:
    """Abstention figures if the answerer abstained below ``threshold``."""
    return curve(rows, (threshold,))[0]


def curve(rows: Sequence[dict[str, Any]], thresholds: Iterable[float] = THRESHOLDS) -> list[dict[str, Any]]:
    """One point per threshold: abstain recall, false-abstain rate, abstain precision, counts."""
    ans = _confidences(rows, True)
    una = _confidences(rows, False)
    points = []
    for t in thresholds:
        a_abst = bisect.bisect_left(ans, t)  # confidence < t
        u_abst = bisect.bisect_left(una, t)
        points.append(
            {
                "threshold": round(float(t), 4),
                "abstain_recall": _ratio(u_abst, len(una)),
                "false_abstain_rate": _ratio(a_abst, len(ans)),
                "abstain_precision": _ratio(u_abst, u_abst + a_abst),
                "n_answerable": len(ans),
                "n_unanswerable": len(una),
            }
        )
    return points


def recommend(points: Sequence[dict[str, Any]], max_false_abstain: float = DEFAULT_MAX_FALSE_ABSTAIN) -> dict[str, Any] | None:
    """The point with the highest abstain recall whose false-abstain rate is ≤ the bound."""
    feasible = [
        p for p in points
        if p["abstain_recall"] is not None and p["false_abstain_rate"] is not None
        and p["false_abstain_rate"] <= max_false_abstain + 1e-12
    ]
    if not feasible:
        return None
    return max(feasible, key=lambda p: (p["abstain_recall"], -p["false_abstain_rate"], -p["threshold"]))


def calibrate(
    rows: Sequence[dict[str, Any]],
    *,
    max_false_abstain: float = DEFAULT_MAX_FALSE_ABSTAIN,
    current: float | None = None,
) -> dict[str, Any]:
    """Fit the threshold on TUNE rows, judge it on CHECK rows (see the module docstring)."""
    rows = [r for r in rows if r.get("confidence") is not None]
    by_split = {name: [r for r in rows if r.get("split") == name] for name in ("tune", "check")}
    tune = by_split["tune"]
    tune_ok = bool(_confidences(tune, True) and _confidences(tune, False))
    fit_on = "tune" if tune_ok else "all"
    fit_rows = tune if tune_ok else rows
    curves: dict[str, list[dict[str, Any]]] = {}
    if tune_ok:
        curves["tune"] = curve(tune)
        if by_split["check"]:
            curves["check"] = curve(by_split["check"])
    else:
        curves["all"] = curve(rows)
    best = recommend(curves["tune" if tune_ok else "all"], max_false_abstain)
    result: dict[str, Any] = {
        "max_false_abstain": max_false_abstain,
        "fit_on": fit_on,
        "n_rows": len(rows),
        "n_fit": len(fit_rows),
        "n_unanswerable_fit": len(_confidences(fit_rows, False)),
        "threshold": None if best is None else best["threshold"],
        "current_threshold": current,
        "at_threshold": {},
        "at_current": {},
        "curves": curves,
    }
    if fit_on == "all":
        result["note"] = (
            "no TUNE rows with both answerable and unanswerable questions in this run: the "
            "threshold is fitted and judged on the same rows (optimistic)"
        )
    groups = {name: by_split[name] for name in ("tune", "check") if by_split[name]} if tune_ok else {"all": rows}
    for name, group in groups.items():
        if best is not None:
            result["at_threshold"][name] = point_at(group, best["threshold"])
        if current is not None:
            result["at_current"][name] = point_at(group, current)
    return result


# --------------------------------------------------------------------------- formatting


def _f(value: Any) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def format_markdown(result: dict[str, Any], png_name: str | None = "calibration.png", heading: str = "##") -> list[str]:
    """The calibration section of a report (lines of Markdown)."""
    bound = result["max_false_abstain"]
    t = result["threshold"]
    cur = result.get("current_threshold")
    fit = result["fit_on"].upper()
    out = [f"{heading} Abstention calibration", ""]
    if t is None:
        out.append(
            f"No threshold keeps the false-abstain rate at or under {bound:.2f} on {fit} "
            f"({result['n_unanswerable_fit']} unanswerable questions)."
        )
    else:
        out.append(
            f"Recommended `answer_min_confidence` = **{t:.2f}**: the highest abstain recall on {fit} "
            f"with a false-abstain rate ≤ {bound:.2f}"
            + (f" (current setting {cur:.2f})." if cur is not None else ".")
        )
    if result.get("note"):
        out += ["", f"Note: {result['note']}."]
    out += ["", "| rows | threshold | abstain recall | false abstain rate | abstain precision | answerable | unanswerable |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for label, key in (("recommended", "at_threshold"), ("current", "at_current")):
        for group, p in result.get(key, {}).items():
            out.append(
                f"| {group.upper()} ({label}) | {p['threshold']:.2f} | {_f(p['abstain_recall'])} | "
                f"{_f(p['false_abstain_rate'])} | {_f(p['abstain_precision'])} | {p['n_answerable']} | "
                f"{p['n_unanswerable']} |"
            )
    curves = result["curves"]
    names = list(curves)
    marks = {x for x in (t, cur) if x is not None}
    out += ["", "Abstain recall / false-abstain rate when abstaining below each threshold:", ""]
    out.append("| threshold | " + " | ".join(f"{n.upper()} recall | {n.upper()} false abstain" for n in names) + " |")
    out.append("| ---: | " + " | ".join("---: | ---:" for _ in names) + " |")
    first = curves[names[0]]
    for i, p in enumerate(first):
        th = p["threshold"]
        on_step = abs(th / TABLE_STEP - round(th / TABLE_STEP)) < 1e-9
        if not (on_step or any(abs(th - m) < 1e-9 for m in marks)):
            continue
        cells = []
        for n in names:
            q = curves[n][i]
            cells.append(f"{_f(q['abstain_recall'])} | {_f(q['false_abstain_rate'])}")
        flag = " ←" if t is not None and abs(th - t) < 1e-9 else ""
        flag += " (current)" if cur is not None and abs(th - cur) < 1e-9 else ""
        out.append(f"| {th:.2f}{flag} | " + " | ".join(cells) + " |")
    if png_name:
        out += ["", f"![abstention calibration]({png_name})"]
    return out


def write_chart(result: dict[str, Any], path: Path) -> Path | None:
    from .charts import calibration_chart

    marks = {}
    if result.get("current_threshold") is not None:
        marks["current"] = result["current_threshold"]
    if result.get("threshold") is not None:
        marks["recommended"] = result["threshold"]
    return calibration_chart(result["curves"], path, marks=marks, max_false_abstain=result["max_false_abstain"])


# --------------------------------------------------------------------------- command line


def load_rows(path: Path) -> tuple[list[dict[str, Any]], float | None]:
    """The rows of a run (folder or ``rows.jsonl``) and its ``answer_min_confidence``, if known."""
    path = Path(path)
    rows_file = path / "rows.jsonl" if path.is_dir() else path
    if not rows_file.is_file():
        raise FileNotFoundError(f"{rows_file} does not exist (give an eval output folder or its rows.jsonl)")
    rows = [json.loads(line) for line in rows_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    current = None
    report_file = rows_file.with_name("report.json")
    if report_file.is_file():
        try:
            current = json.loads(report_file.read_text(encoding="utf-8"))["settings"]["answer_min_confidence"]
        except (KeyError, TypeError, ValueError):
            current = None
    return rows, current


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m newsqa.evals.calibrate",
        description="Abstention threshold from eval runs' rows.jsonl: the curve and the recommended "
        "threshold (fitted on TUNE rows, judged on CHECK rows).",
    )
    parser.add_argument("runs", nargs="+", metavar="RUN", help="eval output folder(s) or rows.jsonl file(s)")
    parser.add_argument("--max-false-abstain", type=float, default=DEFAULT_MAX_FALSE_ABSTAIN,
                        help="bound on the false-abstain rate (default 0.05)")
    parser.add_argument("--out", metavar="DIR", help="where to write calibration.* (default: the first RUN folder)")
    args = parser.parse_args(argv)

    rows: list[dict[str, Any]] = []
    current = None
    for run in args.runs:
        try:
            run_rows, run_current = load_rows(Path(run))
        except FileNotFoundError as exc:
            print(f"calibrate: error: {exc}", file=sys.stderr)
            return 2
        rows += run_rows
        current = current if current is not None else run_current
    if not any(r.get("confidence") is not None for r in rows):
        print("calibrate: error: no row has a 'confidence' (a run from before it was recorded?)", file=sys.stderr)
        return 2
    result = calibrate(rows, max_false_abstain=args.max_false_abstain, current=current)
    first = Path(args.runs[0])
    out = Path(args.out) if args.out else (first if first.is_dir() else first.parent)
    out.mkdir(parents=True, exist_ok=True)
    png = write_chart(result, out / "calibration.png")
    (out / "calibration.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (out / "calibration.md").write_text(
        "\n".join(format_markdown(result, png.name if png else None, heading="#")) + "\n", encoding="utf-8"
    )
    t = result["threshold"]
    if t is None:
        print(f"no threshold keeps false abstain <= {args.max_false_abstain} on {result['fit_on'].upper()}")
    else:
        print(f"recommended answer_min_confidence = {t:.2f} (fitted on {result['fit_on'].upper()}, "
              f"false abstain <= {args.max_false_abstain})")
    for label, key in (("at recommended", "at_threshold"), ("at current", "at_current")):
        for group, p in result[key].items():
            print(f"  {group.upper():5} {label} {p['threshold']:.2f}: abstain recall {_f(p['abstain_recall'])}, "
                  f"false abstain {_f(p['false_abstain_rate'])} "
                  f"({p['n_unanswerable']} unanswerable, {p['n_answerable']} answerable)")
    if result.get("note"):
        print(f"  note: {result['note']}")
    print(f"written: {out / 'calibration.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
