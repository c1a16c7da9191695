"""The archive tab on the page: its HTML and its handlers (the machinery is :mod:`newsqa.ui.archive`).

Upload articles (stored with the index, under ``<index>/uploads/``, indexed in a background thread while
the chat keeps answering), list and search the documents, delete them, and see the index's
model, size and age; open one to read it; files that could not be read when ``serve``
built the index are listed too. Upload and delete run only for a logged-in user or when edits are allowed:
:class:`ArchiveHandlers` checks that on every call, so an event posted straight to
``/gradio_api/queue/join`` is refused as well.

Example::

    handlers = ArchiveHandlers(live, settings, worker=IngestWorker(settings), allow_edits=True)
    handlers.on_search("自貿區")       # the table's rows whose title, text, outlet or id matches
"""

from __future__ import annotations

import datetime as dt
import html
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from newsqa.config import Settings
from newsqa.ui.archive import (
    ArchiveQuery,
    IngestStatus,
    IngestWorker,
    UploadError,
    document_rows,
    missing_counts,
    outlet_counts,
    store_upload,
    uploaded_files_to_remove,
    upload_folders,
    uploads_dir,
)
from newsqa.ui.examples import example_questions
from newsqa.ui.live import DocumentIndex, LiveQA, QACore
from newsqa.ui.render import escape
from newsqa.ui.time_controls import TimeFilter, TimeFilterError

log = logging.getLogger(__name__)

#: Rows shown in the archive table (the search narrows them).
MAX_TABLE_ROWS = 500

#: The 來源 filter's choice that lists every outlet.
ALL_OUTLETS = "全部來源"

#: How many components :meth:`ArchiveHandlers.archive_outputs` updates.
ARCHIVE_OUTPUTS = 6

#: Start-up read failures listed on the archive tab (the rest: in the server log).
MAX_FAILURES_SHOWN = 20

#: Why the archive's upload and delete are refused (shown on the page and as the error).
EDITS_OFF_MESSAGE = (
    "這個伺服器關閉了文章庫的修改（上傳、建立索引、刪除）；仍可瀏覽與搜尋文章。"
    "要開啟：只讓信任的人連得到時，以 NEWSQA_SERVE_ALLOW_EDITS=1 啟動 newsqa serve；"
    "或設定登入（NEWSQA_SERVE_AUTH_USER 與 NEWSQA_SERVE_AUTH_PASSWORD），登入後即可修改。"
)


# --------------------------------------------------------------------------- rendering
def index_stats_line(qa: QACore | None) -> str:
    """「索引：N 篇文章 · M 段 · 模型 … · 更新於 …」 (escaped); "" when the index does not say."""
    if qa is None:
        return ""
    try:
        stats = qa.index_stats() or {}
    except Exception:  # noqa: BLE001 - the page must render even if stats fail
        log.debug("index stats unavailable", exc_info=True)
        return ""
    bits = []
    if stats.get("documents") is not None:
        bits.append(f"{stats['documents']} 篇文章")
    if stats.get("chunks") is not None:
        bits.append(f"{stats['chunks']} 段")
    if stats.get("model"):
        bits.append(f"模型 {stats['model']}")
    if stats.get("built_at"):
        bits.append(f"更新於 {local_time(stats['built_at'])}")
    return "索引：" + " · ".join(escape(b) for b in bits) if bits else ""


def local_time(iso: str) -> str:
    """``2024-05-01T08:30:00+00:00`` as local time ``2024-05-01 16:30`` (as given if unreadable)."""
    try:
        return dt.datetime.fromisoformat(str(iso)).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return str(iso)


def _index_location(settings) -> str:
    from newsqa.qa.pipeline import NewsQA

    try:
        return NewsQA.index_location(settings)
    except Exception:  # noqa: BLE001 - e.g. Milvus unreachable: the folder still says which archive
        log.debug("index location unavailable", exc_info=True)
        return str(settings.index_path)


