"""The Gradio app: a chat page with sources, and the ``/ask`` JSON API.

Everything here is presentation. Questions go to ``qa.ask`` unchanged and the
returned :class:`~newsqa.types.Answer` is rendered; there is no retrieval logic.

Safety: every string that comes from an article or from the user is passed through
:func:`escape` before it reaches an HTML or Markdown component, so an article that
contains ``<script>alert(1)</script>`` is shown as those characters.

Example::

    from newsqa.config import Settings
    from newsqa.ui.app import serve

    serve(Settings.load(), port=7860)          # blocks; Ctrl-C stops it

    # or, with an already loaded pipeline (tests, notebooks):
    demo = build_app(qa)
    demo.launch(css=APP_CSS, prevent_thread_lock=True)

API: ``gradio_client.Client(url).predict("上海自貿區是哪一天掛牌的？", api_name="/ask")``
returns the same dict as ``newsqa ask --json``.
"""

from __future__ import annotations

import html
import json
import logging
import re
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

if TYPE_CHECKING:  # pragma: no cover
    from newsqa.config import Settings
    from newsqa.types import Answer, Citation

log = logging.getLogger(__name__)

TITLE = "newsqa"

#: Example questions when the index holds the bundled seed article (or cannot say).
DEFAULT_EXAMPLES: tuple[str, ...] = (
    "上海自貿區是哪一天掛牌的？",
    "上海自贸区扩区前面积多大？",
)

#: How many ``qa.ask`` calls (chat and API together) may run at once.
DEFAULT_CONCURRENCY = 4

#: Pause between streamed clauses of a chat answer (seconds); purely cosmetic.
STREAM_DELAY = 0.03

# Characters that Markdown, KaTeX or the HTML component's templates could interpret.
# They are written as numeric character references, which every renderer shows as
# the plain character.
_EXTRA_ENTITIES = {ord(c): f"&#{ord(c)};" for c in "\\`*_[]{}()#|~$!"}

_CITE_RE = re.compile(r"\[(\d{1,3})\]")
# A clause ends after Chinese/Western punctuation (and any citation markers after it).
_CLAUSE_RE = re.compile(r".+?(?:[，。；！？、,;!?:：]+(?:\s*\[\d{1,3}\])*\s*|$)", re.S)

#: Page-level CSS (chat citation chips, abstentions); passed to ``launch(css=...)``.
APP_CSS = """
.nqa-answer { line-height: 1.7; }
.nqa-answer.nqa-abstained { color: var(--body-text-color-subdued); font-style: italic; }
.nqa-cite {
  display: inline-block; min-width: 1.35em; padding: 0 .35em; margin: 0 .1em;
  border-radius: .7em; font-size: .72em; line-height: 1.45em; text-align: center;
  vertical-align: super; font-weight: 600;
  background: var(--color-accent-soft); color: var(--color-accent);
  border: 1px solid var(--color-accent);
}
#nqa-stats { color: var(--body-text-color-subdued); font-size: .9em; }
"""

# Scoped to the sources panel (gr.HTML css_template); works without APP_CSS too.
_SOURCES_CSS = """
.nqa-sources { display: flex; flex-direction: column; gap: .75rem; }
.nqa-empty { color: var(--body-text-color-subdued); }
.nqa-source { border: 1px solid var(--border-color-primary); border-radius: .5rem; padding: .6rem .8rem; }
.nqa-source header { display: flex; gap: .5rem; align-items: baseline; flex-wrap: wrap; }
.nqa-n { font-weight: 700; color: var(--color-accent); }
.nqa-title { font-weight: 600; }
.nqa-meta { color: var(--body-text-color-subdued); font-size: .85em; }
.nqa-passage { white-space: pre-wrap; margin: .4rem 0 0; font-size: .92em; line-height: 1.65; }
.nqa-passage mark { background: #fde68a; color: inherit; padding: 0 .1em; border-radius: .15em; }
.nqa-latency { color: var(--body-text-color-subdued); font-size: .8em; }
"""

