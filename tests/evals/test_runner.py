"""The eval runner with a fake ``NewsQA`` and a fake ingest: caching, outputs, tables."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import pytest

from newsqa.config import Settings
from newsqa.evals import runner
from newsqa.evals.report import format_table
from newsqa.evals.runner import corpus_fingerprint, prepare_corpus_index, run_eval
from newsqa.types import Answer, Chunk, Citation, Document, RetrievedChunk

EVIDENCE = "2013年9月29日上海自貿區掛牌。"
BODY = "前文一句。" + EVIDENCE + "後文一句。"
DOC = Document(doc_id="a.txt", title="上海自貿區", text=BODY, source_file="a.txt")
OTHER = Document(doc_id="b.txt", title="河北", text="河北自貿試驗區。", source_file="b.txt")


class FakeIndex:
    def get_document(self, doc_id: str) -> Document | None:
        return {"a.txt": DOC, "b.txt": OTHER}.get(doc_id)


class FakeQA:
    """Answers the 掛牌 question from ``a.txt``, abstains on everything else."""

    instances: list["FakeQA"] = []

    def __init__(self, settings: Settings):
        self.settings = settings
        self.index = FakeIndex()
        self.calls: list[tuple[str, int]] = []
        FakeQA.instances.append(self)

    @classmethod
    def from_settings(cls, settings: Settings) -> "FakeQA":
        return cls(settings)

    def ask(self, question: str, top_k: int | None = None) -> Answer:
        self.calls.append((question, top_k))
        chunk = Chunk("a.txt:0", "a.txt", 0, BODY, 0, len(BODY), BODY)
        other = Chunk("b.txt:0", "b.txt", 0, OTHER.text, 0, len(OTHER.text), OTHER.text)
        retrieved = [RetrievedChunk(chunk, DOC, 0.9), RetrievedChunk(other, OTHER, 0.1)]
        if "掛牌" in question:
            cite = Citation(1, "a.txt", DOC.title, None, None, BODY, 0, len(BODY), 0.9)
            return Answer(question, "2013年9月29日[1]", False, [cite], latency_ms=12.0, retrieved=retrieved)
        return Answer(question, "資料中沒有答案。", True, [], latency_ms=8.0, retrieved=retrieved)


@pytest.fixture()
def fake_qa(monkeypatch):
    FakeQA.instances.clear()
    module = types.ModuleType("newsqa.qa.pipeline")
    module.NewsQA = FakeQA
    monkeypatch.setitem(sys.modules, "newsqa.qa.pipeline", module)
    return FakeQA


@pytest.fixture()
def fake_ingest(monkeypatch):
    calls: list[tuple[list[Path], Settings]] = []

    def ingest_paths(paths, settings, *, rebuild=False):
        calls.append((list(paths), settings))
        settings.index_path.mkdir(parents=True)
        (settings.index_path / "CURRENT").write_text("gen-000001")
        return types.SimpleNamespace(failed=[], documents_total=2)

    module = types.ModuleType("newsqa.ingest.pipeline")
    module.ingest_paths = ingest_paths
    monkeypatch.setitem(sys.modules, "newsqa.ingest.pipeline", module)
    return calls


@pytest.fixture()
def settings(tmp_path, monkeypatch) -> Settings:
    monkeypatch.setattr(runner, "CACHE_DIR", str(tmp_path / "eval-cache"))
    return Settings(index_dir=tmp_path / "user-index", corpus_dir=tmp_path / "corpus")


@pytest.fixture()
def questions(tmp_path) -> Path:
    rows = [
        {"id": "q1", "question": "上海自貿區是哪一天掛牌的？", "answers": ["2013年9月29日"],
         "article": "a.txt", "evidence": EVIDENCE},
        {"id": "q2", "question": "河北自贸区面积多大？", "answers": ["萬分之六"], "article": "b.txt"},
        {"id": "q3", "question": "海南自贸港利用外资多少？", "answers": [], "answerable": False},
    ]
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture()
def corpus(tmp_path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.txt").write_text("上海自貿區\n\n" + BODY, encoding="utf-8")
    (folder / "b.txt").write_text("河北\n\n" + OTHER.text, encoding="utf-8")
    return folder


def test_run_eval_on_the_current_index_writes_all_outputs(tmp_path, settings, questions, fake_qa):
    out = tmp_path / "out"
    report = run_eval(questions, settings, out_dir=out, k=3, progress=False)

    (qa,) = fake_qa.instances
    assert qa.settings.index_path == settings.index_path
    assert [k for _, k in qa.calls] == [3, 3, 3, 3]  # a warm-up, then one per question

    assert report["n"] == 3 and report["n_answerable"] == 2
    assert report["hit@1"] == 0.5  # q1 gold at rank 1; q2 (b.txt) at rank 2
    assert report["hit@3"] == 1.0
    assert report["mrr@10"] == 0.75
    assert report["answer_contains"] == 0.5
    assert report["citation_accuracy"] == 1.0
    assert report["abstain_recall"] == 1.0
    assert report["false_abstain_rate"] == 0.5
    assert report["answer_chars_median"] == len("2013年9月29日")
    assert report["latency_ms_p50"] == 8.0
    assert report["run"]["k"] == 3 and report["settings"]["chunk_size"] == settings.chunk_size

    on_disk = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert on_disk["hit@1"] == 0.5 and on_disk["n"] == 3

    rows = [json.loads(line) for line in (out / "rows.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["q1", "q2", "q3"]
    first = rows[0]
    for key in ("question", "answers", "answer", "abstained", "citations", "gold_rank",
                "hit@1", "hit@5", "contains", "citation_ok", "latency_ms"):
        assert key in first, key
    assert first["gold_rank"] == 1 and first["contains"] is True and first["citation_ok"] is True
    assert first["citations"][0]["doc_id"] == "a.txt"
    assert rows[2]["hit@1"] is None and rows[2]["contains"] is None

    md = (out / "report.md").read_text(encoding="utf-8")
    assert "hit@5" in md and "chunk_size" in md
    assert "q2" in md and "河北自贸区面积多大" in md  # a miss is listed, with its question
    assert "q1 |" not in md  # a success is not


def test_limit_takes_the_first_questions(tmp_path, settings, questions, fake_qa):
    report = run_eval(questions, settings, out_dir=tmp_path / "out", limit=1, progress=False)
    assert report["n"] == 1
    assert len(fake_qa.instances[0].calls) == 2  # warm-up + 1


def test_run_eval_with_a_corpus_builds_and_then_reuses_a_cache(tmp_path, settings, questions, corpus,
                                                               fake_qa, fake_ingest):
    run_eval(questions, settings, corpus=corpus, out_dir=tmp_path / "o1", progress=False)
    assert len(fake_ingest) == 1
    (paths, build_settings), = fake_ingest
    assert paths == [corpus.resolve()]
    cache_root = Path(runner.CACHE_DIR)
    entries = [p for p in cache_root.iterdir() if p.is_dir()]
    assert len(entries) == 1 and not entries[0].name.startswith(".")  # renamed into place
    assert build_settings.index_path.parent == cache_root and build_settings.index_path != entries[0]
    assert fake_qa.instances[0].settings.index_path == entries[0]
    assert not settings.index_path.exists()  # the user's index is never touched

    run_eval(questions, settings, corpus=corpus, out_dir=tmp_path / "o2", progress=False)
    assert len(fake_ingest) == 1  # cached
    (corpus / "a.txt").write_text("上海自貿區\n\n" + BODY + "新增一句。", encoding="utf-8")
    run_eval(questions, settings, corpus=corpus, out_dir=tmp_path / "o3", progress=False)
    assert len(fake_ingest) == 2  # content changed → new fingerprint


def test_a_failed_build_is_not_cached(settings, corpus):
    def broken(paths, s):
        s.index_path.mkdir(parents=True)
        raise RuntimeError("model missing")

    with pytest.raises(RuntimeError, match="model missing"):
        prepare_corpus_index(corpus, settings, build=broken)
    assert [p.name for p in Path(runner.CACHE_DIR).iterdir()] == []

    built = []

    def ok(paths, s):
        built.append(s.index_path)
        s.index_path.mkdir(parents=True)
        return None

    eval_settings = prepare_corpus_index(corpus, settings, build=ok)
    assert eval_settings.index_path.is_dir() and len(built) == 1
    prepare_corpus_index(corpus, settings, build=ok)
    assert len(built) == 1


def test_fingerprint_depends_on_content_and_indexing_settings(settings, corpus):
    fp = corpus_fingerprint(corpus, settings)
    assert fp == corpus_fingerprint(corpus, settings)
    assert fp != corpus_fingerprint(corpus, settings.model_copy(update={"chunk_size": 300}))
    assert fp != corpus_fingerprint(corpus, settings.model_copy(update={"embedding_model": "other"}))
    # settings that do not shape the index do not matter
    assert fp == corpus_fingerprint(corpus, settings.model_copy(update={"retrieval_top_k": 9}))
    (corpus / "a.txt").rename(corpus / "c.txt")
    assert fp != corpus_fingerprint(corpus, settings)


def test_format_table_shows_null_as_na():
    table = format_table({"n": 2, "n_answerable": 0, "hit@1": None, "hit@5": 0.5, "mrr@10": 0.25,
                          "latency_ms_p50": 12.34, "answer_chars_median": 7})
    lines = table.splitlines()
    assert any(line.startswith("hit@1") and line.endswith("n/a") for line in lines)
    assert any(line.startswith("hit@5") and "0.500" in line for line in lines)
    assert any("latency p50" in line and "12.3" in line for line in lines)


# --------------------------------------------------------------------------- report sections, split, script


def test_report_has_breakdowns_charts_and_ten_hit_ks(tmp_path, settings, questions, fake_qa):
    out = tmp_path / "out"
    report = run_eval(questions, settings, out_dir=out, progress=False)
    for k in range(1, 11):
        assert f"hit@{k}" in report, k
    assert report["hit@2"] == 1.0 and report["hit@10"] == 1.0
    assert sum(g["n"] for g in report["by_answer_type"].values()) == 3
    assert sum(report["answer_type_source"].values()) == 3
    assert sum(g["n"] for g in report["by_split"].values()) == 3
    # q3 is unanswerable: the run has a calibration (the fake answers with confidence 0.0)
    assert report["calibration"]["fit_on"] in ("tune", "all")

    png = out / "hit_at_k.png"
    assert png.is_file() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "calibration.png").is_file() and (out / "calibration.json").is_file()
    md = (out / "report.md").read_text(encoding="utf-8")
    for section in ("## Metrics", "## hit@k", "](hit_at_k.png)", "## By answer type", "## Abstention calibration",
                    "](calibration.png)", "## Settings", "## Worst misses", "top 3 retrieved"):
        assert section in md, section
    assert "上海自貿區 — 前文一句" in md  # retrieved title and snippet of a miss
    rows = [json.loads(line) for line in (out / "rows.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {"confidence", "answer_type", "answer_type_source", "split"} <= set(rows[0])
    assert rows[0]["answer_type"] and rows[0]["split"] in ("tune", "check")
    assert rows[0]["retrieved"][0]["snippet"].startswith("前文一句")
    # the printed table keeps to hit@1, 3, 5, 10 (report.json has them all)
    table = format_table(report)
    assert "hit@2" not in table and "hit@10" in table
    # rows without a kind get no kind sections
    assert "by_question_kind" not in report and "## By question kind" not in md


def test_report_breaks_down_by_the_sets_question_kind(tmp_path, settings, questions, fake_qa):
    rows = [json.loads(line) for line in questions.read_text(encoding="utf-8").splitlines()]
    rows[0].update(temporal_type="absolute", temporal_expression_type="explicit")
    rows[1].update(temporal_type="relative", temporal_expression_type="implicit")
    rows[2].update(kind="near-miss")  # the news set's field
    questions.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "out"
    report = run_eval(questions, settings, out_dir=out, progress=False)
    assert {k: g["n"] for k, g in report["by_question_kind"].items()} == {"absolute": 1, "near-miss": 1, "relative": 1}
    assert {k: g["n"] for k, g in report["by_time_expression"].items()} == {"explicit": 1, "implicit": 1, "unknown": 1}
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "## By question kind" in md and "## By time expression" in md
    written = [json.loads(line) for line in (out / "rows.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r.get("question_kind") for r in written] == ["absolute", "relative", "near-miss"]


class AnswerLike:
    """An ``Answer`` stand-in: the fields of ``answer``, with or without ``answer_type``."""

    def __init__(self, answer: Answer, answer_type: str | None):
        for name in Answer.__slots__:
            if name != "answer_type":
                setattr(self, name, getattr(answer, name))
        if answer_type is not None:
            self.answer_type = answer_type


@pytest.mark.parametrize("answer_type", ["quantity", None])
def test_answer_type_from_the_answerer_else_from_the_question(tmp_path, settings, questions, fake_qa,
                                                               monkeypatch, answer_type):
    original = FakeQA.ask
    monkeypatch.setattr(FakeQA, "ask", lambda self, q, top_k=None: AnswerLike(original(self, q, top_k), answer_type))
    report = run_eval(questions, settings, out_dir=tmp_path / "out", progress=False)
    if answer_type:
        assert report["by_answer_type"]["quantity"]["n"] == 3
        assert report["answer_type_source"] == {"answerer": 3}
    else:  # the answerer's classifier (newsqa.answer_types): 哪一天 -> date; 多大 -> quantity; 多少 -> number
        assert {t: g["n"] for t, g in report["by_answer_type"].items()} == {"date": 1, "quantity": 1, "number": 1}
        assert report["answer_type_source"] == {"question rule": 3}
        md = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
        assert "## By answer type" in md and "| date |" in md


def test_split_keeps_one_half_and_is_recorded(tmp_path, settings, questions, fake_qa):
    from newsqa.evals.splits import split_of

    rows = [json.loads(line) for line in questions.read_text(encoding="utf-8").splitlines()]
    for half in ("tune", "check"):
        expected = [r["id"] for r in rows if split_of(r) == half]
        if not expected:
            with pytest.raises(ValueError, match=half.upper()):
                run_eval(questions, settings, out_dir=tmp_path / half, split=half, progress=False)
            continue
        report = run_eval(questions, settings, out_dir=tmp_path / half, split=half, progress=False)
        assert report["n"] == len(expected) and report["run"]["split"] == half
        got = [json.loads(line)["id"] for line in (tmp_path / half / "rows.jsonl").read_text().splitlines()]
        assert got == expected
    with pytest.raises(ValueError, match="split"):
        run_eval(questions, settings, out_dir=tmp_path / "x", split="dev", progress=False)


def test_to_script_converts_the_questions_before_asking(tmp_path, settings, questions, fake_qa):
    report = run_eval(questions, settings, out_dir=tmp_path / "out", to_script="hans", progress=False)
    asked = [q for q, _ in fake_qa.instances[0].calls[1:]]
    assert asked[0] == "上海自贸区是哪一天挂牌的？"
    assert report["run"]["to_script"] == "hans"
    rows = [json.loads(line) for line in (tmp_path / "out" / "rows.jsonl").read_text(encoding="utf-8").splitlines()]
    assert rows[0]["question"] == "上海自贸区是哪一天挂牌的？"
    assert rows[0]["question_original"] == "上海自貿區是哪一天掛牌的？"


def test_an_incompatible_cached_index_is_rebuilt_once(tmp_path, settings, questions, corpus, fake_qa, fake_ingest,
                                                      monkeypatch):
    from newsqa.index.store import IndexMismatchError

    run_eval(questions, settings, corpus=corpus, out_dir=tmp_path / "o1", progress=False)
    (entry,) = [p for p in Path(runner.CACHE_DIR).iterdir() if p.is_dir()]
    (entry / "STALE").write_text("format 1")  # as if written by an older index format

    def from_settings(cls, s):
        if (s.index_path / "STALE").exists():
            raise IndexMismatchError(f"the index at {s.index_path} has format 1, this newsqa reads format 2")
        return cls(s)

    monkeypatch.setattr(FakeQA, "from_settings", classmethod(from_settings))
    report = run_eval(questions, settings, corpus=corpus, out_dir=tmp_path / "o2", progress=False)
    assert len(fake_ingest) == 2 and report["n"] == 3
    assert [p.name for p in Path(runner.CACHE_DIR).iterdir() if p.is_dir()] == [entry.name]
    assert not (entry / "STALE").exists()
    # without --corpus (the user's index) nothing is rebuilt: the error goes to the user
    (settings.index_path).mkdir(parents=True)
    (settings.index_path / "STALE").write_text("x")
    with pytest.raises(IndexMismatchError):
        run_eval(questions, settings, out_dir=tmp_path / "o3", progress=False)


def test_fingerprint_depends_on_the_index_format(settings, corpus, monkeypatch):
    fp = corpus_fingerprint(corpus, settings)
    monkeypatch.setattr(runner, "_index_format", lambda: "999")
    assert corpus_fingerprint(corpus, settings) != fp


def test_fingerprint_depends_on_the_code_that_reads_articles(settings, corpus, monkeypatch):
    """A cached eval index built by an older reader (another parser) is not reused."""
    fp = corpus_fingerprint(corpus, settings)
    assert runner._reader_version() == runner._reader_version()
    monkeypatch.setattr(runner, "_reader_version", lambda: "another-reader")
    assert corpus_fingerprint(corpus, settings) != fp


def test_the_reader_hash_covers_the_code_that_reads_and_cuts_articles():
    """The chunker moved to ``index/`` (issue #15): it still decides the cached passages."""
    import newsqa.dates
    import newsqa.index.access
    import newsqa.index.chunker
    import newsqa.ingest.parsers
    import newsqa.text

    hashed = {path.resolve() for path in runner._reader_files()}
    for module in (newsqa.index.chunker, newsqa.index.access, newsqa.ingest.parsers, newsqa.dates, newsqa.text):
        assert Path(module.__file__).resolve() in hashed, module.__name__


def test_a_refused_or_failing_question_is_recorded_and_the_run_goes_on(tmp_path, settings, questions, fake_qa,
                                                                        monkeypatch):
    """One bad row never stops a run: a refusal counts as an abstention, an error as a miss, both listed."""
    from newsqa.question import QuestionError

    def ask(self, question, top_k=None):
        if "河北" in question:
            raise ZeroDivisionError("division by zero")
        if "海南" in question:
            raise QuestionError("too_long", n=3000, limit=500)
        return original(self, question, top_k)

    original = FakeQA.ask
    monkeypatch.setattr(FakeQA, "ask", ask)
    out = tmp_path / "out"
    report = run_eval(questions, settings, out_dir=out, k=3, progress=False)
    assert report["n"] == 3 and report["n_errors"] == 1 and report["n_refused"] == 1
    assert report["answer_contains"] == 0.5 and report["abstain_recall"] == 1.0
    rows = {r["id"]: r for r in map(json.loads, (out / "rows.jsonl").read_text(encoding="utf-8").splitlines())}
    assert "status" not in rows["q1"]
    assert rows["q2"]["status"] == "error" and rows["q2"]["error"] == "ZeroDivisionError: division by zero"
    assert rows["q3"]["status"] == "refused" and rows["q3"]["error"].startswith("too_long: ")
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "## Refused and failed questions (2)" in md and "ZeroDivisionError" in md
    table = format_table(report)
    assert "errors" in table and "refused by the question gate" in table


def test_a_question_with_a_lone_surrogate_is_written_out(tmp_path, settings, fake_qa):
    """rows.jsonl and report.md keep such a question as its escape instead of failing to write."""
    path = tmp_path / "odd.jsonl"
    path.write_text(json.dumps({"id": "s", "question": "上海\ud800自貿區掛牌", "answers": ["2013年"]}) + "\n",
                    encoding="utf-8")
    out = tmp_path / "out"
    run_eval(path, settings, out_dir=out, k=3, progress=False)
    (row,) = [json.loads(line) for line in (out / "rows.jsonl").read_text(encoding="utf-8").splitlines()]
    assert row["question"] == "上海\ud800自貿區掛牌"
