"""The Gradio app: a chat tab with sources, an archive tab, and the ``/ask`` JSON API.

Everything here is presentation. Questions go to ``qa.ask`` (after
:class:`~newsqa.qa.followup.FollowUpRewriter` has made a follow-up standalone) and the
returned :class:`~newsqa.types.Answer` is rendered; there is no retrieval logic.

**Chat.** The answer streams in clause by clause (each update only appends to the
message, so Gradio sends deltas); the sources panel is filled when it is complete. Each
``[n]`` becomes a chip linking to its source card (``#nqa-src-<turn>-<n>``); clicking it
opens that card, scrolls it into view and highlights it: headline, date, outlet, the
passage with the cited sentence marked, and the paragraph of the article around it. A
rewritten follow-up is shown in small print above its answer. With a generative
answerer (``answer_generator = "openai" | "local"``) the model's text streams in as it
is written and is replaced by the checked answer, with its sources, when complete; a
note above the answer says when the extractive answer is shown instead (model
unavailable, timed out, or its answer could not be checked against the sources). 自動 / 繁體 / 简体 forces
the script the answers are shown in (citations stay as stored). 👍/👎 under an answer are
appended to ``settings.feedback_path`` (:mod:`newsqa.ui.feedback`). With no index (or an
empty one) the chat says so and offers a button to the archive tab. Under the question box
a collapsed 「時間範圍」 (:mod:`newsqa.ui.time_controls`) limits the articles to a date
range and sets the day 「去年」 is read against; an answer given under it says so in small
print, and a bad date is a warning that keeps the question in the box.

**Archive.** Upload articles (:mod:`newsqa.ui.archive`: stored under
``<index>/uploads/``, indexed in a background thread while the chat keeps answering),
list and search the documents, delete them, and see the index's model, size and age.
Files that could not be read when ``serve`` built the index are listed there too.

**Who may edit.** Upload (and the indexing it starts) and delete run for a logged-in
user (``serve_auth_user``/``serve_auth_password``: Gradio asks everyone to log in), or
for anyone when ``allow_edits`` is on (``Settings.edits_allowed``: ``serve_allow_edits``,
by default on only when the server is bound to a loopback address). The handlers check
this on every call, so an event posted straight to ``/gradio_api/queue/join`` is refused
as well; with edits off the page also shows why and makes those controls inert.

Safety: every string that comes from an article or from the user is passed through
:func:`newsqa.ui.render.escape` before it reaches an HTML or Markdown component, so an
article that contains ``<script>alert(1)</script>`` is shown as those characters.

**Rooms.** This module only lays the page out and wires its events (:func:`build_app`) and
starts the server (:func:`serve`). The handlers are plain objects, callable without a
browser: :class:`newsqa.ui.chat.ChatHandlers` and :class:`newsqa.ui.chat.AskEndpoints`
(chat and API), :class:`newsqa.ui.archive_tab.ArchiveHandlers` (archive tab). The HTML is
:mod:`newsqa.ui.render` (answers, source cards, panel) and :mod:`newsqa.ui.archive_tab`;
CSS and JavaScript are :mod:`newsqa.ui.assets`; the core behind it all is
:class:`newsqa.ui.live.LiveQA` over a :class:`newsqa.ui.live.QACore` (``NewsQA``).

Example::

    from newsqa.config import Settings
    from newsqa.ui.app import serve

    serve(Settings.load(), port=7860)          # blocks; Ctrl-C stops it

    # or, with an already loaded pipeline (tests, notebooks):
    demo = build_app(qa)
    demo.launch(css=APP_CSS, prevent_thread_lock=True)

API: ``gradio_client.Client(url).predict("上海自貿區是哪一天掛牌的？", api_name="/ask")``
(``predict("去年…？", "2024-11-12", api_name="/ask_as_of")``: 「去年」 as of that day;
``predict("…？", "", "2023-01-01", "2023-12-31", api_name="/ask_within")``: only articles
of 2023) returns the same dict as ``newsqa ask --json``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import gradio as gr

from newsqa.ui.archive import UPLOAD_SUFFIXES, IngestWorker
from newsqa.ui.archive_tab import (
    EDITS_OFF_MESSAGE,
    READER_HINT,
    ArchiveHandlers,
    document_table,
    index_stats_line,
    render_edits_off,
    render_index_info,
    render_startup_failures,
)
from newsqa.ui.assets import APP_CSS, CHIP_JS, SOURCES_CSS
from newsqa.ui.chat import AskEndpoints, ChatHandlers
from newsqa.ui.examples import example_questions
from newsqa.ui.feedback import FeedbackLog
from newsqa.ui.live import EmptyIndexError, LiveQA, QACore, load_pipeline
from newsqa.ui.render import NO_SOURCES
from newsqa.ui.time_controls import TimeControls, build_time_controls

if TYPE_CHECKING:  # pragma: no cover
    from newsqa.config import Settings

log = logging.getLogger(__name__)

# Names other code imports from here (the rooms are their homes).
__all__ = ["APP_CSS", "EDITS_OFF_MESSAGE", "EmptyIndexError", "LiveQA", "TITLE", "build_app", "serve"]

TITLE = "newsqa"

#: How many ``qa.ask`` calls (chat and API together) may run at once (``serve_concurrency``).
DEFAULT_CONCURRENCY = 4

#: The largest upload when there are no settings to say (bytes).
DEFAULT_MAX_UPLOAD = 5_000_000

SCRIPT_CHOICES = [("自動", "auto"), ("繁體", "hant"), ("简体", "hans")]


# --------------------------------------------------------------------------- layout
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
    doc_table: gr.Dataframe
    to_delete: gr.Dropdown
    delete_btn: gr.Button
    poll: gr.Timer
    reader: gr.HTML


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


def _chat_tab(empty: bool, examples: Sequence[str]) -> ChatTab:
    """The chat, the question box with 時間範圍 and 答案字體, and the sources panel."""
    empty_notice, go_archive = _empty_notice(empty)
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=360):
            chatbot = gr.Chatbot(
                label="對話",
                show_label=False,  # the floating label covered scrolled messages on a phone
                height=520,
                elem_id="nqa-chat",
                examples=[{"text": q} for q in examples] or None,
                placeholder=_placeholder(examples),
                buttons=[],  # the answer's own 複製 button copies plain text, not the HTML
                feedback_options=("Like", "Dislike"),
                editable="user",  # edit a question and send it again (chatbot.edit)
                latex_delimiters=[],
                allow_tags=False,
                sanitize_html=True,
            )
            with gr.Row():
                question_box = gr.Textbox(
                    show_label=False,
                    placeholder="輸入問題，按 Enter 送出",
                    scale=5,
                    autofocus=True,
                    elem_id="nqa-question",
                )
                send = gr.Button("送出", variant="primary", scale=1, min_width=80, elem_id="nqa-send")
                stop = gr.Button("停止", variant="secondary", scale=1, min_width=64, elem_id="nqa-stop")
            time_controls = build_time_controls()
            script_mode = gr.Radio(
                SCRIPT_CHOICES, value="auto", label="答案字體", elem_id="nqa-script",
                info="自動：與問題相同；引用的原文不轉換",
            )
        with gr.Column(scale=2, min_width=320):
            gr.Markdown("### 來源")
            sources = gr.HTML(NO_SOURCES, css_template=SOURCES_CSS, js_on_load=CHIP_JS, elem_id="nqa-sources")
    return ChatTab(empty_notice, go_archive, chatbot, question_box, send, stop, time_controls, script_mode, sources)


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
            question = gr.Textbox(show_label=False, placeholder="問題", scale=5, elem_id="nqa-api-question")
            as_of = gr.Textbox(
                value="", show_label=False, placeholder="as_of：YYYY-MM-DD（預設今天）", scale=2,
                elem_id="nqa-api-as-of",
            )
            since = gr.Textbox(value="", show_label=False, placeholder="since：YYYY-MM-DD", scale=2,
                               elem_id="nqa-api-since")
            until = gr.Textbox(value="", show_label=False, placeholder="until：YYYY-MM-DD", scale=2,
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
    doc_search = gr.Textbox(label="搜尋", placeholder="標題、內文、來源、id 或日期（2023-08）；「沒有日期」列出缺日期的（繁簡皆可）",
                            elem_id="nqa-doc-search")
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
        label="文章（點一列閱讀，並加入刪除清單）",
    )
    reader = gr.HTML(READER_HINT, elem_id="nqa-reader", js_on_load=None)
    with gr.Row():
        to_delete = gr.Dropdown(
            choices=choices0, value=[], multiselect=True, label="要刪除的文章",
            interactive=editable, elem_id="nqa-delete-ids", scale=4,
        )
        delete_btn = gr.Button("刪除所選文章", variant="stop", interactive=editable, elem_id="nqa-delete", scale=1)
    poll = gr.Timer(1.0, active=False)
    return ArchiveTab(index_info, upload, ingest_status, delete_status, doc_search, doc_table, to_delete,
                      delete_btn, poll, reader)


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


# --------------------------------------------------------------------------- events
def _wire_chat(page: Page, handlers: ChatHandlers, limits: dict[str, Any]) -> None:
    """Send, stop, ask again (retry) and edit-and-resend, example questions, 👍/👎, clear, the
    script toggle and the button to the archive."""
    chat = page.chat
    chat_io = {
        "inputs": [chat.question_box, chat.chatbot, page.turns, chat.script_mode, *chat.time_controls.inputs],
        "outputs": [chat.chatbot, chat.question_box, chat.sources, page.turns, chat.time_controls.accordion],
    }
    asking = gr.on(
        [chat.question_box.submit, chat.send.click],
        handlers.chat,
        **chat_io,
        api_visibility="private",
        show_progress="minimal",
        **limits,
    )
    from_example = chat.chatbot.example_select(
        handlers.pick_example, None, chat.question_box, api_visibility="private", queue=False
    ).then(handlers.chat, **chat_io, api_visibility="private", show_progress="minimal", **limits)
    again_io = {"inputs": chat_io["inputs"][1:], "outputs": chat_io["outputs"]}  # the question comes from the event
    again = [
        event(handlers.again, **again_io, api_visibility="private", show_progress="minimal", **limits)
        for event in (chat.chatbot.retry, chat.chatbot.edit)
    ]
    chat.stop.click(None, None, None, cancels=[asking, from_example, *again], queue=False)
    chat.chatbot.like(handlers.on_like, [page.turns], None, api_visibility="private", show_progress="hidden")
    chat.chatbot.clear(
        lambda: (NO_SOURCES, []), None, [chat.sources, page.turns], api_visibility="private", queue=False
    )
    chat.script_mode.change(
        handlers.rerender, [page.turns, chat.script_mode], chat.chatbot, api_visibility="private", queue=False
    )
    chat.go_archive.click(
        lambda: gr.Tabs(selected="archive"), None, page.tabs, api_visibility="private", queue=False
    )


def _wire_archive(page: Page, handlers: ArchiveHandlers) -> None:
    """Page load, upload, the indexing poll, search, picking a row and delete."""
    tab = page.archive
    limits = {"concurrency_limit": 1, "concurrency_id": "newsqa-archive"}
    archive_outputs = [tab.doc_table, tab.to_delete, tab.index_info, page.chat.empty_notice, page.stats]
    # Re-read on each page load (the index reloads live). Not `gr.Markdown(callable)`:
    # that registers a public `/lambda_N` API endpoint.
    page.demo.load(
        handlers.on_load,
        [tab.doc_search],
        [*archive_outputs, page.chat.chatbot, tab.ingest_status, tab.poll, page.seen_batches],
        api_visibility="private",
        queue=False,
    )
    tab.upload.upload(
        handlers.on_upload, [tab.upload], [tab.upload, tab.ingest_status, tab.poll], api_visibility="private",
        show_progress="minimal", **limits,
    )
    tab.poll.tick(
        handlers.on_tick,
        [page.seen_batches, tab.doc_search],
        [tab.ingest_status, tab.poll, *archive_outputs, page.seen_batches],
        api_visibility="private",
        show_progress="hidden",
        concurrency_limit=None,
    )
    gr.on(
        [tab.doc_search.submit, tab.doc_search.change], handlers.on_search, [tab.doc_search], tab.doc_table,
        api_visibility="private", queue=False, show_progress="hidden",
    )
    tab.doc_table.select(
        handlers.on_pick, [tab.to_delete], [tab.to_delete, tab.reader], api_visibility="private", queue=False
    )
    tab.delete_btn.click(
        handlers.on_delete, [tab.to_delete, tab.doc_search], [tab.delete_status, *archive_outputs],
        api_visibility="private", **limits,
    )


def _wire_api(page: Page, endpoints: AskEndpoints, limits: dict[str, Any]) -> None:
    """The public API: ``/ask_within``, ``/ask_as_of`` and ``/ask``."""
    api = page.api
    gr.on(
        [api.question.submit, api.send.click],
        endpoints.ask_within,
        inputs=[api.question, api.as_of, api.since, api.until],
        outputs=api.output,
        api_name="ask_within",
        api_description="Answer one question from the articles dated since…until only (YYYY-MM-DD, "
        "both included; either may be empty), as of a day (empty: today); returns the "
        "`newsqa ask --json` object.",
        **limits,
    )
    # /ask and /ask_as_of keep their inputs, so clients written for them go on working.
    api.as_of_only.click(
        endpoints.ask_json,
        inputs=[api.question, api.as_of],
        outputs=api.output,
        api_name="ask_as_of",
        api_description="Answer one question as of a day (YYYY-MM-DD; empty: today); returns the "
        "`newsqa ask --json` object.",
        **limits,
    )
    # /ask keeps its one input, so clients that post only the question (raw HTTP posts
    # every input) go on working; /ask_as_of adds the day.
    api.plain.click(
        endpoints.ask_json, inputs=[api.question], outputs=api.output, api_name="ask",
        api_description="Answer one question; returns the `newsqa ask --json` object.",
        **limits,
    )


# --------------------------------------------------------------------------- app
def _placeholder(examples: list[str]) -> str:
    """The empty chat's hint: an example this archive can answer (its own), never the sample's."""
    if not examples:
        return "問一個關於新聞的問題；追問可以直接接著問"
    return f"問一個關於新聞的問題，例如「{examples[0]}」；追問可以直接接著問"


def _layout(
    demo: gr.Blocks, live: LiveQA, settings: Settings | None, *, examples: Sequence[str], editable: bool, max_upload: int,
    startup_failures: Sequence[tuple[str, str]],
) -> Page:
    """The page's components, in the order Gradio numbers them (inside ``with demo:``)."""
    turns = gr.State([])
    seen_batches = gr.State(0)
    gr.Markdown(f"# {TITLE}\n新聞問答：答案附 [n] 引用，點 [n] 看來源段落；「文章庫」可上傳與管理文章。")
    stats = gr.Markdown(index_stats_line(live.qa), elem_id="nqa-stats")
    with gr.Tabs(selected="chat", elem_id="nqa-tabs") as tabs:
        with gr.Tab("問答", id="chat", elem_id="nqa-tab-chat"):
            chat = _chat_tab(live.empty(), examples)
            api = _api_panel(visible=bool(settings is not None and settings.ui_debug))
        with gr.Tab("文章庫", id="archive", elem_id="nqa-tab-archive"):
            archive = _archive_tab(live, settings, editable=editable, max_upload=max_upload,
                                   startup_failures=startup_failures)
    return Page(demo, turns, seen_batches, stats, tabs, chat, api, archive)


