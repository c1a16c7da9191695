"""The chat page in a real Chromium, used the way a person uses it.

Playwright drives Debian's ``/usr/bin/chromium`` (``make browser`` installs it; no
Playwright browser download) against the real ``newsqa serve`` started by the
``server_url`` fixture in ``tests/ui/conftest.py``: type a question, press Enter or
click 送出, watch the answer stream in with its citation chip, read the sources panel.
A screenshot of the chat after an answer goes to ``test-artifacts/chat.png``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
PAGE_TIMEOUT_MS = 30_000
ANSWER_TIMEOUT_MS = 30_000

QUESTION_BOX = "#nqa-question textarea"
SEND = "#nqa-send"
BOT_MESSAGES = '#nqa-chat [data-testid="bot"]'
SOURCES = "#nqa-sources"

# Records every distinct text of the newest answer bubble while it streams in.
_WATCH_STREAM = """(before) => {
  window.__nqaSnaps = [];
  const chat = document.querySelector('#nqa-chat');
  const observer = new MutationObserver(() => {
    const bots = chat.querySelectorAll('[data-testid="bot"] .nqa-answer');
    if (bots.length <= before) return;
    const text = bots[bots.length - 1].textContent;
    const snaps = window.__nqaSnaps;
    if (snaps[snaps.length - 1] !== text) snaps.push(text);
  });
  observer.observe(chat, {subtree: true, childList: true, characterData: true});
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not (CHROMIUM.is_file() and CHROMIUM.stat().st_mode & 0o111):
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (installs Debian's chromium; `make test` does it)")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def dialogs() -> list[str]:
    """Every alert/confirm/prompt the page opened (the ``page`` fixture records them)."""
    return []


@pytest.fixture
def page(browser: Browser, server_url: str, dialogs: list[str]) -> Iterator[Page]:
    """A fresh page on the chat; fails the test on any dialog or uncaught page error."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-TW")
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    errors: list[str] = []

    def on_dialog(dialog) -> None:
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server_url, wait_until="domcontentloaded")
    expect(page.locator(QUESTION_BOX)).to_be_editable()
    try:
        yield page
        assert dialogs == [], f"a dialog fired: {dialogs}"
        assert errors == [], f"uncaught errors in the page: {errors}"
    finally:
        context.close()


def _ask(page: Page, question: str, *, expect_text: str, press_enter: bool = True) -> tuple[Locator, list[str]]:
    """Type ``question``, send it (Enter or the 送出 button) and wait for the streamed
    answer to contain ``expect_text`` and a citation chip; returns the answer bubble and
    the successive texts it showed while streaming."""
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
    expect(answer.locator(".nqa-cite").first).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
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
    expect(answer).not_to_contain_text("[1]")  # the marker became a chip

    card = page.locator(f"{SOURCES} .nqa-source").filter(has=page.locator(".nqa-n", has_text="[1]"))
    expect(card).to_have_count(1)
    expect(card.locator(".nqa-title")).to_have_text("上海自貿試驗區掛牌十週年回顧")
    expect(card.locator(".nqa-meta")).to_contain_text("2023-09-29")
    mark = card.locator(".nqa-passage mark")
    expect(mark).to_be_visible()
    expect(mark).to_contain_text("2013年9月29日")

    out = pytestconfig.rootpath / "test-artifacts" / "chat.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out), full_page=True)
    assert out.stat().st_size > 10_000, out


def test_script_in_an_article_is_shown_as_text_and_never_runs(page: Page, dialogs: list[str]) -> None:
    answer, _ = _ask(page, "保育員為圓仔準備了什麼？", expect_text="冰蛋糕", press_enter=False)
    expect(answer.locator(".nqa-cite").first).to_have_text("1")

    sources = page.locator(SOURCES)
    card = sources.locator(".nqa-source").filter(has_text="臺北市立動物園為圓仔慶祝生日")
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
