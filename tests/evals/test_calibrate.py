"""Abstention calibration on hand-made rows, where recall and false abstentions are known."""

from __future__ import annotations

import json

from newsqa.evals import calibrate as cal


def rows_of(split: str, answerable_conf, unanswerable_conf):
    rows = [{"answerable": True, "confidence": c, "split": split} for c in answerable_conf]
    rows += [{"answerable": False, "confidence": c, "split": split} for c in unanswerable_conf]
    return rows


# TUNE: 20 answerable (one at 0.15, the rest >= 0.40), 10 unanswerable (0.05..0.50)
TUNE = rows_of("tune", [0.15] + [0.40 + 0.02 * i for i in range(19)],
               [0.05, 0.08, 0.10, 0.12, 0.14, 0.16, 0.20, 0.30, 0.45, 0.50])
# CHECK: 10 answerable (two under 0.2), 4 unanswerable
CHECK = rows_of("check", [0.10, 0.18] + [0.5] * 8, [0.05, 0.15, 0.25, 0.60])


def test_curve_counts_abstentions_below_the_threshold():
    (p,) = cal.curve(TUNE, [0.15])
    # unanswerable below 0.15: 0.05, 0.08, 0.10, 0.12, 0.14 -> 5/10; answerable: none (0.15 is not < 0.15)
    assert p["abstain_recall"] == 0.5 and p["false_abstain_rate"] == 0.0
    assert p["abstain_precision"] == 1.0 and p["n_answerable"] == 20 and p["n_unanswerable"] == 10
    (p,) = cal.curve(TUNE, [0.35])
    assert p["abstain_recall"] == 0.8 and p["false_abstain_rate"] == 0.05  # 8/10, 1/20
    assert p["abstain_precision"] == round(8 / 9, 4)
    zero, = cal.curve(TUNE, [0.0])
    assert zero["abstain_recall"] == 0.0 and zero["false_abstain_rate"] == 0.0 and zero["abstain_precision"] is None


def test_recommend_maximises_recall_under_the_bound():
    best = cal.recommend(cal.curve(TUNE))
    # recall 0.8 is reached at t = 0.31 with FA 0.05; t > 0.40 would abstain on a 2nd answerable (FA 0.10)
    assert best["threshold"] == 0.31 and best["abstain_recall"] == 0.8 and best["false_abstain_rate"] == 0.05
    strict = cal.recommend(cal.curve(TUNE), max_false_abstain=0.0)
    # FA 0 allows t <= 0.15: recall 0.5 (the lowest such threshold that reaches it is 0.15)
    assert strict["threshold"] == 0.15 and strict["abstain_recall"] == 0.5
    assert cal.recommend(cal.curve(rows_of("tune", [0.5], []))) is None  # no unanswerable rows


def test_calibrate_fits_on_tune_and_judges_on_check():
    result = cal.calibrate(TUNE + CHECK, current=0.21)
    assert result["fit_on"] == "tune" and result["threshold"] == 0.31
    check = result["at_threshold"]["check"]
    assert check["abstain_recall"] == 0.75 and check["false_abstain_rate"] == 0.2  # 3/4, 2/10
    assert result["at_current"]["tune"]["threshold"] == 0.21
    assert set(result["curves"]) == {"tune", "check"} and "note" not in result
    json.dumps(result)
    md = "\n".join(cal.format_markdown(result))
    assert "**0.31**" in md and "0.31 ←" in md and "0.21" in md and "calibration.png" in md


def test_without_tune_rows_it_fits_on_all_and_says_so():
    result = cal.calibrate(CHECK)
    assert result["fit_on"] == "all" and "note" in result and "optimistic" in result["note"]


def test_command_line_writes_files(tmp_path, capsys):
    run = tmp_path / "run"
    run.mkdir()
    (run / "rows.jsonl").write_text("".join(json.dumps(r) + "\n" for r in TUNE + CHECK), encoding="utf-8")
    (run / "report.json").write_text(json.dumps({"settings": {"answer_min_confidence": 0.21}}), encoding="utf-8")
    assert cal.main([str(run)]) == 0
    out = capsys.readouterr().out
    assert "0.31" in out and "CHECK" in out
    for name in ("calibration.json", "calibration.md", "calibration.png"):
        assert (run / name).is_file(), name
    assert (run / "calibration.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads((run / "calibration.json").read_text())["current_threshold"] == 0.21
    assert cal.main([str(tmp_path / "missing")]) == 2
