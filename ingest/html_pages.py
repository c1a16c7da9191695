"""HTML pages → the article they hold (``parse_html``), and HTML markup → text (``html_to_text``).

The page is parsed with selectolax (lexbor, a real HTML5 parser): scripts, styles, page
chrome (nav/header/footer/aside/form) and blocks whose class or id says nav, menu, footer,
breadcrumb, share, comment, related, ad… are dropped; the text comes from
``<article>``/``<main>`` (or ``itemprop=articleBody``), else from the block with the most
paragraph text; paragraphs are separated by blank lines. A page nested deeper than
``MAX_HTML_DEPTH`` is refused before parsing (``HtmlTooDeepError``).

Example::

    doc = parse_html(page, "page.html")
    html_to_text("<p>第一段</p><p>第二段</p>")   # "第一段\n\n第二段"
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from newsqa.dates import find_date, find_dateline, find_dateline_partial, normalize_date
from newsqa.ingest.parsers import DateDefaults, title_from_body
from newsqa.ingest.readers import IngestError
from newsqa.types import Document


def collapse_whitespace(text: str) -> str:
    """Runs of whitespace as one space, none at the ends (titles, sources)."""
    return re.sub(r"\s+", " ", text).strip()


_DROP_TAGS = (
    "script", "style", "noscript", "template", "iframe", "svg", "canvas", "object", "embed",
    "button", "select", "input", "textarea", "link", "meta",
)
_CHROME_TAGS = ("nav", "aside", "form", "header", "footer", "dialog")
_BOILERPLATE_TOKENS = frozenset(
    """
    nav navbar navigation menu menus submenu footer foot breadcrumb breadcrumbs crumb crumbs
    share sharing social bshare jiathis comment comments pinglun related relate relates xgxw
    recommend recommended recommendation tuijian ad ads advert adverts advertisement adsbygoogle
    guanggao banner sponsor sponsored sidebar widget toolbar pagination pager copyright
    subscribe newsletter login signin popup modal cookie cookies hotnews ranking
    """.split()
)
_BYLINE_TOKENS = frozenset(
    "byline meta info date time pubtime pubdate publish source author editor writer laiyuan".split()
)
_KEEP_TAGS = frozenset({"html", "body", "article", "main"})
_BLOCK_TAGS = frozenset(
    """
    p div section article main header footer h1 h2 h3 h4 h5 h6 ul ol li blockquote pre table
    thead tbody tfoot tr td th dl dt dd figure figcaption address hr center caption details summary
    """.split()
)
_SKIP_TAGS = frozenset({"-comment", "img", "picture", "video", "audio", "source", "track", "map", "area"})
_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
_CJK_NEWLINE = re.compile(rf"(?<=[{_CJK}])[ \t\r\f\v]*\n\s*(?=[{_CJK}])")
_EDITOR_LINE = re.compile(r"^[（(\[【]?\s*(?:责任编辑|責任編輯|责编|責編|编辑|編輯)\s*[：:]")
_SOURCE_IN_TEXT = re.compile(r"(?:来源|來源|稿源|出处|出處)\s*[：:]\s*([^\s|｜/，,。]{2,20})")
_TITLE_SEPARATORS = re.compile(r"\s+[-–—]\s+|\s*[_|｜]\s*|\s*--\s*")
_DATE_META = (
    "article:published_time", "og:published_time", "og:article:published_time", "pubdate", "publishdate",
    "publish_date", "publishtime", "publish-date", "datepublished", "date", "dc.date", "dc.date.issued",
    "dcterms.date", "sailthru.date", "article.published", "parsely-pub-date", "og:release_date",
)
_SOURCE_META = ("source", "og:site_name", "sitename", "site_name", "application-name")
_AUTHOR_META = ("author", "article:author", "publisher", "dc.publisher", "citation_publisher")

# Deeper pages are refused before parsing: lexbor's tree building is quadratic in the nesting
# (100,000 nested <div>s, a 1 MB file, take ~20 s to parse), and no article page comes near it
# (browsers stop nesting at 512).
MAX_HTML_DEPTH = 5_000
_VOID_TAGS = frozenset(
    "area base basefont bgsound br col embed frame hr img input keygen link meta param source track wbr".split()
)
_HTML_TOKEN = re.compile(
    r"<!--.*?(?:-->|\Z)"  # a comment
    r"|<(script|style|textarea|title|xmp|iframe|noembed|noframes)\b.*?(?:</\1\s*>|\Z)"  # no markup inside
    r"|<(/?)([A-Za-z][^\s/>]*)[^>]*?(/?)>",
    re.DOTALL | re.IGNORECASE,
)
_CLOSES_P = frozenset(
    """
    address article aside blockquote center details dialog dir div dl fieldset figcaption figure footer
    form h1 h2 h3 h4 h5 h6 header hgroup hr main menu nav ol p pre section summary table ul li dd dt
    """.split()
)
_HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
# An opening tag closes these when they are the innermost open element (HTML's implied end tags).
_IMPLIED_CLOSE = {
    "li": frozenset({"li"}),
    "dt": frozenset({"dt", "dd"}),
    "dd": frozenset({"dt", "dd"}),
    "tr": frozenset({"td", "th", "tr"}),
    "td": frozenset({"td", "th"}),
    "th": frozenset({"td", "th"}),
    **dict.fromkeys(("thead", "tbody", "tfoot"), frozenset({"td", "th", "tr", "thead", "tbody", "tfoot"})),
    "option": frozenset({"option"}),
    "optgroup": frozenset({"option", "optgroup"}),
    **dict.fromkeys(("rb", "rt", "rp", "rtc"), frozenset({"rb", "rt", "rp", "rtc"})),
    **{tag: frozenset({tag}) for tag in ("a", "button", "nobr", "form")},
    **dict.fromkeys(_HEADINGS, _HEADINGS),
}


def _tokens(node) -> set[str]:
    attrs = node.attributes
    raw = f"{attrs.get('class') or ''} {attrs.get('id') or ''}"
    if not raw.strip():
        return set()
    raw = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", raw)  # shareBox → share Box
    return set(re.split(r"[^a-z0-9]+", raw.lower())) - {""}


def _text_len(node) -> int:
    return len(re.sub(r"\s+", "", node.text(deep=True)))


def _contains_key_content(node) -> bool:
    return node.css_first("article, main, [itemprop=articleBody]") is not None


def _metas(tree) -> dict[str, str]:
    out: dict[str, str] = {}
    for meta in tree.css("meta"):
        attrs = meta.attributes
        key = (attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or "").strip().lower()
        value = (attrs.get("content") or "").strip()
        if key and value and key not in out:
            out[key] = value
    return out


def _canonical_url(tree, metas: dict[str, str]) -> str | None:
    for link in tree.css("link"):
        if "canonical" in (link.attributes.get("rel") or "").lower().split():
            href = (link.attributes.get("href") or "").strip()
            if re.match(r"https?://", href, re.IGNORECASE):
                return href
    og = metas.get("og:url", "")
    return og if re.match(r"https?://", og, re.IGNORECASE) else None


def strip_site_suffix(title: str) -> str:
    """「标题_新浪网」 → 「标题」, 「标题 - 人民网」 → 「标题」 (the part before the first separator)."""
    parts = [p.strip() for p in _TITLE_SEPARATORS.split(title) if p and p.strip()]
    if len(parts) < 2:
        return title.strip()
    return parts[0] if len(parts[0]) >= 4 else max(parts, key=len)


class HtmlTooDeepError(ValueError):
    """An HTML text nests more than ``MAX_HTML_DEPTH`` elements deep (the message says so)."""


def html_nesting_depth(html: str, stop_after: int | None = None) -> int:
    """How deep the elements of ``html`` nest, estimated from its tags without parsing it.

    Void elements (``<br>``, ``<img>``…), comments and the insides of ``<script>``/``<style>``
    do not count; an opening tag closes what HTML implicitly closes (``<p>`` before a block,
    ``<li>`` before ``<li>``, cells and rows of a table…), and an end tag closes up to its
    element. Stops counting once the depth passes ``stop_after``.
    """
    stack: list[str] = []
    open_count: dict[str, int] = {}
    foreign = 0  # open <svg>/<math>: a self-closing tag there really closes itself
    deepest = 0
    for match in _HTML_TOKEN.finditer(html):
        if match.group(3) is None:  # a comment, or an element holding text only (<script>…)
            if match.group(1):
                deepest = max(deepest, len(stack) + 1)
            continue
        tag = match.group(3).lower()
        if match.group(2):  # an end tag: closes its element and whatever is still open inside it
            if open_count.get(tag):
                while True:
                    top = stack.pop()
                    open_count[top] -= 1
                    foreign -= top in ("svg", "math")
                    if top == tag:
                        break
            continue
        if tag in _VOID_TAGS or (match.group(4) and foreign):
            continue
        closes = _IMPLIED_CLOSE.get(tag, frozenset())
        while stack and (stack[-1] in closes or (stack[-1] == "p" and tag in _CLOSES_P)):
            top = stack.pop()
            open_count[top] -= 1
        stack.append(tag)
        open_count[tag] = open_count.get(tag, 0) + 1
        foreign += tag in ("svg", "math")
        if len(stack) > deepest:
            deepest = len(stack)
            if stop_after is not None and deepest > stop_after:
                break
    return deepest


def _check_depth(html: str) -> None:
    """Raise ``HtmlTooDeepError`` for HTML nested deeper than ``MAX_HTML_DEPTH``."""
    if html.count("<") <= MAX_HTML_DEPTH:
        return
    if html_nesting_depth(html, stop_after=MAX_HTML_DEPTH) > MAX_HTML_DEPTH:
        raise HtmlTooDeepError(
            f"its HTML nests elements more than {MAX_HTML_DEPTH:,} levels deep, too deep to read as "
            "an article page (real pages nest a few dozen)"
        )


def parse_html(html: str, name: str, dates: DateDefaults | None = None) -> Document:
    """The article in an HTML page as a ``Document``; raises ``IngestError`` when it has no text.

    Title: ``og:title``, else the first ``<h1>``, else ``<title>`` (without a site suffix
    such as 「_新浪网」 when there is no ``<h1>``). Date: ``article:published_time`` and
    similar meta tags (``pubdate``, ``publishdate``, ``date``…), else ``<time datetime>``,
    else a date near the top of the text (a dateline without a year takes the year of
    ``dates``, never one mentioned on the page; else ``dates.date``). Source: meta ``source``, ``og:site_name``,
    「来源：…」 near the top, else an author/publisher meta. URL: ``<link rel=canonical>``
    or ``og:url``.
    """
    from selectolax.lexbor import LexborHTMLParser

    try:
        _check_depth(html)
    except HtmlTooDeepError as exc:
        raise IngestError(name, str(exc)) from exc
    tree = LexborHTMLParser(html)
    metas = _metas(tree)
    title_tag = tree.css_first("title")
    title_text = collapse_whitespace(title_tag.text()) if title_tag is not None else ""
    url = _canonical_url(tree, metas)
    body = tree.body
    if body is None:
        raise IngestError(name, "no article text in the HTML")

    tree.strip_tags(list(_DROP_TAGS))
    _remove_chrome(body)

    root = _content_root(body)
    h1 = root.css_first("h1")
    if h1 is None:
        h1 = body.css_first("h1")
    h1_text = collapse_whitespace(h1.text()) if h1 is not None else ""

    # the top of the page's text (from the headline on) holds the byline: date and 来源
    page_text = html_to_text(body)
    at = page_text.find(h1_text) if h1_text else -1
    top = page_text[at + len(h1_text) if at >= 0 else 0 :][:300]

    time_node = root.css_first("time[datetime]") or body.css_first("time[datetime]")
    metadata: dict[str, Any] = {"format": "html"}
    date = _page_date(metas, time_node, top, dates or DateDefaults(), metadata)
    source = _page_source(metas, top)

    _remove_headline_and_byline(root)
    paragraphs = html_to_text(root).split("\n\n")
    while paragraphs and _EDITOR_LINE.match(paragraphs[-1]):
        paragraphs.pop()
    text = "\n\n".join(paragraphs).strip()
    if not text:
        raise IngestError(name, "no article text in the HTML")

    og_title = collapse_whitespace(metas.get("og:title", ""))
    title = og_title or h1_text or title_text
    if not h1_text and title:
        title = strip_site_suffix(title)
    title = title or title_from_body(text)
    return Document(
        doc_id=url or name,
        title=title,
        text=text,
        date=date,
        source=collapse_whitespace(source) if source else None,
        url=url,
        source_file=name,
        metadata=metadata,
    )


def _page_date(metas: dict[str, str], time_node, top: str, dates: DateDefaults, metadata: dict[str, Any]) -> str | None:
    """The page's date: a date meta tag, else ``<time datetime>``, else a date at the ``top`` of
    its text (a dateline without a year takes the year of ``dates``), else ``dates.date``.
    Where a date came from goes into ``metadata`` (``date_from``, ``year_from``)."""
    date = None
    for key in _DATE_META:
        if key in metas:
            date = normalize_date(metas[key])
            if date:
                break
    if date is None and time_node is not None:
        date = normalize_date(time_node.attributes.get("datetime") or "") or normalize_date(time_node.text())
    if date is None:
        date = find_dateline(top) or find_date(top[:150])
        partial = find_dateline_partial(top) if date is None and dates else None
        if partial is not None:
            date = dates.resolve(partial)
            if date:
                metadata["year_from"] = "option"
        if date:
            metadata["date_from"] = "text"
    if date is None and dates.date:
        date, metadata["date_from"] = dates.date, "option"
    return date


def _page_source(metas: dict[str, str], top: str) -> str | None:
    """The outlet: meta ``source``/``og:site_name``, else 「来源：…」 at the ``top`` of the text,
    else an author/publisher meta that is not a link."""
    source = next((metas[k] for k in _SOURCE_META[:2] if metas.get(k)), None)
    if source is None:
        m = _SOURCE_IN_TEXT.search(top)
        source = m.group(1) if m else None
    if source is None:
        source = next(
            (metas[k] for k in _SOURCE_META[2:] + _AUTHOR_META if metas.get(k) and not metas[k].startswith("http")),
            None,
        )
    return source


def _remove_headline_and_byline(root) -> None:
    """The article's own headline and byline are metadata, not body text: remove them."""
    doomed = [n for n in (root.css_first("h1"),) if n is not None]
    doomed += root.css("header, footer")
    doomed += [n for n in root.css("time") if _text_len(n) <= 40]
    doomed += [
        n
        for n in root.css("div, p, span, section, ul, dl")
        if _tokens(n) & _BYLINE_TOKENS and _text_len(n) <= 120 and n.css_first("p") is None
    ]
    _decompose_all([n for n in doomed if n.mem_id != root.mem_id])


