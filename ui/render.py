"""The chat's HTML: answers with ``[n]`` chips, source cards, the sources panel, highlights.

Pure functions from strings and :class:`~newsqa.types.Citation` /
:class:`~newsqa.types.Document` to HTML; no Gradio, no core. Every string that comes from
an article or from the user goes through :func:`escape` before it reaches an HTML or
Markdown component, so an article that contains ``<script>alert(1)</script>`` is shown as
those characters.

Example::

    render_answer("2013年9月29日掛牌。[1]", turn=1)
    # '<div class="nqa-answer">2013年9月29日掛牌。<a class="nqa-cite" href="#nqa-src-1-1" …>1</a></div>'
    render_sources(answer.citations, turn=1, documents=core.get_document)
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from newsqa.script import detect_script, to_script
from newsqa.ui.time_controls import TimeFilter

if TYPE_CHECKING:  # pragma: no cover
    from newsqa.types import Citation, Document

log = logging.getLogger(__name__)

#: Characters of article text shown on either side of a passage in its paragraph.
PARAGRAPH_CONTEXT_CHARS = 400


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


#: The sources panel before the first answer.
NO_SOURCES = '<div class="nqa-sources"><p class="nqa-empty">問答後，引用的新聞段落會列在這裡。</p></div>'


def escape(text: object) -> str:
    """HTML-escape ``text`` (quotes included) and neutralise Markdown/template syntax, in one
    pass: escaping first and then the Markdown characters turned the ``#`` of ``&#x27;`` into
    ``&#35;``, and readers saw 「D&#x27;Art」."""
    return ("" if text is None else str(text)).translate(_ESCAPES)


def _escape_lines(text: str) -> str:
    # Newlines become <br> so a multi-line answer stays inside one HTML block
    # (Markdown leaves the inside of an HTML block alone).
    return "<br>".join(escape(line) for line in text.splitlines() or [""])


def card_id(turn: int | None, n: int | str) -> str:
    """The id of source card ``n`` of answer ``turn`` (what chips and the timeline link to)."""
    return f"nqa-src-{int(turn)}-{int(n)}" if turn is not None else f"nqa-src-{int(n)}"


def _chip(n: str, turn: int | None) -> str:
    target = card_id(turn, n)
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
    """The user's question as a chat bubble (escaped)."""
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


#: Stands for the cited passage in its paragraph's fold (the card already shows it).
PASSAGE_GAP = '<span class="nqa-gap">〔引文〕</span>'


def render_paragraph(citation: Citation | Mapping[str, Any], document: Document | None) -> str:
    """What the paragraph of ``document`` says around the cited passage (escaped): the text
    before and after it, the passage itself, which its card already shows, given as
    〔引文〕 (a phone does not scroll through it twice); "" when the passage is the whole
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
    return f'<span class="nqa-ctx">{escape(before)}</span>{PASSAGE_GAP}<span class="nqa-ctx">{escape(after)}</span>'


def _citation_dict(citation: Citation | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(citation, Mapping):
        return dict(citation)
    return citation.to_dict()


def render_card(citation: Citation | Mapping[str, Any], *, turn: int | None = None, paragraph: str = "") -> str:
    """One source card: number, headline, date · outlet, the passage with the cited sentence
    marked and (when known) the surrounding paragraph, collapsed."""
    c = _citation_dict(citation)
    n = int(c["n"])
    anchor = card_id(turn, n)
    meta = " · ".join(escape(x) for x in (c.get("date"), c.get("source")) if x)
    context = (
        f'<details class="nqa-context"><summary>段落（引文前後）</summary><p class="nqa-paragraph">{paragraph}</p></details>'
        if paragraph
        else ""
    )
    return (
        f'<article class="nqa-source" id="{anchor}">'
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
    body = render_cards(citations, turn=turn, documents=documents)
    footer = f'<p class="nqa-latency">{latency_ms:.0f} ms</p>' if latency_ms is not None else ""
    return f'<div class="nqa-sources">{body}{footer}</div>'


def render_timeline(citations: Sequence[Citation | Mapping[str, Any]], *, turn: int | None) -> str:
    """The cited articles by date, oldest first (「2023-07-28 [1] 杜苏芮…」, each number a link
    to its card), when an answer cites two or more dated articles; "" otherwise."""
    dated: dict[tuple[str, str], list[int]] = {}
    titles: dict[tuple[str, str], str] = {}
    for citation in citations:
        c = _citation_dict(citation)
        if not c.get("date"):
            continue
        key = (str(c["date"]), str(c.get("doc_id")))
        dated.setdefault(key, []).append(int(c["n"]))
        titles.setdefault(key, c.get("title") or "")
    if len({doc for _, doc in dated}) < 2:
        return ""
    items = []
    for key in sorted(dated):
        links = "".join(
            f'<a class="nqa-tl-n" href="#{card_id(turn, n)}">[{n}]</a>'
            for n in dated[key]
        )
        items.append(f'<li><time datetime="{escape(key[0])}">{escape(key[0])}</time>{links}'
                     f'<span class="nqa-tl-title">{escape(titles[key])}</span></li>')
    return f'<ol class="nqa-timeline" aria-label="時間線">{"".join(items)}</ol>'


def render_cards(
    citations: Sequence[Citation | Mapping[str, Any]],
    *,
    turn: int | None,
    documents: Callable[[str], Document | None] | None,
) -> str:
    """The cited articles by date (``render_timeline``, when two or more are dated), then
    one card per citation (with its paragraph when ``documents`` knows the article); or a
    line saying the answer cites nothing."""
    if not citations:
        return '<p class="nqa-empty">這個回答沒有引用來源。</p>'
    cards = [render_timeline(citations, turn=turn)]
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


def render_panel(turns: Sequence[Mapping[str, Any]], *, show_latency: bool = True) -> str:
    """The sources panel for a conversation: the newest answer's sources open, earlier
    answers' collapsed (a chip of an earlier answer opens them); ``show_latency``: the
    newest answer's latency under its sources (a developer's figure: ``ui_debug``)."""
    if not turns:
        return NO_SOURCES
    sections = []
    for i, turn in enumerate(reversed(turns)):
        latency = turn.get("latency_ms")
        shown = show_latency and i == 0 and latency is not None
        footer = f'<p class="nqa-latency">{latency:.0f} ms</p>' if shown else ""
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
