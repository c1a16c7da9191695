"""The page's layout: the chat tab, the ``/ask`` panel, the archive tab, in Gradio's order.

Only components are made here; :mod:`newsqa.ui.app` wires their events and serves the
page. Each tab is a small dataclass of the components that events read or write, so the
wiring names them instead of counting positions.

Example::

    with gr.Blocks() as demo:
        page = build_layout(demo, live, settings, examples=["…？"], editable=True,
                            max_upload=5_000_000, startup_failures=())
        page.chat.send.click(...)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import gradio as gr

from newsqa.ui.archive import UPLOAD_SUFFIXES
from newsqa.ui.archive_tab import (
    READER_HINT,
    document_table,
    index_stats_line,
    outlet_choices,
    render_edits_off,
    render_index_info,
    render_startup_failures,
)
from newsqa.ui.assets import CHIP_JS, DRAWER_CLOSE_JS, DRAWER_OPEN_JS, SOURCES_CSS
from newsqa.ui.history import ChatHistory, storage_key
from newsqa.ui.render import NO_SOURCES
from newsqa.ui.time_controls import TimeControls, build_time_controls

if TYPE_CHECKING:  # pragma: no cover
    from newsqa.config import Settings
    from newsqa.ui.live import LiveQA

TITLE = "newsqa"

SCRIPT_CHOICES = [("自動", "auto"), ("繁體", "hant"), ("简体", "hans")]


@dataclass
class HistoryBar:
    """「新對話」, 「先前的對話」 and 「清除紀錄」, over the chats this browser keeps."""

    store: gr.BrowserState
    chat_id: gr.State
    new_chat: gr.Button
    picker: gr.Dropdown
    clear: gr.Button


@dataclass
class ChatTab:
    """The chat tab's components that events read or write."""

    empty_notice: gr.Column
    go_archive: gr.Button
    chatbot: gr.Chatbot
    question_box: gr.Textbox
    send: gr.Button
    stop: gr.Button
    time_controls: TimeControls
    script_mode: gr.Radio
    sources: gr.HTML
    history: HistoryBar


@dataclass
class ApiPanel:
    """The 「JSON（/ask API）」 accordion: its inputs, buttons and output."""

    question: gr.Textbox
    as_of: gr.Textbox
    since: gr.Textbox
    until: gr.Textbox
    send: gr.Button
    plain: gr.Button  # the trigger of the one-input /ask API
    as_of_only: gr.Button  # the trigger of /ask_as_of
    output: gr.JSON


@dataclass
class ArchiveTab:
    """The archive tab's components that events read or write."""

    index_info: gr.Markdown
    upload: gr.File
    ingest_status: gr.HTML
    delete_status: gr.HTML
    doc_search: gr.Textbox
    outlet: gr.Dropdown
    since: gr.Textbox
    until: gr.Textbox
    doc_table: gr.Dataframe
    to_delete: gr.Dropdown
    delete_btn: gr.Button
    reindex_btn: gr.Button
    poll: gr.Timer
    reader: gr.HTML
    reading: gr.State
    queue_btn: gr.Button
    confirm: gr.State

    @property
    def filters(self) -> list[gr.components.Component]:
        """The inputs the table is listed by: search, outlet, since, until."""
        return [self.doc_search, self.outlet, self.since, self.until]


def _empty_notice(empty: bool) -> tuple[gr.Column, gr.Button]:
    """「索引裡還沒有文章」 with a button to the archive tab (shown while the index is empty)."""
    with gr.Column(visible=empty, elem_id="nqa-empty-notice") as notice:
        gr.Markdown(
            "**索引裡還沒有文章。** 先到「文章庫」上傳新聞（.txt .md .html .json .jsonl），"
            "建立索引後就能在這裡提問。",
            elem_id="nqa-empty-text",
        )
        go_archive = gr.Button("前往文章庫上傳文章", variant="primary", elem_id="nqa-go-archive")
    return notice, go_archive


def _history_bar(index_path: object) -> HistoryBar:
    """The row above the chat: a new chat, the earlier chats of this browser, and forgetting them."""
    store = gr.BrowserState(ChatHistory.empty(), storage_key=storage_key(index_path),
                            secret=storage_key(index_path))
    chat_id = gr.State("")
    with gr.Row(elem_id="nqa-history-row", equal_height=True):
        new_chat = gr.Button("＋ 新對話", size="sm", scale=0, min_width=96, elem_id="nqa-new-chat")
        picker = gr.Dropdown(
            choices=[], value=None, label="先前的對話", show_label=True, container=True,
            interactive=False, scale=4, min_width=120, elem_id="nqa-history",
            # the list changes after every answer: a pick made from an older list must still
            # arrive (an unknown id opens nothing) instead of failing Gradio's choice check
            allow_custom_value=True,
        )
        clear = gr.Button("清除紀錄", size="sm", scale=0, min_width=84, elem_id="nqa-history-clear")
    return HistoryBar(store, chat_id, new_chat, picker, clear)