def _ancestors(node):
    parent = node.parent
    while parent is not None:
        yield parent
        parent = parent.parent


def _decompose_all(nodes) -> None:
    """Remove ``nodes`` from the tree. All checks happen first: a removed node's
    descendants are freed with it and must not be touched afterwards."""
    ids = {n.mem_id for n in nodes}
    tops = [n for n in nodes if not any(a.mem_id in ids for a in _ancestors(n))]
    for node in tops:
        node.decompose()


def _remove_chrome(body) -> None:
    """Drop page chrome: nav/aside/form (and header/footer outside the article), boilerplate blocks."""
    total = max(1, _text_len(body))
    doomed = []
    for node in body.css(", ".join(_CHROME_TAGS)):
        if node.tag in ("header", "footer") and _inside_article(node):
            continue
        if not _contains_key_content(node):
            doomed.append(node)
    for node in body.css("[class], [id]"):
        if node.tag in _KEEP_TAGS or not (_tokens(node) & _BOILERPLATE_TOKENS):
            continue
        if _contains_key_content(node) or _text_len(node) > 0.5 * total:
            continue
        doomed.append(node)
    _decompose_all(doomed)


def _inside_article(node) -> bool:
    return any(
        a.tag in ("article", "main") or a.attributes.get("itemprop") == "articleBody" for a in _ancestors(node)
    )


