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
from typing import TYPE_CHECKING, Any

import gradio as gr

from newsqa.ui.archive import IngestWorker
from newsqa.ui.archive_tab import EDITS_OFF_MESSAGE, ArchiveHandlers
from newsqa.ui.assets import APP_CSS
from newsqa.ui.chat import STREAM_DELAY, AskEndpoints, ChatHandlers
from newsqa.ui.examples import example_questions
from newsqa.ui.feedback import FeedbackLog
from newsqa.ui.history import ChatHistory
from newsqa.ui.layout import TITLE, Page, build_layout
from newsqa.ui.live import EmptyIndexError, LiveQA, QACore, load_pipeline

if TYPE_CHECKING:  # pragma: no cover
    from newsqa.config import Settings

log = logging.getLogger(__name__)

# Names other code imports from here (the rooms are their homes).
__all__ = ["APP_CSS", "EDITS_OFF_MESSAGE", "EmptyIndexError", "LiveQA", "TITLE", "build_app", "serve"]

#: How many ``qa.ask`` calls (chat and API together) may run at once (``serve_concurrency``).
DEFAULT_CONCURRENCY = 4

#: The largest upload when there are no settings to say (bytes).
DEFAULT_MAX_UPLOAD = 5_000_000


# --------------------------------------------------------------------------- events
def _wire_chat(page: Page, handlers: ChatHandlers, history: ChatHistory, limits: dict[str, Any]) -> None:
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
    _wire_history(page, history, [asking, from_example, *again])
    chat.script_mode.change(
        handlers.rerender, [page.turns, chat.script_mode], chat.chatbot, api_visibility="private", queue=False
    )
    chat.go_archive.click(
        lambda: gr.Tabs(selected="archive"), None, page.tabs, api_visibility="private", queue=False
    )


def _wire_history(page: Page, history: ChatHistory, answering: list[Any]) -> None:
    """Each answer saves the chat in this browser; 「新對話」, Gradio's 🗑 (a new chat as well),
    picking an earlier chat, and 「清除紀錄」."""
    chat, bar = page.chat, page.chat.history
    private = {"api_visibility": "private", "queue": False}
    for event in answering:
        event.then(history.save, [bar.store, bar.chat_id, page.turns], [bar.store, bar.chat_id, bar.picker],
                   show_progress="hidden", **private)
    shown = [chat.chatbot, chat.sources, page.turns, bar.chat_id, bar.picker]
    bar.new_chat.click(history.new_chat, [bar.store], shown, **private)
    chat.chatbot.clear(history.new_chat, [bar.store], shown, **private)
    bar.picker.input(history.open, [bar.store, bar.picker, chat.script_mode], shown, **private)
    bar.clear.click(history.clear, None, [bar.store, bar.chat_id, bar.picker], **private)
    page.demo.load(history.picker, [bar.store, bar.chat_id], bar.picker, **private)


def _wire_archive(page: Page, handlers: ArchiveHandlers) -> None:
    """Page load, upload, re-index, the indexing poll, search and filters, picking a row and delete."""
    tab = page.archive
    limits = {"concurrency_limit": 1, "concurrency_id": "newsqa-archive"}
    archive_outputs = [tab.doc_table, tab.to_delete, tab.index_info, page.chat.empty_notice, page.stats, tab.outlet]
    # Re-read on each page load (the index reloads live). Not `gr.Markdown(callable)`:
    # that registers a public `/lambda_N` API endpoint.
    page.demo.load(
        handlers.on_load,
        tab.filters,
        [*archive_outputs, page.chat.chatbot, tab.ingest_status, tab.poll, page.seen_batches],
        api_visibility="private",
        queue=False,
    )
    tab.upload.upload(
        handlers.on_upload, [tab.upload], [tab.upload, tab.ingest_status, tab.poll], api_visibility="private",
        show_progress="minimal", **limits,
    )
    tab.reindex_btn.click(
        handlers.on_reindex, None, [tab.ingest_status, tab.poll], api_visibility="private", **limits,
    )
    tab.poll.tick(
        handlers.on_tick,
        [page.seen_batches, *tab.filters],
        [tab.ingest_status, tab.poll, *archive_outputs, page.seen_batches],
        api_visibility="private",
        show_progress="hidden",
        concurrency_limit=None,
    )
    gr.on(
        [tab.doc_search.submit, tab.doc_search.change, tab.outlet.input, tab.since.submit, tab.since.blur,
         tab.until.submit, tab.until.blur],
        handlers.on_search, tab.filters, tab.doc_table, api_visibility="private", show_progress="hidden",
        # One at a time, in order, the last one always: a blur and an Enter a moment apart
        # must not leave the table of the older filters.
        concurrency_limit=1, concurrency_id="newsqa-archive-search", trigger_mode="always_last",
    )
    tab.doc_table.select(
        handlers.on_pick, None, [tab.reader, tab.reading], api_visibility="private", queue=False
    )
    tab.queue_btn.click(handlers.on_queue, [tab.reading, tab.to_delete], tab.to_delete, api_visibility="private",
                        queue=False)
    tab.delete_btn.click(
        handlers.on_delete, [tab.to_delete, *tab.filters, tab.confirm], [tab.delete_status, *archive_outputs, tab.confirm],
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
        page = build_layout(demo, live, settings, examples=example_questions(live.qa, examples), editable=editable,
                       max_upload=max_upload, startup_failures=startup_failures)
        debug = bool(settings is not None and settings.ui_debug)
        pause = settings.ui_stream_pause_ms / 1000 if settings is not None else STREAM_DELAY
        handlers = ChatHandlers(live, feedback, debug=debug, stream_pause=pause)
        _wire_chat(page, handlers, ChatHistory(show_latency=debug), limits)
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
    from newsqa.qa.pipeline import NewsQA

    started = time.perf_counter()
    try:
        qa = load(settings)
    except IndexNotFoundError:
        log.warning(
            "no index at %s: the UI starts empty; upload articles on its 文章庫 tab "
            "(or run `newsqa ingest PATH…`)", NewsQA.index_location(settings),
        )
        return None
    qa.warmup()
    log.info("pipeline loaded from %s in %.1f s", NewsQA.index_location(settings), time.perf_counter() - started)
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