_NO_SOURCES = '<div class="nqa-sources"><p class="nqa-empty">問答後，引用的新聞段落會列在這裡。</p></div>'


# --------------------------------------------------------------------------- rendering
def escape(text: object) -> str:
    """HTML-escape ``text`` (quotes included) and neutralise Markdown/template syntax."""
    return html.escape("" if text is None else str(text), quote=True).translate(_EXTRA_ENTITIES)


def _escape_lines(text: str) -> str:
    # Newlines become <br> so a multi-line answer stays inside one HTML block
    # (Markdown leaves the inside of an HTML block alone).
    return "<br>".join(escape(line) for line in text.splitlines() or [""])


def render_answer(text: str, *, abstained: bool = False) -> str:
    """The answer as one HTML block: escaped, with ``[n]`` markers turned into chips."""
    parts: list[str] = []
    pos = 0
    for match in _CITE_RE.finditer(text):
        parts.append(_escape_lines(text[pos : match.start()]))
        n = match.group(1)
        parts.append(f'<span class="nqa-cite" title="來源 {n}">{n}</span>')
        pos = match.end()
    parts.append(_escape_lines(text[pos:]))
    cls = "nqa-answer nqa-abstained" if abstained else "nqa-answer"
    return f'<div class="{cls}">{"".join(parts)}</div>'


def render_question(text: str) -> str:
    return f'<div class="nqa-question">{_escape_lines(text)}</div>'


def _highlighted(text: str, start: int, end: int) -> str:
    start = max(0, min(int(start or 0), len(text)))
    end = max(start, min(int(end or 0), len(text)))
    if end <= start:
        return escape(text)
    return f"{escape(text[:start])}<mark>{escape(text[start:end])}</mark>{escape(text[end:])}"


def render_sources(citations: Sequence[Citation], *, latency_ms: float | None = None) -> str:
    """The sources panel: one card per citation, the supporting sentence in ``<mark>``."""
    if not citations:
        body = '<p class="nqa-empty">這個回答沒有引用來源。</p>'
    else:
        cards = []
        for c in citations:
            meta = " · ".join(escape(x) for x in (c.date, c.source) if x)
            cards.append(
                '<article class="nqa-source">'
                f'<header><span class="nqa-n">[{int(c.n)}]</span>'
                f'<span class="nqa-title">{escape(c.title)}</span>'
                f'<span class="nqa-meta">{meta}</span></header>'
                f'<p class="nqa-passage">{_highlighted(c.text, c.highlight_start, c.highlight_end)}</p>'
                "</article>"
            )
        body = "".join(cards)
    footer = f'<p class="nqa-latency">{latency_ms:.0f} ms</p>' if latency_ms is not None else ""
    return f'<div class="nqa-sources">{body}{footer}</div>'


def clauses(text: str) -> list[str]:
    """``text`` cut after each clause-ending punctuation mark (markers stay attached)."""
    return [m.group(0) for m in _CLAUSE_RE.finditer(text) if m.group(0)] or [text]


def _stats_line(qa: Any) -> str:
    index = getattr(qa, "index", None)
    stats_fn = getattr(index, "stats", None)
    if not callable(stats_fn):
        return ""
    try:
        stats = stats_fn() or {}
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
        bits.append(f"建立於 {stats['built_at']}")
    return "索引：" + " · ".join(escape(b) for b in bits) if bits else ""


def _indexed_files(qa: Any) -> set[str] | None:
    """The article file names in ``qa``'s index, or None if the index does not say."""
    documents = getattr(getattr(qa, "index", None), "documents", None)
    if not isinstance(documents, dict):
        return None
    files = set()
    for doc_id, doc in documents.items():
        source = getattr(doc, "source_file", None) or str(doc_id)
        files.add(Path(str(source).split("#", 1)[0]).name)
    return files


