"""The chat page in a real Chromium, used the way a person uses it.

Playwright drives Debian's ``/usr/bin/chromium`` (``make browser`` installs it; no
Playwright browser download) against the real ``newsqa serve`` started by the
``server_url`` fixture in ``tests/ui/conftest.py``: type a question, press Enter or
click 送出, watch the answer stream in with its citation chip, click the chip and read
the source card (highlighted sentence, surrounding paragraph), ask a follow-up and see
the rewritten question, switch the answer script, rate an answer, limit the articles to a
date range in the collapsed 「時間範圍」 (a bad date first: warned, question kept). On the
``empty_server`` (``serve --no-build`` with no index): the empty-index notice, its
button to the archive tab, uploading an article, watching it index, asking about it and
deleting it. Screenshots go to ``test-artifacts/chat.png`` and ``test-artifacts/archive.png``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGE_TIMEOUT_MS = 30_000
ANSWER_TIMEOUT_MS = 30_000

QUESTION_BOX = "#nqa-question textarea"
SEND = "#nqa-send"
BOT_MESSAGES = '#nqa-chat [data-testid="bot"]'
SOURCES = "#nqa-sources"

# Records every distinct text of the newest answer bubble while it streams in (the
# observer of the previous question is stopped: it would record the previous answer).
_WATCH_STREAM = """(before) => {
  // Watches the whole body, not #nqa-chat itself: Gradio may render (or re-render) the
  // chat after the question box is editable, and a node that is not there cannot be observed.
  window.__nqaSnaps = [];
  if (window.__nqaObserver) window.__nqaObserver.disconnect();
  const observer = window.__nqaObserver = new MutationObserver(() => {
    const bots = document.querySelectorAll('#nqa-chat [data-testid="bot"] .nqa-answer');
    if (bots.length <= before) return;
    const text = bots[bots.length - 1].textContent;
    const snaps = window.__nqaSnaps;
    if (snaps[snaps.length - 1] !== text) snaps.push(text);
  });
  observer.observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


@pytest.fixture
def dialogs() -> list[str]:
    """Every alert/confirm/prompt the page opened (the ``page`` fixture records them)."""
    return []


def _open(
    browser: Browser, url: str, dialogs: list[str], permissions: tuple[str, ...] = (),
    viewport: tuple[int, int] = (1280, 900),
) -> Iterator[Page]:
    """A fresh page on ``url`` (``viewport``: width, height); fails the test on any dialog or
    uncaught page error."""
    # locale zh-TW: Gradio's own labels (e.g. the 讚/不讚 feedback buttons) are in Traditional.
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale="zh-TW",
                                  permissions=list(permissions))
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    errors: list[str] = []

    def on_dialog(dialog) -> None:
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url, wait_until="domcontentloaded")
    expect(page.locator(QUESTION_BOX)).to_be_editable()
    try:
        yield page
        assert dialogs == [], f"a dialog fired: {dialogs}"
        assert errors == [], f"uncaught errors in the page: {errors}"
    finally:
        context.close()


@pytest.fixture
def page(browser: Browser, server_url: str, dialogs: list[str]) -> Iterator[Page]:
    """A fresh page on the chat of the ``server_url`` server."""
    yield from _open(browser, server_url, dialogs)


@pytest.fixture
def empty_page(browser: Browser, empty_server: dict, dialogs: list[str]) -> Iterator[Page]:
    """A fresh page on the ``serve --no-build`` server that started without an index."""
    yield from _open(browser, str(empty_server["url"]), dialogs)


