"""The page's CSS and JavaScript: the chat's citation chips, the sources panel (a drawer on a
phone), the 複製 button.

``APP_CSS`` goes to ``launch(css=...)`` (:func:`newsqa.ui.app.serve` passes it);
``SOURCES_CSS`` is scoped to the sources panel (its ``css_template``) and ``CHIP_JS`` runs
once when the panel loads (its ``js_on_load``). No Python logic here.
"""

from __future__ import annotations

import json

from newsqa.ui.time_controls import TIME_CSS

#: Page-level CSS (chat citation chips, abstentions, notices); passed to ``launch(css=...)``.
APP_CSS = """
/* Muted text at WCAG AA (4.5:1) or better: Gradio's subdued grey (#bbbbc2) is 1.9:1 on white. */
:root { --nqa-muted: #55555d; --nqa-cite: #b4410b; }
.dark { --nqa-muted: #bdbdc4; --nqa-cite: #fdba74; }
/* Gradio's own text at AA as well (measured on the rendered page by tests/ui/test_browser_layouts.py):
   its info lines, the upload's 「- 或 -」 and the footer are #bbbbc2 (1.9:1), the selected tab and
   white on the orange primary button 2.8:1, white on the red stop button 3.8:1. */
:root {
  --body-text-color-subdued: #55555d; --block-info-text-color: #55555d;
  --button-primary-background-fill: #c2410c; --button-primary-background-fill-hover: #9a3412;
  --button-primary-border-color: #c2410c; --button-primary-border-color-hover: #9a3412;
  --button-cancel-background-fill: #b91c1c; --button-cancel-background-fill-hover: #991b1b;
  --button-cancel-border-color: #b91c1c; --button-cancel-border-color-hover: #991b1b;
}
.dark {
  --body-text-color-subdued: #bdbdc4; --block-info-text-color: #bdbdc4;
  --button-primary-background-fill: #c2410c; --button-primary-background-fill-hover: #9a3412;
  --button-primary-border-color: #c2410c; --button-primary-border-color-hover: #9a3412;
}
button[role="tab"][aria-selected="true"] { color: var(--nqa-cite, #b4410b); }
.nqa-answer { line-height: 1.7; }
.nqa-copy { display: inline-block; text-decoration: none; margin-left: .5rem; font-size: .78em; padding: .05rem .5rem; border-radius: 4px;
            border: 1px solid var(--border-color-primary); background: transparent; color: var(--body-text-color); cursor: pointer; }
.nqa-answer.nqa-abstained { color: var(--nqa-muted, #55555d); font-style: italic; }
.nqa-rewrite, .nqa-scope { font-size: .78em; color: var(--nqa-muted, #55555d); margin-bottom: .25rem; }
.nqa-notice { font-size: .78em; color: var(--nqa-muted, #55555d); margin-bottom: .25rem; font-style: italic; }
a.nqa-cite, .nqa-cite {
  display: inline-block; min-width: 1.35em; padding: 0 .35em; margin: 0 .1em;
  border-radius: .7em; font-size: .72em; line-height: 1.45em; text-align: center;
  vertical-align: super; font-weight: 600; text-decoration: none; cursor: pointer;
  background: var(--color-accent-soft); color: var(--nqa-cite, #b4410b);
  border: 1px solid var(--color-accent);
}
a.nqa-cite:hover, a.nqa-cite:focus-visible { background: var(--nqa-cite, #b4410b); color: var(--background-fill-primary, white); }
#nqa-stats, #nqa-index-info { color: var(--nqa-muted, #55555d); font-size: .9em; }
#nqa-empty-notice { border: 1px dashed var(--border-color-primary); border-radius: .5rem; padding: .75rem; }
.nqa-edits-off, .nqa-startup-failures { color: var(--nqa-muted, #55555d); font-size: .9em; }
.nqa-reader { max-width: 48rem; line-height: 1.8; overflow-wrap: anywhere; }
.nqa-reader h3 { margin: .25rem 0; }
.nqa-reader-meta, .nqa-reader-hint { color: var(--body-text-color); font-size: .88em; }
#nqa-history-row { align-items: center; gap: .5rem; }
#nqa-sources-head { align-items: center; }
#nqa-sources-open, #nqa-sources-close { display: none; }
/* A phone: the question box keeps 送出 and 停止 on its line, and the sources are a drawer that
   slides up over the chat (an [n] chip or 「來源」 opens it at its card; 「關閉」 or Esc closes it). */
@media (max-width: 767px) {
  #nqa-chat { height: max(240px, calc(100svh - 440px)) !important; }  /* the question box stays on screen */
  #nqa-title p, #nqa-stats { display: none; }  /* the headline stays; the archive tab has the figures */
  #nqa-ask-row { flex-wrap: nowrap !important; gap: .4rem; }
  #nqa-ask-row > * { min-width: 0 !important; }
  #nqa-question { flex: 1 1 auto !important; }
  #nqa-send, #nqa-stop { flex: 0 0 auto !important; padding-left: .7rem; padding-right: .7rem; }
  #nqa-sources-col {
    position: fixed !important; left: 0; right: 0; bottom: 0; z-index: 1000; margin: 0 !important;
    min-width: 0 !important; width: 100% !important; max-height: 72vh; overflow-y: auto; overscroll-behavior: contain;
    flex-wrap: nowrap !important;  /* a column taller than the drawer would wrap into a second one off screen */
    background: var(--background-fill-primary); border-radius: 1rem 1rem 0 0; padding: .5rem 1rem 1.5rem;
    box-shadow: 0 -6px 24px rgba(0, 0, 0, .28); transform: translateY(105%); visibility: hidden;
    transition: transform .25s ease, visibility 0s linear .25s;
  }
  #nqa-tab-chat.nqa-drawer-open #nqa-sources-col { transform: none; visibility: visible; transition: transform .25s ease; }
  #nqa-sources-col > * { flex: none !important; }
  #nqa-sources-head { position: sticky; top: -.5rem; z-index: 1; background: var(--background-fill-primary); flex-wrap: nowrap !important; }
  #nqa-sources-close { display: inline-flex; flex: 0 0 auto !important; }
  #nqa-sources-open {
    display: inline-flex; position: fixed; right: 1rem; bottom: 1rem; z-index: 999; width: auto !important;
    border-radius: 999px; padding: .5rem 1rem; box-shadow: 0 3px 12px rgba(0, 0, 0, .25);
  }
  #nqa-tab-chat.nqa-drawer-open #nqa-sources-open, #nqa-tab-chat:has(#nqa-sources .nqa-empty) #nqa-sources-open,
  #nqa-tab-chat:has(input:focus, textarea:focus) #nqa-sources-open { display: none; }  /* never over a field being typed in */
  #nqa-history-row { flex-wrap: wrap !important; }
  /* the list on a line of its own (Gradio wraps it in a .form box): its entries need the width */
  #nqa-history-row > :has(#nqa-history) { flex: 1 1 100% !important; order: 3; }
}
""" + TIME_CSS

