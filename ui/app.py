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
appended to ``settings.feedback_path`` (:mod:`newsqa.feedback`). With no index (or an
empty one) the chat says so and offers a button to the archive tab. Under the question box
a collapsed 「時間範圍」 (:mod:`newsqa.ui.time_controls`) limits the articles to a date
range and sets the day 「去年」 is read against; an answer given under it says so in small
print, and a bad date is a warning that keeps the question in the box.

**Archive.** Upload articles (:mod:`newsqa.ui.archive`: stored under
``<corpus>/uploads/``, indexed in a background thread while the chat keeps answering),
list and search the documents, delete them, and see the index's model, size and age.
Files that could not be read when ``serve`` built the index are listed there too.

**Who may edit.** Upload (and the indexing it starts) and delete run for a logged-in
user (``serve_auth_user``/``serve_auth_password``: Gradio asks everyone to log in), or
for anyone when ``allow_edits`` is on (``Settings.edits_allowed``: ``serve_allow_edits``,
by default on only when the server is bound to a loopback address). The handlers check
this on every call, so an event posted straight to ``/gradio_api/queue/join`` is refused
as well; with edits off the page also shows why and makes those controls inert.

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
(``predict("去年…？", "2024-11-12", api_name="/ask_as_of")``: 「去年」 as of that day;
``predict("…？", "", "2023-01-01", "2023-12-31", api_name="/ask_within")``: only articles
of 2023) returns the same dict as ``newsqa ask --json``.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from newsqa.question import QuestionError, clean_question, validate_question
from newsqa.script import detect_script, to_script
from newsqa.ui.time_controls import TIME_CSS, TimeFilter, TimeFilterError, build_time_controls

if TYPE_CHECKING:  # pragma: no cover
    from newsqa.config import Settings
    from newsqa.timex import DateRange
    from newsqa.types import Answer, Citation, Document

log = logging.getLogger(__name__)

TITLE = "newsqa"

#: Example questions when the index holds the bundled seed article (or cannot say).
DEFAULT_EXAMPLES: tuple[str, ...] = (
    "上海自貿區是哪一天掛牌的？",
    "上海自贸区扩区前面积多大？",
)

#: How many ``qa.ask`` calls (chat and API together) may run at once (``serve_concurrency``).
DEFAULT_CONCURRENCY = 4

#: Pause between streamed clauses of a chat answer (seconds); purely cosmetic.
STREAM_DELAY = 0.03

#: Characters of article text shown on either side of a passage in its paragraph.
PARAGRAPH_CONTEXT_CHARS = 400

#: Rows shown in the archive table (the search narrows them).
MAX_TABLE_ROWS = 500

SCRIPT_CHOICES = [("自動", "auto"), ("繁體", "hant"), ("简体", "hans")]

# Labels inside an answer bubble, in the script the answer is shown in.
LABELS = {
    "hant": {"rewrite": "問題理解為：", "copy": "複製", "empty": "索引裡還沒有文章：請先到「文章庫」上傳文章。",
             "fallback": "生成模型暫時無法使用，以下是摘錄的答案。",
             "unverified": "模型的回答無法以來源核實，以下是摘錄的答案。",
             "model-refused": "模型沒有作答，以下是摘錄的答案。"},
    "hans": {"rewrite": "问题理解为：", "copy": "复制", "empty": "索引里还没有文章：请先到「文章库」上传文章。",
             "fallback": "生成模型暂时无法使用，以下是摘录的答案。",
             "unverified": "模型的回答无法以来源核实，以下是摘录的答案。",
             "model-refused": "模型没有作答，以下是摘录的答案。"},
}