def render_index_info(live: LiveQA) -> str:
    """The archive tab's header: the index's model, size and last update (Markdown, escaped)."""
    if live.qa is None:
        where = escape(_index_location(live.settings)) if live.settings is not None else ""
        return f"還沒有索引（{where}）。上傳文章後會自動建立。"
    line = index_stats_line(live.qa)
    if not line:
        return "索引資訊不可用。"
    try:
        counts = missing_counts(live.index)
    except Exception:  # noqa: BLE001 - the header renders without the counts
        log.debug("missing counts unavailable", exc_info=True)
        return line
    labels = {"date": ("日期", "沒有日期"), "title": ("標題", "沒有標題"), "source": ("來源", "沒有來源")}
    lacking = [f"{counts[k]} 篇沒有{name}（搜尋「{word}」列出）" for k, (name, word) in labels.items() if counts[k]]
    return line + ("  \n" + "；".join(lacking) if lacking else "")


def document_table(live: LiveQA, query: ArchiveQuery | str) -> tuple[list[list[Any]], list[tuple[str, str]]]:
    """The table's rows ``query`` admits and the delete list's choices (every document)."""
    query = ArchiveQuery.of(query)
    try:
        rows = document_rows(live.index, query)
        everything = document_rows(live.index) if query.narrows else rows
    except Exception:  # noqa: BLE001
        log.exception("listing documents failed")
        return [], []
    table = [[r.title, r.date, r.source, r.chunks, r.doc_id] for r in rows[:MAX_TABLE_ROWS]]
    choices = [(f"{r.title} ({r.doc_id})", r.doc_id) for r in everything]
    return table, choices


def outlet_choices(live: LiveQA) -> list[tuple[str, str]]:
    """The 來源 filter's choices: every outlet with its article count, most first."""
    try:
        counts = outlet_counts(live.index)
    except Exception:  # noqa: BLE001
        log.exception("counting outlets failed")
        counts = []
    return [(ALL_OUTLETS, "")] + [(f"{name}（{n}）", name) for name, n in counts]


def archive_query(search: str | None, outlet: str | None = "", since: str | None = "",
                  until: str | None = "") -> ArchiveQuery:
    """The archive filters' texts as a query; a bad date is a warning toast and is not applied."""
    try:
        when = TimeFilter.parse(since, until)
    except TimeFilterError as exc:
        gr.Warning(html.escape(exc.message("hant", where="archive")), title="日期有誤")
        when = TimeFilter()
    return ArchiveQuery(search=search or "", outlet=outlet or "", since=when.since, until=when.until)


READER_HINT = '<p class="nqa-reader-hint">點表格裡的一列，這裡顯示那篇文章的全文。</p>'


def render_article(doc: Any, passages: int) -> str:
    """One document to read: its title, what is known of it (date, outlet, file, passages)
    and its text, paragraph by paragraph; every part escaped (an article is data)."""
    meta = [doc.date or "無日期", doc.source or "來源不明", doc.source_file or doc.doc_id, f"{passages} 段"]
    paragraphs = [p.strip() for p in (doc.text or "").split("\n") if p.strip()]
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs) or "<p>（沒有內文）</p>"
    return (
        f'<article class="nqa-reader" aria-label="文章全文"><h3>{escape(doc.title or doc.doc_id)}</h3>'
        f'<p class="nqa-reader-meta">{" · ".join(escape(m) for m in meta)}</p>{body}</article>'
    )


#: The ingest steps a running upload shows (``newsqa.progress`` names them in English).
STEP_WORDS: dict[str, tuple[str, str]] = {"reading": ("讀取", "個檔案"), "embedding": ("嵌入", "段")}