def _ask(
    page: Page, question: str, *, expect_text: str, press_enter: bool = True, cited: bool = True
) -> tuple[Locator, list[str]]:
    """Type ``question``, send it (Enter or the 送出 button) and wait for the streamed
    answer to contain ``expect_text`` and (``cited``) a citation chip; returns the answer
    bubble and the successive texts it showed while streaming."""
    bots = page.locator(BOT_MESSAGES)
    before = bots.count()
    page.evaluate(_WATCH_STREAM, before)
    box = page.locator(QUESTION_BOX)
    box.fill(question)
    if press_enter:
        box.press("Enter")
    else:
        page.locator(SEND).click()
    expect(bots).to_have_count(before + 1, timeout=ANSWER_TIMEOUT_MS)
    answer = bots.nth(before)
    expect(answer).to_contain_text(expect_text, timeout=ANSWER_TIMEOUT_MS)
    if cited:
        expect(answer.locator(".nqa-cite").first).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    # The answer is complete when the sources panel shows this turn (filled at the end).
    expect(page.locator(f"{SOURCES} details.nqa-turn")).to_have_count(before + 1, timeout=ANSWER_TIMEOUT_MS)
    # The question bubble shows what was typed, as text.
    expect(page.locator('#nqa-chat [data-testid="user"]').nth(before)).to_have_text(question)
    # Streamed: every text the bubble showed on the way is a prefix of the final answer.
    final = answer.locator(".nqa-answer").text_content()
    snaps = page.evaluate("() => window.__nqaSnaps")
    assert snaps and snaps[-1] == final, (snaps, final)
    assert all(final.startswith(s) for s in snaps), snaps
    return answer, snaps


def test_traditional_question_streams_a_cited_answer_and_highlights_the_source(
    page: Page, pytestconfig: pytest.Config
) -> None:
    answer, snaps = _ask(page, "上海自貿區是哪一天掛牌的？", expect_text="9月29日")
    assert len(snaps) >= 2, f"the two-clause answer did not stream in: {snaps}"
    chip = answer.locator(".nqa-cite", has_text="1")
    expect(chip).to_have_text("1")
    expect(chip).to_have_attribute("title", "來源 1")
    expect(chip).to_have_attribute("href", "#nqa-src-1-1")
    expect(answer).not_to_contain_text("[1]")  # the marker became a chip

    card = page.locator(f"{SOURCES} .nqa-source").filter(has=page.locator(".nqa-n", has_text="[1]"))
    expect(card).to_have_count(1)
    expect(card.locator(".nqa-title")).to_have_text("上海自貿試驗區掛牌十週年回顧")
    expect(card.locator(".nqa-meta")).to_contain_text("2023-09-29")
    expect(card.locator(".nqa-meta")).to_contain_text("人民網")
    mark = card.locator(".nqa-passage mark")
    expect(mark).to_be_visible()
    expect(mark).to_contain_text("2013年9月29日")

    chip.click()  # the chip highlights its card (this passage is its whole paragraph)
    expect(card).to_have_class(re.compile(r"\bnqa-focus\b"))
    expect(card).to_be_in_viewport()
    expect(card.locator(".nqa-paragraph")).to_have_count(0)
    assert "#" not in page.url, page.url  # handled in the page, no navigation

    out = pytestconfig.rootpath / "test-artifacts" / "chat.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out), full_page=True)
    assert out.stat().st_size > 10_000, out


@pytest.fixture
def clipboard_page(browser: Browser, server_url: str, dialogs: list[str]) -> Iterator[Page]:
    """A fresh chat page that may read and write the clipboard."""
    yield from _open(browser, server_url, dialogs, permissions=("clipboard-read", "clipboard-write"))


def test_copy_gives_plain_text_with_markers_and_sources(clipboard_page: Page) -> None:
    """複製 puts the answer as text on the clipboard (an apostrophe is an apostrophe, [1] is
    [1]), with its sources listed; the bubble and the card show no character reference."""
    page = clipboard_page
    answer, _ = _ask(page, "保育員為圓仔準備了什麼？", expect_text="冰蛋糕")
    expect(answer).to_contain_text("D'Angelo")
    assert "&#" not in answer.inner_text()
    card = page.locator(f"{SOURCES} .nqa-source").first
    expect(card).to_contain_text("D'Angelo")
    answer.locator(".nqa-copy").click()
    expect(answer.locator(".nqa-copy")).to_contain_text("✓")
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert "D'Angelo" in copied and "[1]" in copied, copied
    assert "\n\n[1] 臺北市立動物園為圓仔慶祝生日（2020-07-06，中央社）" in copied, copied
    assert "<" not in copied.split("\n\n")[0] and "&#" not in copied and "複製" not in copied, copied