# Characters that Markdown, KaTeX or the HTML component's templates could interpret.
# They are written as numeric character references, which every renderer shows as
# the plain character.
_EXTRA_ENTITIES = {ord(c): f"&#{ord(c)};" for c in "\\`*_[]{}()#|~$!"}
_ESCAPES = {**_EXTRA_ENTITIES, ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;", ord('"'): "&quot;", ord("'"): "&#39;"}

_CITE_RE = re.compile(r"\[(\d{1,3})\]")
# A clause ends after Chinese/Western punctuation (and any citation markers after it).
_CLAUSE_RE = re.compile(r".+?(?:[，。；！？、,;!?:：]+(?:\s*\[\d{1,3}\])*\s*|$)", re.S)

#: Page-level CSS (chat citation chips, abstentions, notices); passed to ``launch(css=...)``.
APP_CSS = """
.nqa-answer { line-height: 1.7; }
.nqa-copy { display: inline-block; text-decoration: none; margin-left: .5rem; font-size: .78em; padding: .05rem .5rem; border-radius: 4px;
            border: 1px solid var(--border-color-primary); background: transparent; color: var(--body-text-color); cursor: pointer; }
.nqa-answer.nqa-abstained { color: var(--body-text-color-subdued); font-style: italic; }
.nqa-rewrite, .nqa-scope { font-size: .78em; color: var(--body-text-color-subdued); margin-bottom: .25rem; }
.nqa-notice { font-size: .78em; color: var(--body-text-color-subdued); margin-bottom: .25rem; font-style: italic; }
a.nqa-cite, .nqa-cite {
  display: inline-block; min-width: 1.35em; padding: 0 .35em; margin: 0 .1em;
  border-radius: .7em; font-size: .72em; line-height: 1.45em; text-align: center;
  vertical-align: super; font-weight: 600; text-decoration: none; cursor: pointer;
  background: var(--color-accent-soft); color: var(--color-accent);
  border: 1px solid var(--color-accent);
}
a.nqa-cite:hover, a.nqa-cite:focus-visible { background: var(--color-accent); color: white; }
#nqa-stats, #nqa-index-info { color: var(--body-text-color-subdued); font-size: .9em; }
#nqa-empty-notice { border: 1px dashed var(--border-color-primary); border-radius: .5rem; padding: .75rem; }
.nqa-edits-off, .nqa-startup-failures { color: var(--body-text-color-subdued); font-size: .9em; }
""" + TIME_CSS

# Scoped to the sources panel (gr.HTML css_template); works without APP_CSS too.
_SOURCES_CSS = """
.nqa-sources { display: flex; flex-direction: column; gap: .75rem; }
.nqa-empty { color: var(--body-text-color-subdued); }
.nqa-turn > summary { cursor: pointer; color: var(--body-text-color-subdued); font-size: .85em; margin-bottom: .4rem; }
.nqa-turn[open] > summary { margin-bottom: .5rem; }
.nqa-turn-sources { display: flex; flex-direction: column; gap: .6rem; }
.nqa-source { border: 1px solid var(--border-color-primary); border-radius: .5rem; padding: .6rem .8rem;
  scroll-margin: 6rem; transition: box-shadow .3s, background-color .3s; }
.nqa-source.nqa-focus, .nqa-source:target { box-shadow: 0 0 0 3px var(--color-accent); background: var(--color-accent-soft); }
.nqa-source header { display: flex; gap: .5rem; align-items: baseline; flex-wrap: wrap; }
.nqa-n { font-weight: 700; color: var(--color-accent); }
.nqa-title { font-weight: 600; }
.nqa-meta { color: var(--body-text-color-subdued); font-size: .85em; }
.nqa-passage, .nqa-paragraph { white-space: pre-wrap; margin: .4rem 0 0; font-size: .92em; line-height: 1.65; }
.nqa-passage mark, .nqa-paragraph mark { background: #fde68a; color: inherit; padding: 0 .1em; border-radius: .15em; }
.nqa-context > summary { cursor: pointer; font-size: .85em; color: var(--color-accent); margin-top: .3rem; }
.nqa-ctx { color: var(--body-text-color-subdued); }
.nqa-latency { color: var(--body-text-color-subdued); font-size: .8em; }
"""

# Clicking an [n] chip (an <a href="#nqa-src-T-N"> in the chat) opens, highlights and
# scrolls to its source card. Without JavaScript the link still jumps to the card.
_CHIP_JS = """
if (!window.__nqaChips) {
  window.__nqaChips = true;
  // 複製: the answer as plain text with its [n] markers, then its sources (never the HTML).
  const plainAnswer = (answer) => {
    let text = '';
    const hrefs = [];
    answer.childNodes.forEach((node) => {
      if (node.nodeType === Node.TEXT_NODE) { text += node.textContent; return; }
      if (!node.matches) return;
      if (node.matches('a.nqa-copy')) return;
      if (node.matches('br')) { text += '\\n'; return; }
      if (node.matches('a.nqa-cite')) {
        text += '[' + node.textContent.trim() + ']';
        const href = (node.getAttribute('href') || '').replace(/^#/, '');
        if (href && !hrefs.includes(href)) hrefs.push(href);
        return;
      }
      text += node.textContent;
    });
    const sources = hrefs.map((id) => {
      const card = document.getElementById(id);
      if (!card) return '';
      const part = (sel) => ((card.querySelector(sel) || {}).textContent || '').trim();
      const meta = part('.nqa-meta').split(' · ').filter(Boolean).join('，');
      return part('.nqa-n') + ' ' + part('.nqa-title') + (meta ? '（' + meta + '）' : '');
    }).filter(Boolean);
    return text.trim() + (sources.length ? '\\n\\n' + sources.join('\\n') : '');
  };
  document.addEventListener('click', (event) => {
    const button = event.target && event.target.closest ? event.target.closest('a.nqa-copy') : null;
    if (!button) return;
    event.preventDefault();
    event.stopPropagation();
    const answer = button.closest('.nqa-answer');
    const text = answer ? plainAnswer(answer) : '';
    const label = button.textContent;
    const done = () => { button.textContent = '✓ ' + label; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done);
    } else {  // plain http from another machine: the old way
      const area = document.createElement('textarea');
      area.value = text;
      document.body.appendChild(area);
      area.select();
      document.execCommand('copy');
      area.remove();
      done();
    }
  }, true);
  document.addEventListener('click', (event) => {
    const chip = event.target && event.target.closest ? event.target.closest('a.nqa-cite') : null;
    if (!chip) return;
    const id = (chip.getAttribute('href') || '').replace(/^#/, '');
    const card = id ? document.getElementById(id) : null;
    event.preventDefault();
    event.stopPropagation();
    if (!card) return;
    for (let el = card.parentElement; el; el = el.parentElement) {
      if (el.tagName === 'DETAILS') el.open = true;
    }
    const context = card.querySelector('details.nqa-context');
    if (context) context.open = true;
    document.querySelectorAll('.nqa-source.nqa-focus').forEach((el) => el.classList.remove('nqa-focus'));
    card.classList.add('nqa-focus');
    card.scrollIntoView({behavior: 'smooth', block: 'center'});
  }, true);
}
"""

_NO_SOURCES = '<div class="nqa-sources"><p class="nqa-empty">問答後，引用的新聞段落會列在這裡。</p></div>'

#: Why the archive's upload and delete are refused (shown on the page and as the error).
EDITS_OFF_MESSAGE = (
    "這個伺服器關閉了文章庫的修改（上傳、建立索引、刪除）；仍可瀏覽與搜尋文章。"
    "要開啟：只讓信任的人連得到時，以 NEWSQA_SERVE_ALLOW_EDITS=1 啟動 newsqa serve；"
    "或設定登入（NEWSQA_SERVE_AUTH_USER 與 NEWSQA_SERVE_AUTH_PASSWORD），登入後即可修改。"
)

#: Start-up read failures listed on the archive tab (the rest: in the server log).
MAX_FAILURES_SHOWN = 20


class EmptyIndexError(ValueError):
    """There is nothing to answer from yet; the message is for the user."""

    def __init__(self) -> None:
        super().__init__(f"{LABELS['hant']['empty']} / {LABELS['hans']['empty']}")


# --------------------------------------------------------------------------- rendering
def escape(text: object) -> str:
    """HTML-escape ``text`` (quotes included) and neutralise Markdown/template syntax, in one
    pass: escaping first and then the Markdown characters turned the ``#`` of ``&#x27;`` into
    ``&#35;``, and readers saw 「D&#x27;Art」."""
    return ("" if text is None else str(text)).translate(_ESCAPES)


def _escape_lines(text: str) -> str:
    # Newlines become <br> so a multi-line answer stays inside one HTML block
    # (Markdown leaves the inside of an HTML block alone).
    return "<br>".join(escape(line) for line in text.splitlines() or [""])


def _chip(n: str, turn: int | None) -> str:
    target = f"nqa-src-{int(turn)}-{int(n)}" if turn is not None else f"nqa-src-{int(n)}"
    return f'<a class="nqa-cite" href="#{target}" title="來源 {int(n)}">{int(n)}</a>'


def _answer_body(text: str, turn: int | None) -> str:
    """Escaped answer text with ``[n]`` markers as chips. Rendering a prefix that ends on
    a clause boundary gives a prefix of the full rendering (the chat streams appends)."""
    parts: list[str] = []
    pos = 0
    for match in _CITE_RE.finditer(text):
        parts.append(_escape_lines(text[pos : match.start()]))
        parts.append(_chip(match.group(1), turn))
        pos = match.end()
    parts.append(_escape_lines(text[pos:]))
    return "".join(parts)


def render_answer(text: str, *, abstained: bool = False, turn: int | None = None) -> str:
    """The answer as one HTML block: escaped, with ``[n]`` markers turned into chips that
    link to the source cards of ``turn``."""
    cls = "nqa-answer nqa-abstained" if abstained else "nqa-answer"
    return f'<div class="{cls}">{_answer_body(text, turn)}</div>'


def render_message(
    text: str,
    *,
    abstained: bool = False,
    turn: int | None = None,
    rewritten: str | None = None,
    script: str = "hant",
    complete: bool = True,
    notice: str | None = None,
    copyable: bool = False,
    when: Mapping[str, str] | None = None,
) -> str:
    """An assistant message: the rewritten question in small print (if any), then the
    answer. With ``complete=False`` the answer's ``<div>`` is left open (the browser
    closes it), so each streamed update only *appends* to the previous one. ``notice``:
    "fallback", "unverified" or "model-refused" (a generative answerer gave the extractive answer), shown
    in small print above the answer. ``copyable``: a 複製 button (on a complete message) that
    copies the answer as plain text with its ``[n]`` markers and its sources. ``when``: the
    time filter the answer was given under (``TimeFilter.to_dict()``), said in small print."""
    head = ""
    if rewritten:
        label = LABELS.get(script, LABELS["hant"])["rewrite"]
        head = f'<div class="nqa-rewrite">{escape(label)}{escape(rewritten)}</div>'
    if notice:
        labels = LABELS.get(script, LABELS["hant"])
        head += f'<div class="nqa-notice" role="note">{escape(labels.get(notice, notice))}</div>'
    scope = TimeFilter.from_dict(when).note(script) if when else ""
    if scope:
        head += f'<div class="nqa-scope" role="note">{escape(scope)}</div>'
    cls = "nqa-answer nqa-abstained" if abstained else "nqa-answer"
    body = f'{head}<div class="{cls}">{_answer_body(text, turn)}'
    if not complete:
        return body
    if copyable:  # the page's script copies the answer and its sources as plain text
        label = LABELS.get(script, LABELS["hant"])["copy"]
        body += f'<a class="nqa-copy" href="#" role="button">{escape(label)}</a>'
    return body + "</div>"


def render_question(text: str) -> str:
    return f'<div class="nqa-question">{_escape_lines(text)}</div>'


def _highlighted(text: str, start: int, end: int) -> str:
    start = max(0, min(int(start or 0), len(text)))
    end = max(start, min(int(end or 0), len(text)))
    if end <= start:
        return escape(text)
    return f"{escape(text[:start])}<mark>{escape(text[start:end])}</mark>{escape(text[end:])}"


def paragraph_span(text: str, start: int, end: int, *, max_context: int = PARAGRAPH_CONTEXT_CHARS) -> tuple[int, int]:
    """``[start, end)`` widened to the paragraph(s) around it: back to the line break before
    it and on to the line break after it, at most ``max_context`` characters each way."""
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    p0 = text.rfind("\n", 0, start) + 1
    p1 = text.find("\n", end)
    p1 = len(text) if p1 < 0 else p1
    return max(p0, start - max_context), min(p1, end + max_context)


def render_paragraph(citation: Citation | Mapping[str, Any], document: Document | None) -> str:
    """The paragraph of ``document`` around the cited passage (escaped), the cited sentence
    marked and the text outside the passage dimmed; "" when the passage is the whole
    paragraph or the document no longer holds the passage."""
    c = _citation_dict(citation)
    if document is None:
        return ""
    text = document.text or ""
    start, end = int(c["start"]), int(c["end"])
    if not (0 <= start <= end <= len(text)) or text[start:end] != c["text"]:
        return ""
    p0, p1 = paragraph_span(text, start, end)
    if not text[p0:start].strip() and not text[end:p1].strip():
        return ""  # the passage is the whole paragraph: nothing to add
    before = ("…" if p0 > 0 and text[p0 - 1] != "\n" else "") + text[p0:start]
    after = text[end:p1] + ("…" if p1 < len(text) and text[p1] != "\n" else "")
    passage = _highlighted(c["text"], c.get("highlight_start", 0), c.get("highlight_end", 0))
    return f'<span class="nqa-ctx">{escape(before)}</span>{passage}<span class="nqa-ctx">{escape(after)}</span>'


def _citation_dict(citation: Citation | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(citation, Mapping):
        return dict(citation)
    return citation.to_dict()


def render_card(citation: Citation | Mapping[str, Any], *, turn: int | None = None, paragraph: str = "") -> str:
    """One source card: number, headline, date · outlet, the passage with the cited sentence
    marked and (when known) the surrounding paragraph, collapsed."""
    c = _citation_dict(citation)
    n = int(c["n"])
    card_id = f"nqa-src-{int(turn)}-{n}" if turn is not None else f"nqa-src-{n}"
    meta = " · ".join(escape(x) for x in (c.get("date"), c.get("source")) if x)
    context = (
        f'<details class="nqa-context"><summary>段落</summary><p class="nqa-paragraph">{paragraph}</p></details>'
        if paragraph
        else ""
    )
    return (
        f'<article class="nqa-source" id="{card_id}">'
        f'<header><span class="nqa-n">[{n}]</span>'
        f'<span class="nqa-title">{escape(c.get("title"))}</span>'
        f'<span class="nqa-meta">{meta}</span></header>'
        f'<p class="nqa-passage">{_highlighted(c.get("text") or "", c.get("highlight_start", 0), c.get("highlight_end", 0))}</p>'
        f"{context}</article>"
    )


def render_sources(
    citations: Sequence[Citation],
    *,
    latency_ms: float | None = None,
    turn: int | None = None,
    documents: Callable[[str], Document | None] | None = None,
) -> str:
    """The sources of one answer: one card per citation, the supporting sentence in
    ``<mark>``; with ``documents`` (``index.get_document``) each card also holds its paragraph."""
    body = _cards(citations, turn=turn, documents=documents)
    footer = f'<p class="nqa-latency">{latency_ms:.0f} ms</p>' if latency_ms is not None else ""
    return f'<div class="nqa-sources">{body}{footer}</div>'


def _cards(
    citations: Sequence[Citation | Mapping[str, Any]],
    *,
    turn: int | None,
    documents: Callable[[str], Document | None] | None,
) -> str:
    if not citations:
        return '<p class="nqa-empty">這個回答沒有引用來源。</p>'
    cards = []
    for c in citations:
        paragraph = ""
        if documents is not None:
            try:
                doc_id = _citation_dict(c)["doc_id"]
                paragraph = render_paragraph(c, documents(doc_id))
            except Exception:  # noqa: BLE001 - the card without its paragraph is still useful
                log.debug("no paragraph for %r", c, exc_info=True)
        cards.append(render_card(c, turn=turn, paragraph=paragraph))
    return "".join(cards)


def render_panel(turns: Sequence[Mapping[str, Any]]) -> str:
    """The sources panel for a conversation: the newest answer's sources open, earlier
    answers' collapsed (a chip of an earlier answer opens them)."""
    if not turns:
        return _NO_SOURCES
    sections = []
    for i, turn in enumerate(reversed(turns)):
        latency = turn.get("latency_ms")
        footer = f'<p class="nqa-latency">{latency:.0f} ms</p>' if i == 0 and latency is not None else ""
        sections.append(
            f'<details class="nqa-turn" id="nqa-turn-{int(turn["id"])}"{" open" if i == 0 else ""}>'
            f'<summary>問：{escape(turn.get("question") or "")}</summary>'
            f'<div class="nqa-turn-sources">{turn.get("cards") or ""}</div>{footer}</details>'
        )
    return f'<div class="nqa-sources">{"".join(sections)}</div>'


def clauses(text: str) -> list[str]:
    """``text`` cut after each clause-ending punctuation mark (markers stay attached)."""
    return [m.group(0) for m in _CLAUSE_RE.finditer(text) if m.group(0)] or [text]


def display_text(answer: str, mode: str) -> str:
    """The answer text in the display script ``mode`` ("auto" leaves it as the core wrote it)."""
    return to_script(answer, mode) if mode in ("hans", "hant") else answer  # type: ignore[arg-type]


def _label_script(mode: str, turn: Mapping[str, Any]) -> str:
    if mode in ("hans", "hant"):
        return mode
    script = turn.get("script")
    return script if script in ("hans", "hant") else detect_script(turn.get("answer") or "")


def turn_message(turn: Mapping[str, Any], mode: str, *, shown: str | None = None, complete: bool = True) -> str:
    """The assistant message of a stored turn in display mode ``mode`` (``shown``: the
    part of the display text streamed so far)."""
    text = display_text(turn["answer"], mode) if shown is None else shown
    rewritten = turn["question"] if turn.get("question") != turn.get("asked") else None
    return render_message(
        text, abstained=bool(turn.get("abstained")), turn=int(turn["id"]), rewritten=rewritten,
        script=_label_script(mode, turn), complete=complete, notice=turn.get("notice"),
        copyable=not turn.get("abstained"), when=turn.get("when"),
    )


def render_chat(turns: Sequence[Mapping[str, Any]], mode: str) -> list[dict[str, str]]:
    """The chat history of ``turns`` as Chatbot messages (used when the script toggle changes)."""
    messages: list[dict[str, str]] = []
    for turn in turns:
        messages.append({"role": "user", "content": render_question(turn["asked"])})
        messages.append({"role": "assistant", "content": turn_message(turn, mode)})
    return messages


# --------------------------------------------------------------------------- the pipeline
def _load_pipeline(settings: Settings) -> Any:
    from newsqa.qa.pipeline import NewsQA

    return NewsQA.from_settings(settings)


def _when_kwargs(as_of: dt.date | None, within: DateRange | None) -> dict[str, Any]:
    """Only the time arguments that are set: a pipeline that takes none still answers without them."""
    return {k: v for k, v in (("as_of", as_of), ("within", within)) if v is not None}


class LiveQA:
    """The pipeline behind the UI; ``None`` until an index exists.

    Wraps a loaded ``NewsQA`` (or anything with ``ask(question)``), or loads one from
    ``settings`` as soon as the index folder holds an index (``serve --no-build`` with no
    index, then an upload on the archive tab).
    """

    def __init__(self, qa: Any = None, *, settings: Settings | None = None, loader: Callable[[Settings], Any] | None = None):
        self._qa = qa
        self.settings = settings if settings is not None else getattr(qa, "settings", None)
        self._loader = loader or _load_pipeline
        self._lock = threading.Lock()
        self._failed_pointer: float | None = None
        self._rewriter: tuple[int, Any] | None = None

    @property
    def qa(self) -> Any:
        if self._qa is None and self.settings is not None:
            self._try_load()
        return self._qa

    def _try_load(self) -> None:
        from newsqa.index.store import CURRENT_FILE

        pointer = Path(self.settings.index_path) / CURRENT_FILE
        try:
            mtime = pointer.stat().st_mtime_ns
        except OSError:
            return
        with self._lock:
            if self._qa is not None or mtime == self._failed_pointer:
                return
            try:
                self._qa = self._loader(self.settings)
                log.info("index found at %s: answering from it", self.settings.index_path)
            except Exception:  # noqa: BLE001 - keep serving the archive tab; retried when the index changes
                log.exception("could not load the index at %s", self.settings.index_path)
                self._failed_pointer = mtime

    @property
    def index(self) -> Any:
        return getattr(self.qa, "index", None)

    def refresh(self) -> None:
        qa = self.qa
        refresh = getattr(qa, "refresh", None)
        if callable(refresh):
            try:
                refresh()
            except Exception:  # noqa: BLE001
                log.exception("index refresh failed")

    def empty(self) -> bool:
        """True when there is no index, or one without documents."""
        qa = self.qa
        if qa is None:
            return True
        documents = getattr(getattr(qa, "index", None), "documents", None)
        return isinstance(documents, dict) and not documents

    def ask(self, question: str, as_of: dt.date | None = None, within: DateRange | None = None) -> Answer:
        """``qa.ask(question)`` (as of ``as_of``, only articles ``within``, when given);
        :class:`EmptyIndexError` when there is nothing to answer from."""
        question = validate_question(question)  # the one gate; an empty question is "empty", not "no index"
        qa = self.qa
        if qa is not None and not self.empty():
            return qa.ask(question, **_when_kwargs(as_of, within))
        raise EmptyIndexError()

    @property
    def streams(self) -> bool:
        """True when answers are written by a model and can be streamed as they are written."""
        qa = self.qa
        return bool(getattr(qa, "generative", False)) and callable(getattr(qa, "ask_stream", None))

    def ask_stream(
        self, question: str, as_of: dt.date | None = None, within: DateRange | None = None
    ) -> Iterator[Any]:
        """``qa.ask_stream(question)``: text pieces, then the ``Answer``; like :meth:`ask` otherwise."""
        question = validate_question(question)
        qa = self.qa
        if qa is not None and not self.empty():
            return qa.ask_stream(question, **_when_kwargs(as_of, within))
        raise EmptyIndexError()

    def rewriter(self) -> Any:
        """A FollowUpRewriter knowing the current index's titles (rebuilt when it changes)."""
        from newsqa.qa.followup import FollowUpRewriter

        index = self.index
        key = id(index)
        cached = self._rewriter
        if cached is None or cached[0] != key:
            documents = getattr(index, "documents", None)

            def titles() -> list[str]:
                return [d.title for d in documents.values()] if isinstance(documents, dict) else []

            rules = FollowUpRewriter(titles=titles)
            # With a generative answerer the model condenses follow-ups (the rules are its fallback).
            make = getattr(self.qa, "followup_rewriter", None)
            cached = self._rewriter = (key, make(rules) if callable(make) else rules)
        return cached[1]

    def get_document(self, doc_id: str) -> Document | None:
        getter = getattr(self.index, "get_document", None)
        return getter(doc_id) if callable(getter) else None

    def source_file(self, doc_id: str) -> str | None:
        doc = self.get_document(doc_id)
        return getattr(doc, "source_file", None) or (doc_id.split("#", 1)[0] if doc_id else None)


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
        bits.append(f"更新於 {_when(stats['built_at'])}")
    return "索引：" + " · ".join(escape(b) for b in bits) if bits else ""


def _when(iso: str) -> str:
    """``2024-05-01T08:30:00+00:00`` as local time ``2024-05-01 16:30`` (as given if unreadable)."""
    import datetime as dt

    try:
        return dt.datetime.fromisoformat(str(iso)).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return str(iso)


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
    about articles in the index (none if the index holds none of them, or there is none)."""
    if examples is not None:
        return [q for q in examples if q]
    if qa is None:
        return []
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


# --------------------------------------------------------------------------- archive rendering
def render_index_info(live: LiveQA) -> str:
    """The archive tab's header: the index's model, size and last update (Markdown, escaped)."""
    if live.qa is None:
        where = escape(live.settings.index_path) if live.settings is not None else ""
        return f"還沒有索引（{where}）。上傳文章後會自動建立。"
    line = _stats_line(live.qa)
    return line or "索引資訊不可用。"


def _table(live: LiveQA, search: str) -> tuple[list[list[Any]], list[tuple[str, str]]]:
    from newsqa.ui.archive import document_rows

    try:
        rows = document_rows(live.index, search or "")
        everything = document_rows(live.index) if search else rows
    except Exception:  # noqa: BLE001
        log.exception("listing documents failed")
        return [], []
    table = [[r.title, r.date, r.source, r.chunks, r.doc_id] for r in rows[:MAX_TABLE_ROWS]]
    choices = [(f"{r.title} ({r.doc_id})", r.doc_id) for r in everything]
    return table, choices


def render_ingest_status(status: Any) -> str:
    """The upload/indexing progress line (HTML, escaped)."""
    if status is None or status.state == "idle":
        return ""
    names = [Path(f).name for f in status.files]
    shown = "、".join(escape(n) for n in names[:5]) + (f" 等 {len(names)} 個" if len(names) > 5 else "")
    if status.state == "running":
        queued = f"（另有 {status.queued} 個等待中）" if status.queued else ""
        return (
            '<div class="nqa-ingest nqa-ingest-running" role="status">'
            '<progress aria-label="建立索引中"></progress> '
            f"建立索引中：{shown}{queued}，已 {status.elapsed():.0f} 秒。問答照常可用。</div>"
        )
    if status.state == "failed":
        return f'<div class="nqa-ingest nqa-ingest-failed" role="status">索引失敗：{escape(status.error)}</div>'
    failed = "".join(f"<li>{escape(Path(w).name)}：{escape(r)}</li>" for w, r in status.failed)
    failed = f"<ul>{failed}</ul>" if failed else ""
    return (
        '<div class="nqa-ingest nqa-ingest-done" role="status">'
        f"已加入索引：{status.added} 篇新文章、{status.updated} 篇更新、{status.unchanged} 篇未變"
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
    return f'<div class="nqa-edits-off" role="note">{escape(EDITS_OFF_MESSAGE)}</div>'


# --------------------------------------------------------------------------- app
def build_app(
    qa: Any,
    *,
    settings: Settings | None = None,
    examples: Sequence[str] | None = None,
    concurrency_limit: int | None = None,
    worker: Any = None,
    allow_edits: bool | None = None,
    startup_failures: Sequence[tuple[str, str]] = (),
) -> gr.Blocks:
    """The chat and archive tabs and the ``/ask`` API around ``qa`` (anything with
    ``ask(question)``, a :class:`LiveQA`, or ``None`` with ``settings``: no index yet).

    Pass ``APP_CSS`` to ``launch(css=...)`` for the chat's citation chips
    (:func:`serve` does); the sources panel is styled either way. The archive tab and
    the feedback log need ``settings`` (taken from ``qa.settings`` when not given).
    ``allow_edits``: whether visitors who are not logged in may upload and delete
    (default: ``settings.edits_allowed()``); a logged-in user always may.
    ``startup_failures``: ``(file, reason)`` pairs that ingest could not read at start-up,
    listed on the archive tab.
    """
    from newsqa.ui.archive import UPLOAD_SUFFIXES, IngestWorker

    from newsqa.feedback import FeedbackLog

    live = qa if isinstance(qa, LiveQA) else LiveQA(qa, settings=settings)
    settings = settings if settings is not None else live.settings
    if concurrency_limit is None:
        concurrency_limit = getattr(settings, "serve_concurrency", None) or DEFAULT_CONCURRENCY
    feedback = FeedbackLog(settings.resolve(settings.feedback_path)) if settings is not None else None
    if worker is None and settings is not None:
        worker = IngestWorker(settings, on_done=live.refresh)
    example_questions = _examples(live.qa, examples)
    limits = {"concurrency_limit": concurrency_limit, "concurrency_id": "newsqa-ask"}
    archive_limits = {"concurrency_limit": 1, "concurrency_id": "newsqa-archive"}
    max_upload = int(getattr(settings, "upload_max_bytes", 5_000_000) or 5_000_000)
    if allow_edits is None:
        allow_edits = bool(settings is not None and settings.edits_allowed())
    # With a login every visitor is logged in, so the page offers edits to all of them.
    editable = allow_edits or (settings is not None and _auth(settings) is not None)

    def _check_edit(request: gr.Request | None, action: str) -> None:
        """Refuse an archive edit unless edits are on or the caller is logged in (every call)."""
        if allow_edits or getattr(request, "username", None):
            return
        client = getattr(getattr(request, "client", None), "host", None)
        log.warning("refused an archive %s from %s: edits are off and the caller is not logged in", action, client)
        raise gr.Error(html.escape(EDITS_OFF_MESSAGE), title="無法修改", print_exception=False)

    def _ask(question: str, as_of: str | None = None, since: str | None = None, until: str | None = None) -> Answer:
        try:
            when = TimeFilter.parse(since, until, as_of)
            return live.ask(question, as_of=when.as_of, within=when.within)
        except ValueError as exc:  # the core's user-facing message (empty, too long, no index, a bad date...)
            # gr.Error renders its message as HTML: escape it (it may quote the question); quotes
            # need no escaping in text, and API clients read the message as it is.
            raise gr.Error(html.escape(str(exc), quote=False), print_exception=False) from None

    def ask_json(question: str, as_of: str | None = None) -> dict[str, Any]:
        """Answer one question; returns the `newsqa ask --json` object. `as_of` (YYYY-MM-DD,
        default today): the day 「去年」「上周」 are read against."""
        return _ask(question if question is not None else "", as_of).to_dict()

    def ask_within(question: str, as_of: str | None = None, since: str | None = None, until: str | None = None) -> dict[str, Any]:
        """Answer one question from the articles dated `since`…`until` only (YYYY-MM-DD, both
        included; either may be empty); `as_of` as for /ask_as_of."""
        return _ask(question if question is not None else "", as_of, since, until).to_dict()

    # ---------------------------------------------------------------- chat
    def chat(
        question: str | None, history: list[dict] | None, turns: list[dict] | None, mode: str | None,
        since: str | None = None, until: str | None = None, as_of: str | None = None,
    ) -> Iterator[tuple[Any, ...]]:
        # A rejected question becomes a warning toast, not gr.Error: in the page an
        # error also overlays every output component until dismissed.
        history = list(history or [])
        turns = list(turns or [])
        mode = mode or "auto"
        skip = gr.skip()
        try:  # control characters and undecodable text never reach the page or the core
            question = clean_question(question)
        except QuestionError as exc:
            gr.Warning(html.escape(str(exc)), title="無法回答")
            yield history, "", skip, skip, skip
            return
        try:  # a bad date: say which and what to do, keep the question, open the control
            when = TimeFilter.parse(since, until, as_of)
        except TimeFilterError as exc:
            script = mode if mode in ("hans", "hant") else detect_script(question)
            gr.Warning(html.escape(exc.message(script)), title="日期有誤")
            yield history, question, skip, skip, gr.Accordion(open=True)
            return
        pending = history + [{"role": "user", "content": render_question(question)}]
        if question.strip():  # echo at once; the answer follows
            yield pending, "", skip, skip, skip
        streamed = False
        try:
            standalone = question
            if turns and question.strip():
                # "today" for relative dates: the day set in 時間範圍, else the newest article cited so far.
                today = max((c.get("date") or "" for t in turns for c in t.get("citations") or []), default="")
                today = when.as_of.isoformat() if when.as_of else today
                try:
                    standalone = live.rewriter().run(
                        question, [(t["question"], t["answer"]) for t in turns], today=today or None
                    )
                except Exception:  # noqa: BLE001 - a follow-up rule must never cost the answer
                    log.exception("follow-up rewriting failed; asking the question as typed")
            if live.streams:
                answer = None
                rewritten = standalone.strip() if standalone != question else None
                script = detect_script(standalone)
                text = ""
                for event in live.ask_stream(standalone, as_of=when.as_of, within=when.within):
                    if not isinstance(event, str):
                        answer = event
                        continue
                    text += event
                    streamed = True
                    shown = display_text(text, mode)
                    message = render_message(shown, rewritten=rewritten, complete=False, when=when.to_dict(),
                                             script=mode if mode in ("hans", "hant") else script)
                    yield pending + [{"role": "assistant", "content": message}], "", skip, skip, skip
            else:
                answer = live.ask(standalone, as_of=when.as_of, within=when.within)
        except ValueError as exc:
            gr.Warning(html.escape(str(exc)), title="無法回答")
            yield history, question, skip, skip, skip  # roll back the echo, give the text back
            return
        citations = []
        for c in answer.citations:
            record = c.to_dict()
            record["source_file"] = live.source_file(c.doc_id)
            citations.append(record)
        turn_id = max((int(t["id"]) for t in turns), default=0) + 1
        turn = {
            "id": turn_id,
            "msg": len(pending),
            "asked": question,
            "question": standalone.strip() if standalone != question else question,
            "answer": answer.answer,
            "abstained": bool(answer.abstained),
            "script": getattr(answer, "script", None) or detect_script(answer.answer),
            "citations": citations,
            "latency_ms": float(getattr(answer, "latency_ms", 0.0) or 0.0),
            "cards": _cards(answer.citations, turn=turn_id, documents=live.get_document),
        }
        if when.active:
            turn["when"] = when.to_dict()
        fallback = getattr(answer, "fallback", None)
        if fallback:
            turn["notice"] = fallback if fallback in ("unverified", "model-refused") else "fallback"
        # A streamed answer is replaced by the checked one at once; an extractive one streams by clause.
        parts = [display_text(answer.answer, mode)] if streamed else clauses(display_text(answer.answer, mode))
        shown = ""
        for i, part in enumerate(parts):
            shown += part
            last = i + 1 == len(parts)
            message = {"role": "assistant", "content": turn_message(turn, mode, shown=shown, complete=last)}
            if last:
                turns.append(turn)
                yield pending + [message], "", render_panel(turns), turns, skip
            else:
                yield pending + [message], "", skip, skip, skip
                time.sleep(STREAM_DELAY)

    def rerender(turns: list[dict] | None, mode: str | None) -> list[dict[str, str]]:
        return render_chat(list(turns or []), mode or "auto")

    def on_like(turns: list[dict] | None, data: gr.LikeData) -> None:
        if feedback is None:
            return
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        turn = next((t for t in (turns or []) if t.get("msg") == index), None)
        if turn is None:
            gr.Warning("找不到這個回答（對話已清除？）", title="回饋")
            return
        liked = data.liked
        rating = "helpful" if liked in (True, "Like") else "wrong" if liked in (False, "Dislike") else "cleared"
        try:
            feedback.record(
                rating,
                question=turn["question"],
                asked=turn["asked"],
                answer=turn["answer"],
                abstained=turn["abstained"],
                citations=turn["citations"],
            )
        except OSError as exc:
            log.exception("could not write feedback")
            gr.Warning(html.escape(f"無法寫入回饋：{exc}"), title="回饋")
            return
        if rating != "cleared":
            gr.Info("已記錄：有幫助，謝謝！" if rating == "helpful" else "已記錄：答案有誤，謝謝！", duration=3)

    def pick_example(evt: gr.SelectData) -> str:
        value = evt.value
        return value.get("text", "") if isinstance(value, dict) else str(value or "")

    # ---------------------------------------------------------------- archive
    def _archive_outputs(search: str) -> tuple[Any, ...]:
        table, choices = _table(live, search)
        return (
            gr.Dataframe(value=table),
            gr.Dropdown(choices=choices, value=[]),
            render_index_info(live),
            gr.Column(visible=live.empty()),
            _stats_line(live.qa),
        )

    def on_load(search: str) -> tuple[Any, ...]:
        status = worker.status() if worker is not None else None
        running = bool(status and status.running)
        return (
            *_archive_outputs(search),
            gr.Chatbot(examples=[{"text": q} for q in _examples(live.qa, examples)] or None),
            render_ingest_status(status) if running else "",
            gr.Timer(active=running),
            status.batches if status is not None else 0,
        )

    def on_upload(files: list[str] | str | None, request: gr.Request) -> tuple[Any, ...]:
        from newsqa.ui.archive import UploadError, store_upload, uploads_dir

        _check_edit(request, "upload")
        if worker is None or settings is None:
            gr.Warning("這個頁面沒有設定檔，無法上傳", title="上傳")
            return None, gr.skip(), gr.skip()
        files = [files] if isinstance(files, str) else list(files or [])
        stored: list[Path] = []
        for file in files:
            path = Path(getattr(file, "name", file))
            try:
                stored.append(store_upload(path, path.name, uploads_dir(settings), max_bytes=max_upload))
            except UploadError as exc:
                gr.Warning(html.escape(str(exc)), title="無法上傳")
            except OSError as exc:
                log.exception("storing an upload failed")
                gr.Warning(html.escape(f"{path.name}: {exc}"), title="無法上傳")
        if not stored:
            return None, gr.skip(), gr.skip()
        status = worker.submit(stored)
        return None, render_ingest_status(status), gr.Timer(active=True)

    def on_tick(seen: int, search: str) -> tuple[Any, ...]:
        status = worker.status() if worker is not None else None
        if status is None:
            return ("", gr.Timer(active=False), *[gr.skip()] * 5, seen)
        if status.running:
            return (render_ingest_status(status), gr.skip(), *[gr.skip()] * 5, seen)
        if status.batches > (seen or 0):
            live.refresh()
            return (render_ingest_status(status), gr.Timer(active=False), *_archive_outputs(search), status.batches)
        return (render_ingest_status(status), gr.Timer(active=False), *[gr.skip()] * 5, seen)

    def on_search(search: str) -> Any:
        table, _ = _table(live, search)
        return gr.Dataframe(value=table)

    def on_pick(selected: list[str] | None, evt: gr.SelectData) -> Any:
        row = evt.row_value or []
        doc_id = row[-1] if row else None
        chosen = list(selected or [])
        if doc_id and doc_id not in chosen:
            chosen.append(doc_id)
        return gr.Dropdown(value=chosen)

    def on_delete(ids: list[str] | None, search: str, request: gr.Request) -> tuple[Any, ...]:
        from newsqa.index.store import NewsIndexError
        from newsqa.ingest.pipeline import delete_documents
        from newsqa.ui.archive import uploaded_files_to_remove, uploads_dir

        _check_edit(request, "delete")
        ids = [i for i in (ids or []) if i]
        if not ids:
            gr.Warning("請先選擇要刪除的文章（點表格的列或在清單中選）", title="刪除")
            return ("", *[gr.skip()] * 5)
        if settings is None:
            gr.Warning("這個頁面沒有設定檔，無法刪除", title="刪除")
            return ("", *[gr.skip()] * 5)
        before = live.index
        try:
            removed = delete_documents(ids, settings)
        except NewsIndexError as exc:
            gr.Warning(html.escape(str(exc)), title="無法刪除")
            return ("", *[gr.skip()] * 5)
        for path in uploaded_files_to_remove(before, removed, uploads_dir(settings), settings.corpus_path):
            try:
                path.unlink()
                log.info("removed the uploaded file %s", path)
            except OSError:
                log.warning("could not remove the uploaded file %s", path, exc_info=True)
        live.refresh()
        message = f'<div class="nqa-deleted" role="status">已刪除 {len(removed)} 篇：{escape("、".join(removed))}</div>'
        return (message, *_archive_outputs(search))

    # ---------------------------------------------------------------- layout
    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        turns_state = gr.State([])
        seen_batches = gr.State(0)
        gr.Markdown(f"# {TITLE}\n新聞問答：答案附 [n] 引用，點 [n] 看來源段落；「文章庫」可上傳與管理文章。")
        stats_md = gr.Markdown(_stats_line(live.qa), elem_id="nqa-stats")
        with gr.Tabs(selected="chat", elem_id="nqa-tabs") as tabs:
            with gr.Tab("問答", id="chat", elem_id="nqa-tab-chat"):
                with gr.Column(visible=live.empty(), elem_id="nqa-empty-notice") as empty_notice:
                    gr.Markdown(
                        "**索引裡還沒有文章。** 先到「文章庫」上傳新聞（.txt .md .html .json .jsonl），"
                        "建立索引後就能在這裡提問。",
                        elem_id="nqa-empty-text",
                    )
                    go_archive = gr.Button("前往文章庫上傳文章", variant="primary", elem_id="nqa-go-archive")
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3, min_width=360):
                        chatbot = gr.Chatbot(
                            label="對話",
                            height=520,
                            elem_id="nqa-chat",
                            examples=[{"text": q} for q in example_questions] or None,
                            placeholder="問一個關於新聞的問題，例如「上海自貿區是哪一天掛牌的？」；"
                            "追問可以直接說「那張江呢？」",
                            buttons=[],  # the answer's own 複製 button copies plain text, not the HTML
                            feedback_options=("Like", "Dislike"),
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
                        time_controls = build_time_controls()
                        script_mode = gr.Radio(
                            SCRIPT_CHOICES, value="auto", label="答案字體", elem_id="nqa-script",
                            info="自動：與問題相同；引用的原文不轉換",
                        )
                    with gr.Column(scale=2, min_width=320):
                        gr.Markdown("### 來源")
                        sources = gr.HTML(
                            _NO_SOURCES, css_template=_SOURCES_CSS, js_on_load=_CHIP_JS, elem_id="nqa-sources"
                        )

                with gr.Accordion("JSON（/ask API）", open=False):
                    gr.Markdown(
                        "與 `newsqa ask --json` 相同的物件；程式呼叫："
                        '`Client(url).predict("問題", api_name="/ask")`，或指定日期：'
                        '`Client(url).predict("去年…？", "2024-11-12", api_name="/ask_as_of")`；'
                        '只看某段期間的文章（as_of, since, until，可留空）：'
                        '`Client(url).predict("問題", "", "2023-01-01", "2023-12-31", api_name="/ask_within")`'
                    )
                    with gr.Row():
                        api_question = gr.Textbox(show_label=False, placeholder="問題", scale=5, elem_id="nqa-api-question")
                        api_as_of = gr.Textbox(
                            value="", show_label=False, placeholder="as_of：YYYY-MM-DD（預設今天）", scale=2,
                            elem_id="nqa-api-as-of",
                        )
                        api_since = gr.Textbox(value="", show_label=False, placeholder="since：YYYY-MM-DD", scale=2,
                                               elem_id="nqa-api-since")
                        api_until = gr.Textbox(value="", show_label=False, placeholder="until：YYYY-MM-DD", scale=2,
                                               elem_id="nqa-api-until")
                        api_send = gr.Button("查詢 JSON", scale=1, min_width=80)
                        api_plain = gr.Button(visible=False)  # the trigger of the one-input /ask API
                        api_as_of_only = gr.Button(visible=False)  # the trigger of /ask_as_of
                    api_output = gr.JSON(label="Answer", elem_id="nqa-api-output")

            with gr.Tab("文章庫", id="archive", elem_id="nqa-tab-archive"):
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
                doc_search = gr.Textbox(
                    label="搜尋", placeholder="標題、來源或 id（繁簡皆可）", elem_id="nqa-doc-search"
                )
                table0, choices0 = _table(live, "")
                doc_table = gr.Dataframe(
                    value=table0,
                    headers=["標題", "日期", "來源", "段數", "id"],
                    datatype=["str", "str", "str", "number", "str"],
                    type="array",
                    interactive=False,
                    wrap=True,
                    max_height=420,
                    elem_id="nqa-docs",
                    label="文章（點一列選取）",
                )
                with gr.Row():
                    to_delete = gr.Dropdown(
                        choices=choices0, value=[], multiselect=True, label="要刪除的文章",
                        interactive=editable, elem_id="nqa-delete-ids", scale=4,
                    )
                    delete_btn = gr.Button(
                        "刪除所選文章", variant="stop", interactive=editable, elem_id="nqa-delete", scale=1
                    )
                poll = gr.Timer(1.0, active=False)

        # ---------------------------------------------------------------- events
        chat_io = {
            "inputs": [question_box, chatbot, turns_state, script_mode, *time_controls.inputs],
            "outputs": [chatbot, question_box, sources, turns_state, time_controls.accordion],
        }
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
        chatbot.like(on_like, [turns_state], None, api_visibility="private", show_progress="hidden")
        chatbot.clear(
            lambda: (_NO_SOURCES, []), None, [sources, turns_state], api_visibility="private", queue=False
        )
        script_mode.change(rerender, [turns_state, script_mode], chatbot, api_visibility="private", queue=False)
        go_archive.click(lambda: gr.Tabs(selected="archive"), None, tabs, api_visibility="private", queue=False)

        archive_outputs = [doc_table, to_delete, index_info, empty_notice, stats_md]
        # Re-read on each page load (the index reloads live). Not `gr.Markdown(callable)`:
        # that registers a public `/lambda_N` API endpoint.
        demo.load(
            on_load,
            [doc_search],
            [*archive_outputs, chatbot, ingest_status, poll, seen_batches],
            api_visibility="private",
            queue=False,
        )
        upload.upload(
            on_upload, [upload], [upload, ingest_status, poll], api_visibility="private",
            show_progress="minimal", **archive_limits,
        )
        poll.tick(
            on_tick,
            [seen_batches, doc_search],
            [ingest_status, poll, *archive_outputs, seen_batches],
            api_visibility="private",
            show_progress="hidden",
            concurrency_limit=None,
        )
        gr.on(
            [doc_search.submit, doc_search.change], on_search, [doc_search], doc_table,
            api_visibility="private", queue=False, show_progress="hidden",
        )
        doc_table.select(on_pick, [to_delete], to_delete, api_visibility="private", queue=False)
        delete_btn.click(
            on_delete, [to_delete, doc_search], [delete_status, *archive_outputs],
            api_visibility="private", **archive_limits,
        )
        gr.on(
            [api_question.submit, api_send.click],
            ask_within,
            inputs=[api_question, api_as_of, api_since, api_until],
            outputs=api_output,
            api_name="ask_within",
            api_description="Answer one question from the articles dated since…until only (YYYY-MM-DD, "
            "both included; either may be empty), as of a day (empty: today); returns the "
            "`newsqa ask --json` object.",
            **limits,
        )
        # /ask and /ask_as_of keep their inputs, so clients written for them go on working.
        api_as_of_only.click(
            ask_json,
            inputs=[api_question, api_as_of],
            outputs=api_output,
            api_name="ask_as_of",
            api_description="Answer one question as of a day (YYYY-MM-DD; empty: today); returns the "
            "`newsqa ask --json` object.",
            **limits,
        )
        # /ask keeps its one input, so clients that post only the question (raw HTTP posts
        # every input) go on working; /ask_as_of adds the day.
        api_plain.click(
            ask_json, inputs=[api_question], outputs=api_output, api_name="ask",
            api_description="Answer one question; returns the `newsqa ask --json` object.",
            **limits,
        )
    demo.newsqa_worker = worker  # type: ignore[attr-defined] - for tests and scripts
    return demo


# --------------------------------------------------------------------------- serve
def _warm_up(qa: Any) -> None:
    """Load lazily-loaded models now: the first visitor does not wait, and a missing
    model fails ``serve`` at once with the core's message instead of every question."""
    warmup = getattr(qa, "warmup", None)
    if callable(warmup):
        warmup()
        return
    embedder = getattr(getattr(qa, "index", None), "embedder", None)
    if embedder is not None:
        warm = getattr(embedder, "warmup", None)
        if callable(warm):
            warm()  # the question encoder: ONNX, or torch's model
        else:
            getattr(embedder, "model", None)  # the property loads the model once


def _auth(settings: Settings) -> tuple[str, str] | None:
    user = getattr(settings, "serve_auth_user", None)
    secret = getattr(settings, "serve_auth_password", None)
    password = secret.get_secret_value() if hasattr(secret, "get_secret_value") else secret
    return (user, password) if user and password else None


def serve(
    settings: Settings,
    host: str | None = None,
    port: int | None = None,
    *,
    block: bool = True,
    loader: Callable[[Settings], Any] | None = None,
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
    from newsqa.config import is_loopback
    from newsqa.index.store import IndexNotFoundError

    host = host or settings.serve_host
    port = settings.serve_port if port is None else port
    auth = _auth(settings)
    if host in {"0.0.0.0", "::", ""}:
        log.warning(
            "serving on %s: the UI is reachable from other machines%s",
            host or "all interfaces",
            "" if auth else " and has no authentication (set NEWSQA_SERVE_AUTH_USER and NEWSQA_SERVE_AUTH_PASSWORD)",
        )
    allow_edits = settings.edits_allowed(host)
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
    started = time.perf_counter()
    load = loader or _load_pipeline
    try:
        qa = load(settings)
    except IndexNotFoundError:
        log.warning(
            "no index at %s: the UI starts empty; upload articles on its 文章庫 tab "
            "(or run `newsqa ingest PATH…`)", settings.index_path,
        )
        qa = None
    if qa is not None:
        _warm_up(qa)
        log.info("pipeline loaded from %s in %.1f s", settings.index_path, time.perf_counter() - started)
    live = LiveQA(qa, settings=settings, loader=load)
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
        max_file_size=int(getattr(settings, "upload_max_bytes", 0) or 0) or None,
    )
    log.info("newsqa UI on %s (API: /ask)%s", local_url, " with login" if auth else "")
    if block:
        try:
            demo.block_thread()
        finally:
            demo.close()
    return demo