def _chat_tab(empty: bool, examples: Sequence[str], index_path: object) -> ChatTab:
    """The chat, the question box with 時間範圍 and 答案字體, and the sources panel (a drawer
    that slides up over the chat on a phone)."""
    empty_notice, go_archive = _empty_notice(empty)
    with gr.Row(equal_height=False, elem_id="nqa-chat-row"):
        with gr.Column(scale=3, min_width=360, elem_id="nqa-chat-col"):
            history = _history_bar(index_path)
            chatbot = gr.Chatbot(
                label="對話",
                show_label=False,  # the floating label covered scrolled messages on a phone
                height=520,
                elem_id="nqa-chat",
                examples=[{"text": q} for q in examples] or None,
                placeholder=_placeholder(list(examples)),
                buttons=[],  # the answer's own 複製 button copies plain text, not the HTML
                feedback_options=("Like", "Dislike"),
                editable="user",  # edit a question and send it again (chatbot.edit)
                latex_delimiters=[],
                allow_tags=False,
                sanitize_html=True,
            )
            with gr.Row(elem_id="nqa-ask-row"):
                question_box = gr.Textbox(
                    label="問題",  # read by screen readers (Gradio's default is "Textbox")
                    show_label=False,
                    placeholder="輸入問題，按 Enter 送出",
                    scale=5,
                    autofocus=True,
                    elem_id="nqa-question",
                )
                send = gr.Button("送出", variant="primary", scale=1, min_width=64, elem_id="nqa-send")
                stop = gr.Button("停止", variant="secondary", scale=1, min_width=56, elem_id="nqa-stop")
            time_controls = build_time_controls()
            script_mode = gr.Radio(
                SCRIPT_CHOICES, value="auto", label="答案字體", elem_id="nqa-script",
                info="自動：與問題相同；引用的原文不轉換",
            )
        with gr.Column(scale=2, min_width=320, elem_id="nqa-sources-col"):
            with gr.Row(elem_id="nqa-sources-head", equal_height=True):
                gr.Markdown("### 來源")
                close = gr.Button("關閉 ✕", size="sm", scale=0, min_width=72, elem_id="nqa-sources-close")
            sources = gr.HTML(NO_SOURCES, css_template=SOURCES_CSS, js_on_load=CHIP_JS, elem_id="nqa-sources")
    # On a phone the sources are a drawer: 「來源」 opens it, 「關閉」 closes it (no server call).
    opener = gr.Button("來源", size="sm", elem_id="nqa-sources-open")
    opener.click(None, None, None, js=DRAWER_OPEN_JS, api_visibility="private", queue=False)
    close.click(None, None, None, js=DRAWER_CLOSE_JS, api_visibility="private", queue=False)
    return ChatTab(empty_notice, go_archive, chatbot, question_box, send, stop, time_controls, script_mode, sources,
                   history)


def _api_panel(visible: bool) -> ApiPanel:
    """The accordion that calls the ``/ask`` API from the page (shown with ``ui_debug``; the
    API is served either way)."""
    with gr.Accordion("JSON（/ask API）", open=False, visible=visible, elem_id="nqa-api"):
        gr.Markdown(
            "與 `newsqa ask --json` 相同的物件；程式呼叫："
            '`Client(url).predict("問題", api_name="/ask")`，或指定日期：'
            '`Client(url).predict("去年…？", "2024-11-12", api_name="/ask_as_of")`；'
            '只看某段期間的文章（as_of, since, until，可留空）：'
            '`Client(url).predict("問題", "", "2023-01-01", "2023-12-31", api_name="/ask_within")`'
        )
        with gr.Row():
            question = gr.Textbox(label="問題", show_label=False, placeholder="問題", scale=5, elem_id="nqa-api-question")
            as_of = gr.Textbox(
                value="", label="as_of", show_label=False, placeholder="as_of：YYYY-MM-DD（預設今天）", scale=2,
                elem_id="nqa-api-as-of",
            )
            since = gr.Textbox(value="", label="since", show_label=False, placeholder="since：YYYY-MM-DD", scale=2,
                               elem_id="nqa-api-since")
            until = gr.Textbox(value="", label="until", show_label=False, placeholder="until：YYYY-MM-DD", scale=2,
                               elem_id="nqa-api-until")
            send = gr.Button("查詢 JSON", scale=1, min_width=80)
            plain = gr.Button(visible=False)
            as_of_only = gr.Button(visible=False)
        output = gr.JSON(label="Answer", elem_id="nqa-api-output")
    return ApiPanel(question, as_of, since, until, send, plain, as_of_only, output)


