"""The newsqa command line: help, exit codes, and the ask --json contract through a real process."""

import json
import os
import subprocess
import sys

import pytest

from newsqa.cli import build_parser, main

SUBCOMMANDS = ["ingest", "ask", "serve", "eval", "docs", "model"]


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_every_subcommand_has_help_with_the_index_option(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "--index" in out and "usage: newsqa " + command in out


def test_top_level_help_lists_the_subcommands(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--help"])
    out = capsys.readouterr().out
    for command in SUBCOMMANDS:
        assert command in out


def test_missing_index_is_a_clear_error(tmp_path, capsys):
    assert main(["ask", "上海自貿區是哪一天掛牌的？", "--index", str(tmp_path / "none")]) == 2
    err = capsys.readouterr().err
    assert "no index at" in err and "newsqa ingest --rebuild" in err


def _run(*args, env_extra=None):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "newsqa.cli", *args], capture_output=True, text=True, env=env, timeout=300
    )


def test_ingest_then_ask_json_through_real_processes(tmp_path, e5_model_dir):
    corpus = tmp_path / "articles"
    corpus.mkdir()
    (corpus / "pudong.txt").write_text(
        "浦東開發\n\n2020-11-12 新華網\n\n1990年4月18日，中共中央、國務院宣布開發開放上海浦東。\n", encoding="utf-8"
    )
    (corpus / "broken.txt").write_bytes(b"\x00\x01binary")
    index = str(tmp_path / "index")
    env = {"NEWSQA_EMBEDDING_MODEL": str(e5_model_dir)}

    ingest = _run("ingest", str(corpus), "--index", index, env_extra=env)
    assert ingest.returncode == 1, ingest.stderr  # one file failed
    assert "1 new, 0 changed" in ingest.stdout
    assert "broken.txt" in ingest.stderr and "binary" in ingest.stderr

    ask = _run("ask", "--json", "浦东开发开放是哪一天宣布的？", "--index", index, env_extra=env)
    assert ask.returncode == 0, ask.stderr
    data = json.loads(ask.stdout)  # exactly one JSON object on stdout, logs on stderr
    assert set(data) == {"question", "answer", "abstained", "citations", "latency_ms"}
    assert "1990年4月18日" in data["answer"] and "宣布" in data["answer"]
    assert data["citations"][0]["doc_id"] == "pudong.txt"
    assert data["citations"][0]["date"] == "2020-11-12" and data["citations"][0]["source"] == "新華網"

    empty = _run("ask", "  ", "--index", index, env_extra=env)
    assert empty.returncode == 2 and "請輸入問題" in empty.stderr and "Traceback" not in empty.stderr

    # What a GBK terminal sends: argv bytes that are not UTF-8 (Python keeps them as escapes).
    gbk = subprocess.run(
        [sys.executable, "-m", "newsqa.cli", "ask", "--json", "--index", index,
         "浦东开发开放是哪一天宣布的？".encode("gbk")],
        capture_output=True, env={**os.environ, "HF_HUB_OFFLINE": "1", **env}, timeout=300,
    )
    assert gbk.returncode == 0, gbk.stderr.decode("utf-8", "replace")
    assert "1990年4月18日" in json.loads(gbk.stdout)["answer"]


# ---------------------------------------------------------------------- the ask contract in-process


@pytest.fixture(scope="module")
def pudong_index(tmp_path_factory, e5_model_dir):
    from newsqa.config import Settings
    from newsqa.ingest.pipeline import ingest_paths

    base = tmp_path_factory.mktemp("cli-ask")
    corpus = base / "articles"
    corpus.mkdir()
    (corpus / "pudong.txt").write_text(
        "浦東開發\n\n2020-11-12 新華網\n\n1990年4月18日，中共中央、國務院宣布開發開放上海浦東。\n", encoding="utf-8"
    )
    settings = Settings.load(index_dir=base / "index", corpus_dir=corpus, embedding_model=str(e5_model_dir))
    assert ingest_paths([corpus], settings).ok
    return str(settings.index_path)


def _stdin(monkeypatch, data: bytes) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


@pytest.mark.parametrize("question, kind", [("上", "too_short"), ("", "empty"), ("浦東" * 300, "too_long")])
def test_ask_json_prints_one_object_for_a_refused_question(pudong_index, capsys, question, kind):
    assert main(["ask", "--json", question, "--index", pudong_index]) == 2
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1
    data = json.loads(out[0])
    assert data["error_kind"] == kind and data["error"] and data["answer"] is None and data["citations"] == []


