"""`batch embed`: a corpus embedded across executors, written as the online index and `embed_corpus` read it.

Texts are cut into chunks of `embed_corpus`'s layout (chunk-00000.npy ..., manifest.json with each chunk's
text hash), so a chunk already embedded (by an earlier run, or by `embed_corpus` itself) is skipped: the
job resumes where it stopped. Missing chunks are embedded in `mapPartitions`, the model loaded once per
executor process, a wave of partitions at a time; the driver saves each wave's chunks. At the end the
vectors are written as a `VectorIndex` folder (`vectors-<model>`, what a match index loads) and as Parquet
(id, vector).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select

from kechuang.domain.access import Actor
from kechuang.domain.errors import InvalidInput, PermissionDenied
from kechuang.engine.dense import MANIFEST, make_embedder, texts_hash
from kechuang.engine.vectors import VectorIndex
from kechuang.store.db import UnitOfWork

from ..match_index import dense_text, record_document
from . import ENGINES
from .match import ACHIEVEMENTS

CHUNK = 256  # embed_corpus's default batch size, so its cache and this job's parts are interchangeable
MAX_LINE_CHARS = 100_000


@dataclass
class EmbedRun:
    engine: str
    texts: int
    embedded_chunks: int
    skipped_chunks: int
    model: str
    out: Path


def read_jsonl(path: Path) -> tuple[list[int], list[str]]:
    """(ids, texts) from JSON Lines with `id` and `text` (or title / keywords / abstract fields)."""
    ids, texts = [], []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            if len(line) > MAX_LINE_CHARS:
                raise InvalidInput(f"line {number} is longer than {MAX_LINE_CHARS} characters", field="input")
            try:
                row = json.loads(line)
                doc_id = int(row["id"])
            except (ValueError, KeyError, TypeError) as bad:
                raise InvalidInput(
                    f"line {number}: a JSON object with an integer id is needed", field="input"
                ) from bad
            text = row.get("text") or "\n".join(
                str(row.get(name) or "") for name in ("title", "keywords", "abstract")
            )
            if not isinstance(text, str) or any(ord(c) < 32 and c not in "\t\n\r" for c in text):
                raise InvalidInput(
                    f"line {number}: text must be a string without control characters", field="input"
                )
            ids.append(doc_id)
            texts.append(text)
    return ids, texts


def registry_texts(uow: UnitOfWork) -> tuple[list[int], list[str]]:
    """Live achievements as the online index embeds them (`dense_text`)."""
    with uow() as session:
        items = session.scalars(
            select(ACHIEVEMENTS).where(ACHIEVEMENTS.merged_into_id.is_(None)).order_by(ACHIEVEMENTS.id)
        )
        documents = [record_document(item) for item in items]
    return [d.id for d in documents], [dense_text(d) for d in documents]


@functools.cache
def _executor_embedder(name: str) -> Any:
    return make_embedder(name)


def _embed_chunks(name: str, chunks: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, bytes]]:
    model = _executor_embedder(name)
    for number, texts in chunks:
        matrix = np.asarray(model.encode(texts, kind="passage"), dtype=np.float32)
        yield number, matrix.tobytes()


PARTITION_CHUNKS = 8
"""Chunks a Spark partition embeds at most (2,048 texts: under a minute at USE's 40-90 texts/s a core)."""


def _spark_chunks(
    context: Any, embedder_name: str, work: list[tuple[int, list[str]]]
) -> Iterator[tuple[int, bytes]]:
    """The chunks embedded on the executors, a wave of partitions at a time (as many as there are cores): a
    wave runs at once, and the driver saves its chunks before the next starts, so an interrupted job loses at
    most one wave. `toLocalIterator` ran one partition at a time: `local[2]` was no faster than `local[1]`."""
    cores = max(1, int(context.defaultParallelism))
    per = max(1, min(PARTITION_CHUNKS, -(-len(work) // cores)))
    slices = -(-len(work) // per)
    rdd = context.parallelize(work, slices).mapPartitions(functools.partial(_embed_chunks, embedder_name))
    for first in range(0, slices, cores):
        yield from context.runJob(rdd, _rows, list(range(first, min(first + cores, slices))))


def _rows(rows: Iterator[tuple[int, bytes]]) -> Iterator[tuple[int, bytes]]:
    return rows


def batch_embed(
    actor: Actor,
    ids: Sequence[int],
    texts: Sequence[str],
    out: Path,
    embedder_name: str,
    *,
    engine: str = "local",
    spark: Any = None,
    chunk: int = CHUNK,
) -> EmbedRun:
    """Embed `texts` (under `ids`) into `out`: chunks + manifest, `vectors-<model>/`, embeddings.parquet."""
    if not actor.is_admin:
        raise PermissionDenied("batch jobs are run by administrators")
    if engine not in ENGINES:
        raise InvalidInput(f"engine must be one of: {', '.join(ENGINES)}", field="engine")
    if len(ids) != len(set(ids)):
        raise InvalidInput("ids must be unique", field="input")
    model = make_embedder(embedder_name)
    cache = out / "chunks"
    cache.mkdir(parents=True, exist_ok=True)
    chunks = [list(texts[i : i + chunk]) for i in range(0, len(texts), chunk)]
    hashes = [texts_hash(c) for c in chunks]
    header = {"model": model.name, "kind": "passage", "batch_size": chunk}
    manifest: dict[str, Any] = {}
    if (cache / MANIFEST).exists():
        manifest = json.loads((cache / MANIFEST).read_text(encoding="utf-8"))
    done: dict[str, str] = dict(manifest.get("chunks", {}))
    if any(manifest.get(key) != value for key, value in header.items()):
        done = {}
    dim = model.dim

    def name(number: int) -> str:
        return f"chunk-{number:05d}.npy"

    missing = [
        n for n in range(len(chunks)) if done.get(name(n)) != hashes[n] or not (cache / name(n)).exists()
    ]

    def save(number: int, matrix: np.ndarray) -> None:
        tmp = cache / f"chunk-{number:05d}.tmp.npy"
        np.save(tmp, matrix)
        tmp.replace(cache / name(number))
        done[name(number)] = hashes[number]
        body = {**header, "dim": dim, "count": len(texts), "chunks": done}
        (cache / "manifest.tmp").write_text(json.dumps(body, ensure_ascii=False, indent=1), encoding="utf-8")
        (cache / "manifest.tmp").replace(cache / MANIFEST)

    work = [(n, chunks[n]) for n in missing]
    if engine == "local":
        produced: Iterator[tuple[int, bytes]] = _embed_chunks(embedder_name, iter(work))
    else:
        if spark is None:
            raise InvalidInput("the Spark engine needs a session", field="engine")
        produced = _spark_chunks(spark.sparkContext, embedder_name, work) if work else iter(())
    for number, raw in produced:
        save(number, np.frombuffer(raw, dtype=np.float32).reshape(len(chunks[number]), dim))
    matrix = (
        np.concatenate([np.load(cache / name(n)) for n in range(len(chunks))])
        if chunks
        else np.zeros((0, dim), dtype=np.float32)
    )
    _write_vectors(out, model.name, np.asarray(ids, dtype=np.int64), matrix)
    return EmbedRun(engine, len(texts), len(missing), len(chunks) - len(missing), model.name, out)


def _write_vectors(out: Path, model: str, ids: np.ndarray, matrix: np.ndarray) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    index = VectorIndex(matrix.shape[1], kind="auto")
    if len(ids):
        index.add(ids, matrix)
    index.save(out / f"vectors-{model}")
    vectors = pa.FixedSizeListArray.from_arrays(pa.array(matrix.reshape(-1), pa.float32()), matrix.shape[1])
    pq.write_table(pa.table({"id": pa.array(ids, pa.int64()), "vector": vectors}), out / "embeddings.parquet")