def _seed_examples(indexed: set[str], limit: int = 4) -> list[str]:
    """The seed eval questions whose article is in the index (seed questions first)."""
    try:
        from newsqa.evals import SEED_QA

        rows = [json.loads(line) for line in SEED_QA.read_text(encoding="utf-8").splitlines() if line.strip()]
    except Exception:  # noqa: BLE001 - examples are a nicety
        log.debug("seed questions unavailable", exc_info=True)
        return []
    answerable = [r for r in rows if r.get("answerable", True) and r.get("article")]
    if not any(Path(r["article"]).name in indexed for r in answerable):
        return []
    questions = list(DEFAULT_EXAMPLES)
    for row in answerable:
        if Path(row["article"]).name in indexed and row["question"] not in questions:
            questions.append(row["question"])
    return questions[:limit]


def _examples(qa: Any, examples: Sequence[str] | None) -> list[str]:
    """Example questions: explicit ones; else the pipeline's own; else the seed questions
    about articles in the index (none if the index holds none of them)."""
    if examples is not None:
        return [q for q in examples if q]
    source = getattr(qa, "example_questions", None)
    if source is not None:
        try:
            found = [str(q) for q in ((source() if callable(source) else source) or []) if q]
        except Exception:  # noqa: BLE001
            log.debug("example questions unavailable", exc_info=True)
            found = []
        if found:
            return found[:6]
    indexed = _indexed_files(qa)
    if indexed is None:
        return list(DEFAULT_EXAMPLES)
    return _seed_examples(indexed)