def test_script_in_an_article_is_shown_as_text_and_never_runs(page: Page, dialogs: list[str]) -> None:
    answer, _ = _ask(page, "保育員為圓仔準備了什麼？", expect_text="冰蛋糕", press_enter=False)
    expect(answer.locator(".nqa-cite").first).to_have_text("1")

    sources = page.locator(SOURCES)
    card = sources.locator(".nqa-source").filter(has_text="臺北市立動物園為圓仔慶祝生日")
    answer.locator(".nqa-cite").first.click()
    expect(card).to_have_class(re.compile(r"\bnqa-focus\b"))
    expect(card).to_have_count(1)
    passage = card.locator(".nqa-passage")
    expect(passage).to_be_visible()
    expect(passage).to_contain_text("<script>alert(1)</script>")  # visible as characters
    expect(passage.locator("mark")).to_contain_text("冰蛋糕")
    assert sources.locator("script").count() == 0
    assert page.locator("#nqa-chat script").count() == 0

    # Give a late-running injection a moment to fire before the fixture checks dialogs.
    page.wait_for_timeout(300)
    assert dialogs == [], dialogs


def test_empty_question_warns_and_the_page_keeps_answering(page: Page) -> None:
    bots = page.locator(BOT_MESSAGES)
    for text, via_enter in (("", False), ("   ", True)):
        box = page.locator(QUESTION_BOX)
        box.fill(text)
        box.press("Enter") if via_enter else page.locator(SEND).click()
        warning = page.locator('[data-testid="toast-body"].warning').last
        expect(warning).to_be_visible()
        expect(warning.locator('[data-testid="toast-text"]')).to_contain_text("問題")
        warning.locator('[data-testid="toast-close"]').click()
        expect(page.locator('[data-testid="toast-body"]')).to_have_count(0)
    expect(bots).to_have_count(0)
    expect(page.locator('[data-testid="toast-body"].error')).to_have_count(0)

    answer, _ = _ask(page, "上海自贸区扩区前面积多大？", expect_text="28.78")
    expect(answer.locator(".nqa-cite").first).to_be_visible()
    expect(page.locator(f"{SOURCES} .nqa-title").first).to_have_text("上海自贸区扩区方案获批")


def test_chip_shows_the_source_with_its_paragraph(page: Page) -> None:
    """The library article is one long paragraph cut into several passages: the card of the
    cited passage shows the paragraph around it, the cited sentence marked."""
    answer, _ = _ask(page, "新總館共有多少個閱覽座位？", expect_text="一千二百個")
    chip = answer.locator(".nqa-cite").first
    n = chip.text_content()
    card = page.locator(f"{SOURCES} #nqa-src-1-{n}")
    paragraph = card.locator(".nqa-paragraph")
    expect(paragraph).to_be_hidden()  # collapsed until asked for

    chip.click()
    expect(card).to_have_class(re.compile(r"\bnqa-focus\b"))
    expect(card).to_be_in_viewport()
    expect(card.locator(".nqa-title")).to_have_text("市立圖書館新總館正式啟用")
    expect(card.locator(".nqa-meta")).to_have_text("2022-04-23 · 聯合報")
    expect(card.locator(".nqa-passage mark")).to_contain_text("閱覽座位一千二百個")
    expect(paragraph).to_be_visible()
    # the fold holds what the paragraph says around the passage, not the passage again
    passage = card.locator(".nqa-passage").text_content()
    whole = paragraph.text_content()
    expect(paragraph.locator(".nqa-gap")).to_have_text("〔引文〕")
    assert passage not in whole and "閱覽座位一千二百個" not in whole, (passage, whole)
    context = "".join(paragraph.locator(".nqa-ctx").all_text_contents())
    assert context.strip() and context.strip() not in passage, context
    assert "市立圖書館新總館今天上午舉行啟用典禮" in whole  # the paragraph starts the article

    # asking again replaces the answer (one question, one answer, its sources again)
    expect(page.locator("#nqa-stop")).to_be_visible()
    page.locator('#nqa-chat button[aria-label="重試"]').click()  # Gradio's own label in the page's zh-TW
    expect(page.locator(BOT_MESSAGES)).to_have_count(1)
    expect(page.locator('#nqa-chat [data-testid="user"]')).to_have_count(1)
    expect(page.locator(BOT_MESSAGES).first).to_contain_text("一千二百個", timeout=ANSWER_TIMEOUT_MS)
    expect(page.locator(f"{SOURCES} details.nqa-turn")).to_have_count(1, timeout=ANSWER_TIMEOUT_MS)


