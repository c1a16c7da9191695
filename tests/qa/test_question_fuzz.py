"""Fuzzing what reads a question: real questions and mutations of them (inserted control
characters, surrogates, brackets, question words, cuts, repeats) and arbitrary text and
bytes. The gate either cleans a question or refuses it with ``QuestionError``; every
helper below it, and the whole pipeline over a real index, answers whatever passes.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsqa.answer_types import detect_answer_type, question_kind
from newsqa.evals.stress import SPECIAL
from newsqa.qa.citations import counted_numbers, numbers, parse_markers
from newsqa.qa.digest import DigestQuestion
from newsqa.qa.followup import FollowUpRewriter
from newsqa.qa.generative import trim_passage
from newsqa.qa.places import regions_in
from newsqa.qa.spans import clauses
from newsqa.question import MAX_QUESTION_CHARS, QuestionError, content_chars, validate_question
from newsqa.script import detect_script, fold, to_script
from newsqa.text import query_tokens, strip_question_words

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data"


def _real_questions() -> list[str]:
    """The bundled seed questions, plus every 20th question of the shared sets when present."""
    found = [json.loads(line)["question"] for line in (ROOT / "evals" / "seed_qa.jsonl").open(encoding="utf-8")]
    for name in ("drcd_dev", "cmrc2018_dev", "chronoqa_dev"):
        path = SHARED / name / "qa.jsonl"
        if path.is_file():
            lines = path.read_text(encoding="utf-8").splitlines()
            found += [json.loads(line)["question"] for line in lines[::20]]
    # The question that crashed the answer-type detector, and its neighbours.
    return found + ["参与的人包括哪一位?", "參與的人包括哪一位？", "包括哪", "有哪些", "分别是",
                    "2023年8月发生了什么事？", "上個月有什麼新聞"]


REAL = _real_questions()
PIECE = st.one_of(
    st.sampled_from(SPECIAL),
    st.text(max_size=6),
    st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=6),
)


@st.composite
def questions(draw) -> str:
    """A real question (or arbitrary text) with up to four mutations."""
    text = draw(st.one_of(st.sampled_from(REAL), st.text(max_size=40), st.sampled_from(SPECIAL)))
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.sampled_from(("insert", "delete", "truncate", "repeat", "script")))
        at = draw(st.integers(0, len(text)))
        if op == "insert":
            text = text[:at] + draw(PIECE) + text[at:]
        elif op == "delete":
            text = text[:at] + text[draw(st.integers(at, len(text))):]
        elif op == "truncate":
            text = text[:at]
        elif op == "repeat":
            text = text[:at] * draw(st.integers(2, 30)) + text[at:]
        else:
            text = to_script(text, draw(st.sampled_from(("hans", "hant"))))
    return text


def _gate(question):
    try:
        return validate_question(question)
    except QuestionError:
        return None


FUZZ = settings(max_examples=400, deadline=None, derandomize=True)


@FUZZ
@given(questions())
def test_the_gate_cleans_or_refuses(question):
    try:
        cleaned = validate_question(question)
    except QuestionError as exc:
        assert exc.kind in {"empty", "too_long", "too_short", "not_text"}
        message = str(exc)
        message.encode("utf-8")  # shown in a toast, a JSON object, a terminal: never the input's bytes
        assert message and (len(question.strip()) < 8 or question.strip() not in message)
        return
    assert cleaned == cleaned.strip() and 0 < len(cleaned) <= MAX_QUESTION_CHARS
    assert not any(unicodedata.category(c) in {"Cc", "Cf", "Cs"} for c in cleaned)
    assert content_chars(cleaned) >= 2
    assert validate_question(cleaned) == cleaned  # idempotent: every entry may call it again
    cleaned.encode("utf-8")  # what tokenizers, JSON and the terminal need


@FUZZ
@given(st.binary(max_size=120))
def test_the_gate_takes_any_bytes(data):
    try:
        cleaned = validate_question(data)
    except QuestionError:
        return
    cleaned.encode("utf-8")


@FUZZ
@given(questions())
def test_question_readers_answer_any_string(question):
    """Every regex-driven helper that reads a question, on the raw string and on what the gate lets through."""
    for text in {question, _gate(question) or ""}:
        folded = fold(text)
        detect_answer_type(text)
        question_kind(folded)
        query_tokens(folded)
        strip_question_words(folded)
        regions_in(folded)
        detect_script(text)
        numbers(text)
        counted_numbers(text)
        parse_markers(text + "[1]", 3)
        clauses(text)
        DigestQuestion.read(text, "2024-01-01")
        trim_passage("上海自貿區於2013年9月29日掛牌。" + text, text, 20)


@FUZZ
@given(questions(), st.lists(st.tuples(questions(), questions()), max_size=3))
def test_follow_up_rules_answer_any_string(question, history):
    rewriter = FollowUpRewriter(titles=["上海自貿試驗區:以一流黨建促一流改革", "臺北捷運路網持續擴張"])
    out = rewriter.run(question, history, today="2024-01-01")
    assert isinstance(out, str)


@pytest.fixture(scope="module")
def pipeline(small_news_index):
    from newsqa.config import Settings
    from newsqa.qa.pipeline import NewsQA

    return NewsQA(Settings.load(embedding_model=small_news_index.embedder.model_ref), small_news_index)


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(question=questions())
def test_the_pipeline_answers_or_refuses_any_string(pipeline, question):
    """End to end with the real model: an answer (or abstention) with valid citations, or a refusal."""
    try:
        answer = pipeline.ask(question)
    except QuestionError:
        assert _gate(question) is None
        return
    assert isinstance(answer.answer, str) and answer.answer
    json.dumps(answer.to_dict(), ensure_ascii=False).encode("utf-8")
    for citation in answer.citations:
        assert 0 <= citation.highlight_start <= citation.highlight_end <= len(citation.text)


@pytest.mark.parametrize("question", ["参与的人包括哪一位?", "參與的人包括哪一位？"])
def test_the_question_that_crashed_the_answer_type_detector(pipeline, question):
    assert detect_answer_type(question).type == "list"
    pipeline.ask(question)  # answers (or abstains) instead of raising AttributeError
