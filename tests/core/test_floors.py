"""Floors that only look down: every import (at the top of a file or inside a function) runs
from a folder to one on a lower floor or on the same floor, and folders never import each
other in a circle (see README, "Architecture").

    4  applications: cli/ ui/ evals/ bench/ models/   (may import each other, without a circle)
    3  qa/       questions -> retrieval -> answers
    2  ingest/   files -> documents -> the index
    1  index/    documents, vectors, BM25, generations on disk
    0  newsqa/   the ground floor: types, settings, script, dates, question gate, Chinese text

A failure prints each offending ``file:line`` with the two folders and their floors.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

GROUND = "newsqa"
#: Folder -> floor. A folder may import its own floor and those below.
FLOORS = {
    GROUND: 0,
    "index": 1,
    "ingest": 2,
    "qa": 3,
    "cli": 4,
    "ui": 4,
    "evals": 4,
    "bench": 4,
    "models": 4,
}
#: Folders that hold Python but stand outside the floors (tests import everything).
OUTSIDE = {"tests", ".venv", "var", "data", "docs", "test-artifacts", ".git", ".hypothesis", ".pytest_cache"}


def folder_of(module: str, floors: dict[str, int]) -> str | None:
    """The folder an absolute module name lives in: ``newsqa.qa.pipeline`` -> ``qa``,
    ``newsqa.types`` -> the ground floor, ``bench.run`` -> ``bench``; None for third-party."""
    parts = module.split(".")
    if parts[0] == GROUND:
        return parts[1] if len(parts) > 1 and parts[1] in floors and parts[1] != GROUND else GROUND
    return parts[0] if parts[0] in floors else None


def imported_modules(path: Path, package: str) -> Iterator[tuple[int, str]]:
    """``(line, absolute module)`` of every import in ``path`` (``package``: its own package,
    to resolve relative imports). ``from newsqa import qa`` names ``newsqa.qa``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from the file's own package upwards
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            yield node.lineno, module
            for alias in node.names:  # `from newsqa import qa` imports the folder qa
                yield node.lineno, f"{module}.{alias.name}"


def package_of(path: Path, root: Path) -> str:
    """The dotted package a file belongs to, as installed (``qa/x.py`` -> ``newsqa.qa``)."""
    rel = path.relative_to(root).parent.parts
    if rel and rel[0] != GROUND and rel[0] != "bench":
        rel = (GROUND, *rel)
    return ".".join(rel)


def import_edges(root: Path, floors: dict[str, int]) -> list[tuple[str, int, str, str]]:
    """``(file, line, from folder, to folder)`` for every import between two floor folders."""
    edges = []
    for folder in floors:
        for path in sorted((root / folder).rglob("*.py")):
            package = package_of(path, root)
            for line, module in imported_modules(path, package):
                target = folder_of(module, floors)
                if target is not None and target != folder:
                    edges.append((str(path.relative_to(root)), line, folder, target))
    return sorted(set(edges))


def upward_imports(root: Path, floors: dict[str, int]) -> list[str]:
    """``file:line: A (floor n) imports B (floor m > n)`` for each import that looks up."""
    return [
        f"{file}:{line}: {src} (floor {floors[src]}) imports {dst} (floor {floors[dst]})"
        for file, line, src, dst in import_edges(root, floors)
        if floors[dst] > floors[src]
    ]


def import_cycles(root: Path, floors: dict[str, int]) -> list[str]:
    """Each circle of folders importing each other, with the imports that close it."""
    where: dict[tuple[str, str], str] = {}
    graph: dict[str, set[str]] = {folder: set() for folder in floors}
    for file, line, src, dst in import_edges(root, floors):
        graph[src].add(dst)
        where.setdefault((src, dst), f"{file}:{line}")
    cycles, seen = [], set()

    def visit(node: str, stack: list[str]) -> None:
        for nxt in sorted(graph[node]):
            if nxt in stack:
                circle = stack[stack.index(nxt):] + [nxt]
                key = frozenset(circle)
                if key not in seen:
                    seen.add(key)
                    steps = ", ".join(f"{a} -> {b} ({where[a, b]})" for a, b in zip(circle, circle[1:]))
                    cycles.append(" -> ".join(circle) + f": {steps}")
            else:
                visit(nxt, [*stack, nxt])

    for start in sorted(graph):
        visit(start, [start])
    return cycles


# ---------------------------------------------------------------------- the project
def test_no_import_looks_up_a_floor():
    bad = upward_imports(REPO, FLOORS)
    assert not bad, "imports from a lower floor to a higher one:\n" + "\n".join(bad)


def test_no_folders_import_each_other_in_a_circle():
    circles = import_cycles(REPO, FLOORS)
    assert not circles, "folders that import each other in a circle:\n" + "\n".join(circles)


def test_every_top_level_folder_with_python_has_a_floor():
    folders = {d.name for d in REPO.iterdir() if d.is_dir() and d.name not in OUTSIDE and next(d.rglob("*.py"), None)}
    unknown = sorted(folders - set(FLOORS))
    assert not unknown, f"give these folders a floor in FLOORS (or list them in OUTSIDE): {unknown}"


# ---------------------------------------------------------------------- the checker itself
def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_an_upward_import_inside_a_function_is_caught_with_its_line(tmp_path):
    root = _tree(tmp_path, {
        "newsqa/__init__.py": "",
        "newsqa/types.py": "import json\n\n\ndef f():\n    from newsqa.qa.pipeline import NewsQA\n",
        "qa/__init__.py": "",
        "qa/pipeline.py": "from newsqa.types import f\nfrom newsqa.index import store\n",
        "index/__init__.py": "",
        "index/store.py": "from newsqa import ingest\n",
        "ingest/__init__.py": "",
    })
    floors = {GROUND: 0, "index": 1, "ingest": 2, "qa": 3}
    assert upward_imports(root, floors) == [
        "index/store.py:1: index (floor 1) imports ingest (floor 2)",
        "newsqa/types.py:5: newsqa (floor 0) imports qa (floor 3)",
    ]


def test_a_relative_import_counts_as_the_folder_it_names(tmp_path):
    root = _tree(tmp_path, {
        "index/__init__.py": "",
        "index/store.py": "from ..qa import answerer\nfrom . import bm25\n",
        "qa/__init__.py": "",
    })
    floors = {GROUND: 0, "index": 1, "qa": 3}
    assert upward_imports(root, floors) == ["index/store.py:1: index (floor 1) imports qa (floor 3)"]


def test_same_floor_folders_in_a_circle_are_caught(tmp_path):
    root = _tree(tmp_path, {
        "cli/__init__.py": "from newsqa.ui.app import serve\n",
        "ui/app.py": "def serve():\n    from newsqa.evals import SEED\n",
        "evals/__init__.py": "import newsqa.cli\n",
    })
    floors = {GROUND: 0, "cli": 4, "ui": 4, "evals": 4}
    assert upward_imports(root, floors) == []
    assert import_cycles(root, floors) == [
        "cli -> ui -> evals -> cli: cli -> ui (cli/__init__.py:1), ui -> evals (ui/app.py:2), "
        "evals -> cli (evals/__init__.py:1)"
    ]


def test_a_clean_tree_passes(tmp_path):
    root = _tree(tmp_path, {
        "newsqa/types.py": "import numpy\n",
        "index/store.py": "from newsqa.types import Chunk\n",
        "qa/pipeline.py": "from newsqa.index.store import NewsIndex\nfrom newsqa.types import Chunk\n",
    })
    floors = {GROUND: 0, "index": 1, "qa": 3}
    assert upward_imports(root, floors) == [] and import_cycles(root, floors) == []
