"""Generative answers through LangChain, with the citations checked in code.

``GenerativeAnswerer`` has the same ``run(question, retrieved, *, term_weights, script)``
interface as the extractive answerer, plus :meth:`GenerativeAnswerer.stream`, which
yields the model's text as it comes and then the checked :class:`GeneratedAnswer`.

The model is any OpenAI-compatible chat endpoint reached through
``langchain_openai.ChatOpenAI`` (``answer_generator = "openai"``: hosted APIs, Ollama,
vLLM, llama.cpp servers), or a GGUF file served in-process by llama.cpp
(``answer_generator = "local"``, :mod:`newsqa.qa.llm_server`) and reached through the very
same ``ChatOpenAI`` code path.

One question:

1. **Evidence first.** The extractive answerer runs (milliseconds). When it abstains
   (its evidence score is under ``answer_min_confidence``) the model is not called: no
   evidence, no call. Its answer is also the fallback.
2. **A small prompt.** The top ``llm_passages`` passages (the extractive answer's passage
   always among them), each trimmed to ``llm_passage_chars`` characters around its
   sentences that share most with the question, numbered ``[1]``… with title and date;
   sentences that address the assistant (prompt injection) are blanked out; a line says
   what day the question is asked and what its relative time words mean. The prompt
   templates are files in ``qa/prompts/`` (``answer_system.txt``, ``answer.txt``): the
   passages come first as quoted data, the rules after them, then a worked example with
   a citation and one with the refusal.
3. **Checking** (:class:`newsqa.qa.citations.CitationChecker`): markers parsed and
   renumbered, citations that do not hold re-pointed or removed, unsupported sentences
   and numbers removed, the answer converted to the question's script.
4. **Outcome.** The model refused: the answer abstains (「資料中沒有相關內容。」), unless
   the extractive answer's confidence is at least ``llm_refusal_override`` (then it is
   given, with ``fallback = "model-refused"``: of the 11 seed questions the 1.5B model
   refused, 9 were answerable). Nothing the model said survived the checks: the
   extractive answer, with ``fallback = "unverified"``. The endpoint is down,
   times out (``llm_timeout``, per call and for the whole answer) or fails: the error is
   logged with what to check, and the extractive answer is given with ``fallback`` saying
   why, so the UI can say so.

Example::

    answerer = GenerativeAnswerer.from_settings(Settings.load(answer_generator="local"))
    answer = answerer.run("上海自貿區是哪一天掛牌的？", retrieved)
    answer.answer       # '上海自貿區於2013年9月29日掛牌。[1]'
    answer.fallback     # None (or why the extractive answer is shown)
    answer.ttft_ms      # time to the first generated token

    for event in answerer.stream("上海自贸区是哪一天挂牌的？", retrieved):
        if isinstance(event, str):
            print(event, end="")        # the model's text as it comes
        else:
            final = event               # the checked GeneratedAnswer
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from newsqa.qa.answerer import ExtractiveAnswerer
from newsqa.qa.citations import (
    REFUSAL,
    CheckedAnswer,
    CitationChecker,
    Passage,
    sanitize_passage,
)
from newsqa.qa.periods import TimeQuery

from newsqa.script import Script, detect_script, fold, to_reader_script
from newsqa.timex import show_date
from newsqa.types import Answer, RetrievedChunk

logger = logging.getLogger(__name__)
# The OpenAI client logs every HTTP request at INFO: one line per answer is noise here.
for _name in ("httpx", "httpx2", "openai"):
    if logging.getLogger(_name).level == logging.NOTSET:
        logging.getLogger(_name).setLevel(logging.WARNING)

PROMPTS_DIR = Path(__file__).resolve().with_name("prompts")
SCRIPT_NAMES = {"hant": "繁體中文", "hans": "简体中文"}
#: The model stops at these (a small model goes on with a new 問題： otherwise).
STOP_SEQUENCES = ["\n問題：", "\n问题：", "\n範例", "\n范例", "\n\n\n"]

TermWeights = Callable[[list[str]], dict[str, float]]

#: A passage goes into the prompt only when it shares at least this share of the question's
#: character bigrams that the best passage shares (the top passage and the extractive
#: answer's passage always go in).
RELEVANCE_SHARE = 0.4

_SENTENCE_RE = re.compile(r"[^。！？!?\n]+[。！？!?」』”]*|\n+")


class LLMUnavailableError(RuntimeError):
    """The model endpoint cannot be used (not installed, not reachable, timed out)."""


# --------------------------------------------------------------------------- records
@dataclass(slots=True)
class GeneratedAnswer(Answer):
    """An :class:`~newsqa.types.Answer` from the generative answerer.

    ``generator``: "openai" or "local"; ``fallback``: ``None`` when the model's checked
    answer is shown, else why the extractive answer is (``"unverified"``,
    ``"model-refused"``, or the error:
    ``"timeout: …"``, ``"unavailable: …"``); ``model_called``: False when the evidence
    was too weak to ask the model; ``raw``: what the model wrote; ``ttft_ms`` /
    ``generation_ms``: time to its first token and to its last; ``extractive``: the
    extractive answer to the same question (for comparisons); ``checked``: the citation
    check's record.

    Example::

        answer.to_dict()["generator"], answer.to_dict()["fallback"]   # 'local', None
    """

    generator: str = "openai"
    model: str = ""
    fallback: str | None = None
    model_called: bool = False
    raw: str = ""
    ttft_ms: float | None = None
    generation_ms: float | None = None
    extractive: Answer | None = None
    checked: CheckedAnswer | None = None

    def to_dict(self) -> dict[str, Any]:
        """The ``ask --json`` object plus ``generator`` and ``fallback``."""
        data = Answer.to_dict(self)
        data["generator"] = self.generator
        data["fallback"] = self.fallback
        return data


@dataclass(slots=True)
class PromptPassage:
    """A passage as put in the prompt: the retrieved chunk and the trimmed, sanitised excerpt."""

    hit: RetrievedChunk
    excerpt: str


# --------------------------------------------------------------------------- prompts
def prompt_text(name: str) -> str:
    """The text of the prompt file ``qa/prompts/<name>``."""
    return (PROMPTS_DIR / name).read_text(encoding="utf-8").strip() + "\n"


def answer_prompt():
    """The answer prompt: ``answer_system.txt`` and ``answer.txt`` as a LangChain chat
    prompt with the variables ``passages``, ``time_note``, ``question``, ``refusal`` and ``script_name``."""
    from langchain_core.prompts import (
        ChatPromptTemplate,
        HumanMessagePromptTemplate,
        PromptTemplate,
        SystemMessagePromptTemplate,
    )

    return ChatPromptTemplate.from_messages([
        SystemMessagePromptTemplate(prompt=PromptTemplate.from_template(prompt_text("answer_system.txt"))),
        HumanMessagePromptTemplate(prompt=PromptTemplate.from_file(PROMPTS_DIR / "answer.txt", encoding="utf-8")),
    ])


def condense_prompt():
    """The follow-up prompt (``condense.txt``): variables ``history``, ``question``, ``today``."""
    from langchain_core.prompts import (
        ChatPromptTemplate,
        HumanMessagePromptTemplate,
        PromptTemplate,
    )

    return ChatPromptTemplate.from_messages([
        HumanMessagePromptTemplate(prompt=PromptTemplate.from_file(PROMPTS_DIR / "condense.txt", encoding="utf-8")),
    ])


# --------------------------------------------------------------------------- the chat model
def chat_model(
    *,
    base_url: str | None,
    model: str,
    api_key: str | None,
    timeout: float,
    max_tokens: int,
    temperature: float = 0.0,
    max_retries: int = 0,
    stop: Sequence[str] | None = None,
):
    """``ChatOpenAI`` for an OpenAI-compatible endpoint (chat completions API, not the
    Responses API, which local servers lack). No token counting: that would make tiktoken
    fetch its files from the internet."""
    try:
        from langchain_openai import ChatOpenAI
    except ImportError as exc:
        raise LLMUnavailableError(
            f"generative answers need langchain-openai ({exc}); install the extra: pip install -e '.[llm]'"
        ) from None
    return ChatOpenAI(
        base_url=base_url,
        api_key=api_key or "not-needed",
        model=model,
        temperature=temperature,
        max_tokens=max_tokens,
        timeout=timeout,
        max_retries=max_retries,
        stop=list(stop) if stop else None,
        use_responses_api=False,
    )


class ModelProvider:
    """Creates the chat model on first use (for ``local``: starts the in-process server
    first) and keeps it; ``describe()`` names the endpoint for log lines.

    Example::

        provider = ModelProvider.from_settings(settings)
        llm = provider()            # a ChatOpenAI; raises LLMUnavailableError when it cannot be had
    """

    def __init__(self, factory: Callable[[], Any], *, generator: str, model_name: str, where: str):
        self._factory = factory
        self._model: Any = None
        self.generator = generator
        self.model_name = model_name
        self.where = where

    @classmethod
    def from_settings(cls, settings, *, stop: Sequence[str] | None = STOP_SEQUENCES, max_tokens: int | None = None) -> ModelProvider:
        common = {
            "timeout": settings.llm_timeout,
            "max_tokens": max_tokens or settings.llm_max_tokens,
            "temperature": settings.llm_temperature,
            "max_retries": settings.llm_max_retries,
            "stop": stop,
        }
        if settings.answer_generator == "local":
            from newsqa.qa.llm_server import LLMServerError, shared_server

            server = shared_server(settings.llm_gguf_file, threads=settings.llm_threads, ctx_size=settings.llm_ctx_size)

            def local() -> Any:
                try:
                    info = server.start()
                except LLMServerError as exc:
                    raise LLMUnavailableError(str(exc)) from None
                return chat_model(base_url=info.base_url, model=info.model, api_key=info.api_key, **common)

            return cls(local, generator="local", model_name=settings.llm_gguf_file.name, where=str(settings.llm_gguf_file))
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
        import os

        key = key or os.environ.get("OPENAI_API_KEY")

        def remote() -> Any:
            return chat_model(base_url=settings.llm_base_url, model=settings.llm_model, api_key=key, **common)

        return cls(remote, generator="openai", model_name=settings.llm_model, where=settings.llm_base_url or "the OpenAI API")

    def __call__(self) -> Any:
        if self._model is None:
            self._model = self._factory()
        return self._model

    def with_options(self, **kwargs) -> Any:
        """The model with other call options (``max_tokens``, ``stop``), sharing its endpoint."""
        return self().model_copy(update=kwargs)


def describe_error(exc: BaseException, where: str) -> str:
    """A one-line reason for a failed model call, saying what to check."""
    name = type(exc).__name__
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else name
    if "Timeout" in name or isinstance(exc, TimeoutError):
        return f"timeout: the model at {where} did not answer in time ({text}); raise llm_timeout or use a smaller model"
    if "Connection" in name or "ConnectError" in name:
        return f"unavailable: cannot reach the model at {where} ({text}); is the server running?"
    if isinstance(exc, LLMUnavailableError):
        return f"unavailable: {text}"
    if "Authentication" in name or "PermissionDenied" in name:
        return f"unavailable: the model at {where} refused the API key ({text}); check llm_api_key"
    if "NotFound" in name:
        return f"unavailable: the model at {where} does not know this model ({text}); check llm_model"
    return f"error: the model at {where} failed ({name}: {text})"


# --------------------------------------------------------------------------- passages
def _question_grams(question: str) -> set[str]:
    folded = re.sub(r"[^\w]", "", fold(question))
    return {folded[i : i + 2] for i in range(len(folded) - 1)}


def trim_passage(text: str, question: str, max_chars: int, *, focus: tuple[int, int] | None = None) -> str:
    """``text`` cut to about ``max_chars`` characters around its sentence that shares most
    character bigrams with ``question`` (or the ``focus`` span), neighbours added while they fit;
    ``…`` marks what was left out."""
    text = text.strip()
    if len(text) <= max_chars:
        return text
    spans = [(m.start(), m.end()) for m in _SENTENCE_RE.finditer(text) if m.group(0).strip()]
    if not spans:
        return text[:max_chars] + "…"
    grams = _question_grams(question)

    def score(span: tuple[int, int]) -> float:
        if focus and span[0] < focus[1] and focus[0] < span[1]:
            return 1e6
        f = fold(text[span[0] : span[1]])
        return sum(g in f for g in grams)

    best = max(range(len(spans)), key=lambda i: (score(spans[i]), -i))
    lo = hi = best
    start, end = spans[best]
    if end - start > max_chars:  # one long sentence: a window around its best bigram
        sentence = fold(text[start:end])
        hits = [sentence.find(g) for g in grams if g in sentence]
        centre = start + (sorted(hits)[len(hits) // 2] if hits else 0)
        a = max(start, min(centre - max_chars // 2, end - max_chars))
        return ("…" if a > 0 else "") + text[a : a + max_chars].strip() + "…"
    while True:
        grown = False
        for cand in (hi + 1, lo - 1):
            if 0 <= cand < len(spans):
                a, b = min(start, spans[cand][0]), max(end, spans[cand][1])
                if b - a <= max_chars:
                    start, end = a, b
                    lo, hi = min(lo, cand), max(hi, cand)
                    grown = True
        if not grown:
            break
    excerpt = text[start:end].strip()
    return ("…" if start > 0 else "") + excerpt + ("…" if end < len(text) else "")


def time_note(question: str, as_of: dt.date | None = None) -> str:
    """What day it is for the question and what its relative time words mean, for the model:
    「今天是2024年11月12日。問題中的「去年9月」指2023年9月。」 (``as_of``: the day the
    question is asked, today by default). A model does not know the date, and a passage's
    「去年」 is its own story's year, not the reader's."""
    asked = TimeQuery.read(question, as_of)  # the periods retrieval prefers, read the same way
    today = asked.as_of
    note = f"今天是{today.year}年{today.month}月{today.day}日。"
    for span in asked.periods:
        if span.relative:
            note += f"問題中的「{span.text}」指{show_date(span)}。"
    return note


def format_passages(passages: Sequence[PromptPassage], *, max_title_chars: int = 30) -> str:
    """``[n] 《title》（date）excerpt`` lines, one per passage; a later passage of the same
    article says 《同[m]》 instead of repeating the title (tokens are the cost on a CPU)."""
    lines = []
    first_of: dict[str, int] = {}
    for n, p in enumerate(passages, start=1):
        doc = p.hit.document
        excerpt = " ".join(p.excerpt.split())
        if doc.doc_id in first_of:
            lines.append(f"[{n}] 《同[{first_of[doc.doc_id]}]》{excerpt}")
            continue
        first_of[doc.doc_id] = n
        date = f"（{doc.date}）" if doc.date else ""
        title = sanitize_passage(doc.title or "", placeholder="")
        if len(title) > max_title_chars:
            title = title[:max_title_chars] + "…"
        lines.append(f"[{n}] 《{title}》{date}{excerpt}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- the answerer
class GenerativeAnswerer:
    """A chat model writes the answer from the top passages; code checks its citations.

    See the module docstring for the steps. ``model`` is a :class:`ModelProvider` (or any
    callable returning a LangChain chat model); ``extractive`` gives the evidence gate and
    the fallback.

    Example::

        answerer = GenerativeAnswerer(ModelProvider.from_settings(settings), ExtractiveAnswerer())
        answer = answerer.run(question, retrieved)
    """

    def __init__(
        self,
        model: ModelProvider,
        extractive: ExtractiveAnswerer,
        *,
        max_passages: int = 4,
        passage_chars: int = 120,
        timeout: float = 120.0,
        refusal_override: float = 0.9,
        checker: CitationChecker | None = None,
    ):
        self.model = model
        self.extractive = extractive
        self.max_passages = max_passages
        self.passage_chars = passage_chars
        self.timeout = timeout
        self.refusal_override = refusal_override
        self.checker = checker or CitationChecker(traditional_variant=extractive.traditional_variant)
        self.prompt = answer_prompt()

    @classmethod
    def from_settings(cls, settings) -> GenerativeAnswerer:
        return cls(
            ModelProvider.from_settings(settings),
            ExtractiveAnswerer.from_settings(settings),
            max_passages=settings.llm_passages,
            passage_chars=settings.llm_passage_chars,
            timeout=settings.llm_timeout,
            refusal_override=settings.llm_refusal_override,
        )

    @property
    def generator(self) -> str:
        return getattr(self.model, "generator", "openai")

    # ------------------------------------------------------------------ prompt
    def select_passages(self, question: str, retrieved: Sequence[RetrievedChunk], base: Answer) -> list[PromptPassage]:
        """The top passages for the prompt, trimmed; the extractive answer's passage is kept."""
        chosen = list(retrieved[: self.max_passages])
        focus: dict[tuple[str, int], tuple[int, int]] = {}
        for c in base.citations:
            focus[(c.doc_id, c.start)] = (c.highlight_start, c.highlight_end)
            if not any((h.document.doc_id, h.chunk.start) == (c.doc_id, c.start) for h in chosen):
                extra = next((h for h in retrieved if (h.document.doc_id, h.chunk.start) == (c.doc_id, c.start)), None)
                if extra is not None and chosen:
                    chosen[-1] = extra
        # Passages that share little with the question only cost prompt tokens.
        grams = _question_grams(question)
        overlap = [sum(g in fold(h.chunk.text) for g in grams) for h in chosen]
        keep_from = RELEVANCE_SHARE * max(overlap, default=0)
        cited = {(c.doc_id, c.start) for c in base.citations}
        chosen = [
            h for h, o in zip(chosen, overlap)
            if o >= keep_from or (h.document.doc_id, h.chunk.start) in cited or h is chosen[0]
        ]
        out = []
        for hit in chosen:
            excerpt = trim_passage(
                hit.chunk.text, question, self.passage_chars, focus=focus.get((hit.document.doc_id, hit.chunk.start))
            )
            out.append(PromptPassage(hit, sanitize_passage(excerpt)))
        return out

    def messages(
        self, question: str, passages: Sequence[PromptPassage], script: Script, as_of: dt.date | None = None
    ) -> list[Any]:
        """The chat messages for ``question`` over ``passages``, asked on ``as_of`` (today)."""
        return self.prompt.format_messages(
            passages=format_passages(passages),
            time_note=time_note(question, as_of),
            question=question.strip(),
            refusal=REFUSAL[script],
            script_name=SCRIPT_NAMES[script],
        )

    # ------------------------------------------------------------------ answering
    def run(
        self,
        question: str,
        retrieved: list[RetrievedChunk],
        *,
        term_weights: TermWeights | None = None,
        script: Script | None = None,
        as_of: dt.date | None = None,
    ) -> GeneratedAnswer:
        """The checked answer (see :meth:`stream`, whose last event this is)."""
        final = None
        for event in self.stream(question, retrieved, term_weights=term_weights, script=script, as_of=as_of):
            if not isinstance(event, str):
                final = event
        assert final is not None
        return final

    def stream(
        self,
        question: str,
        retrieved: list[RetrievedChunk],
        *,
        term_weights: TermWeights | None = None,
        script: Script | None = None,
        as_of: dt.date | None = None,
    ) -> Iterator[str | GeneratedAnswer]:
        """Yields the model's text in pieces (in the question's script, unchecked), then the
        checked :class:`GeneratedAnswer` (always last, also when the model failed). ``as_of``
        is the day the question is asked (today by default): the prompt says what day that is
        and what the question's relative time words (「去年9月」) mean."""
        script = script or detect_script(question)
        t0 = time.perf_counter()
        base = self.extractive.run(question, retrieved, term_weights=term_weights, script=script)
        base.latency_ms = (time.perf_counter() - t0) * 1000
        if base.abstained:
            logger.debug("no evidence for %r (confidence %.2f): the model is not called", question, base.confidence)
            yield self._from_base(base, fallback=None)
            return
        passages = self.select_passages(question, retrieved, base)
        messages = self.messages(question, passages, script, as_of)
        started = time.perf_counter()
        ttft: float | None = None
        raw: list[str] = []
        where = getattr(self.model, "where", "the endpoint")
        try:
            llm = self.model()
            for chunk in llm.stream(messages):
                piece = chunk.content if isinstance(chunk.content, str) else "".join(
                    part.get("text", "") if isinstance(part, dict) else str(part) for part in chunk.content
                )
                if not piece:
                    continue
                if ttft is None:
                    ttft = (time.perf_counter() - started) * 1000
                raw.append(piece)
                yield to_reader_script(piece, script, variant=self.checker.traditional_variant)
                if time.perf_counter() - started > self.timeout:
                    raise TimeoutError(f"no complete answer after {self.timeout:.0f} s")
        except Exception as exc:  # noqa: BLE001 - any model failure gives the extractive answer
            reason = describe_error(exc, where)
            logger.error("generative answer failed, giving the extractive answer instead: %s", reason)
            yield self._from_base(base, fallback=reason, model_called=True, raw="".join(raw), ttft=ttft, started=started)
            return
        total = (time.perf_counter() - started) * 1000
        text = "".join(raw)
        checked = self.checker.check(text, [self._passage(p) for p in passages], script=script, question=question)
        logger.debug(
            "model answer %r → %r (dropped %d, re-pointed %d, out of range %d)",
            text, checked.text, len(checked.dropped), checked.repointed, checked.out_of_range,
        )
        if checked.abstained and not checked.refused:
            logger.warning("nothing the model wrote could be checked against the passages; giving the extractive answer")
            yield self._from_base(base, fallback="unverified", model_called=True, raw=text, ttft=ttft,
                                  started=started, checked=checked)
            return
        if checked.abstained and base.confidence >= self.refusal_override:
            # A small model refuses answerable questions often; strong extractive evidence outweighs it.
            logger.info("the model refused, but the extractive evidence is strong (%.2f): giving the extractive answer",
                        base.confidence)
            yield self._from_base(base, fallback="model-refused", model_called=True, raw=text, ttft=ttft,
                                  started=started, checked=checked)
            return
        citations = [
            passages[p_index].hit.citation(n, h0, h1)
            for n, (p_index, (h0, h1)) in enumerate(zip(checked.sources, checked.highlights), start=1)
        ]
        checked_answer = self._from_base(base, fallback=None, model_called=True, raw=text, ttft=ttft, checked=checked)
        yield replace(
            checked_answer,
            answer=checked.text,
            abstained=checked.abstained,
            citations=citations,
            script=script,
            generation_ms=total,
        )

    @staticmethod
    def _passage(p: PromptPassage) -> Passage:
        return Passage(text=p.hit.chunk.text, title=p.hit.document.title, date=p.hit.document.date)

    def _from_base(
        self,
        base: Answer,
        *,
        fallback: str | None,
        model_called: bool = False,
        raw: str = "",
        ttft: float | None = None,
        started: float | None = None,
        checked: CheckedAnswer | None = None,
    ) -> GeneratedAnswer:
        return GeneratedAnswer(
            question=base.question,
            answer=base.answer,
            abstained=base.abstained,
            citations=list(base.citations),
            script=base.script,
            confidence=base.confidence,
            answer_type=getattr(base, "answer_type", "other"),
            generator=self.generator,
            model=getattr(self.model, "model_name", ""),
            fallback=fallback,
            model_called=model_called,
            raw=raw,
            ttft_ms=ttft,
            generation_ms=None if started is None else (time.perf_counter() - started) * 1000,
            extractive=base,
            checked=checked,
        )
