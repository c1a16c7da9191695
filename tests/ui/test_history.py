"""Earlier chats kept in the browser (:mod:`newsqa.ui.history`), without a browser: what is
stored, listed, brought back and forgotten (the browser test drives the real localStorage)."""

from __future__ import annotations

import json

import gradio as gr
import pytest

from newsqa.ui.history import ChatHistory, storage_key
from newsqa.ui.render import NO_SOURCES


def _turn(turn_id: int, asked: str, answer: str = "答案。") -> dict:
    return {
        "id": turn_id, "msg": 2 * turn_id - 1, "asked": asked, "question": asked, "answer": answer,
        "abstained": False, "script": "hant", "citations": [], "latency_ms": 12.0,
        "cards": f'<article class="nqa-source" id="nqa-src-{turn_id}-1">卡片{turn_id}</article>',
    }


def test_a_chat_is_saved_after_each_answer_under_one_id_and_listed_unless_on_screen() -> None:
    history = ChatHistory()
    store = history.empty()
    store, chat_id, picker = history.save(store, "", [_turn(1, "上海自貿區是哪一天掛牌的？")])
    assert chat_id and len(store["chats"]) == 1
    assert picker.choices == [] and picker.interactive is False  # the chat on screen is not offered
    store, same_id, _ = history.save(store, chat_id, [_turn(1, "上海自貿區是哪一天掛牌的？"), _turn(2, "擴區呢？")])
    assert same_id == chat_id and len(store["chats"]) == 1 and len(store["chats"][0]["turns"]) == 2
    store, other_id, picker = history.save(store, "", [_turn(1, "圓仔幾歲了？")])
    assert other_id != chat_id and [c["id"] for c in store["chats"]] == [other_id, chat_id]  # newest first
    (label, value), = picker.choices
    assert value == chat_id and label.startswith("上海自貿區是哪一天掛牌的？（2 問，")
    # a chat with no answer yet is not stored
    assert history.save(store, "", [])[:2] == (gr.skip(), "")
    assert json.loads(json.dumps(store)) == store  # localStorage holds JSON


def test_opening_an_earlier_chat_brings_back_its_messages_and_sources() -> None:
    history = ChatHistory()
    store, first, _ = history.save(history.empty(), "", [_turn(1, "上海自贸区是哪一天挂牌的？", "2013年9月29日。")])
    store, second, _ = history.save(store, "", [_turn(1, "圓仔幾歲了？")])
    messages, panel, turns, chat_id, picker = history.open(store, first, "hant")
    assert chat_id == first and [c[1] for c in picker.choices] == [second]
    assert [m["role"] for m in messages] == ["user", "assistant"]
    assert "上海自贸区是哪一天挂牌的？" in messages[0]["content"] and "2013年9月29日" in messages[1]["content"]
    assert "卡片1" in panel and turns[0]["asked"] == "上海自贸区是哪一天挂牌的？"
    # an id the store no longer holds (cleared in another tab) changes nothing
    assert history.open(store, "gone", "auto") == (gr.skip(),) * 5
    assert history.open(store, None, "auto") == (gr.skip(),) * 5


def test_new_chat_and_clear() -> None:
    history = ChatHistory()
    store, chat_id, _ = history.save(history.empty(), "", [_turn(1, "問題？")])
    messages, panel, turns, new_id, picker = history.new_chat(store)
    assert (messages, panel, turns, new_id) == ([], NO_SOURCES, [], "")
    assert [c[1] for c in picker.choices] == [chat_id]  # the chat just left is offered at once
    store, new_id, picker = history.clear()
    assert store == {"chats": []} and new_id == "" and picker.choices == []


@pytest.mark.parametrize("stored", [None, "", "garbage", {"chats": "x"}, {"chats": [1, {"id": "a"}]}, [1, 2]])
def test_a_store_of_another_shape_reads_as_empty(stored) -> None:
    history = ChatHistory()
    assert history.choices(stored) == []
    store, chat_id, _ = history.save(stored, "", [_turn(1, "問題？")])
    assert len(store["chats"]) == 1 and store["chats"][0]["id"] == chat_id


def test_a_chat_saved_by_another_version_is_skipped_with_a_warning() -> None:
    store = {"chats": [{"id": "old", "title": "舊的", "saved": "", "turns": [{"no": "fields"}]}]}
    with pytest.warns(UserWarning, match="無法顯示"):
        assert ChatHistory().open(store, "old", "auto") == (gr.skip(),) * 5


def test_the_store_keeps_the_newest_chats_within_its_limits() -> None:
    history = ChatHistory(max_chats=3)
    store, ids = history.empty(), []
    for i in range(5):
        store, chat_id, _ = history.save(store, "", [_turn(1, f"問題{i}？")])
        ids.append(chat_id)
    assert [c["id"] for c in store["chats"]] == ids[::-1][:3]
    small = ChatHistory(max_chars=3_000)
    store = small.empty()
    for i in range(5):
        store, _, _ = small.save(store, "", [_turn(1, f"問題{i}？", "很長的答案。" * 100)])
    assert 1 <= len(store["chats"]) < 5 and store["chats"][0]["turns"][0]["asked"] == "問題4？"
    assert len(json.dumps(store, ensure_ascii=False)) <= 3_000 or len(store["chats"]) == 1


def test_each_archive_has_its_own_storage_key() -> None:
    assert storage_key("/data/a/index") != storage_key("/data/b/index")
    assert storage_key("/data/a/index") == storage_key("/data/a/index")
    assert storage_key("x").startswith("newsqa-chats-")
