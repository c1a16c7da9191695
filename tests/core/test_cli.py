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
    assert empty.returncode == 2 and "empty" in empty.stderr
