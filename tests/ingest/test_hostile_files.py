"""Files that once stopped a whole batch: deeply nested HTML and JSON, folders nested past
Python's recursion limit, and any unexpected error inside one file's loader.

Each is one ``failed:`` entry (or is read), and the rest of the batch is ingested.
"""

import json
import logging
import time
from pathlib import Path

import pytest

from newsqa.config import Settings
from newsqa.index.access import build_components
from newsqa.index.store import NewsIndex
from newsqa.ingest import loaders
from newsqa.ingest.html_pages import MAX_HTML_DEPTH, HtmlTooDeepError, html_nesting_depth, html_to_text
from newsqa.ingest.loaders import load_file
from newsqa.ingest.pipeline import IngestReport, ensure_index, ingest_paths, load_documents
from newsqa.ingest.readers import iter_article_files
from newsqa.qa.retriever import HybridRetriever

GOOD = "蘇州工業園區\n\n2024-02-26 新華網\n\n蘇州工業園區設立於1994年2月，是中國和新加坡兩國政府的合作項目。\n"
DEEP_TEXT = "深圳前海片區於2015年4月27日掛牌成立，規劃面積28.2平方公里。"


def _nested_page(levels: int) -> str:
    """The issue's file: ``levels`` nested ``<div>``s around one paragraph (1,200 levels: 13 KB)."""
    return (
        "<html><head><title>前海</title></head><body>"
        + "<div>" * levels
        + f"<p>{DEEP_TEXT}</p>"
        + "</div>" * levels
        + "</body></html>"
    )


# ---------------------------------------------------------------------------- the HTML walk


def test_a_page_nested_1200_levels_is_read_with_its_text(tmp_path):
    path = tmp_path / "deep.html"
    path.write_text(_nested_page(1200), encoding="utf-8")
    assert 13_000 <= path.stat().st_size <= 14_000  # the size of the file in the issue
    result = load_file(path, "deep.html", max_bytes=1_000_000)
    assert result.failures == []
    assert [d.text for d in result.documents] == [DEEP_TEXT]


def test_the_walk_has_no_recursion_limit():
    from selectolax.lexbor import LexborHTMLParser

    # a parsed tree deeper than the depth bound, handed to the walker directly
    tree = LexborHTMLParser("<div>" * 10_000 + "<p>一</p><p>二</p>" + "</div>" * 10_000)
    assert html_to_text(tree.body) == "一\n\n二"


def test_a_page_nested_100000_levels_is_refused_fast_with_a_reason(tmp_path):
    path = tmp_path / "deeper.html"
    path.write_text(_nested_page(100_000), encoding="utf-8")
    started = time.perf_counter()
    result = load_file(path, "deeper.html", max_bytes=10_000_000)
    assert time.perf_counter() - started < 5  # parsing it would take ~20 s
    assert result.documents == []
    assert len(result.failures) == 1
    where, reason = result.failures[0]
    assert where == "deeper.html" and f"more than {MAX_HTML_DEPTH:,} levels deep" in reason