def test_follow_up_is_rewritten_script_toggle_and_feedback(page: Page, feedback_path: Path) -> None:
    first, _ = _ask(page, "陸家嘴在上海自貿區擴區時納入了嗎？", expect_text="陸家嘴金融片區")
    expect(first.locator(".nqa-rewrite")).to_have_count(0)  # stands alone: not rewritten

    second, _ = _ask(page, "那張江呢？", expect_text="張江高科技片區")
    rewrite = second.locator(".nqa-rewrite")
    expect(rewrite).to_have_text("問題理解為：張江在上海自貿區擴區時納入了嗎？")
    # the user's bubble keeps what was typed
    expect(page.locator('#nqa-chat [data-testid="user"]').nth(1)).to_have_text("那張江呢？")
    # the newest answer's sources are open; the first answer's are collapsed
    turns = page.locator(f"{SOURCES} details.nqa-turn")
    expect(turns.first).to_have_attribute("id", "nqa-turn-2")
    expect(page.locator(f"{SOURCES} #nqa-turn-1")).not_to_have_attribute("open", "")

    # a chip of the earlier answer opens that answer's sources
    first.locator(".nqa-cite").first.click()
    older = page.locator(f"{SOURCES} #nqa-turn-1 .nqa-source.nqa-focus")
    expect(older).to_have_count(1)
    expect(older).to_be_in_viewport()
    expect(older.locator(".nqa-title")).to_have_text("上海自贸区扩区方案获批")

    # forced Simplified: answers (and their labels) convert, the cited passage stays as stored
    page.locator("#nqa-script label", has_text="简体").click()
    expect(second.locator(".nqa-answer")).to_contain_text("扩区后的自贸区")
    expect(second.locator(".nqa-rewrite")).to_contain_text("问题理解为：")
    expect(first.locator(".nqa-answer")).to_contain_text("陆家嘴金融片区")
    expect(second.locator(".nqa-cite").first).to_be_visible()
    page.locator("#nqa-script label", has_text="繁體").click()
    expect(second.locator(".nqa-answer")).to_contain_text("擴區後的自貿區")
    expect(second.locator(".nqa-rewrite")).to_contain_text("問題理解為：")
    expect(page.locator(f"{SOURCES} .nqa-passage").first).to_contain_text("扩区后的自贸区")  # as stored
    page.locator("#nqa-script label", has_text="自動").click()

    # 👍 on the follow-up's answer is logged with the standalone question and its citations
    before = feedback_path.read_text(encoding="utf-8").count("\n") if feedback_path.exists() else 0
    page.locator('#nqa-chat button[aria-label="讚"]').nth(1).click()
    expect(page.locator('[data-testid="toast-body"].info').last).to_contain_text("有幫助")
    lines = feedback_path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == before + 1, lines
    record = json.loads(lines[-1])
    assert record["rating"] == "helpful"
    assert record["question"] == "張江在上海自貿區擴區時納入了嗎？"
    assert record["asked"] == "那張江呢？"
    assert "張江高科技片區" in record["answer"] and "[1]" in record["answer"]
    assert record["citations"][0]["source_file"] == "ftz_expansion.txt"

    from newsqa.ui.feedback import feedback_to_eval_rows

    rows = [r for r in feedback_to_eval_rows(feedback_path) if r["question"] == record["question"]]
    assert rows and rows[-1]["article"] == "ftz_expansion.txt"
    assert "[" not in rows[-1]["answers"][0]