def _content_root(body):
    """``[itemprop=articleBody]`` / ``<article>`` / ``<main>`` when they hold the text, else the densest block."""
    dense, dense_score = body, 0
    for node in body.css("div, section, article, main, td, blockquote"):
        score = 0  # the text of its own paragraphs and loose text (not of nested blocks, not of links)
        for child in node.iter(include_text=True):
            if child.tag == "-text":
                score += len(child.text(deep=False).strip())
            elif child.tag == "p" or child.tag not in _BLOCK_TAGS and child.tag not in _SKIP_TAGS and child.tag != "a":
                score += _text_len(child)
        if score > dense_score:
            dense, dense_score = node, score
    for selector in ("[itemprop=articleBody]", "article", "main", "[role=main]"):
        nodes = body.css(selector)
        if nodes:
            best = max(nodes, key=_text_len)
            if _text_len(best) >= 0.5 * dense_score and _text_len(best) > 0:
                return best
    return dense if dense_score >= 20 else body


def html_to_text(html_or_node) -> str:
    """Visible text with one blank line between blocks (paragraphs); entities are unescaped.

    Accepts an HTML string (e.g. a JSON ``content`` field holding ``<p>`` markup; one nested
    deeper than ``MAX_HTML_DEPTH`` raises ``HtmlTooDeepError``) or a selectolax node. Whitespace inside a paragraph collapses to one space, and a line
    break between two CJK characters disappears (it is layout, not a word gap).
    """
    if isinstance(html_or_node, str):
        from selectolax.lexbor import LexborHTMLParser

        _check_depth(html_or_node)
        tree = LexborHTMLParser(html_or_node)
        tree.strip_tags(list(_DROP_TAGS))
        node = tree.body
        if node is None:
            return ""
    else:
        node = html_or_node
    paragraphs: list[str] = []
    buffer: list[str] = []

    def flush() -> None:
        if not buffer:
            return
        raw = "".join(buffer)
        buffer.clear()
        raw = _CJK_NEWLINE.sub("", raw)
        para = re.sub(r"[ \t\r\n\f\v\xa0]+", " ", raw).strip(" \u3000\xa0")
        if para:
            paragraphs.append(para)

    # Depth-first over an explicit stack (a page may nest thousands of elements: no recursion).
    # Each frame: the element's children still to visit, and whether it is a block (a
    # paragraph break after it).
    stack: list[tuple[Iterator, bool]] = [(node.iter(include_text=True), False)]
    while stack:
        children, block = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            if block:
                flush()
            continue
        tag = child.tag
        if tag == "-text":
            buffer.append(child.text(deep=False))
        elif tag in _SKIP_TAGS or tag in _DROP_TAGS:
            continue
        elif tag == "br":
            flush()
        elif tag in _BLOCK_TAGS:
            flush()
            stack.append((child.iter(include_text=True), True))
        else:
            stack.append((child.iter(include_text=True), False))
    flush()
    return "\n\n".join(paragraphs)
