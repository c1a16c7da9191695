"""The page at phone and tablet widths, earlier chats kept in the browser, and the archive's
filters and 「重新索引」, in a real Chromium against a real ``newsqa serve``.

- **Phone (390×844)**: the question box is on screen when the page opens; 送出 and 停止 stay
  on its line; the sources are a
  drawer: hidden until an [n] chip is tapped, then the cited card is on screen *without the
  page scrolling away from the answer*; 「關閉」 closes it; nothing is wider than the screen.
- **Tablet (768×1024)**: sources beside the chat; a chip brings its card into view.
- **Every label Chinese, every text AA**: on the rendered page (chat with a source open, and
  the archive), in a zh-TW and an English browser, light and dark: no English word outside the
  articles' own text, no text below WCAG AA contrast.
- **Earlier chats**: a new chat, the previous one listed under 「先前的對話」 and brought back
  with its sources, still there after a reload (localStorage), gone after 「清除紀錄」.
- **Archive**: the 來源 filter and a 從/到 date range narrow the table; a file added to the
  corpus folder and one removed from it are picked up by 「重新索引」.

Screenshots for a person to compare go to ``test-artifacts/`` (phone-answer.png,
phone-drawer.png, tablet-answer.png, archive-filtered.png).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ANSWER_TIMEOUT_MS = 30_000
BOT_MESSAGES = '#nqa-chat [data-testid="bot"]'
SOURCES = "#nqa-sources"


def _ask(page: Page, question: str, expect_text: str = "", *, cited: bool = True) -> Locator:
    """Send ``question`` and wait until its answer (with a chip, unless ``cited`` is False: an
    answer under a date range may cite nothing) and its sources are shown."""
    bots = page.locator(BOT_MESSAGES)
    before = bots.count()
    box = page.locator("#nqa-question textarea")
    box.fill(question)
    box.press("Enter")
    expect(bots).to_have_count(before + 1, timeout=ANSWER_TIMEOUT_MS)
    answer = bots.nth(before)
    expect(answer).to_contain_text(expect_text, timeout=ANSWER_TIMEOUT_MS)
    if cited:
        expect(answer.locator(".nqa-cite").first).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    expect(page.locator(f"{SOURCES} details.nqa-turn")).to_have_count(before + 1, timeout=ANSWER_TIMEOUT_MS)
    return answer


def _shot(page: Page, root: Path, name: str, full_page: bool = False) -> None:
    out = root / "test-artifacts" / name
    out.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out), full_page=full_page)


def _no_sideways_scroll(page: Page) -> None:
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the page is {overflow}px wider than the screen"


def test_phone_keeps_the_buttons_on_the_line_and_shows_sources_in_a_drawer(
    page_at, server_url: str, pytestconfig: pytest.Config
) -> None:
    page = page_at(server_url, 390, 844)
    # the tabs, the chat and the question box fit on the screen together
    expect(page.locator("button[role=tab]", has_text="問答")).to_be_in_viewport()
    expect(page.locator("#nqa-question textarea")).to_be_in_viewport()
    box = page.locator("#nqa-question").bounding_box()
    for button in ("#nqa-send", "#nqa-stop"):
        place = page.locator(button).bounding_box()
        assert place["y"] < box["y"] + box["height"] and place["y"] + place["height"] > box["y"], (button, place, box)
        assert place["x"] >= box["x"] + box["width"] - 1, (button, place, box)  # beside the box, not under it
    drawer = page.locator("#nqa-sources-col")
    expect(drawer).not_to_be_in_viewport()  # the sources do not sit under the chat

    answer = _ask(page, "新總館共有多少個閱覽座位？", "一千二百個")
    expect(page.locator("#nqa-sources-open")).to_be_visible()  # 「來源」 once there are sources
    _shot(page, pytestconfig.rootpath, "phone-answer.png")
    scrolled = page.evaluate("() => window.scrollY")
    chip = answer.locator(".nqa-cite").first
    card = page.locator(f"{SOURCES} #nqa-src-1-{chip.text_content()}")
    chip.click()
    expect(card).to_have_class(re.compile(r"\bnqa-focus\b"))
    expect(card).to_be_in_viewport()
    expect(card.locator(".nqa-passage mark")).to_contain_text("閱覽座位一千二百個")
    assert abs(page.evaluate("() => window.scrollY") - scrolled) < 40, "tapping [n] scrolled the page away"
    expect(answer).to_be_in_viewport()  # the answer is still there, under the drawer
    _no_sideways_scroll(page)
    page.wait_for_timeout(400)  # the drawer's slide
    _shot(page, pytestconfig.rootpath, "phone-drawer.png")

    page.locator("#nqa-sources-close").click()
    expect(card).not_to_be_in_viewport()
    page.locator("#nqa-sources-open").click()  # 「來源」 opens it again
    expect(page.locator("#nqa-sources-close")).to_be_in_viewport()
    page.keyboard.press("Escape")
    expect(page.locator("#nqa-sources-close")).not_to_be_in_viewport()
    # 「來源」 never covers a field being typed in (it sat over 時間範圍's 到), and 先前的對話 gets
    # a line of its own (its entries wrapped to six lines in a 190 px list)
    page.locator("#nqa-time button.label-wrap").click()
    page.locator("#nqa-until input").click()
    expect(page.locator("#nqa-sources-open")).to_be_hidden()
    page.locator("#nqa-until input").blur()
    expect(page.locator("#nqa-sources-open")).to_be_visible()
    assert page.locator("#nqa-history").bounding_box()["width"] >= 300


def test_tablet_shows_sources_beside_the_chat(page_at, server_url: str, pytestconfig: pytest.Config) -> None:
    page = page_at(server_url, 768, 1024)
    answer = _ask(page, "上海自貿區是哪一天掛牌的？", "2013年9月29日")
    chat, sources = page.locator("#nqa-chat-col").bounding_box(), page.locator("#nqa-sources-col").bounding_box()
    assert sources["x"] >= chat["x"] + chat["width"] - 1, (chat, sources)
    expect(page.locator("#nqa-sources-open")).to_be_hidden()  # no drawer at this width
    chip = answer.locator(".nqa-cite").first
    chip.click()
    expect(page.locator(f"{SOURCES} #nqa-src-1-{chip.text_content()}")).to_be_in_viewport()
    _no_sideways_scroll(page)
    _shot(page, pytestconfig.rootpath, "tablet-answer.png")


def _pick(page: Page, dropdown: str, text: str) -> None:
    """Open ``dropdown`` (an elem_id selector) and click its option that shows ``text``."""
    page.locator(f"{dropdown} input").click()
    page.locator(f"{dropdown} [role=option]", has_text=text).first.click()


# Every visible text on the page: English words outside the articles' own text (answers, source
# cards, table cells, the reader), and text below WCAG AA contrast (4.5:1; 3:1 for large text)
# against the background it is drawn on (semi-transparent layers blended); disabled controls
# are exempt, as WCAG exempts them.
_AUDIT = r"""() => {
  const ALLOW = new Set(['newsqa','multilingual','small','API','Enter','YYYY','MM','DD','txt','md','html','htm','json','jsonl','MB','id','ms','e5']);
  const skip = (el) => el.closest('.nqa-answer, .nqa-source, [data-testid="user"], #nqa-docs [role="gridcell"], #nqa-docs td, .nqa-reader, .nqa-title, .nqa-tl-title, svg, #nqa-delete-ids .token, code, option, [aria-hidden="true"]');
  const visible = (el) => {
    const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none';
  };
  const inView = (el) => { const r = el.getBoundingClientRect(); return r.bottom > 0 && r.right > 0 && r.top < innerHeight * 4 && r.left < innerWidth; };
  const parse = (c) => { const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return [0,0,0,0]; const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const blend = (top, bottom) => { const a = top[3]; return [0,1,2].map(i => top[i] * a + bottom[i] * (1 - a)).concat([1]); };
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor); if (c[3] > 0) { layers.push(c); if (c[3] >= 1) break; } }
    let bg = [255,255,255,1];
    for (let i = layers.length - 1; i >= 0; i--) bg = blend(layers[i], bg);
    return bg;
  };
  const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  const english = [], low = [];
  const words = (text) => (text.match(/[A-Za-z]{3,}/g) || []).filter((w) => !ALLOW.has(w));
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  while (walker.nextNode()) {
    const node = walker.currentNode; const text = node.textContent.trim(); const el = node.parentElement;
    if (!text || !el || seen.has(el) || !visible(el) || !inView(el) || el.closest('script, style, noscript')) continue;
    seen.add(el);
    if (!skip(el) && words(text).length) english.push(text.slice(0, 60));
    if (el.closest('[disabled], [aria-disabled="true"], .sr-only')) continue;
    const s = getComputedStyle(el); const fg = parse(s.color); const bg = background(el);
    const size = parseFloat(s.fontSize); const bold = parseInt(s.fontWeight) >= 700;
    const need = (size >= 24 || (size >= 18.66 && bold)) ? 3 : 4.5;
    const r = ratio(fg[3] < 1 ? blend(fg, bg) : fg, bg);
    if (r < need - 0.01) low.push(`${r.toFixed(2)} < ${need}: ${text.slice(0, 40)} (${s.color} on ${bg.map(Math.round)})`);
  }
  for (const el of document.querySelectorAll('[aria-label], [placeholder], [title]')) {
    if (!visible(el) || el.closest('.nqa-answer, .nqa-source, .nqa-reader, [role="gridcell"], svg')) continue;
    for (const attr of ['aria-label', 'placeholder', 'title']) {
      const v = el.getAttribute(attr); if (v && words(v).length) english.push(`${attr}=${v.slice(0, 60)}`);
    }
  }
  return {english: [...new Set(english)], low: [...new Set(low)]};
}"""


@pytest.mark.parametrize(("width", "locale", "theme"), [
    (1280, "zh-TW", "light"), (390, "en-US", "light"), (1280, "en-US", "dark"), (390, "zh-TW", "dark"),
])
def test_every_label_is_chinese_and_every_text_meets_aa(page_at, server_url: str, width: int, locale: str,
                                                        theme: str) -> None:
    page = page_at(f"{server_url}?__theme={theme}", width, 900 if width > 700 else 844, locale=locale)
    expect(page.locator("#nqa-chat button", has_text="上海").first).to_be_visible()  # the example questions
    empty = page.evaluate(_AUDIT)
    answer = _ask(page, "新總館共有多少個閱覽座位？", "一千二百個")
    answer.locator(".nqa-cite").first.click()  # a source card open (the drawer on a phone)
    page.wait_for_timeout(400)
    chat = page.evaluate(_AUDIT)
    if width < 768:
        page.locator("#nqa-sources-close").click()
    page.locator("button[role=tab]", has_text="文章庫").click()
    expect(page.locator(ROWS).first).to_be_visible()
    archive = page.evaluate(_AUDIT)
    assert empty == {"english": [], "low": []}, empty
    assert chat == {"english": [], "low": []}, chat
    assert archive == {"english": [], "low": []}, archive


def _history_options(page: Page) -> list[str]:
    """The labels under 「先前的對話」 (the list opened and closed again)."""
    box = page.locator("#nqa-history input")
    box.click()
    options = page.locator("#nqa-history [role=option]")
    texts = options.all_text_contents() if options.count() else []
    box.blur()  # (Esc would leave the list re-rendering under the next click)
    return [t.strip() for t in texts]


def test_earlier_chats_are_kept_in_this_browser_until_cleared(page_at, server_url: str) -> None:
    page = page_at(server_url)
    expect(page.locator("#nqa-history input")).to_be_disabled()  # nothing kept yet
    _ask(page, "新總館共有多少個閱覽座位？", "一千二百個")
    page.locator("#nqa-new-chat").click()
    expect(page.locator(BOT_MESSAGES)).to_have_count(0)
    expect(page.locator(f"{SOURCES} .nqa-empty")).to_be_visible()
    _ask(page, "上海自贸区扩区后面积多大？", "120.72")
    kept = _history_options(page)
    assert len(kept) == 1 and "新總館共有多少個閱覽座位？（1 問" in kept[0], kept

    # Bring the first chat back: its answer and its sources.
    _pick(page, "#nqa-history", "新總館共有多少個閱覽座位")
    expect(page.locator(BOT_MESSAGES)).to_have_count(1)
    expect(page.locator(BOT_MESSAGES).first).to_contain_text("一千二百個")
    expect(page.locator(f"{SOURCES} .nqa-title").first).to_have_text("市立圖書館新總館正式啟用")

    # A reload keeps both chats (they live in this browser's localStorage).
    page.reload(wait_until="domcontentloaded")
    expect(page.locator("#nqa-history input")).to_be_enabled()
    assert len(_history_options(page)) == 2

    page.locator("#nqa-history-clear").click()
    expect(page.locator("#nqa-history input")).to_be_disabled()
    page.reload(wait_until="domcontentloaded")
    page.locator("#nqa-question textarea").wait_for(state="visible")
    page.wait_for_timeout(1000)  # the load event that would fill the list
    expect(page.locator("#nqa-history input")).to_be_disabled()


ROWS = "#nqa-docs [role=row]:has([role=gridcell])"  # the table's rows of articles (not its header)


def _table_titles(page: Page) -> list[str]:
    rows = page.locator(ROWS)
    return [rows.nth(i).locator("[role=gridcell]").first.inner_text().strip() for i in range(rows.count())]


def test_archive_filters_by_outlet_and_dates_and_reindexes_the_corpus_folder(
    page_at, private_server, pytestconfig: pytest.Config
) -> None:
    server = private_server()
    page = page_at(str(server["url"]))
    page.locator("#nqa-tab-archive-button, button[role=tab]:has-text('文章庫')").first.click()
    expect(page.locator(ROWS)).to_have_count(4)

    _pick(page, "#nqa-doc-outlet", "聯合報")
    expect(page.locator(ROWS)).to_have_count(1)
    assert _table_titles(page) == ["市立圖書館新總館正式啟用"]
    _pick(page, "#nqa-doc-outlet", "全部來源")
    expect(page.locator(ROWS)).to_have_count(4)

    page.locator("#nqa-doc-since textarea").fill("2020-01-01")
    until = page.locator("#nqa-doc-until textarea")
    until.fill("2021-12-31")
    until.press("Enter")
    expect(page.locator(ROWS)).to_have_count(1)
    assert _table_titles(page) == ["臺北市立動物園為圓仔慶祝生日"]
    _shot(page, pytestconfig.rootpath, "archive-filtered.png", full_page=True)
    page.locator("#nqa-doc-since textarea").fill("")
    until.fill("")
    until.press("Enter")
    expect(page.locator(ROWS)).to_have_count(4)

    # A story added to the corpus folder and one removed from it: 「重新索引」 picks both up.
    articles = Path(server["articles"])
    (articles / "bridge_opening.txt").write_text(
        "跨海大橋今日通車\n\n2024-05-01 新華網\n\n全長二十公里的跨海大橋今天上午正式通車，兩岸車程縮短到二十分鐘。\n",
        encoding="utf-8",
    )
    (articles / "panda_birthday.txt").unlink()
    page.locator("#nqa-reindex").click()
    status = page.locator("#nqa-ingest-status")
    expect(status).to_contain_text("重新索引完成", timeout=120_000)
    expect(status).to_contain_text("1 篇新文章")
    expect(status).to_contain_text("1 篇已移除")
    expect(page.locator(ROWS)).to_have_count(4, timeout=30_000)
    titles = _table_titles(page)
    assert "跨海大橋今日通車" in titles and "臺北市立動物園為圓仔慶祝生日" not in titles, titles


def test_stop_ends_an_answer_being_written_and_the_chat_goes_on(page_at, private_server) -> None:
    """With a slow reveal (``ui_stream_pause_ms``), 停止 while the answer is being written:
    it stops growing, no sources are listed for it, and the next question is answered."""
    server = private_server(env={"NEWSQA_UI_STREAM_PAUSE_MS": "800"})
    page = page_at(str(server["url"]))
    box = page.locator("#nqa-question textarea")
    box.fill("新總館的屋頂鋪設了什麼？每年可以供應多少用電？")
    box.press("Enter")
    answer = page.locator(f"{BOT_MESSAGES} .nqa-answer").first
    expect(answer).not_to_be_empty(timeout=ANSWER_TIMEOUT_MS)  # the first clause is shown
    page.locator("#nqa-stop").click()
    stopped = answer.text_content()
    page.wait_for_timeout(2500)  # three more clauses' worth of pauses
    assert answer.text_content() == stopped, "the answer went on after 停止"
    expect(page.locator(f"{SOURCES} details.nqa-turn")).to_have_count(0)  # never completed: no sources
    box.fill("上海自貿區是哪一天掛牌的？")  # the chat is not stuck
    box.press("Enter")
    expect(page.locator(BOT_MESSAGES).nth(1)).to_contain_text("2013年9月29日", timeout=ANSWER_TIMEOUT_MS)
    expect(page.locator(f"{SOURCES} details.nqa-turn")).to_have_count(1, timeout=ANSWER_TIMEOUT_MS)


def test_phone_date_range_changes_the_answer_and_the_archive_reads_in_the_other_script(
    page_at, server_url: str, pytestconfig: pytest.Config
) -> None:
    """At 390×844: a 時間範圍 that ends before the launch article leaves it out of the answer,
    one around it brings it back; on the archive tab a Simplified search finds the
    Traditional article, which opens to be read, and nothing is wider than the screen."""
    page = page_at(server_url, 390, 844)
    question = "上海自貿區是哪一天掛牌的？"
    page.locator("#nqa-time button.label-wrap").click()
    page.locator("#nqa-until input").fill("2022-12-31")
    first = _ask(page, question, cited=False)
    expect(first.locator(".nqa-scope")).to_have_text("只看到 2022-12-31 為止的文章")
    expect(first).not_to_contain_text("9月29日")
    page.locator("#nqa-since input").fill("2023-01-01")
    page.locator("#nqa-until input").fill("2023-12-31")
    second = _ask(page, question, cited=False)
    expect(second).to_contain_text("9月29日")
    _no_sideways_scroll(page)

    page.locator("button[role=tab]", has_text="文章庫").click()
    search = page.locator("#nqa-doc-search textarea")
    search.fill("自贸试验区挂牌")  # Simplified; the article is Traditional
    expect(page.locator(ROWS)).to_have_count(1)
    assert _table_titles(page) == ["上海自貿試驗區掛牌十週年回顧"]
    page.locator("#nqa-docs [role=gridcell]", has_text="上海自貿試驗區掛牌十週年回顧").first.click()
    reader = page.locator("#nqa-reader")
    expect(reader.locator("h3")).to_have_text("上海自貿試驗區掛牌十週年回顧")
    expect(reader).to_contain_text("2013年9月29日，中國（上海）自由貿易試驗區正式掛牌成立")
    reader.scroll_into_view_if_needed()
    _no_sideways_scroll(page)
    _shot(page, pytestconfig.rootpath, "phone-archive.png", full_page=True)

