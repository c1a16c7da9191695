"""The archive tab's machinery without a server: file names, storing uploads, the
background ingest worker, document rows (``newsqa.ui.archive``)."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from newsqa.ui.archive import (
    IngestWorker,
    UploadError,
    document_rows,
    missing_counts,
    sanitize_filename,
    store_upload,
    uploaded_files_to_remove,
)

from newsqa.types import Document


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("article.txt", "article.txt"),
        ("新聞.md", "新聞.md"),
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\Windows\\win.ini.json", "win.ini.json"),
        ("/abs/path/to/x.HTML", "x.html"),
        ("上海 自貿區 (1).TXT", "上海_自貿區_1.txt"),
        ("<script>alert(1)</script>.htm", "script.htm"),  # "/" separates: basename "script>.htm"
        ("新聞<b>粗體<i>.htm", "新聞_b_粗體_i.htm"),
        (".hidden.jsonl", "hidden.jsonl"),  # a hidden file would be skipped by ingest
        ("-rf.txt", "rf.txt"),
        ("....txt", "article.txt"),
        ("a\x00b\nc.txt", "abc.txt"),
        ("ｆｕｌｌｗｉｄｔｈ．ｔｘｔ", "fullwidth.txt"),  # NFKC
        ("x" * 300 + ".md", "x" * 80 + ".md"),
    ],
)
def test_sanitize_filename(name: str, expected: str) -> None:
    assert sanitize_filename(name) == expected


@pytest.mark.parametrize("name", ["virus.exe", "archive.tar.gz", "noext", "a.txt.exe", "", "..", "a.pdf"])
def test_sanitize_filename_refuses_other_types(name: str) -> None:
    with pytest.raises(UploadError, match="unsupported file type"):
        sanitize_filename(name)


def test_store_upload_never_overwrites_and_reuses_identical_files(tmp_path: Path) -> None:
    folder = tmp_path / "corpus" / "uploads"
    src_a, src_b = tmp_path / "a.txt", tmp_path / "b.txt"
    src_a.write_text("標題\n\n第一篇。", encoding="utf-8")
    src_b.write_text("標題\n\n另一篇。", encoding="utf-8")

    first = store_upload(src_a, "../新聞.txt", folder, max_bytes=1000)
    assert first == folder.resolve() / "新聞.txt"
    assert first.read_text(encoding="utf-8") == "標題\n\n第一篇。"
    assert first.stat().st_mode & 0o777 == 0o644

    assert store_upload(src_a, "新聞.txt", folder, max_bytes=1000) == first  # same bytes: reused
    second = store_upload(src_b, "新聞.txt", folder, max_bytes=1000)  # other bytes: a new name
    assert second == folder.resolve() / "新聞-2.txt"
    assert first.read_text(encoding="utf-8") == "標題\n\n第一篇。"  # untouched
    assert store_upload(src_b, "新聞.txt", folder, max_bytes=1000) == second
    assert sorted(p.name for p in folder.iterdir()) == ["新聞-2.txt", "新聞.txt"]  # no temp files left


def test_store_upload_stays_inside_the_uploads_folder(tmp_path: Path) -> None:
    folder = tmp_path / "uploads"
    src = tmp_path / "x.txt"
    src.write_text("x\n\ny", encoding="utf-8")
    for name in ("../../escape.txt", "/etc/escape.txt", "..\\escape.txt", "sub/dir/escape.txt"):
        stored = store_upload(src, name, folder, max_bytes=100)
        assert stored.parent == folder.resolve(), stored
    assert not (tmp_path / "escape.txt").exists()


def test_store_upload_refuses_empty_and_too_large_files(tmp_path: Path) -> None:
    folder = tmp_path / "uploads"
    empty, big = tmp_path / "empty.txt", tmp_path / "big.txt"
    empty.write_bytes(b"")
    big.write_bytes(b"x" * 101)
    with pytest.raises(UploadError, match="empty"):
        store_upload(empty, "empty.txt", folder, max_bytes=100)
    with pytest.raises(UploadError, match="101 bytes is more than the 100"):
        store_upload(big, "big.txt", folder, max_bytes=100)
    with pytest.raises(UploadError, match="unsupported"):
        store_upload(big, "big.exe", folder, max_bytes=1000)
    assert not folder.exists() or not any(folder.iterdir())


def test_concurrent_uploads_of_different_files_with_one_name_all_survive(tmp_path: Path) -> None:
    folder = tmp_path / "uploads"
    sources = []
    for i in range(8):
        src = tmp_path / f"src{i}.txt"
        src.write_text(f"標題\n\n內容 {i}", encoding="utf-8")
        sources.append(src)
    stored: list[Path] = []
    barrier = threading.Barrier(len(sources))

    def upload(src: Path) -> None:
        barrier.wait(timeout=10)
        stored.append(store_upload(src, "同名.txt", folder, max_bytes=1000))

    threads = [threading.Thread(target=upload, args=(s,)) for s in sources]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(set(stored)) == len(sources)
    assert sorted(p.read_text(encoding="utf-8") for p in stored) == sorted(
        s.read_text(encoding="utf-8") for s in sources
    )


@dataclass
class _Report:
    added: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    duplicates: list = field(default_factory=list)
    failed: list = field(default_factory=list)

    def summary(self) -> str:
        return f"{len(self.added)} new"


def test_ingest_worker_runs_batches_in_the_background(tmp_path: Path) -> None:
    release = threading.Event()
    calls: list[list[str]] = []
    done: list[int] = []

    def fake_ingest(paths, settings):
        calls.append([p.name for p in paths])
        release.wait(timeout=10)
        if "bad.txt" in calls[-1]:
            raise RuntimeError("index is locked")
        return _Report(added=[p.name for p in paths], failed=[("x.txt", "empty file")])

    worker = IngestWorker(object(), ingest=fake_ingest, on_done=lambda: done.append(1))
    status = worker.submit([tmp_path / "a.txt"])
    assert status.running and status.files == [str(tmp_path / "a.txt")]
    status = worker.submit([tmp_path / "b.txt", tmp_path / "c.txt"])  # queued behind the first batch
    assert status.running and status.queued == 2
    release.set()
    final = worker.wait(timeout=10)
    assert calls == [["a.txt"], ["b.txt", "c.txt"]]
    assert final.state == "done" and final.added == 2 and final.batches == 2
    assert final.failed == [("x.txt", "empty file")]
    assert len(done) == 2

    worker.submit([tmp_path / "bad.txt"])
    final = worker.wait(timeout=10)
    assert final.state == "failed" and "index is locked" in final.error and final.batches == 3


class _Index:
    def __init__(self, docs: list[Document], copies: dict[str, list[dict]] | None = None):
        self.documents = {d.doc_id: d for d in docs}
        self._copies = copies or {}

    def chunks_of(self, doc_id: str) -> list:
        return [object()] * (2 if doc_id.endswith("a.txt") else 1)

    def copies_of(self, doc_id: str) -> list[dict]:
        return self._copies.get(doc_id, [])


def _doc(doc_id: str, title: str, date: str | None, source_file: str | None = None) -> Document:
    return Document(doc_id=doc_id, title=title, text="…", date=date, source="新華網", source_file=source_file or doc_id)


def test_document_rows_newest_first_and_search_in_either_script() -> None:
    index = _Index([
        _doc("a.txt", "上海自贸区扩区方案获批", "2014-12-28"),
        _doc("b.txt", "上海自貿試驗區掛牌十週年回顧", "2023-09-29"),
        _doc("c.txt", "臺北市立動物園", None),
    ])
    rows = document_rows(index)
    assert [r.doc_id for r in rows] == ["b.txt", "a.txt", "c.txt"]
    assert rows[1].chunks == 2 and rows[1].source == "新華網"
    assert [r.doc_id for r in document_rows(index, "自貿區")] == ["a.txt"]  # Traditional finds Simplified
    assert [r.doc_id for r in document_rows(index, "自贸试验区")] == ["b.txt"]
    assert [r.doc_id for r in document_rows(index, "C.TXT")] == ["c.txt"]
    assert document_rows(None) == []
    # a date or a month lists that day's or month's; 「沒有日期」 (either script) the undated articles
    assert [r.doc_id for r in document_rows(index, "2023-09")] == ["b.txt"]
    assert [r.doc_id for r in document_rows(index, "沒有日期")] == ["c.txt"]
    assert [r.doc_id for r in document_rows(index, "没有日期")] == ["c.txt"]
    assert missing_counts(index) == {"date": 1, "title": 0, "source": 0}
    item = Document(doc_id="a.txt#related-1", title="", text="…", date=None, parent_id="a.txt")
    index.documents[item.doc_id] = item  # a 相關焦點 item is not an article the file left short
    assert missing_counts(index) == {"date": 1, "title": 0, "source": 0}
    assert [r.doc_id for r in document_rows(index, "沒有標題")] == []


def test_uploaded_files_to_remove_only_when_unused(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    uploads = corpus / "uploads"
    uploads.mkdir(parents=True)
    for name in ("one.txt", "feed.jsonl", "copy.txt"):
        (uploads / name).write_text("x", encoding="utf-8")
    (corpus / "bundled.txt").write_text("x", encoding="utf-8")
    index = _Index(
        [
            _doc("uploads/one.txt", "一", "2020-01-01"),
            _doc("uploads/feed.jsonl#1", "二", "2020-01-02", "uploads/feed.jsonl"),
            _doc("uploads/feed.jsonl#2", "三", "2020-01-03", "uploads/feed.jsonl"),
            _doc("bundled.txt", "四", "2020-01-04"),
        ],
        copies={"bundled.txt": [{"doc_id": "uploads/copy.txt", "source_file": "uploads/copy.txt"}]},
    )
    # the uploads folder with the index, and the corpus's where an older newsqa stored them
    folders = [tmp_path / "index" / "uploads", uploads]
    remove = uploaded_files_to_remove(index, ["uploads/one.txt", "uploads/feed.jsonl#1"], folders)
    assert remove == [(uploads / "one.txt").resolve()]  # feed.jsonl still holds #2
    remove = uploaded_files_to_remove(index, ["bundled.txt", "uploads/copy.txt"], folders)
    assert remove == [(uploads / "copy.txt").resolve()]  # never a file outside uploads/
    assert os.path.exists(corpus / "bundled.txt")
    stored = tmp_path / "index" / "uploads"
    stored.mkdir(parents=True)
    (stored / "new.txt").write_text("x", encoding="utf-8")
    index = _Index([_doc("uploads/new.txt", "五", "2020-01-05")])
    assert uploaded_files_to_remove(index, ["uploads/new.txt"], folders) == [(stored / "new.txt").resolve()]


def test_a_running_upload_reports_the_step_under_way(tmp_path: Path) -> None:
    """The worker's status carries the ingest's progress (``newsqa.progress.current``), so
    the archive tab can show a percentage while the files are embedded."""
    from types import SimpleNamespace

    from newsqa.progress import Progress

    halfway, release = threading.Event(), threading.Event()

    def ingest(paths, settings):
        with Progress(10, "embedding", "chunk", tty=False) as progress:
            progress.update(4)
            halfway.set()
            release.wait(5)
        return SimpleNamespace(summary=lambda: "", added=[], updated=[], unchanged=[], duplicates=[], failed=[])

    worker = IngestWorker(None, ingest=ingest)
    worker.submit([tmp_path / "a.txt"])
    assert halfway.wait(5)
    step = worker.status().step
    assert (step.desc, step.done, step.total, step.percent) == ("embedding", 4, 10, 40)
    release.set()
    finished = worker.wait(5)
    assert finished.state == "done" and finished.step is None  # done: no step


def test_the_archive_query_filters_by_outlet_and_dates() -> None:
    import datetime as dt

    from newsqa.ui.archive import ArchiveQuery, outlet_counts

    docs = [_doc("a.txt", "甲", "2023-08-01"), _doc("b.txt", "乙", "2023-08-18"), _doc("c.txt", "丙", None),
            _doc("d.txt", "丁", "2024-01-02")]
    docs[1].source = "成都日报"
    index = _Index(docs)
    assert outlet_counts(index) == [("新華網", 3), ("成都日报", 1)]
    by_outlet = ArchiveQuery(outlet="新華網")
    assert [r.doc_id for r in document_rows(index, by_outlet)] == ["d.txt", "a.txt", "c.txt"]
    august = ArchiveQuery(since=dt.date(2023, 8, 1), until=dt.date(2023, 8, 31))
    assert [r.doc_id for r in document_rows(index, august)] == ["b.txt", "a.txt"]  # both ends included
    assert [r.doc_id for r in document_rows(index, ArchiveQuery(since=dt.date(2023, 8, 2)))] == ["d.txt", "b.txt"]
    # the filters narrow together; an undated article is out once a date is asked for
    both = ArchiveQuery(search="甲", outlet="新華網", until=dt.date(2023, 12, 31))
    assert [r.doc_id for r in document_rows(index, both)] == ["a.txt"]
    assert document_rows(index, ArchiveQuery(search="沒有日期", since=dt.date(2000, 1, 1))) == []
    assert not ArchiveQuery().narrows and ArchiveQuery(outlet="x").narrows and not ArchiveQuery(search="  ").narrows


def test_a_reindex_runs_in_the_worker_and_takes_the_uploads_waiting_with_it(tmp_path: Path) -> None:
    release = threading.Event()
    calls: list[str] = []

    def fake_ingest(paths, settings):
        calls.append("files:" + ",".join(p.name for p in paths))
        release.wait(timeout=10)
        return _Report(added=[p.name for p in paths])

    def fake_reindex(settings):
        calls.append("reindex")
        report = _Report(added=["new.txt"])
        report.removed = ["gone.txt", "gone2.txt"]
        return report

    worker = IngestWorker(object(), ingest=fake_ingest, reindex=fake_reindex)
    worker.submit([tmp_path / "a.txt"])
    worker.submit([tmp_path / "b.txt"])  # waits behind a.txt
    status = worker.submit_reindex()  # so does the re-index, which reads the uploads folder (b.txt) too
    assert status.running and not status.reindex
    release.set()
    final = worker.wait(timeout=10)
    assert calls == ["files:a.txt", "reindex"]  # b.txt is part of the re-index, not a batch of its own
    assert final.reindex and final.state == "done" and final.removed == 2 and final.added == 1 and final.batches == 2

    def broken(settings):
        raise RuntimeError("the index holds your own articles (/gone no longer exist)")

    worker = IngestWorker(object(), reindex=broken)
    worker.submit_reindex()
    final = worker.wait(timeout=10)
    assert final.state == "failed" and "/gone no longer exist" in final.error and final.reindex