#: 「來源」 and 「關閉」 on a phone: open or close the sources drawer (run in the page, no server call).
# The class goes on the chat tab, not <body>: Gradio scopes the rules of a @media block to
# its own container, so a rule that starts at <body> never matches there.
DRAWER_OPEN_JS = "() => { document.getElementById('nqa-tab-chat')?.classList.add('nqa-drawer-open'); }"
DRAWER_CLOSE_JS = "() => { document.getElementById('nqa-tab-chat')?.classList.remove('nqa-drawer-open'); }"

# Scoped to the sources panel (gr.HTML css_template); works without APP_CSS too.
SOURCES_CSS = """
.nqa-sources { display: flex; flex-direction: column; gap: .75rem; }
.nqa-empty { color: var(--nqa-muted, #55555d); }
.nqa-turn > summary { cursor: pointer; color: var(--nqa-muted, #55555d); font-size: .85em; margin-bottom: .4rem; }
.nqa-turn[open] > summary { margin-bottom: .5rem; }
.nqa-turn-sources { display: flex; flex-direction: column; gap: .6rem; }
.nqa-source { border: 1px solid var(--border-color-primary); border-radius: .5rem; padding: .6rem .8rem;
  scroll-margin: 6rem; transition: box-shadow .3s, background-color .3s; }
.nqa-source.nqa-focus, .nqa-source:target { box-shadow: 0 0 0 3px var(--color-accent); background: var(--color-accent-soft); }
.nqa-source header { display: flex; gap: .5rem; align-items: baseline; flex-wrap: wrap; }
.nqa-n { font-weight: 700; color: var(--nqa-cite, #b4410b); }
.nqa-title { font-weight: 600; }
.nqa-meta { color: var(--nqa-muted, #55555d); font-size: .85em; }
.nqa-passage, .nqa-paragraph { white-space: pre-wrap; overflow-wrap: anywhere; margin: .4rem 0 0; font-size: .92em; line-height: 1.65; }
.nqa-passage mark, .nqa-paragraph mark { background: #fde68a; color: #1f1f1f; padding: 0 .1em; border-radius: .15em;
  box-decoration-break: clone; -webkit-box-decoration-break: clone; }
.nqa-context > summary { cursor: pointer; font-size: .85em; color: var(--nqa-cite, #b4410b); margin-top: .3rem; }
.nqa-ctx { color: var(--nqa-muted, #55555d); }
.nqa-gap { color: var(--nqa-cite, #b4410b); font-size: .85em; margin: 0 .2em; }
.nqa-latency { color: var(--nqa-muted, #55555d); font-size: .8em; }
.nqa-timeline { list-style: none; margin: 0 0 .2rem; padding: 0 0 0 .7rem; border-left: 2px solid var(--color-accent); font-size: .88em; }
.nqa-timeline li { display: flex; gap: .45rem; align-items: baseline; margin: .15rem 0; }
.nqa-timeline time { font-variant-numeric: tabular-nums; color: var(--nqa-muted, #55555d); flex: none; }
.nqa-tl-n { font-weight: 700; color: var(--nqa-cite, #b4410b); text-decoration: none; flex: none; }
.nqa-tl-title { flex: 1 1 0; min-width: 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
"""