def render_ingest_status(status: IngestStatus | None) -> str:
    """The upload/indexing progress line (HTML, escaped)."""
    if status is None or status.state == "idle":
        return ""
    names = [Path(f).name for f in status.files]
    shown = "、".join(escape(n) for n in names[:5]) + (f" 等 {len(names)} 個" if len(names) > 5 else "")
    if status.reindex:
        shown = "這個索引的來源資料夾與上傳檔"
    if status.state == "running":
        queued = f"（另有 {status.queued} 個等待中）" if status.queued else ""
        step = status.step
        if step is not None and step.total:
            what = STEP_WORDS.get(step.desc, (step.desc, step.unit))
            bar = f'<progress aria-label="建立索引中" value="{step.done}" max="{step.total}"></progress> '
            doing = f"{what[0]} {step.done}/{step.total} {what[1]}（{step.percent}%）；"
        else:
            bar, doing = '<progress aria-label="建立索引中"></progress> ', ""
        return (
            f'<div class="nqa-ingest nqa-ingest-running" role="status">{bar}'
            f"{'重新索引' if status.reindex else '建立索引'}中：{shown}{queued}，{escape(doing)}"
            f"已 {status.elapsed():.0f} 秒。問答照常可用。</div>"
        )
    if status.state == "failed":
        return f'<div class="nqa-ingest nqa-ingest-failed" role="status">索引失敗：{escape(status.error)}</div>'
    failed = "".join(f"<li>{escape(Path(w).name)}：{escape(r)}</li>" for w, r in status.failed)
    failed = f"<ul>{failed}</ul>" if failed else ""
    if status.reindex and status.failed:  # ingest --sync removes nothing while a file fails (it may be a gone one)
        failed = (f"<p>{len(status.failed)} 個檔案讀不了，所以檔案已不在的文章這次沒有移除；"
                  "修正或移走這些檔案後再按「重新索引」。</p>" + failed)
    return (
        '<div class="nqa-ingest nqa-ingest-done" role="status">'
        f"{'重新索引完成' if status.reindex else '已加入索引'}：{status.added} 篇新文章、{status.updated} 篇更新、"
        f"{status.unchanged} 篇未變{f'、{status.removed} 篇已移除（檔案不在了）' if status.removed else ''}"
        f"（{shown}，{status.elapsed():.0f} 秒）。{failed}</div>"
    )


def _failure_name(where: str, corpus: Path | None) -> str:
    """A failure's file as the archive shows it: relative to the corpus folder when
    inside it (``uploads/x.html``), else its name (``feed.jsonl line 7`` stays whole)."""
    path = Path(str(where))
    if corpus is not None and path.is_absolute():
        try:
            return path.relative_to(corpus).as_posix()
        except ValueError:
            pass
    return path.name or str(where)


def render_startup_failures(failures: Sequence[tuple[str, str]], corpus: Path | None = None) -> str:
    """「N 個檔案無法讀取」 with one ``name — reason`` line each (HTML, escaped); "" for none."""
    failures = list(failures or ())
    if not failures:
        return ""
    items = "".join(
        f"<li>{escape(_failure_name(where, corpus))} — {escape(str(reason)[:300])}</li>"
        for where, reason in failures[:MAX_FAILURES_SHOWN]
    )
    more = len(failures) - MAX_FAILURES_SHOWN
    more_line = f"<li>…另有 {more} 個，詳見伺服器記錄</li>" if more > 0 else ""
    return (
        '<div class="nqa-startup-failures" role="status">'
        f"{len(failures)} 個檔案無法讀取：<ul>{items}{more_line}</ul></div>"
    )


def render_edits_off() -> str:
    """The note that says archive edits are off, and how to turn them on."""
    return f'<div class="nqa-edits-off" role="note">{escape(EDITS_OFF_MESSAGE)}</div>'


