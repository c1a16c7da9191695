"""`newsqa ingest` counts the articles without a date / title / outlet, `--default-year` and
`--date` date what the files leave open, and `newsqa docs list --missing` lists them (real model)."""

import json

import pytest

from newsqa.cli import main
from newsqa.ingest.pipeline import IngestReport
from newsqa.types import Document

DATED = "2023-08-01 09:16  来源：  成都日报  ，正文：原标题：台风登陆后多地出现强降雨近日，第5号台风在福建沿海登陆。\n"
YEARLESS = "08-18 05:47，正文：中新网8月18日电 某公司决定召回部分汽车，共计3万余辆。\n"
UNDATED = "，正文：近日，某市举行暑期安全教育活动，共有200名学生参加。\n"


@pytest.fixture()
def corpus(tmp_path):
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "dated.txt").write_text(DATED, encoding="utf-8")
    (folder / "yearless.txt").write_text(YEARLESS, encoding="utf-8")
    (folder / "undated.txt").write_text(UNDATED, encoding="utf-8")
    return folder


def _listed(capsys, *argv) -> list[str]:
    capsys.readouterr()
    assert main(["docs", "list", "--json", *argv]) == 0
    return sorted(json.loads(line)["doc_id"] for line in capsys.readouterr().out.splitlines())


def test_ingest_counts_and_lists_what_the_files_leave_out(tmp_path, corpus, e5_model_dir, monkeypatch, capsys):
    monkeypatch.setenv("NEWSQA_EMBEDDING_MODEL", str(e5_model_dir))
    index = str(tmp_path / "index")
    assert main(["ingest", str(corpus), "--index", index, "-q"]) == 0
    summary = capsys.readouterr().out
    assert "3 articles read: 2 without a date, 2 without a title, 1 without an outlet" in summary
    assert "--missing" in summary

    assert _listed(capsys, "--missing", "date", "--index", index) == ["undated.txt", "yearless.txt"]
    assert _listed(capsys, "--missing", "title", "--index", index) == ["undated.txt", "yearless.txt"]
    assert _listed(capsys, "--missing", "source", "--index", index) == ["undated.txt"]  # 中新网 in the dateline
    assert main(["docs", "show", "dated.txt", "--json", "--index", index]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["title"], shown["date"], shown["source"]) == ("台风登陆后多地出现强降雨", "2023-08-01", "成都日报")
    assert shown["text"] == "近日，第5号台风在福建沿海登陆。"

    # the user gives the year: the year-less article is dated, the undated one still is not
    assert main(["ingest", str(corpus), "--index", index, "-q", "--default-year", "2023"]) == 0
    assert "1 changed" in capsys.readouterr().out
    assert _listed(capsys, "--missing", "date", "--index", index) == ["undated.txt"]
    # a plain re-ingest (what serve does when the corpus folder changes) keeps the year the user gave
    assert main(["ingest", str(corpus), "--index", index, "-q"]) == 0
    assert "0 changed" in capsys.readouterr().out
    assert _listed(capsys, "--missing", "date", "--index", index) == ["undated.txt"]
    # unless the file itself changed: then it is read as it now is
    (corpus / "yearless.txt").write_text(YEARLESS.replace("3万余辆", "4万余辆"), encoding="utf-8")
    assert main(["ingest", str(corpus), "--index", index, "-q"]) == 0
    assert _listed(capsys, "--missing", "date", "--index", index) == ["undated.txt", "yearless.txt"]
    (corpus / "yearless.txt").write_text(YEARLESS, encoding="utf-8")
    assert main(["ingest", str(corpus), "--index", index, "-q", "--default-year", "2023"]) == 0
    # or a date: the articles without any date take it
    assert main(["ingest", str(corpus), "--index", index, "-q", "--date", "2023-08-20"]) == 0
    assert "3 articles read: 0 without a date" in capsys.readouterr().out
    assert _listed(capsys, "--missing", "date", "--index", index) == []


def test_bad_year_or_date_options_are_refused(corpus, tmp_path, capsys):
    index = str(tmp_path / "index")
    assert main(["ingest", str(corpus), "--index", index, "--date", "2023-02-30"]) == 2
    assert "--date 2023-02-30" in capsys.readouterr().err
    assert main(["ingest", str(corpus), "--index", index, "--default-year", "23"]) == 2
    assert "--default-year 23" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # one or the other
        main(["ingest", str(corpus), "--default-year", "2023", "--date", "2023-08-20"])


def test_the_report_counts_articles_not_related_items():
    report = IngestReport()
    report.count_missing([
        Document("a", "標題", "正文。", date="2021-01-10", source="人民網"),
        Document("a#related-1", "項目", "摘要。", parent_id="a"),  # an item has no date of its own
        Document("b", "正文的開頭", "正文的開頭。", metadata={"title_from": "lead"}),
    ])
    assert (report.articles_read, report.no_date, report.no_title, report.no_source) == (2, ["b"], ["b"], ["b"])
    assert "2 articles read: 1 without a date, 1 without a title, 1 without an outlet" in report.summary()
    assert "articles read" not in IngestReport().summary()