def build_app(
    qa: QACore | LiveQA | None,
    *,
    settings: Settings | None = None,
    examples: Sequence[str] | None = None,
    concurrency_limit: int | None = None,
    worker: IngestWorker | None = None,
    allow_edits: bool | None = None,
    startup_failures: Sequence[tuple[str, str]] = (),
) -> gr.Blocks:
    """The chat and archive tabs and the ``/ask`` API around ``qa`` (``NewsQA`` or another
    :class:`~newsqa.ui.live.QACore`, a :class:`LiveQA`, or ``None`` with ``settings``: no index yet).

    Pass ``APP_CSS`` to ``launch(css=...)`` for the chat's citation chips
    (:func:`serve` does); the sources panel is styled either way. The archive tab and
    the feedback log need ``settings`` (taken from ``qa.settings`` when not given).
    ``allow_edits``: whether visitors who are not logged in may upload and delete
    (default: ``settings.edits_allowed()``); a logged-in user always may.
    ``startup_failures``: ``(file, reason)`` pairs that ingest could not read at start-up,
    listed on the archive tab.
    """
    live = qa if isinstance(qa, LiveQA) else LiveQA(qa, settings=settings)
    settings = settings if settings is not None else live.settings
    if concurrency_limit is None:
        concurrency_limit = (settings.serve_concurrency if settings is not None else None) or DEFAULT_CONCURRENCY
    feedback = FeedbackLog(settings.resolve(settings.feedback_path)) if settings is not None else None
    if worker is None and settings is not None:
        worker = IngestWorker(settings, on_done=live.refresh)
    max_upload = (settings.upload_max_bytes if settings is not None else None) or DEFAULT_MAX_UPLOAD
    if allow_edits is None:
        allow_edits = bool(settings is not None and settings.edits_allowed())
    # With a login every visitor is logged in, so the page offers edits to all of them.
    editable = allow_edits or (settings is not None and _auth(settings) is not None)
    archive = ArchiveHandlers(live, settings, worker=worker, allow_edits=allow_edits, max_upload=max_upload,
                              examples=examples)
    limits = {"concurrency_limit": concurrency_limit, "concurrency_id": "newsqa-ask"}
    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        page = _layout(demo, live, settings, examples=example_questions(live.qa, examples), editable=editable,
                       max_upload=max_upload, startup_failures=startup_failures)
        _wire_chat(page, ChatHandlers(live, feedback, debug=bool(settings is not None and settings.ui_debug)), limits)
        _wire_archive(page, archive)
        _wire_api(page, AskEndpoints(live), limits)
    demo.newsqa_worker = worker  # type: ignore[attr-defined] - for tests and scripts
    return demo


