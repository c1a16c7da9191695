"""Earlier chats, kept in the visitor's own browser (``gr.BrowserState``, i.e. localStorage).

Nothing is stored on the server: each browser keeps its own conversations, and 「清除紀錄」
forgets them. A conversation is saved after every answer (so closing the tab loses
nothing), under an id the page keeps in a ``gr.State``; 「新對話」 starts a new id, and
picking an earlier chat brings back its messages and sources from the saved turns (the
same records :class:`newsqa.ui.chat.ChatHandlers` keeps; they are plain JSON).

The store is ``{"chats": [{"id", "title", "saved", "turns"}, …]}``, newest first, at most
:data:`MAX_CHATS` chats and about :data:`MAX_STORE_CHARS` characters (browsers give a site
about 5 MB of localStorage); the oldest chats go first. A store that is not of this shape
(another version, a hand-edited value) is read as empty, never as an error.

Example::

    history = ChatHistory()
    store, chat_id, picker = history.save(history.empty(), "", turns)   # after an answer
    messages, panel, turns, chat_id = history.open(store, chat_id, "auto")
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import gradio as gr

from newsqa.ui.render import NO_SOURCES, render_chat, render_panel

log = logging.getLogger(__name__)

#: The most conversations one browser keeps.
MAX_CHATS = 30

#: About how many characters of JSON the store may hold (the oldest chats are dropped first).
MAX_STORE_CHARS = 2_000_000

#: How much of the first question names a chat in the list.
TITLE_CHARS = 28


def storage_key(index_path: object) -> str:
    """The localStorage key for one archive: two archives served from the same address
    (one after the other on the same port) keep their chats apart."""
    digest = hashlib.sha1(str(index_path).encode("utf-8")).hexdigest()[:12]
    return f"newsqa-chats-{digest}"


def _valid_chats(store: Any) -> list[dict[str, Any]]:
    """The store's chats, or [] when it is not a store of this shape."""
    chats = store.get("chats") if isinstance(store, Mapping) else None
    if not isinstance(chats, list):
        return []
    return [c for c in chats if isinstance(c, Mapping) and c.get("id") and isinstance(c.get("turns"), list)]


def _title(turns: Sequence[Mapping[str, Any]]) -> str:
    first = str(turns[0].get("asked") or turns[0].get("question") or "").strip() if turns else ""
    first = " ".join(first.split())
    return first if len(first) <= TITLE_CHARS else first[: TITLE_CHARS - 1] + "…"


def _label(chat: Mapping[str, Any]) -> str:
    saved = str(chat.get("saved") or "")[:16].replace("T", " ")
    count = len(chat.get("turns") or [])
    return f"{chat.get('title') or '（無標題）'}（{count} 問，{saved}）"


@dataclass
class ChatHistory:
    """The handlers of 「新對話」, 「先前的對話」 and 「清除紀錄」 over a browser's store."""

    max_chats: int = MAX_CHATS
    max_chars: int = MAX_STORE_CHARS
    show_latency: bool = False  # ``ui_debug``: the sources panel shows the newest answer's latency

    @staticmethod
    def empty() -> dict[str, Any]:
        """A store with no chats (the BrowserState's default value)."""
        return {"chats": []}

    def choices(self, store: Any, current: str | None = None) -> list[tuple[str, str]]:
        """(label, id) of every saved chat but the one on screen, newest first."""
        return [(_label(c), str(c["id"])) for c in _valid_chats(store) if str(c["id"]) != (current or "")]

    def picker(self, store: Any, current: str | None = None) -> gr.Dropdown:
        """The 「先前的對話」 list as a component update (nothing picked)."""
        options = self.choices(store, current)
        return gr.Dropdown(choices=options, value=None, interactive=bool(options))

    def save(self, store: Any, chat_id: str | None, turns: Sequence[Mapping[str, Any]] | None) -> tuple:
        """Store the conversation on screen (first under a new id); returns (store, id, picker).
        A conversation with no answer yet is not stored."""
        turns = list(turns or [])
        if not turns:
            return gr.skip(), chat_id or "", gr.skip()
        chat_id = chat_id or uuid.uuid4().hex
        saved = dt.datetime.now().astimezone().isoformat(timespec="minutes")
        record = {"id": chat_id, "title": _title(turns), "saved": saved, "turns": turns}
        chats = [record] + [c for c in _valid_chats(store) if str(c["id"]) != chat_id]
        chats = self._fit(chats[: self.max_chats])
        new_store = {"chats": chats}
        return new_store, chat_id, self.picker(new_store, chat_id)

    def _fit(self, chats: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Drop the oldest chats until the store is within ``max_chars`` (the newest always stays)."""
        while len(chats) > 1 and len(json.dumps({"chats": chats}, ensure_ascii=False)) > self.max_chars:
            dropped = chats.pop()
            log.info("earlier chat %r dropped from the browser's store (store full)", dropped.get("title"))
        return chats

    def open(self, store: Any, chat_id: str | None, mode: str | None) -> tuple:
        """Bring back the chat ``chat_id``: (messages, sources panel, turns, id, picker).
        An id the store no longer holds changes nothing."""
        chat = next((c for c in _valid_chats(store) if str(c["id"]) == (chat_id or "")), None)
        if chat is None:
            skip = gr.skip()
            return skip, skip, skip, skip, skip
        turns = [dict(t) for t in chat["turns"]]
        try:
            messages = render_chat(turns, mode or "auto")
            panel = render_panel(turns, show_latency=self.show_latency)
        except (KeyError, TypeError, ValueError):  # a chat saved by another version of the page
            log.warning("earlier chat %s could not be shown", chat_id, exc_info=True)
            gr.Warning("這段對話無法顯示（可能是舊版本存的），已略過。", title="先前的對話")
            skip = gr.skip()
            return skip, skip, skip, skip, skip
        return messages, panel, turns, str(chat["id"]), self.picker(store, str(chat["id"]))

    def new_chat(self, store: Any) -> tuple:
        """「新對話」: an empty chat under no id yet (the one on screen was saved with its last
        answer); returns (messages, sources panel, turns, id, picker)."""
        return [], NO_SOURCES, [], "", self.picker(store, None)

    def clear(self) -> tuple:
        """「清除紀錄」: forget every saved chat (the one on screen stays, unsaved until its
        next answer); returns (store, id, picker)."""
        gr.Info("已清除這個瀏覽器保存的對話紀錄。", duration=3)
        return self.empty(), "", gr.Dropdown(choices=[], value=None, interactive=False)
