"""`newsqa docs list|show|delete` on a real index."""

import json

import pytest

from newsqa.cli import main
from newsqa.config import Settings
from newsqa.ingest.pipeline import ingest_paths

PUDONG = "浦東開發\n\n2020-11-12 新華網\n\n1990年4月18日，中共中央、國務院宣布開發開放上海浦東。\n"
HAINAN = "# 海南自贸港\n\n海南自由贸易港于2020年6月1日公布总体方案。\n"


@pytest.fixture()
def index_dir(tmp_path, e5_model_dir, monkeypatch):
    corpus = tmp_path / "articles"
    corpus.mkdir()
    (corpus / "pudong.txt").write_text(PUDONG, encoding="utf-8")
    (corpus / "reprint.txt").write_text(PUDONG.replace("新華網", "人民網"), encoding="utf-8")
    (corpus / "hainan.md").write_text(HAINAN, encoding="utf-8")
    monkeypatch.setenv("NEWSQA_EMBEDDING_MODEL", str(e5_model_dir))
    settings = Settings.load(index_dir=tmp_path / "index", corpus_dir=corpus)
    ingest_paths([corpus], settings)
    return str(settings.index_path)


def test_list_show_delete(index_dir, capsys):
    assert main(["docs", "list", "--json", "--index", index_dir]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["doc_id"] for r in rows] == ["pudong.txt", "hainan.md"]  # newest first, undated last
    assert rows[0]["copies"][0]["doc_id"] == "reprint.txt" and rows[0]["chunks"] == 1

    assert main(["docs", "list", "--search", "海南", "--index", index_dir]) == 0
    out = capsys.readouterr().out
    assert "hainan.md" in out and "pudong" not in out
    # Either script finds it (the title is 海南自贸港), as the archive tab's search does (found
    # in a user trial).
    for query in ("自貿港", "自贸港"):
        assert main(["docs", "list", "--search", query, "--index", index_dir]) == 0
        assert "hainan.md" in capsys.readouterr().out, query

    assert main(["docs", "show", "reprint.txt", "--json", "--index", index_dir]) == 0  # a copy resolves
    shown = json.loads(capsys.readouterr().out)
    assert shown["doc_id"] == "pudong.txt" and shown["text"].startswith("1990年4月18日")

    assert main(["docs", "delete", "pudong.txt", "--index", index_dir]) == 0
    assert "reprint.txt" in capsys.readouterr().out
    assert main(["docs", "list", "--json", "--index", index_dir]) == 0
    assert [json.loads(line)["doc_id"] for line in capsys.readouterr().out.splitlines()] == ["hainan.md"]


def test_unknown_ids_are_an_error_and_delete_nothing(index_dir, capsys):
    assert main(["docs", "delete", "hainan.md", "nope.txt", "--index", index_dir]) == 2
    assert "not in the index: nope.txt" in capsys.readouterr().err
    assert main(["docs", "show", "nope.txt", "--index", index_dir]) == 2
    assert main(["docs", "list", "--json", "--index", index_dir]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2


def test_list_escapes_control_characters_in_ids(tmp_path, e5_model_dir, monkeypatch, capsys):
    """A file name holding a newline is still one row of `docs list`."""
    corpus = tmp_path / "articles"
    corpus.mkdir()
    (corpus / "two\nlines.txt").write_text(PUDONG, encoding="utf-8")
    (corpus / "hainan.md").write_text(HAINAN, encoding="utf-8")
    monkeypatch.setenv("NEWSQA_EMBEDDING_MODEL", str(e5_model_dir))
    settings = Settings.load(index_dir=tmp_path / "index", corpus_dir=corpus)
    ingest_paths([corpus], settings)
    assert main(["docs", "list", "--index", str(settings.index_path)]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert len(rows) == 2 and any(row.startswith("two\\nlines.txt\t") for row in rows)


def test_docs_opens_the_index_with_the_settings_dense_config(tmp_path, e5_model_dir, monkeypatch, capsys):
    """`docs list|show` once opened every index with the default dense config (auto/fp32),
    whatever the settings said: here an HNSW/fp16 one. Harmless while `docs` only reads,
    but whatever saved that index would have turned it back into an exact fp32 one."""
    from newsqa.cli import commands
    from newsqa.index.dense import DenseConfig

    corpus = tmp_path / "articles"
    corpus.mkdir()
    (corpus / "hainan.md").write_text(HAINAN, encoding="utf-8")
    monkeypatch.setenv("NEWSQA_EMBEDDING_MODEL", str(e5_model_dir))
    monkeypatch.setenv("NEWSQA_INDEX_DENSE_KIND", "hnsw")
    monkeypatch.setenv("NEWSQA_INDEX_STORAGE", "fp16")
    settings = Settings.load(index_dir=tmp_path / "index", corpus_dir=corpus)
    ingest_paths([corpus], settings)
    opened = []
    real_open = commands._open_index
    monkeypatch.setattr(commands, "_open_index", lambda s: opened.append(real_open(s)) or opened[-1])
    assert main(["docs", "list", "--index", str(settings.index_path)]) == 0
    assert "hainan.md" in capsys.readouterr().out
    assert opened[0].dense_config == DenseConfig.from_settings(settings)
    assert (opened[0].dense_config.kind, opened[0].dense_config.storage) == ("hnsw", "fp16")