# --------------------------------------------------------------------------- serve
def _auth(settings: Settings) -> tuple[str, str] | None:
    """The (user, password) login ``serve_auth_user``/``serve_auth_password`` set, or None."""
    user, secret = settings.serve_auth_user, settings.serve_auth_password
    password = secret.get_secret_value() if secret is not None else None
    return (user, password) if user and password else None


def _log_exposure(host: str, auth: tuple[str, str] | None, allow_edits: bool) -> None:
    """Warn when the UI is reachable from other machines, and say who may edit the archive."""
    from newsqa.config import is_loopback

    if host in {"0.0.0.0", "::", ""}:
        log.warning(
            "serving on %s: the UI is reachable from other machines%s",
            host or "all interfaces",
            "" if auth else " and has no authentication (set NEWSQA_SERVE_AUTH_USER and NEWSQA_SERVE_AUTH_PASSWORD)",
        )
    if auth is None and allow_edits and not is_loopback(host):
        log.warning(
            "serve_allow_edits is on while serving on %s without a login: anyone who can reach the UI may "
            "upload and delete articles", host or "all interfaces",
        )
    elif auth is None and not allow_edits:
        log.info(
            "archive edits (upload, delete) are off: set NEWSQA_SERVE_ALLOW_EDITS=1, or a login "
            "(NEWSQA_SERVE_AUTH_USER and NEWSQA_SERVE_AUTH_PASSWORD), to allow them"
        )