#: Gradio labels its own controls in the browser's language, and some only in English whatever
#: the language (aria-labels such as "Table actions"). The page is Chinese, so ``CHIP_JS``
#: rewrites these exact labels (whole texts and aria-label/title/placeholder values, never
#: inside an answer, a source card, a table cell or the reader), as Gradio renders them.
LABELS_ZH = {
    "Textbox": "文字框", "Use via API": "透過 API 使用", "Gradio footer navigation": "頁尾",
    "chatbot conversation": "對話內容", "Clear": "清除", "Edit": "編輯", "Retry": "重試", "Undo": "復原",
    "Like": "讚", "Dislike": "不讚", "Copy": "複製", "Copy message": "複製訊息", "Copied message": "已複製訊息",
    "Drop File Here": "拖放檔案至此處", "- or -": "- 或 -", "Click to Upload": "點擊上傳",
    "Click to upload or drop files": "點擊上傳或拖放檔案", "Remove": "移除", "Upload": "上傳",
    "Table actions": "表格動作", "Copy table data": "複製表格內容", "Fullscreen": "全螢幕",
    "Exit fullscreen": "離開全螢幕", "Exit fullscreen mode": "離開全螢幕", "Sort column": "排序",
    "Loading...": "載入中…", "Loading": "載入中", "Loading…": "載入中…", "Error": "錯誤", "Warning": "注意", "Info": "訊息", "Close": "關閉",
    "Connection errored out.": "連線中斷，請重新整理頁面。", "Submit": "送出", "Stop": "停止",
    "Open cell menu": "開啟儲存格選單", "Sort ascending": "遞增排序", "Sort descending": "遞減排序",
}

# Clicking an [n] chip (an <a href="#nqa-src-T-N"> in the chat) opens, highlights and
# scrolls to its source card. Without JavaScript the link still jumps to the card.
CHIP_JS = """
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
    // On a phone the sources are a drawer over the chat: open it, and scroll only inside it.
    const drawer = window.matchMedia('(max-width: 767px)').matches ? card.closest('#nqa-sources-col') : null;
    if (drawer) {
      document.getElementById('nqa-tab-chat')?.classList.add('nqa-drawer-open');
      const top = card.getBoundingClientRect().top - drawer.getBoundingClientRect().top + drawer.scrollTop;
      drawer.scrollTo({top: Math.max(0, top - 56), behavior: 'smooth'});
    } else {
      card.scrollIntoView({behavior: 'smooth', block: 'center'});
    }
  }, true);
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') document.getElementById('nqa-tab-chat')?.classList.remove('nqa-drawer-open');
  });
""" + """
  // Gradio's own labels in Chinese, whatever the browser's language (see LABELS_ZH).
  const ZH = __LABELS__;
  const IN_CHAT = {'Clear': '清空對話'};
  const CONTENT = '.nqa-answer, .nqa-source, [data-testid="user"], [role="gridcell"], .nqa-reader, textarea, input';
  const zh = (text, el) => {
    const key = (text || '').trim();
    if (!key || !(key in ZH)) return null;
    return (el && el.closest && el.closest('#nqa-chat') && IN_CHAT[key]) || ZH[key];
  };
  const ATTRS = ['aria-label', 'title', 'placeholder'];
  // Labels Gradio builds from a message or a number: "bot's message: <div …>", "Select example 1: …".
  const PREFIXES = [["bot's message: ", '回答：', true], ["user's message: ", '問題：', true],
                    ['Select example ', '選擇範例 ', false]];
  const fixPrefixed = (el, value) => {
    for (const [english, chinese, spoken] of PREFIXES) {
      if (value.startsWith(english)) {
        return chinese + (spoken ? (el.textContent || '').trim().slice(0, 300) : value.slice(english.length));
      }
    }
    return null;
  };
  const fixAttrs = (el) => {
    for (const attr of ATTRS) {
      const value = el.getAttribute(attr);
      if (!value) continue;
      const chinese = fixPrefixed(el, value) || (!el.closest(CONTENT) && zh(value, el));
      if (chinese && chinese !== value) el.setAttribute(attr, chinese);
    }
  };
  const fixText = (node) => {
    const el = node.parentElement;
    if (!el || el.closest(CONTENT)) return;
    const chinese = zh(node.data, el);
    if (chinese) node.data = node.data.replace(node.data.trim(), chinese);
  };
  const fixTree = (root) => {
    if (root.nodeType === Node.TEXT_NODE) { fixText(root); return; }
    if (root.nodeType !== Node.ELEMENT_NODE) return;
    if (root.hasAttribute) fixAttrs(root);
    root.querySelectorAll('[aria-label], [title], [placeholder]').forEach(fixAttrs);
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) fixText(walker.currentNode);
  };
  fixTree(document.body);
  new MutationObserver((changes) => {
    for (const change of changes) {
      if (change.type === 'childList') change.addedNodes.forEach(fixTree);
      else if (change.type === 'characterData') fixText(change.target);
      else fixAttrs(change.target);
    }
  }).observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true,
                             attributeFilter: ATTRS});
}
""".replace("__LABELS__", json.dumps(LABELS_ZH, ensure_ascii=False))