def _archive_tab(
    live: LiveQA, settings: Settings | None, *, editable: bool, max_upload: int,
    startup_failures: Sequence[tuple[str, str]],
) -> ArchiveTab:
    """The index's header, the edits-off note, start-up failures, upload, search, table, delete."""
    index_info = gr.Markdown(render_index_info(live), elem_id="nqa-index-info")
    gr.HTML(render_edits_off(), visible=not editable, elem_id="nqa-edits-off")
    failures_html = render_startup_failures(startup_failures, settings.corpus_path if settings else None)
    gr.HTML(failures_html, visible=bool(failures_html), elem_id="nqa-startup-failures")
    with gr.Row(equal_height=False):
        upload = gr.File(
            label=f"上傳文章（{' '.join(UPLOAD_SUFFIXES)}；每個最多 {max_upload / 1e6:.1f} MB）",
            file_count="multiple",
            file_types=list(UPLOAD_SUFFIXES),
            type="filepath",
            interactive=editable,
            elem_id="nqa-upload",
            scale=3,
        )
        with gr.Column(scale=2):
            ingest_status = gr.HTML("", elem_id="nqa-ingest-status", js_on_load=None)
            delete_status = gr.HTML("", elem_id="nqa-delete-status", js_on_load=None)
    with gr.Row(equal_height=True, elem_id="nqa-doc-filters"):
        doc_search = gr.Textbox(label="搜尋", placeholder="標題、內文、來源、id 或日期（2023-08）；「沒有日期」列出缺日期的（繁簡皆可）",
                                elem_id="nqa-doc-search", scale=4, min_width=220)
        outlet = gr.Dropdown(choices=outlet_choices(live), value="", label="來源", elem_id="nqa-doc-outlet",
                             scale=2, min_width=140, filterable=True)
        since = gr.Textbox(label="從", placeholder="YYYY-MM-DD", elem_id="nqa-doc-since", scale=1, min_width=120)
        until = gr.Textbox(label="到", placeholder="YYYY-MM-DD", elem_id="nqa-doc-until", scale=1, min_width=120)
    table0, choices0 = document_table(live, "")
    doc_table = gr.Dataframe(
        value=table0,
        headers=["標題", "日期", "來源", "段數", "id"],
        datatype=["str", "str", "str", "number", "str"],
        type="array",
        interactive=False,
        wrap=True,
        max_height=420,
        elem_id="nqa-docs",
        label="文章（點一列閱讀全文）",
    )
    reader = gr.HTML(READER_HINT, elem_id="nqa-reader", js_on_load=None)
    reading = gr.State("")  # the id of the article open in the reader
    queue_btn = gr.Button("把這篇加入刪除清單", size="sm", interactive=editable, elem_id="nqa-queue-delete")
    confirm = gr.State([])  # the ids the first press of 刪除所選文章 named
    with gr.Row():
        to_delete = gr.Dropdown(
            choices=choices0, value=[], multiselect=True, label="要刪除的文章",
            interactive=editable, elem_id="nqa-delete-ids", scale=4,
        )
        delete_btn = gr.Button("刪除所選文章", variant="stop", interactive=editable, elem_id="nqa-delete", scale=1)
    with gr.Row(equal_height=True):
        gr.Markdown("重新讀取這個索引的來源資料夾與上傳檔：改過的文章重新嵌入、新的加入、檔案已不在的移除。",
                    elem_id="nqa-reindex-help")
        reindex_btn = gr.Button("重新索引", interactive=editable, elem_id="nqa-reindex", scale=0, min_width=120)
    poll = gr.Timer(1.0, active=False)
    return ArchiveTab(index_info, upload, ingest_status, delete_status, doc_search, outlet, since, until, doc_table,
                      to_delete, delete_btn, reindex_btn, poll, reader, reading, queue_btn, confirm)


@dataclass
class Page:
    """The whole page: its state, the header's stats line, the tabs and their components."""

    demo: gr.Blocks
    turns: gr.State
    seen_batches: gr.State
    stats: gr.Markdown
    tabs: gr.Tabs
    chat: ChatTab
    api: ApiPanel
    archive: ArchiveTab


def _placeholder(examples: list[str]) -> str:
    """The empty chat's hint: an example this archive can answer (its own), never the sample's."""
    if not examples:
        return "問一個關於新聞的問題；追問可以直接接著問"
    return f"問一個關於新聞的問題，例如「{examples[0]}」；追問可以直接接著問"


def build_layout(
    demo: gr.Blocks, live: LiveQA, settings: Settings | None, *, examples: Sequence[str], editable: bool, max_upload: int,
    startup_failures: Sequence[tuple[str, str]],
) -> Page:
    """The page's components, in the order Gradio numbers them (inside ``with demo:``)."""
    turns = gr.State([])
    seen_batches = gr.State(0)
    gr.Markdown(f"# {TITLE}\n新聞問答：答案附 [n] 引用，點 [n] 看來源段落；「文章庫」可上傳與管理文章。",
                elem_id="nqa-title")
    stats = gr.Markdown(index_stats_line(live.qa), elem_id="nqa-stats")
    with gr.Tabs(selected="chat", elem_id="nqa-tabs") as tabs:
        with gr.Tab("問答", id="chat", elem_id="nqa-tab-chat"):
            chat = _chat_tab(live.empty(), examples, settings.index_path if settings is not None else "")
            api = _api_panel(visible=bool(settings is not None and settings.ui_debug))
        with gr.Tab("文章庫", id="archive", elem_id="nqa-tab-archive"):
            archive = _archive_tab(live, settings, editable=editable, max_upload=max_upload,
                                   startup_failures=startup_failures)
    return Page(demo, turns, seen_batches, stats, tabs, chat, api, archive)