def _load_core(settings: Settings, load: Callable[[Settings], QACore]) -> QACore | None:
    """The core over ``settings``' index, warmed up; None (and a warning) when there is no index.
    Warming up loads lazily-loaded models now: the first visitor does not wait, and a missing
    model fails ``serve`` at once with the core's message instead of every question."""
    from newsqa.index.store import IndexNotFoundError

    started = time.perf_counter()
    try:
        qa = load(settings)
    except IndexNotFoundError:
        log.warning(
            "no index at %s: the UI starts empty; upload articles on its 文章庫 tab "
            "(or run `newsqa ingest PATH…`)", settings.index_path,
        )
        return None
    qa.warmup()
    log.info("pipeline loaded from %s in %.1f s", settings.index_path, time.perf_counter() - started)
    return qa


def serve(
    settings: Settings,
    host: str | None = None,
    port: int | None = None,
    *,
    block: bool = True,
    loader: Callable[[Settings], QACore] | None = None,
    startup_failures: Sequence[tuple[str, str]] = (),
) -> gr.Blocks:
    """Load the index once, build the app and launch it (no share link, no analytics).

    With no index at ``settings.index_path`` (``newsqa serve --no-build``) the app starts
    anyway and says so; an upload on the archive tab creates the index. With
    ``serve_auth_user``/``serve_auth_password`` set the page asks for that login. Archive
    edits are open to visitors who are not logged in only when
    ``settings.edits_allowed(host)``. ``startup_failures`` (files the start-up ingest
    could not read) are listed on the archive tab. With ``block=False`` the server runs
    in a background thread; call ``.close()`` on the returned Blocks to stop it.
    """
    host = host or settings.serve_host
    port = settings.serve_port if port is None else port
    auth = _auth(settings)
    allow_edits = settings.edits_allowed(host)
    _log_exposure(host, auth, allow_edits)
    load = loader or load_pipeline
    live = LiveQA(_load_core(settings, load), settings=settings, loader=load)
    demo = build_app(live, settings=settings, allow_edits=allow_edits, startup_failures=startup_failures)
    demo.queue(max_size=64)
    _, local_url, _ = demo.launch(
        server_name=host,
        server_port=port,
        share=False,
        show_error=True,
        quiet=True,
        prevent_thread_lock=True,
        enable_monitoring=False,
        mcp_server=False,
        ssr_mode=False,
        inbrowser=False,
        footer_links=["api"],
        run_history=False,
        css=APP_CSS,
        auth=auth,
        auth_message="newsqa：請登入" if auth else None,
        max_file_size=settings.upload_max_bytes or None,
    )
    log.info("newsqa UI on %s (API: /ask)%s", local_url, " with login" if auth else "")
    if block:
        try:
            demo.block_thread()
        finally:
            demo.close()
    return demo