def test_ask_reads_the_question_from_stdin(pudong_index, capsys, monkeypatch):
    _stdin(monkeypatch, "浦東開發開放是哪一天宣布的？\n".encode("big5"))  # a Big5 pipe, with its newline
    assert main(["ask", "--json", "-", "--index", pudong_index]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["question"] == "浦東開發開放是哪一天宣布的？" and "1990年4月18日" in data["answer"]


def test_a_question_starting_with_a_dash_is_a_question(pudong_index, capsys):
    assert main(["ask", "--json", "-5度的時候浦東開發開放了嗎？", "--index", pudong_index]) == 0
    assert json.loads(capsys.readouterr().out)["question"] == "-5度的時候浦東開發開放了嗎？"
    with pytest.raises(SystemExit):  # a mistyped option is still an error, not a question
        main(["ask", "--jsn", "浦東開發開放是哪一天宣布的？", "--index", pudong_index])


def test_undecodable_stdin_is_refused_with_a_json_error(pudong_index, capsys, monkeypatch):
    _stdin(monkeypatch, b"\x80\x81\x82\x83\x84\x85")
    assert main(["ask", "--json", "-", "--index", pudong_index]) == 2
    assert json.loads(capsys.readouterr().out)["error_kind"] == "not_text"


def test_first_ask_on_a_fresh_install_builds_the_bundled_index(tmp_path, e5_model_dir, monkeypatch, capsys):
    """No index yet at the default place: the first question builds it from the corpus folder."""
    corpus = tmp_path / "data" / "articles"
    corpus.mkdir(parents=True)
    (corpus / "pudong.txt").write_text(
        "浦東開發\n\n2020-11-12 新華網\n\n1990年4月18日，中共中央、國務院宣布開發開放上海浦東。\n", encoding="utf-8"
    )
    monkeypatch.setenv("NEWSQA_HOME", str(tmp_path))
    monkeypatch.setenv("NEWSQA_EMBEDDING_MODEL", str(e5_model_dir))
    monkeypatch.delenv("NEWSQA_INDEX_DIR", raising=False)
    monkeypatch.delenv("NEWSQA_CONFIG", raising=False)
    assert main(["ask", "--json", "浦东开发开放是哪一天宣布的？"]) == 0
    assert "1990年4月18日" in json.loads(capsys.readouterr().out)["answer"]
    assert (tmp_path / "var" / "index" / "CURRENT").is_file()


def test_an_internal_error_is_one_line_not_a_traceback(pudong_index, capsys, monkeypatch):
    from newsqa.qa.pipeline import NewsQA

    def broken(self, question, top_k=None, **when):
        raise RuntimeError("boom")

    monkeypatch.setattr(NewsQA, "ask", broken)
    assert main(["ask", "浦東開發開放是哪一天宣布的？", "--index", pudong_index]) == 1
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: boom" in err and "Traceback" not in err
    assert main(["ask", "--json", "浦東開發開放是哪一天宣布的？", "--index", pudong_index]) == 1
    assert json.loads(capsys.readouterr().out)["error"] == "boom"


def test_serve_while_another_process_writes_the_index_serves_what_is_live(tmp_path, monkeypatch, caplog):
    """Several servers starting over one archive (a shared Milvus, or one folder): the one that
    cannot take the writer's lock serves what is live instead of exiting."""
    import newsqa.ui.app
    from newsqa.index.storage import FolderStorage

    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "a.txt").write_text("標題\n\n2024-01-02 中央社\n\n這是一篇測試用的新聞文章，內容足夠長。\n", encoding="utf-8")
    served = []
    monkeypatch.setattr(newsqa.ui.app, "serve", lambda settings, **kwargs: served.append(settings))
    monkeypatch.setenv("NEWSQA_CORPUS_DIR", str(articles))
    with FolderStorage(tmp_path / "index").lock(), caplog.at_level("WARNING"):  # another writer holds it
        assert main(["serve", "--index", str(tmp_path / "index")]) == 0
    assert len(served) == 1
    assert "not building the index now" in caplog.text and "another `newsqa ingest`" in caplog.text