# --------------------------------------------------------------------------- handlers
@dataclass
class ArchiveHandlers:
    """The archive tab's event handlers (and the page's load handler).

    ``allow_edits``: whether a caller who is not logged in may upload and delete;
    ``max_upload``: the largest file accepted (bytes); ``examples``: the chat's example
    questions when given (else the seed questions about indexed articles)."""

    live: LiveQA
    settings: Settings | None
    worker: IngestWorker | None = None
    allow_edits: bool = False
    max_upload: int = 5_000_000
    examples: Sequence[str] | None = None

    def check_edit(self, request: gr.Request | None, action: str) -> None:
        """Refuse an archive edit unless edits are on or the caller is logged in (every call)."""
        if self.allow_edits or getattr(request, "username", None):
            return
        client = getattr(getattr(request, "client", None), "host", None)  # a gr.Request, or none at all
        log.warning("refused an archive %s from %s: edits are off and the caller is not logged in", action, client)
        raise gr.Error(html.escape(EDITS_OFF_MESSAGE), title="無法修改", print_exception=False)

    def archive_outputs(self, query: ArchiveQuery) -> tuple[Any, ...]:
        """The table, the delete list, the header, the empty-index notice, the stats line and
        the 來源 filter's choices (:data:`ARCHIVE_OUTPUTS` of them)."""
        table, choices = document_table(self.live, query)
        outlets = outlet_choices(self.live)
        known = {name for _, name in outlets}
        return (
            gr.Dataframe(value=table),
            gr.Dropdown(choices=choices, value=[]),
            render_index_info(self.live),
            gr.Column(visible=self.live.empty()),
            index_stats_line(self.live.qa),
            gr.Dropdown(choices=outlets, value=query.outlet if query.outlet in known else ""),
        )

    def _status(self) -> IngestStatus | None:
        return self.worker.status() if self.worker is not None else None

    def on_load(self, search: str, outlet: str, since: str, until: str) -> tuple[Any, ...]:
        """The page as of now (the index reloads live): archive, examples, indexing progress."""
        self.live.refresh()  # a generation written meanwhile (`newsqa ingest` from a shell) is shown at once
        status = self._status()
        running = bool(status and status.running)
        return (
            *self.archive_outputs(archive_query(search, outlet, since, until)),
            gr.Chatbot(examples=[{"text": q} for q in example_questions(self.live.qa, self.examples)] or None),
            render_ingest_status(status) if running else "",
            gr.Timer(active=running),
            status.batches if status is not None else 0,
        )

    def on_upload(self, files: list[str] | str | None, request: gr.Request) -> tuple[Any, ...]:
        """Store the uploaded files and queue them for indexing."""
        self.check_edit(request, "upload")
        if self.worker is None or self.settings is None:
            gr.Warning("這個頁面沒有設定檔，無法上傳", title="上傳")
            return None, gr.skip(), gr.skip()
        files = [files] if isinstance(files, str) else list(files or [])
        stored: list[Path] = []
        for file in files:
            path = Path(getattr(file, "name", file))  # a path, or Gradio's temporary-file wrapper
            try:
                stored.append(store_upload(path, path.name, uploads_dir(self.settings), max_bytes=self.max_upload))
            except UploadError as exc:
                gr.Warning(html.escape(str(exc)), title="無法上傳")
            except OSError as exc:
                log.exception("storing an upload failed")
                gr.Warning(html.escape(f"{path.name}: {exc}"), title="無法上傳")
        if not stored:
            return None, gr.skip(), gr.skip()
        status = self.worker.submit(stored)
        return None, render_ingest_status(status), gr.Timer(active=True)

    def on_tick(self, seen: int, search: str, outlet: str, since: str, until: str) -> tuple[Any, ...]:
        """Indexing progress; the archive again once a batch is done."""
        status = self._status()
        unchanged = [gr.skip()] * ARCHIVE_OUTPUTS
        if status is None:
            return ("", gr.Timer(active=False), *unchanged, seen)
        if status.running:
            return (render_ingest_status(status), gr.skip(), *unchanged, seen)
        if status.batches > (seen or 0):
            self.live.refresh()
            query = archive_query(search, outlet, since, until)
            return (render_ingest_status(status), gr.Timer(active=False), *self.archive_outputs(query), status.batches)
        return (render_ingest_status(status), gr.Timer(active=False), *unchanged, seen)

    def on_search(self, search: str, outlet: str = "", since: str = "", until: str = "") -> Any:
        """The table narrowed to the search, the outlet and the date range."""
        table, _ = document_table(self.live, archive_query(search, outlet, since, until))
        return gr.Dataframe(value=table)

    def on_reindex(self, request: gr.Request) -> tuple[Any, ...]:
        """「重新索引」: read the index's own folders and uploads again in the background
        (changed articles re-embedded, new ones added, those whose files are gone removed)."""
        self.check_edit(request, "re-index")
        if self.worker is None or self.settings is None:
            gr.Warning("這個頁面沒有設定檔，無法重新索引", title="重新索引")
            return gr.skip(), gr.skip()
        status = self.worker.submit_reindex()
        return render_ingest_status(status), gr.Timer(active=True)

    def on_pick(self, evt: gr.SelectData) -> tuple[str, str]:
        """A clicked row's document opened in the reader; returns (reader, its id)."""
        row = evt.row_value or []
        doc_id = row[-1] if row else None
        qa = self.live.qa
        doc = qa.get_document(doc_id) if qa is not None and doc_id else None
        passages = len(qa.index.chunks_of(doc_id)) if doc is not None and qa.index is not None else 0
        return (render_article(doc, passages), doc_id) if doc is not None else (READER_HINT, "")

    def on_queue(self, reading: str | None, selected: list[str] | None) -> Any:
        """「加入刪除清單」: the article open in the reader joins the delete list (once)."""
        chosen = list(selected or [])
        if not reading:
            gr.Warning("先點表格的一列打開文章", title="刪除")
            return gr.skip()
        if reading not in chosen:
            chosen.append(reading)
        return gr.Dropdown(value=chosen)

    def on_delete(
        self, ids: list[str] | None, search: str, outlet: str, since: str, until: str, confirmed: list[str] | None,
        request: gr.Request,
    ) -> tuple[Any, ...]:
        """Delete the chosen documents (and the uploads no document uses any more) on the second
        press: the first names them and asks again (``confirmed`` holds what it named)."""
        from newsqa.index.store import NewsIndexError
        from newsqa.qa.pipeline import NewsQA

        self.check_edit(request, "delete")
        ids = [i for i in (ids or []) if i]
        unchanged = ("", *[gr.skip()] * ARCHIVE_OUTPUTS, [])
        if not ids:
            gr.Warning("請先選擇要刪除的文章（在清單中選，或打開文章後按「加入刪除清單」）", title="刪除")
            return unchanged
        if self.settings is None:
            gr.Warning("這個頁面沒有設定檔，無法刪除", title="刪除")
            return unchanged
        if sorted(ids) != sorted(confirmed or []):
            names = "、".join(escape(i) for i in ids[:5]) + (f" 等 {len(ids)} 篇" if len(ids) > 5 else "")
            ask = (f'<div class="nqa-confirm" role="alert">要刪除 {len(ids)} 篇：{names}。刪除後無法復原；'
                   "確定就再按一次「刪除所選文章」。</div>")
            return (ask, *[gr.skip()] * ARCHIVE_OUTPUTS, sorted(ids))
        before = self.live.index
        try:
            removed = NewsQA.delete_documents(ids, self.settings)
        except NewsIndexError as exc:
            gr.Warning(html.escape(str(exc)), title="無法刪除")
            return unchanged
        self._remove_uploads(before, removed)
        self.live.refresh()
        message = f'<div class="nqa-deleted" role="status">已刪除 {len(removed)} 篇：{escape("、".join(removed))}</div>'
        return (message, *self.archive_outputs(archive_query(search, outlet, since, until)), [])

    def _remove_uploads(self, before: DocumentIndex | None, removed: list[str]) -> None:
        """Delete the stored uploads that only ``removed`` documents used."""
        for path in uploaded_files_to_remove(before, removed, upload_folders(self.settings)):
            try:
                path.unlink()
                log.info("removed the uploaded file %s", path)
            except OSError:
                log.warning("could not remove the uploaded file %s", path, exc_info=True)
