"""``newsqa.ui.archive_tab`` without a browser: the stats line, the indexing progress line, the
document table, and the handlers' edit gate, row picking and search."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import pytest

from newsqa.config import Settings
from newsqa.types import Document
from newsqa.ui.archive import IngestStatus
from newsqa.ui.archive_tab import (
    MAX_TABLE_ROWS,
    ArchiveHandlers,
    document_table,
    index_stats_line,
    outlet_choices,
    render_index_info,
    render_ingest_status,
)
from newsqa.progress import Step
from newsqa.ui.live import LiveQA, QACore


class _Index:
    def __init__(self, docs: list[Document]):
        self.documents = {d.doc_id: d for d in docs}

    def chunks_of(self, doc_id: str) -> list:
        return [object()]

    def copies_of(self, doc_id: str) -> list[dict]:
        return []


class _Core(QACore):
    def __init__(self, docs: list[Document], stats: dict | None = None):
        self.index = _Index(docs)
        self._stats = stats

    def get_document(self, doc_id: str) -> Document | None:
        return self.index.documents.get(doc_id)

    def index_stats(self) -> dict:
        if self._stats is None:
            raise RuntimeError("no stats")
        return self._stats


def _doc(i: int, title: str = "新聞") -> Document:
    return Document(f"d{i:04d}.txt", f"{title}{i}", "…", f"2024-01-{1 + i % 28:02d}", "新華網<b>")


def test_the_stats_line_says_what_the_index_says_and_escapes_it() -> None:
    core = _Core([], {"documents": 3, "chunks": 0, "model": "e5<small>", "built_at": "not a time"})
    assert index_stats_line(core) == "索引：3 篇文章 · 0 段 · 模型 e5&lt;small&gt; · 更新於 not a time"
    assert index_stats_line(_Core([], {})) == "" and index_stats_line(_Core([])) == ""  # failing stats: no line
    assert index_stats_line(None) == ""
    assert render_index_info(LiveQA(_Core([]))) == "索引資訊不可用。"


def test_indexing_progress_lines() -> None:
    assert render_ingest_status(None) == "" and render_ingest_status(IngestStatus()) == ""
    running = IngestStatus(state="running", files=[f"/up/{i}.txt" for i in range(7)], queued=2, started=1.0)
    line = render_ingest_status(running)
    assert "建立索引中：0.txt、1.txt、2.txt、3.txt、4.txt 等 7 個（另有 2 個等待中）" in line and "<progress" in line
    assert 'value="' not in line  # no step known yet: an indeterminate bar
    embedding = IngestStatus(state="running", files=["/up/a.txt"], started=1.0, step=Step("embedding", "chunk", 24, 96))
    line = render_ingest_status(embedding)
    assert '<progress aria-label="建立索引中" value="24" max="96">' in line and "嵌入 24/96 段（25%）" in line
    failed = render_ingest_status(IngestStatus(state="failed", error="<locked>", started=1.0, finished=2.0))
    assert "索引失敗：&lt;locked&gt;" in failed
    done = IngestStatus(state="done", files=["/up/a.txt"], added=1, failed=[("/up/b.txt", "empty")],
                        started=1.0, finished=3.0)
    assert "已加入索引：1 篇新文章、0 篇更新、0 篇未變（a.txt，2 秒）。<ul><li>b.txt：empty</li></ul>" in render_ingest_status(done)


def test_the_table_is_capped_but_the_delete_list_holds_every_document() -> None:
    live = LiveQA(_Core([_doc(i) for i in range(MAX_TABLE_ROWS + 5)] + [_doc(9999, "颱風")]))
    table, choices = document_table(live, "")
    assert len(table) == MAX_TABLE_ROWS and len(choices) == MAX_TABLE_ROWS + 6
    table, choices = document_table(live, "台风")  # either script
    assert [row[-1] for row in table] == ["d9999.txt"] and len(choices) == MAX_TABLE_ROWS + 6
    assert table[0][:4] == ["颱風9999", "2024-01-04", "新華網<b>", 1]  # escaped by the Dataframe, not here
    assert document_table(LiveQA(None), "") == ([], [])


def test_edits_are_refused_unless_allowed_or_logged_in(tmp_path: Path) -> None:
    handlers = ArchiveHandlers(LiveQA(_Core([_doc(1)])), None, allow_edits=False)
    anonymous = SimpleNamespace(username=None, client=SimpleNamespace(host="10.0.0.9"))
    with pytest.raises(gr.Error, match="NEWSQA_SERVE_ALLOW_EDITS=1"):
        handlers.check_edit(anonymous, "delete")
    handlers.check_edit(SimpleNamespace(username="editor", client=None), "delete")  # logged in: no error
    ArchiveHandlers(handlers.live, None, allow_edits=True).check_edit(anonymous, "upload")
    with pytest.warns(UserWarning, match="沒有設定檔"):  # past the gate, but no settings to delete with
        assert handlers.on_delete(["d0001.txt"], "", "", "", "", [], SimpleNamespace(username="editor"))[0] == ""


@pytest.mark.filterwarnings("ignore:The value passed into gr.Dropdown")  # an update carries no choices
def test_picking_a_row_opens_the_article_and_only_the_button_queues_it_for_deletion() -> None:
    story = Document("d0002.txt", "颱風<登陸>", "第一段。\n\n第二段：杜蘇芮登陸福建。", "2023-07-28", "新華網<b>")
    handlers = ArchiveHandlers(LiveQA(_Core([_doc(1), story])), None)
    pick = SimpleNamespace(row_value=["颱風<登陸>", "2023-07-28", "新華網", 1, "d0002.txt"])
    reader, reading = handlers.on_pick(pick)  # reading an article does not queue it
    assert reading == "d0002.txt"
    assert "<h3>颱風&lt;登陸&gt;</h3>" in reader and "2023-07-28 · 新華網&lt;b&gt; · d0002.txt · 1 段" in reader
    assert "<p>第一段。</p><p>第二段：杜蘇芮登陸福建。</p>" in reader  # paragraph by paragraph, escaped
    assert handlers.on_queue(reading, ["d0001.txt"]).value == ["d0001.txt", "d0002.txt"]
    assert handlers.on_queue(reading, ["d0002.txt"]).value == ["d0002.txt"]  # once
    reader, reading = handlers.on_pick(SimpleNamespace(row_value=None))
    assert reading == "" and "點表格" in reader
    with pytest.warns(UserWarning, match="先點表格的一列"):
        handlers.on_queue("", [])
    assert [row[-1] for row in handlers.on_search("新聞1").value["data"]] == ["d0001.txt"]
    # the search reads the text too, in either script
    assert [row[-1] for row in handlers.on_search("杜苏芮").value["data"]] == ["d0002.txt"]


def test_delete_asks_once_more_before_it_deletes(tmp_path: Path) -> None:
    handlers = ArchiveHandlers(LiveQA(_Core([_doc(1), _doc(2)])), Settings.load(index_dir=tmp_path / "i"), allow_edits=True)
    editor = SimpleNamespace(username="editor")
    first = handlers.on_delete(["d0002.txt", "d0001.txt"], "", "", "", "", [], editor)
    assert "要刪除 2 篇：d0002.txt、d0001.txt" in first[0] and "再按一次" in first[0]
    assert first[-1] == ["d0001.txt", "d0002.txt"]  # what the second press must match
    other = handlers.on_delete(["d0001.txt"], "", "", "", "", first[-1], editor)  # the list changed: ask again
    assert "要刪除 1 篇" in other[0] and other[-1] == ["d0001.txt"]


def test_the_header_counts_the_articles_left_without_a_date_or_outlet() -> None:
    undated = Document("u.txt", "沒有日期的新聞", "…", None, None)
    core = _Core([_doc(1), undated], {"documents": 2, "chunks": 2, "model": "e5"})
    info = render_index_info(LiveQA(core))
    assert info.startswith("索引：2 篇文章")
    assert "1 篇沒有日期（搜尋「沒有日期」列出）；1 篇沒有來源（搜尋「沒有來源」列出）" in info
    assert "標題" not in info  # every title is there
    assert "沒有" not in render_index_info(LiveQA(_Core([_doc(1)], {"documents": 1})))


def test_reindex_lines_and_the_outlet_filter_choices() -> None:
    running = IngestStatus(state="running", files=[], started=1.0, reindex=True)
    assert "重新索引中：這個索引的來源資料夾與上傳檔" in render_ingest_status(running)
    done = IngestStatus(state="done", added=1, unchanged=3, removed=2, started=1.0, finished=4.0, reindex=True)
    assert "重新索引完成：1 篇新文章、0 篇更新、3 篇未變、2 篇已移除（檔案不在了）" in render_ingest_status(done)
    blocked = IngestStatus(state="done", unchanged=3, failed=[("/a/empty.txt", "the file is empty")], started=1.0,
                           finished=2.0, reindex=True)
    assert "1 個檔案讀不了，所以檔案已不在的文章這次沒有移除" in render_ingest_status(blocked)
    other = Document("x.txt", "新聞x", "…", "2023-01-01", "中央社")
    live = LiveQA(_Core([_doc(1), _doc(2), other]))
    assert outlet_choices(live) == [("全部來源", ""), ("新華網<b>（2）", "新華網<b>"), ("中央社（1）", "中央社")]
    assert outlet_choices(LiveQA(None)) == [("全部來源", "")]
    handlers = ArchiveHandlers(live, None)
    assert [row[-1] for row in handlers.on_search("", "中央社", "", "").value["data"]] == ["x.txt"]
    assert [row[-1] for row in handlers.on_search("", "", "2024-01-03", "2024-01-03").value["data"]] == ["d0002.txt"]
    with pytest.warns(UserWarning, match=r"「從」的 2024-13-01 沒有這一天。請改成 YYYY-MM-DD（例如 2023-01-01；不限就留空）。$"):
        # a bad date: said (what to do here, not in the chat), and the table is not narrowed by it
        rows = handlers.on_search("", "", "2024-13-01", "").value["data"]
    assert len(rows) == 3


def test_a_page_load_shows_a_generation_written_from_a_shell() -> None:
    """`newsqa ingest` from a shell while the server runs: the archive tab listed the old
    generation until someone asked a question; a page load now switches first."""

    class _Growing(_Core):
        def refresh(self) -> bool:
            self.index.documents["d0002.txt"] = _doc(2)
            return True

    handlers = ArchiveHandlers(LiveQA(_Growing([_doc(1)])), None)
    table = handlers.on_load("", "", "", "")[0]
    assert sorted(row[-1] for row in table.value["data"]) == ["d0001.txt", "d0002.txt"]