def test_time_range_limits_the_sources_and_a_bad_date_keeps_the_question(page: Page) -> None:
    """The launch article (2023-09-29) answers the question; a range that ends before it
    leaves it out, one around it brings it back, and each answer says what it was limited to."""
    question = "上海自貿區是哪一天掛牌的？"
    control = page.locator("#nqa-time")
    since, until = page.locator("#nqa-since input"), page.locator("#nqa-until input")
    expect(since).to_be_hidden()  # collapsed until opened
    control.locator("button.label-wrap").click()
    expect(since).to_be_visible()

    # a date that does not exist: a warning saying what to do; nothing is asked or lost
    until.fill("2024-13-01")
    box = page.locator(QUESTION_BOX)
    box.fill(question)
    page.locator(SEND).click()
    warning = page.locator('[data-testid="toast-body"].warning').last
    expect(warning).to_contain_text("2024-13-01 沒有這一天")
    expect(warning).to_contain_text("YYYY-MM-DD")
    expect(box).to_have_value(question)
    expect(page.locator(BOT_MESSAGES)).to_have_count(0)
    expect(control.locator("button.label-wrap")).to_contain_text("時間範圍：日期有誤")
    expect(since).to_be_visible()  # still open at the field to fix
    warning.locator('[data-testid="toast-close"]').click()

    until.fill("2022-12-31")
    answer, _ = _ask(page, question, expect_text="", cited=False)
    expect(answer.locator(".nqa-scope")).to_have_text("只看到 2022-12-31 為止的文章")
    expect(page.locator(f"{SOURCES} #nqa-turn-1 .nqa-title", has_text="上海自貿試驗區掛牌十週年回顧")).to_have_count(0)
    for meta in page.locator(f"{SOURCES} #nqa-turn-1 .nqa-meta").all_text_contents():
        assert meta[:10] <= "2022-12-31", meta
    expect(control.locator("button.label-wrap")).to_contain_text("時間範圍：到 2022-12-31 為止")

    since.fill("2023-01-01")
    until.fill("2023-12-31")
    answer, _ = _ask(page, question, expect_text="9月29日")
    expect(answer.locator(".nqa-scope")).to_have_text("只看 2023-01-01 至 2023-12-31 的文章")
    expect(page.locator("#nqa-api")).to_be_hidden()  # developer panels only with ui_debug
    expect(page.locator(f"{SOURCES} .nqa-latency")).to_have_count(0)
    expect(page.locator(f"{SOURCES} #nqa-turn-2 .nqa-title").first).to_have_text("上海自貿試驗區掛牌十週年回顧")

    # the range buttons: the last seven days up to 「今天是」, and 全部 clears the range
    page.locator("#nqa-as-of input").fill("2023-10-05")
    page.locator("#nqa-time-presets button", has_text="最近一週").click()
    expect(since).to_have_value("2023-09-29")
    expect(until).to_have_value("2023-10-05")
    expect(control.locator("button.label-wrap")).to_contain_text("2023-09-29")
    page.locator("#nqa-time-presets button", has_text="全部").click()
    expect(since).to_have_value("")
    expect(until).to_have_value("")


UPLOAD_NAME = "..\\西湖 龍井<春茶>&.TXT"  # a path, spaces, markup characters, upper-case suffix
UPLOAD_TEXT = (
    "西湖龍井茶春茶開採\n\n"
    "2024-03-25 浙江日報\n\n"
    "杭州西湖龍井茶今年的春茶於3月25日正式開採，比去年提早了三天。\n\n"
    "茶農表示，今年的明前茶產量預計為八百噸。\n"
)


