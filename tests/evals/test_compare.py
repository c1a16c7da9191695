"""`newsqa eval --compare A.toml B.toml`, `--split` and `--to-script` through the CLI, with a fake NewsQA."""

from __future__ import annotations

import json
import sys
import types
from typing import ClassVar

import pytest

from newsqa import cli
from newsqa.config import Settings
from newsqa.evals import runner
from newsqa.evals.compare import comparison_rows, format_comparison, settings_from_file
from newsqa.types import Answer, Chunk, Citation, Document, RetrievedChunk

EVIDENCE = "2013年9月29日上海自貿區掛牌。"
DOC = Document(doc_id="a.txt", title="上海自貿區", text=EVIDENCE, source_file="a.txt")


class ThresholdQA:
    """Answers everything with confidence 0.3; abstains below ``answer_min_confidence``."""

    instances: ClassVar[list[ThresholdQA]] = []

    def __init__(self, settings: Settings):
        self.settings = settings
        self.index = types.SimpleNamespace(get_document=lambda doc_id: DOC if doc_id == "a.txt" else None)
        self.asked: list[str] = []
        ThresholdQA.instances.append(self)

    @classmethod
    def from_settings(cls, settings):
        return cls(settings)

    def ask(self, question, top_k=None):
        self.asked.append(question)
        chunk = Chunk("a.txt:0", "a.txt", 0, EVIDENCE, 0, len(EVIDENCE), EVIDENCE)
        retrieved = [RetrievedChunk(chunk, DOC, 0.9)]
        if self.settings.answer_min_confidence > 0.3:
            return Answer(question, "資料中沒有相關內容。", True, [], latency_ms=5.0, retrieved=retrieved,
                          confidence=0.3)
        cite = Citation(1, "a.txt", DOC.title, None, None, EVIDENCE, 0, len(EVIDENCE), 0.9)
        return Answer(question, "2013年9月29日[1]", False, [cite], latency_ms=5.0, retrieved=retrieved,
                      confidence=0.3)


@pytest.fixture()
def fake_qa(monkeypatch, tmp_path):
    ThresholdQA.instances.clear()
    module = types.ModuleType("newsqa.qa.pipeline")
    module.NewsQA = ThresholdQA
    module.QuestionError = type("QuestionError", (ValueError,), {})
    monkeypatch.setitem(sys.modules, "newsqa.qa.pipeline", module)
    monkeypatch.setattr(runner, "CACHE_DIR", str(tmp_path / "eval-cache"))
    for name in list(__import__("os").environ):
        if name.startswith("NEWSQA_") and name != "NEWSQA_HOME":
            monkeypatch.delenv(name)
    return ThresholdQA


@pytest.fixture()
def questions(tmp_path):
    rows = [
        {"id": "q1", "question": "上海自貿區是哪一天掛牌的？", "answers": ["2013年9月29日"], "article": "a.txt",
         "evidence": EVIDENCE},
        {"id": "q2", "question": "上海自貿區哪一天掛牌？", "answers": ["2013年9月29日"], "article": "a.txt",
         "evidence": EVIDENCE},
    ]
    path = tmp_path / "q.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture()
def tomls(tmp_path):
    a = tmp_path / "a.toml"
    a.write_text("[answer]\nmin_confidence = 0.2\n", encoding="utf-8")
    b = tmp_path / "b.toml"
    b.write_text("[answer]\nmin_confidence = 0.5\n\n[retrieval]\ntop_k = 7\n", encoding="utf-8")
    return a, b


def test_settings_from_file_reads_the_toml_sections(tomls, monkeypatch):
    monkeypatch.delenv("NEWSQA_ANSWER_MIN_CONFIDENCE", raising=False)
    a, b = tomls
    sa, sb = settings_from_file(a), settings_from_file(b)
    assert sa.answer_min_confidence == 0.2 and sb.answer_min_confidence == 0.5 and sb.retrieval_top_k == 7
    assert settings_from_file(b, index_dir="/tmp/idx").index_dir.as_posix() == "/tmp/idx"
    with pytest.raises(FileNotFoundError):
        settings_from_file(a.with_name("missing.toml"))


