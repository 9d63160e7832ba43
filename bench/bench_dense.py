"""Speed and memory of the dense-retrieval engine: embedders on real text, vector indexes on synthetic data.

Subcommands (each measurement runs in a fresh child process, so load time and RSS are its own):

- ``embed``: per model (use, e5) and BLAS/OpenMP thread count: load time, RSS after load, documents/s on
  ChinaXiv title + abstract (as the engine embeds them) and on titles alone, latency of encoding one short
  query (p50/p99 over 50).
- ``real``: the ChinaXiv en->zh development set embedded with a model (cached by ``embed_corpus``):
  MRR@10 with the exact and the HNSW index, and recall@10 of HNSW against exact on real embeddings.
- ``index``: ``VectorIndex`` exact and hnsw on clustered synthetic unit vectors (a 32-d latent mixture
  projected to ``--dim``, like sentence embeddings, unlike uniform random vectors on which no ANN method
  works): build seconds, RSS growth, top-10 query p50/p99 with and without a 50 % ``allowed`` filter,
  recall@10 against exact.
- ``libs``: the comparison behind the choice of faiss (faiss-cpu, hnswlib, usearch, whichever are
  installed) on the same synthetic vectors.

    python bench/bench_dense.py embed --docs 500 --e5-docs 50
    python bench/bench_dense.py real --model use --limit 5000
    python bench/bench_dense.py index --sizes 100000,1000000 --dim 512
    python bench/bench_dense.py libs --sizes 100000

Wall-clock seconds on a shared 2-core machine: the load average is printed with every line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT / ".." / "shared" / "data"
QUERIES = ["锂电池极片缺陷检测", "rice seed breeding", "工业机器人视觉定位", "membrane bioreactor wastewater"]


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def load_text() -> str:
    return "load " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def chinaxiv(data: Path, limit: int) -> tuple[list[str], list[str], list[str]]:
    """Title + abstract of the Chinese papers, their titles, and the English abstracts in the same order."""
    folder = data / "chinaxiv-en2zh-dev"
    docs = {}
    with (folder / "corpus.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            docs[row["_id"]] = row
    passages, titles, english = [], [], []
    with (folder / "queries.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            query = json.loads(line)
            doc = docs.get(query["_id"].removeprefix("en-"))
            if doc is None:
                continue
            passages.append(f"{doc.get('title', '')}\n{doc['text']}".strip())
            titles.append(doc.get("title", ""))
            english.append(query["text"])
            if len(passages) >= limit:
                break
    return passages, titles, english


# ---------------------------------------------------------------- embed


def embed_child(args: argparse.Namespace) -> dict:
    import numpy as np

    from kechuang.engine.dense import make_embedder

    passages, titles, _ = chinaxiv(args.data, args.docs)
    start = time.perf_counter()
    embedder = make_embedder(args.model)
    embedder.encode(["warm up"])  # the model loads lazily, on first encode
    loaded = time.perf_counter() - start
    result = {"model": embedder.name, "threads": args.threads, "load_s": loaded, "rss_mib": rss_mib()}
    for label, texts in (("abstracts", passages), ("titles", titles)):
        runs = []
        for _ in range(args.runs):
            start = time.perf_counter()
            matrix = embedder.encode(texts)
            runs.append(len(texts) / (time.perf_counter() - start))
        assert matrix.shape == (len(texts), embedder.dim)
        result[f"{label}_docs_s"] = statistics.median(runs)
        result[f"{label}_runs"] = runs
    latencies = []
    for i in range(50):
        start = time.perf_counter()
        embedder.encode([QUERIES[i % len(QUERIES)]], kind="query")
        latencies.append(time.perf_counter() - start)
    result["query_ms_p50"] = 1000 * float(np.percentile(latencies, 50))
    result["query_ms_p99"] = 1000 * float(np.percentile(latencies, 99))
    result["rss_mib_end"] = rss_mib()
    result["docs"] = len(passages)
    result["load"] = os.getloadavg()
    return result


# ---------------------------------------------------------------- real embeddings


def real_child(args: argparse.Namespace) -> dict:
    import numpy as np

    from kechuang.engine.dense import embed_corpus, make_embedder
    from kechuang.engine.vectors import VectorIndex

    passages, _, english = chinaxiv(args.data, args.limit)
    embedder = make_embedder(args.model)
    cache = Path(args.cache) / embedder.name
    docs = embed_corpus(embedder, passages, cache / f"passages-{len(passages)}", progress=True)
    queries = embed_corpus(embedder, english, cache / f"queries-{len(english)}", kind="query", progress=True)
    ids = np.arange(len(passages), dtype=np.int64)
    result: dict = {"model": embedder.name, "pairs": len(passages)}
    found = {}
    for kind in ("exact", "hnsw"):
        index = VectorIndex(embedder.dim, kind=kind)
        start = time.perf_counter()
        index.add(ids, docs)
        result[f"{kind}_build_s"] = time.perf_counter() - start
        start = time.perf_counter()
        found[kind] = [index.search(q, 10)[0] for q in queries]
        result[f"{kind}_query_ms"] = 1000 * (time.perf_counter() - start) / len(queries)
        ranks = [np.flatnonzero(hits == i) for i, hits in enumerate(found[kind])]
        result[f"{kind}_mrr@10"] = float(np.mean([1 / (r[0] + 1) if len(r) else 0.0 for r in ranks]))
    overlap = [len(set(a) & set(b)) / 10 for a, b in zip(found["exact"], found["hnsw"], strict=True)]
    result["hnsw_recall@10_vs_exact"] = float(np.mean(overlap))
    result["load"] = os.getloadavg()
    return result


# ---------------------------------------------------------------- synthetic vectors


def clustered(n: int, dim: int, seed: int, latent: int = 32, clusters: int = 500):
    """Unit vectors from a Gaussian mixture in a ``latent``-d subspace plus a little full-rank noise."""
    import numpy as np

    basis_rng = np.random.default_rng(42)  # the same subspace and centres for data and queries
    basis = np.linalg.qr(basis_rng.standard_normal((dim, latent)))[0].T.astype(np.float32)
    centres = basis_rng.standard_normal((clusters, latent)).astype(np.float32)
    rng = np.random.default_rng(seed)
    out = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, 100_000):  # in blocks: the temporaries of 1M x 512 would double memory
        m = min(100_000, n - start)
        z = centres[rng.integers(0, clusters, m)] + 0.7 * rng.standard_normal((m, latent), dtype=np.float32)
        block = z @ basis + 0.02 * rng.standard_normal((m, dim), dtype=np.float32)
        out[start : start + m] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def truth_top10(vectors, queries, mask=None):
    import numpy as np

    scores = queries @ vectors.T
    if mask is not None:
        scores[:, ~mask] = -np.inf
    top = np.argpartition(-scores, 10, axis=1)[:, :10]
    order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1)
    return np.take_along_axis(top, order, axis=1)


def index_child(args: argparse.Namespace) -> dict:
    import numpy as np

    from kechuang.engine.vectors import VectorIndex

    vectors, queries = clustered(args.n, args.dim, 0), clustered(args.queries, args.dim, 1)
    ids = np.arange(args.n, dtype=np.int64)
    mask = np.random.default_rng(5).random(args.n) < 0.5
    allowed = ids[mask]
    truth, truth_filtered = truth_top10(vectors, queries), truth_top10(vectors, queries, mask)
    before = rss_mib()
    index = VectorIndex(args.dim, kind=args.kind, storage=args.storage)
    start = time.perf_counter()
    for block in range(0, args.n, 100_000):  # incremental adds, as a sync job would do
        index.add(ids[block : block + 100_000], vectors[block : block + 100_000])
    result = {"kind": args.kind, "storage": args.storage, "n": args.n, "dim": args.dim}
    result["build_s"] = time.perf_counter() - start
    result["rss_growth_mib"] = rss_mib() - before
    for label, flt, expected in (("plain", None, truth), ("filter50", allowed, truth_filtered)):
        latencies, recall = [], []
        for q, want in zip(queries, expected, strict=True):
            start = time.perf_counter()
            got, _ = index.search(q, 10, allowed=flt)
            latencies.append(time.perf_counter() - start)
            recall.append(len(set(got.tolist()) & set(want.tolist())) / 10)
        result[f"{label}_ms_p50"] = 1000 * float(np.percentile(latencies, 50))
        result[f"{label}_ms_p99"] = 1000 * float(np.percentile(latencies, 99))
        result[f"{label}_recall@10"] = float(np.mean(recall))
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        index.save(Path(folder) / "v")
        result["save_s"] = time.perf_counter() - start
        start = time.perf_counter()
        VectorIndex.load(Path(folder) / "v")
        result["load_s"] = time.perf_counter() - start
    result["load"] = os.getloadavg()
    return result


def libs_child(args: argparse.Namespace) -> dict:
    import numpy as np

    vectors, queries = clustered(args.n, args.dim, 0), clustered(args.queries, args.dim, 1)
    truth = truth_top10(vectors, queries)
    mask = np.random.default_rng(5).random(args.n) < 0.5
    result: dict = {"lib": args.lib, "n": args.n, "dim": args.dim, "m": 16, "ef_construction": 100}
    search_filtered = None
    if args.lib == "faiss":
        import faiss

        index = faiss.IndexHNSWFlat(args.dim, 16, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 100
        start = time.perf_counter()
        index.add(vectors)
        build = time.perf_counter() - start
        bitmap = np.packbits(mask, bitorder="little")
        selector = faiss.IDSelectorBitmap(len(bitmap), faiss.swig_ptr(bitmap))

        def search(q):
            return index.search(q[None], 10, params=faiss.SearchParametersHNSW(efSearch=64))[1][0]

        def search_filtered(q):
            return index.search(q[None], 10, params=faiss.SearchParametersHNSW(efSearch=64, sel=selector))[1][
                0
            ]

    elif args.lib == "hnswlib":
        import hnswlib

        index = hnswlib.Index(space="ip", dim=args.dim)
        index.init_index(max_elements=args.n, M=16, ef_construction=100)
        start = time.perf_counter()
        index.add_items(vectors, np.arange(args.n))
        build = time.perf_counter() - start
        index.set_ef(64)

        def search(q):
            return index.knn_query(q, 10)[0][0]

        def search_filtered(q):
            return index.knn_query(q, 10, filter=lambda label: mask[label])[0][0]

    else:
        from usearch.index import Index

        index = Index(
            ndim=args.dim, metric="ip", dtype="f32", connectivity=16, expansion_add=100, expansion_search=64
        )
        start = time.perf_counter()
        index.add(np.arange(args.n, dtype=np.uint64), vectors)
        build = time.perf_counter() - start

        def search(q):
            return index.search(q, 10).keys.astype(np.int64)

    result["build_s"] = build
    for label, fn in (("plain", search), ("filter50", search_filtered)):
        if fn is None:
            continue
        latencies, recall, allowed_only = [], [], True
        for q, want in zip(queries, truth, strict=True):
            start = time.perf_counter()
            got = np.asarray(fn(q), dtype=np.int64)
            latencies.append(time.perf_counter() - start)
            recall.append(len(set(got.tolist()) & set(want.tolist())) / 10)
            allowed_only &= bool(mask[got[got >= 0]].all()) if label == "filter50" else True
        result[f"{label}_ms_p50"] = 1000 * float(np.percentile(latencies, 50))
        result[f"{label}_ms_p99"] = 1000 * float(np.percentile(latencies, 99))
        if label == "plain":
            result["recall@10"] = float(np.mean(recall))
        else:
            result["filter_only_allowed"] = allowed_only
    result["load"] = os.getloadavg()
    return result


# ---------------------------------------------------------------- driver


def run_child(what: str, spec: dict, data: Path, threads: int | None = None) -> dict:
    """One measurement in a fresh interpreter (its own RSS, thread settings and model load)."""
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    if threads:
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[name] = str(threads)
    out = subprocess.run(
        [sys.executable, __file__, "--data", str(data), "child", what, json.dumps(spec)],
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    print(json.dumps(result), flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--data", type=Path, default=Path(os.environ.get("KECHUANG_SHARED_DATA", DEFAULT_DATA))
    )
    parser.add_argument("--output", type=Path, help="write all results as JSON here")
    sub = parser.add_subparsers(dest="command", required=True)
    embed = sub.add_parser("embed")
    embed.add_argument("--models", default="use,e5")
    embed.add_argument("--threads", default="1,2")
    embed.add_argument("--docs", type=int, default=500)
    embed.add_argument("--e5-docs", type=int, default=50)
    embed.add_argument("--runs", type=int, default=3)
    real = sub.add_parser("real")
    real.add_argument("--model", default="use")
    real.add_argument("--limit", type=int, default=5000)
    real.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "kechuang-bench-dense"))
    for name in ("index", "libs"):
        p = sub.add_parser(name)
        p.add_argument("--sizes", default="100000")
        p.add_argument("--dim", type=int, default=512)
        p.add_argument("--queries", type=int, default=200)
        if name == "index":
            p.add_argument("--kinds", default="exact,hnsw")
            p.add_argument("--storages", default="float32")
        else:
            p.add_argument("--libs", default="faiss,hnswlib,usearch")
    child = sub.add_parser("child")
    child.add_argument("what")
    child.add_argument("rest", nargs=argparse.REMAINDER)
    args = parser.parse_args()

    if args.command == "child":
        inner = argparse.Namespace(data=args.data, **json.loads(args.rest[0]))
        work = {"embed": embed_child, "real": real_child, "index": index_child, "libs": libs_child}[args.what]
        print(json.dumps(work(inner)))
        return

    print(f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, {load_text()}", file=sys.stderr)
    results = []
    if args.command == "embed":
        for model in args.models.split(","):
            for threads in map(int, args.threads.split(",")):
                docs = args.e5_docs if model == "e5" else args.docs
                spec = {"model": model, "threads": threads, "docs": docs, "runs": args.runs}
                results.append(run_child("embed", spec, args.data, threads))
    elif args.command == "real":
        spec = {"model": args.model, "limit": args.limit, "cache": args.cache}
        results.append(run_child("real", spec, args.data))
    elif args.command == "index":
        for n in map(int, args.sizes.split(",")):
            for kind in args.kinds.split(","):
                for storage in args.storages.split(","):
                    if kind == "exact" and storage != "float32":
                        continue
                    spec = {
                        "n": n,
                        "dim": args.dim,
                        "queries": args.queries,
                        "kind": kind,
                        "storage": storage,
                    }
                    results.append(run_child("index", spec, args.data))
    else:
        for n in map(int, args.sizes.split(",")):
            for lib in args.libs.split(","):
                spec = {"n": n, "dim": args.dim, "queries": args.queries, "lib": lib}
                results.append(run_child("libs", spec, args.data))
    print(load_text(), file=sys.stderr)
    if args.output:
        args.output.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