def test_html_markup_in_a_json_field_nested_too_deep_fails_only_that_item(tmp_path):
    path = tmp_path / "feed.jsonl"
    rows = [
        {"title": "前海", "content": "<div>" * 20_000 + "<p>文字</p>"},
        {"title": "蘇州", "text": GOOD},
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    result = load_file(path, "feed.jsonl", max_bytes=1_000_000)
    assert [d.title for d in result.documents] == ["蘇州"]
    assert [w for w, _ in result.failures] == ["feed.jsonl line 1"]
    assert "levels deep" in result.failures[0][1]
    with pytest.raises(HtmlTooDeepError):
        html_to_text("<span>" * (MAX_HTML_DEPTH + 1))


@pytest.mark.parametrize(
    "html, depth",
    [
        ("<div><div><p>x</p></div></div>", 3),
        ("<p>a" * 10_000, 1),  # each <p> closes the one before
        ("<ul>" + "<li>x" * 10_000 + "</ul>", 2),
        ("<table>" + "<tr><td>a<td>b" * 10_000 + "</table>", 3),  # a sloppy table: cells and rows close
        ("<a href=x>y" * 10_000, 1),
        ("<p>x<div>y</div>", 1),  # a block closes an open <p>
        ("<div>" + "<br><img src=x><hr><input>" * 10_000 + "</div>", 1),  # void elements
        ("<svg>" + '<path d="M0 0"/>' * 10_000 + "</svg>", 1),  # self-closing in SVG
        ("<div/>" * 3, 3),  # ... but not in HTML: <div/> opens a <div>
        ("<!-- <div><div> -->" + "<script>if (a<b) document.write('<div>')</script>" * 9, 1),
        ("<span>" * 10_000, 10_000),
    ],
)
def test_html_nesting_depth_is_estimated_from_the_tags(html, depth):
    assert html_nesting_depth(html) == depth


def test_html_nesting_depth_stops_counting_past_the_bound():
    assert html_nesting_depth("<span>" * 100_000, stop_after=100) == 101


# ---------------------------------------------------------------------------- any error is one failure


@pytest.mark.parametrize("error", [RecursionError("maximum recursion depth exceeded"), RuntimeError("boom"),
                                   UnicodeError("bad"), OSError(5, "Input/output error")])
def test_an_unexpected_error_in_one_file_is_one_failure_naming_its_type(tmp_path, monkeypatch, caplog, error):
    path = tmp_path / "page.html"
    path.write_text("<p>正文。</p>", encoding="utf-8")

    def explode(*_args, **_kwargs):
        raise error

    monkeypatch.setattr(loaders, "parse_html", explode)
    with caplog.at_level(logging.DEBUG, logger="newsqa.ingest.loaders"):
        result = load_file(path, "page.html", max_bytes=10_000)
    assert result.documents == []
    assert len(result.failures) == 1 and result.failures[0][0] == "page.html"
    assert type(error).__name__ in result.failures[0][1]
    assert any(r.exc_info and r.exc_info[1] is error for r in caplog.records)  # the traceback, at DEBUG


def test_deeply_nested_json_and_an_overlong_number_are_failures(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    result = load_file(deep, "deep.json", max_bytes=1_000_000)
    assert result.documents == [] and len(result.failures) == 1
    assert "nest too deeply" in result.failures[0][1]

    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        "[" * 100_000 + "\n" + '{"date": ' + "1" * 5000 + "}\n" + json.dumps({"title": "蘇州", "text": GOOD}),
        encoding="utf-8",
    )
    result = load_file(feed, "feed.jsonl", max_bytes=1_000_000)
    assert [d.title for d in result.documents] == ["蘇州"]
    assert [w for w, _ in result.failures] == ["feed.jsonl line 1", "feed.jsonl line 2"]
    assert "nest too deeply" in result.failures[0][1] and "digits" in result.failures[1][1]


def test_load_documents_goes_on_when_loading_a_file_raises(tmp_path, monkeypatch):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text(GOOD, encoding="utf-8")
    (folder / "b.txt").write_text(GOOD.replace("蘇州", "無錫"), encoding="utf-8")
    real = load_file

    def flaky(path, name, *, max_bytes, dates=None):
        if name == "a.txt":
            raise ZeroDivisionError("division by zero")
        return real(path, name, max_bytes=max_bytes, dates=dates)

    monkeypatch.setattr("newsqa.ingest.pipeline.load_file", flaky)
    report = IngestReport()
    documents = load_documents([folder], Settings.load(corpus_dir=folder), report)
    assert [d.doc_id for d in documents] == ["b.txt"]
    assert len(report.failed) == 1
    where, reason = report.failed[0]
    assert where.endswith("a.txt") and "ZeroDivisionError" in reason


def test_folders_nested_past_the_recursion_limit_are_walked(tmp_path):
    folder = tmp_path / "top"
    levels = [folder.joinpath(*["d"] * n) for n in range(1501)]  # ~3,000 characters, under PATH_MAX
    try:
        for level in levels:  # one by one: os.makedirs and shutil.rmtree recurse too
            level.mkdir()
        (levels[-1] / "x.txt").write_text(GOOD, encoding="utf-8")
        (folder / "y.txt").write_text(GOOD, encoding="utf-8")
        failures: list = []
        found = list(iter_article_files([folder], failures=failures))
        assert sorted(p.name for p, _ in found) == ["x.txt", "y.txt"] and failures == []
    finally:  # pytest's clean-up of old temporary folders could not remove it
        for name in ("x.txt", "y.txt"):
            (levels[-1 if name == "x.txt" else 0] / name).unlink(missing_ok=True)
        for level in reversed(levels):
            if level.is_dir():
                level.rmdir()


# ---------------------------------------------------------------------------- a whole batch, and serve's start-up


@pytest.fixture()
def settings(tmp_path, e5_model_dir):
    corpus = tmp_path / "articles"
    corpus.mkdir()
    return Settings.load(index_dir=tmp_path / "index", corpus_dir=corpus, embedding_model=str(e5_model_dir))


def test_a_batch_with_nested_pages_ingests_the_good_file(settings):
    corpus = settings.corpus_path
    (corpus / "good.txt").write_text(GOOD, encoding="utf-8")
    (corpus / "deep-1200.html").write_text(_nested_page(1200), encoding="utf-8")
    (corpus / "deep-100000.html").write_text(_nested_page(100_000), encoding="utf-8")
    report = ingest_paths([corpus], settings)
    assert sorted(report.added) == ["deep-1200.html", "good.txt"]
    assert [(Path(w).name, "levels deep" in r) for w, r in report.failed] == [("deep-100000.html", True)]
    embedder, chunker = build_components(settings)
    index = NewsIndex.load(settings.index_path, embedder, chunker)
    assert index.documents["deep-1200.html"].text == DEEP_TEXT
    assert HybridRetriever(index).run("蘇州工業園區設立於哪一年？", k=1)[0].chunk.doc_id == "good.txt"


def test_serve_start_up_reports_a_nested_upload_instead_of_raising(settings):
    corpus = settings.corpus_path
    (corpus / "good.txt").write_text(GOOD, encoding="utf-8")
    (corpus / "uploads").mkdir()
    (corpus / "uploads" / "deep.html").write_text(_nested_page(100_000), encoding="utf-8")
    (corpus / "uploads" / "deep.json").write_text("[" * 100_000, encoding="utf-8")
    report = ensure_index(settings)  # what `newsqa serve` runs first
    assert report is not None and report.added == ["good.txt"]
    assert sorted(Path(w).name for w, _ in report.failed) == ["deep.html", "deep.json"]
    assert ensure_index(settings) is None  # the next start-up has nothing to redo