def test_compare_prints_metrics_side_by_side_with_deltas(tmp_path, tomls, questions, fake_qa, capsys):
    a, b = tomls
    out = tmp_path / "cmp"
    code = cli.main(["eval", "-q", "--compare", str(a), str(b), "--questions", str(questions), "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    lines = printed.splitlines()
    assert "a.toml" in lines[0] and "b.toml" in lines[0] and "delta" in lines[0]
    contains = next(line for line in lines if line.startswith("answer contains gold"))
    assert contains.split()[-3:] == ["1.000", "0.000", "-1.000"]
    abstain = next(line for line in lines if line.startswith("false abstain rate"))
    assert abstain.split()[-1] == "+1.000"
    assert "answer_min_confidence: 0.2 -> 0.5" in printed and "retrieval_top_k: 5 -> 7" in printed
    for name in ("A", "B"):
        assert (out / name / "report.json").is_file() and (out / name / "report.md").is_file()
    assert (out / "compare.md").is_file() and (out / "hit_at_k.png").is_file()
    assert [qa.settings.answer_min_confidence for qa in fake_qa.instances] == [0.2, 0.5]


def test_comparison_rows_handle_missing_values():
    rows = {r[0]: r for r in comparison_rows({"n": 3, "hit@1": 0.5, "abstain_recall": None},
                                             {"n": 4, "hit@1": 0.75, "abstain_recall": 0.5})}
    assert rows["hit@1"][1:] == ("0.500", "0.750", "+0.250")
    assert rows["abstain recall"][3] == "n/a" and rows["questions"][3] == "+1"
    assert "settings that differ: none" in format_comparison({"n": 1}, {"n": 1})


def test_cli_split_and_to_script(tmp_path, questions, fake_qa, capsys, monkeypatch):
    monkeypatch.setenv("NEWSQA_CONFIG", str(tmp_path / "none.toml"))
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    out = tmp_path / "o"
    assert cli.main(["eval", "-q", "--questions", str(questions), "--out", str(out), "--to-script", "hans"]) == 0
    asked = fake_qa.instances[-1].asked
    assert "上海自贸区是哪一天挂牌的？" in asked and all("貿" not in q for q in asked)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["run"]["to_script"] == "hans" and report["run"]["split"] == "all"
    assert "questions converted to hans" in capsys.readouterr().out

    from newsqa.evals.splits import split_of

    half = split_of({"id": "q1", "article": "a.txt"})
    other = "check" if half == "tune" else "tune"
    assert cli.main(["eval", "-q", "--questions", str(questions), "--out", str(tmp_path / "s"), "--split", half]) == 0
    assert json.loads((tmp_path / "s" / "report.json").read_text())["n"] == 2
    code = cli.main(["eval", "-q", "--questions", str(questions), "--out", str(tmp_path / "t"), "--split", other])
    assert code == 2 and "no question" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["eval", "--questions", str(questions), "--to-script", "latin"])


def test_cli_prints_the_recommended_threshold_and_its_check_figures(tmp_path, fake_qa, capsys, monkeypatch):
    from newsqa.evals.splits import split_of_key

    monkeypatch.setenv("NEWSQA_CONFIG", str(tmp_path / "none.toml"))
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    names = [f"{n}.md" for n in range(40)]
    tune = next(n for n in names if split_of_key(n) == "tune")
    check = next(n for n in names if split_of_key(n) == "check")
    rows = []
    for art in (tune, check):
        rows.append({"id": f"a-{art}", "question": "上海自貿區是哪一天掛牌的？", "answers": ["2013年9月29日"],
                     "article": "a.txt", "evidence": EVIDENCE})
        rows.append({"id": f"u-{art}", "question": "河北自貿區哪一天掛牌？", "answers": [], "answerable": False,
                     "article": art})
    rows[0]["article"] = tune  # the answerable rows fall in the halves too (retrieval is then a miss)
    rows[2]["article"] = check
    path = tmp_path / "mixed.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    assert cli.main(["eval", "-q", "--questions", str(path), "--out", str(tmp_path / "m")]) == 0
    out = capsys.readouterr().out
    # every confidence is 0.3: abstaining below 0.30 catches nothing, below 0.31 everything
    assert "recommended answer_min_confidence 0.00 (fitted on TUNE; on CHECK: abstain recall 0.000" in out
    md = (tmp_path / "m" / "report.md").read_text(encoding="utf-8")
    assert "## By split" in md and "## Abstention calibration" in md and (tmp_path / "m" / "calibration.png").is_file()