def test_empty_index_upload_watch_ask_and_delete(empty_page: Page, empty_server: dict, pytestconfig) -> None:
    page = empty_page
    notice = page.locator("#nqa-empty-notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("索引裡還沒有文章")
    # asking now explains instead of failing
    box = page.locator(QUESTION_BOX)
    box.fill("西湖龍井茶今年的春茶哪一天開採？")
    box.press("Enter")
    expect(page.locator('[data-testid="toast-body"].warning').last).to_contain_text("文章庫")
    page.locator('[data-testid="toast-close"]').last.click()

    page.locator("#nqa-go-archive").click()
    expect(page.get_by_role("tab", name="文章庫")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#nqa-index-info")).to_contain_text("還沒有索引")

    page.locator("#nqa-upload input[type=file]").set_input_files(
        files=[{"name": UPLOAD_NAME, "mimeType": "text/plain", "buffer": UPLOAD_TEXT.encode("utf-8")}]
    )
    status = page.locator("#nqa-ingest-status")
    expect(status.locator("progress")).to_be_visible()  # indexing runs in the background
    expect(status).to_contain_text("建立索引中")
    expect(status).to_contain_text("已加入索引：1 篇新文章", timeout=120_000)
    expect(page.locator("#nqa-index-info")).to_contain_text("1 篇文章")
    expect(page.locator("#nqa-index-info")).to_contain_text("multilingual-e5-small")
    row = page.locator("#nqa-docs [role=row]").filter(has_text="西湖龍井茶春茶開採")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("2024-03-25")
    expect(row).to_contain_text("浙江日報")
    assert page.locator("#nqa-docs b").count() == 0  # the file name is text, not markup

    # stored with the index served, not in the corpus folder
    stored = [p for p in (Path(empty_server["index"]) / "uploads").iterdir() if not p.name.startswith(".")]
    assert len(stored) == 1, stored
    assert re.fullmatch(r"[\w.\-]+\.txt", stored[0].name) and "龍井" in stored[0].name, stored[0].name
    assert stored[0].read_text(encoding="utf-8") == UPLOAD_TEXT
    doc_id = f"uploads/{stored[0].name}"
    expect(row).to_contain_text(doc_id)

    page.get_by_role("tab", name="問答").click()
    expect(page.locator("#nqa-empty-notice")).to_be_hidden()
    _ask(page, "西湖龍井茶今年的春茶哪一天開採？", expect_text="3月25日")
    expect(page.locator(f"{SOURCES} .nqa-title").first).to_have_text("西湖龍井茶春茶開採")

    page.get_by_role("tab", name="文章庫").click()
    page.locator("#nqa-doc-search textarea, #nqa-doc-search input").first.fill("龙井")  # either script
    expect(page.locator("#nqa-docs [role=row]").filter(has_text="西湖龍井茶春茶開採")).to_have_count(1)
    page.locator("#nqa-docs [role=gridcell]", has_text="西湖龍井茶春茶開採").first.click()
    expect(page.locator("#nqa-reader h3")).to_have_text("西湖龍井茶春茶開採")  # opened to read
    expect(page.locator("#nqa-delete-ids")).not_to_contain_text("西湖龍井茶春茶開採")  # reading queues nothing
    page.locator("#nqa-queue-delete").click()
    expect(page.locator("#nqa-delete-ids")).to_contain_text("西湖龍井茶春茶開採")
    expect(page.locator("#nqa-reader")).to_contain_text("2024-03-25 · 浙江日報")
    out = pytestconfig.rootpath / "test-artifacts" / "archive.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out), full_page=True)
    page.locator("#nqa-delete").click()
    expect(page.locator("#nqa-delete-status")).to_contain_text("再按一次")  # asked first
    expect(page.locator("#nqa-docs [role=row]").filter(has_text="西湖龍井茶春茶開採")).to_have_count(1)
    page.locator("#nqa-delete").click()
    expect(page.locator("#nqa-delete-status")).to_contain_text(f"已刪除 1 篇：{doc_id}")
    expect(page.locator("#nqa-docs [role=row]").filter(has_text="西湖龍井茶春茶開採")).to_have_count(0)
    expect(page.locator("#nqa-index-info")).to_contain_text("0 篇文章")
    assert not stored[0].exists()  # the uploaded file goes with it

    page.get_by_role("tab", name="問答").click()
    expect(page.locator("#nqa-empty-notice")).to_be_visible()