# --------------------------------------------------------------------------- app
def build_app(
    qa: Any,
    *,
    examples: Sequence[str] | None = None,
    concurrency_limit: int | None = DEFAULT_CONCURRENCY,
) -> gr.Blocks:
    """The chat page and the ``/ask`` API around ``qa`` (anything with ``ask(question)``).

    Pass ``APP_CSS`` to ``launch(css=...)`` for the chat's citation chips
    (:func:`serve` does); the sources panel is styled either way.
    """
    example_questions = _examples(qa, examples)
    limits = {"concurrency_limit": concurrency_limit, "concurrency_id": "newsqa-ask"}

    def _ask(question: str) -> Answer:
        try:
            return qa.ask(question)
        except ValueError as exc:  # the core's user-facing message (empty, too long, ...)
            # gr.Error renders its message as HTML: escape it (it may quote the question).
            raise gr.Error(html.escape(str(exc)), print_exception=False) from None

    def ask_json(question: str) -> dict[str, Any]:
        """Answer one question; returns the `newsqa ask --json` object."""
        return _ask(question if question is not None else "").to_dict()

    def chat(question: str | None, history: list[dict] | None) -> Iterator[tuple[Any, Any, Any]]:
        # A rejected question becomes a warning toast, not gr.Error: in the page an
        # error also overlays every output component until dismissed.
        question = question if question is not None else ""
        history = list(history or [])
        if question.strip():  # echo at once; the answer follows
            yield history + [{"role": "user", "content": render_question(question)}], "", gr.skip()
        try:
            answer = qa.ask(question)
        except ValueError as exc:
            gr.Warning(html.escape(str(exc)), title="無法回答")
            yield history, question, gr.skip()  # roll back the echo, give the text back
            return
        pending = history + [{"role": "user", "content": render_question(question)}]
        parts = clauses(answer.answer)
        shown = ""
        for i, part in enumerate(parts):
            shown += part
            message = {"role": "assistant", "content": render_answer(shown, abstained=answer.abstained)}
            sources = render_sources(answer.citations, latency_ms=answer.latency_ms) if i == 0 else gr.skip()
            yield pending + [message], "", sources
            if i + 1 < len(parts):
                time.sleep(STREAM_DELAY)

    def pick_example(evt: gr.SelectData) -> str:
        value = evt.value
        return value.get("text", "") if isinstance(value, dict) else str(value or "")

    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        gr.Markdown(f"# {TITLE}\n新聞問答：答案附 [n] 引用，來源列在右側。")
        stats_md = gr.Markdown(_stats_line(qa), elem_id="nqa-stats")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=360):
                chatbot = gr.Chatbot(
                    label="對話",
                    height=520,
                    elem_id="nqa-chat",
                    examples=[{"text": q} for q in example_questions] or None,
                    placeholder="問一個關於新聞的問題，例如「上海自貿區是哪一天掛牌的？」",
                    buttons=["copy"],
                    feedback_options=None,
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
                if example_questions:
                    gr.Examples(examples=[[q] for q in example_questions], inputs=[question_box], label="範例問題")
            with gr.Column(scale=2, min_width=320):
                gr.Markdown("### 來源")
                sources = gr.HTML(_NO_SOURCES, css_template=_SOURCES_CSS, js_on_load=None, elem_id="nqa-sources")

        with gr.Accordion("JSON（/ask API）", open=False):
            gr.Markdown(
                "與 `newsqa ask --json` 相同的物件；程式呼叫："
                '`Client(url).predict("問題", api_name="/ask")`'
            )
            with gr.Row():
                api_question = gr.Textbox(show_label=False, placeholder="問題", scale=5, elem_id="nqa-api-question")
                api_send = gr.Button("查詢 JSON", scale=1, min_width=80)
            api_output = gr.JSON(label="Answer", elem_id="nqa-api-output")

        chat_io = {"inputs": [question_box, chatbot], "outputs": [chatbot, question_box, sources]}
        gr.on(
            [question_box.submit, send.click],
            chat,
            **chat_io,
            api_visibility="private",
            show_progress="minimal",
            **limits,
        )
        chatbot.example_select(pick_example, None, question_box, api_visibility="private", queue=False).then(
            chat, **chat_io, api_visibility="private", show_progress="minimal", **limits
        )
        # Re-read on each page load (the index reloads live). Not `gr.Markdown(callable)`:
        # that registers a public `/lambda_N` API endpoint.
        demo.load(lambda: _stats_line(qa), None, stats_md, api_visibility="private", queue=False)
        chatbot.clear(lambda: _NO_SOURCES, None, sources, api_visibility="private", queue=False)
        gr.on(
            [api_question.submit, api_send.click],
            ask_json,
            inputs=api_question,
            outputs=api_output,
            api_name="ask",
            api_description="Answer one question; returns the `newsqa ask --json` object.",
            **limits,
        )
    return demo


# --------------------------------------------------------------------------- serve
def _load_pipeline(settings: Settings) -> Any:
    from newsqa.qa.pipeline import NewsQA

    return NewsQA.from_settings(settings)


def _warm_up(qa: Any) -> None:
    """Load lazily-loaded models now: the first visitor does not wait, and a missing
    model fails ``serve`` at once with the core's message instead of every question."""
    warmup = getattr(qa, "warmup", None)
    if callable(warmup):
        warmup()
        return
    embedder = getattr(getattr(qa, "index", None), "embedder", None)
    if embedder is not None:
        getattr(embedder, "model", None)  # the property loads the model once


def serve(
    settings: Settings,
    host: str | None = None,
    port: int | None = None,
    *,
    block: bool = True,
    loader: Callable[[Settings], Any] | None = None,
) -> gr.Blocks:
    """Load the index once, build the app and launch it (no share link, no analytics).

    With ``block=False`` the server runs in a background thread; call ``.close()`` on
    the returned Blocks to stop it.
    """
    host = host or settings.serve_host
    port = settings.serve_port if port is None else port
    if host in {"0.0.0.0", "::", ""}:
        log.warning(
            "serving on %s: the UI is reachable from other machines and has no authentication",
            host or "all interfaces",
        )
    started = time.perf_counter()
    qa = (loader or _load_pipeline)(settings)
    _warm_up(qa)
    log.info("pipeline loaded from %s in %.1f s", settings.index_path, time.perf_counter() - started)
    demo = build_app(qa)
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
    )
    log.info("newsqa UI on %s (API: /ask)", local_url)
    if block:
        try:
            demo.block_thread()
        finally:
            demo.close()
    return demo
