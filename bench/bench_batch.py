"""Batch match and batch embed (issue 14): the local engine against Spark local[1] and local[2].

Subcommands (each timed measurement runs in a fresh child process, so its peak RSS is its own):

- ``generate``: a JSON Lines corpus of demands and achievements recombined from ../shared/data (CSL titles,
  keywords and abstracts, ChinaXiv English abstracts): each record takes its title, keywords and sentences
  from different real papers, so the vocabulary and lengths are real but no record is a copy.
- ``prepare``: the driver's part of ``batch match`` on that corpus (tokenise with the online analyser, BM25
  matrix, embed both sides, save the artefacts), timed.
- ``score``: one engine scoring every demand block: wall seconds, peak RSS of this process and of its
  largest child (a Spark Python worker or the JVM), written as one JSON line.
- ``subset``: the artefacts of the first N demands (document files hard-linked), to score part of a run.
- ``match``: generate + prepare, then ``score`` with the local engine, local[1] and local[2] in child
  processes; checks the three results are identical; prints the table with the scale-out efficiency
  t(local[1]) / (2 x t(local[2])) and a linear extrapolation to the issue's 100k x 1M and to 16 executors.
- ``embed``: documents/s of ``batch embed`` (local engine, local[1], local[2]) against the online embedder
  encoding the same texts in this process, per core.
- ``stats``: ``batch stats`` of one year on a database (the market statistics and the network's contract
  ties) with the local engine, local[1] and local[2] in child processes, against the online services in
  this process (``contract_statistics``, the database's GROUP BY; the contract ties of
  ``platform_network``); checks that all give the same buckets and edges (counts equal, amounts within
  1e-9 relative). Load a database first with ``kechuang synthetic generate`` and ``kechuang synthetic load``.

    nice -n 10 python bench/bench_batch.py match --demands 2000 --achievements 100000 --embedder hashing
    nice -n 10 python bench/bench_batch.py embed --docs 400 --embedder use
    nice -n 10 python bench/bench_batch.py stats --database-url postgresql+psycopg://.../kt_stats --year 2024

Wall-clock seconds on a shared 2-core machine: the load average is printed with every result.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
DATA = Path(os.environ.get("KECHUANG_SHARED_DATA", ROOT.parent / "shared" / "data"))


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


PSS_EVERY = 150
"""Ticks (0.2 s) between proportional-set-size samples: reading smaps_rollup walks every mapped page, and at
1M documents each worker maps gigabytes (sampled every tick, the sampler took 40 % of a core)."""


class TreeMemory:
    """Peak summed RSS of this process's descendants (the JVM and its Python workers), sampled every 0.2 s:
    getrusage(RUSAGE_CHILDREN) sees neither the JVM (still running) nor its workers (grandchildren)."""

    def __init__(self) -> None:
        import threading

        self.peak = 0
        self.peak_pss = 0
        self._tree: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @staticmethod
    def _pss(pid: int) -> int:
        """Proportional set size: shared pages (the memory-mapped artefacts every worker reads) split
        between the processes that map them, so a tree's sum counts them once."""
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
        except OSError:
            pass
        return 0

    def _descendants(self) -> int:
        parents: dict[int, int] = {}
        rss: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                parents[int(entry)] = int(fields[1])
                rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        total, todo, tree = 0, [os.getpid()], [os.getpid()]
        while todo:
            pid = todo.pop()
            for child, parent in parents.items():
                if parent == pid:
                    total += rss.get(child, 0)
                    todo.append(child)
                    tree.append(child)
        self._tree = tree
        return total

    def _sample_pss(self) -> None:
        self.peak_pss = max(self.peak_pss, sum(self._pss(pid) for pid in self._tree))

    def _run(self) -> None:
        ticks = 0
        while not self._stop.wait(0.2):
            self.peak = max(self.peak, self._descendants())
            ticks += 1
            if ticks % PSS_EVERY == 0:
                self._sample_pss()

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        self._sample_pss()
        return self.peak / 2**20


# ---------------------------------------------------------------- corpus


def _sources() -> tuple[list[dict], list[str]]:
    csl = [json.loads(line) for line in (DATA / "csl" / "csl_2000.jsonl").open(encoding="utf-8")]
    english = []
    for name in ("chinaxiv-zh2en-dev", "chinaxiv-en2zh-dev"):
        path = DATA / name / "corpus.jsonl"
        if path.exists():
            english += [json.loads(line).get("text", "") for line in path.open(encoding="utf-8")]
    return csl, [t for t in english if t]


def _sentences(text: str) -> list[str]:
    parts = [p for p in text.replace("。", "。|").replace("；", "；|").split("|") if p.strip()]
    return parts or [text]


def generate(demands: int, achievements: int, out: Path, seed: int = 14) -> None:
    """demands.jsonl and achievements.jsonl (id, title_zh, keywords_zh, abstract_zh, abstract_en)."""
    csl, english = _sources()
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)

    def record(number: int, sentences: int) -> dict:
        a, b, c = rng.choice(csl), rng.choice(csl), rng.choice(csl)
        body = _sentences(b["abstract"]) + _sentences(c["abstract"])
        row = {
            "id": number,
            "title_zh": a["title"],
            "keywords_zh": list(dict.fromkeys(a.get("keywords", [])[:3] + b.get("keywords", [])[:2])),
            "abstract_zh": "".join(rng.sample(body, min(sentences, len(body)))),
            "visibility": "public" if rng.random() < 0.9 else "members",
        }
        if english and rng.random() < 0.3:
            row["abstract_en"] = rng.choice(english)[:600]
        return row

    with (out / "achievements.jsonl").open("w", encoding="utf-8") as f:
        for i in range(1, achievements + 1):
            f.write(json.dumps(record(i, 6), ensure_ascii=False) + "\n")
    with (out / "demands.jsonl").open("w", encoding="utf-8") as f:
        for i in range(1, demands + 1):
            f.write(json.dumps(record(i, 2), ensure_ascii=False) + "\n")


def _records(path: Path, kind: str) -> list:
    from kechuang.domain.entities import Achievement, Demand
    from kechuang.domain.enums import Visibility

    made = []
    for line in path.open(encoding="utf-8"):
        row = json.loads(line)
        visibility = Visibility(row.pop("visibility"))
        if kind == "demand":
            row["description_zh"] = row.pop("abstract_zh", "")
            row["description_en"] = row.pop("abstract_en", "")
            made.append(Demand(visibility=visibility, **row))
        else:
            made.append(Achievement(visibility=visibility, **row))
    return made


def prepare(corpus: Path, work: Path, embedder_name: str) -> dict:
    from kechuang.engine.dense import make_embedder
    from kechuang.services.batch.match import prepare_records

    started = time.perf_counter()
    achievements = _records(corpus / "achievements.jsonl", "achievement")
    demands = _records(corpus / "demands.jsonl", "demand")
    embedder = None if embedder_name == "none" else make_embedder(embedder_name)
    artefacts = prepare_records(achievements, demands, work, embedder)
    return {
        "step": "prepare",
        "demands": len(demands),
        "achievements": len(achievements),
        "terms": int(artefacts.weights.shape[0]),
        "seconds": round(time.perf_counter() - started, 1),
        "peak_rss_mb": round(peak_mb(resource.RUSAGE_SELF)),
        "load": load(),
    }


def score(work: Path, engine: str, master: str, out: Path) -> dict:
    from kechuang.services.batch.match import score_local, score_spark
    from kechuang.services.batch.output import write_matches

    session = None
    tree = TreeMemory()
    if engine == "spark":
        from kechuang.services.batch.spark import spark_session

        session = spark_session(master)
        session.sparkContext.parallelize([0], 1).count()  # start-up is not scoring time
    started = time.perf_counter()
    results = score_spark(session, work, 10) if session is not None else score_local(work, 10)
    seconds = time.perf_counter() - started
    children = tree.stop()
    out.mkdir(parents=True, exist_ok=True)
    write_matches(out, results, __import__("datetime").datetime(2026, 1, 1))
    if session is not None:
        session.stop()
    return {
        "step": "score",
        "engine": engine if engine == "local" else master,
        "seconds": round(seconds, 1),
        "peak_rss_mb": round(peak_mb(resource.RUSAGE_SELF)),
        "peak_children_rss_mb": round(children),
        "peak_tree_pss_mb": round(tree.peak_pss / 2**20),
        "load": load(),
    }


def subset(work: Path, out: Path, demands: int) -> None:
    """Artefacts of the first `demands` demands only: the documents' files linked, the queries' cut. Blocks
    are independent, so scoring them gives the first lines of the whole run's output, bit for bit when the
    subset is whole blocks."""
    import numpy as np
    import scipy.sparse as sp

    from kechuang.engine.batch_match import StageTexts, Texts

    source, target = work / "artefacts", out / "artefacts"
    block = json.loads((source / "meta.json").read_text(encoding="utf-8"))["block"]
    if demands % block:  # a shorter last block would change a float32 product's last bits
        raise SystemExit(f"--demands must be a multiple of the block ({block})")
    target.mkdir(parents=True, exist_ok=True)
    for path in source.iterdir():
        if not (target / path.name).exists():
            os.link(path, target / path.name)
    for name in ("queries.npz", "arrays.npz", "query_vectors.npy"):
        (target / name).unlink(missing_ok=True)
    queries = sp.load_npz(source / "queries.npz").tocsr()[:demands]
    sp.save_npz(target / "queries.npz", queries, compressed=False)
    arrays = dict(np.load(source / "arrays.npz"))
    for name in ("query_ids", "shares", "query_owners"):
        if name in arrays:
            arrays[name] = arrays[name][:demands]
    np.savez(target / "arrays.npz", **arrays)
    np.save(target / "query_vectors.npy", np.load(source / "query_vectors.npy", mmap_mode="r")[:demands])
    texts = StageTexts.load(source)
    for name in ("query_texts", "query_tokens", "query_heads") if texts is not None else ():
        for suffix in (".offsets.npy", ".utf8"):
            (target / f"{name}{suffix}").unlink()
        Texts.save(target, name, [getattr(texts, name)[i] for i in range(demands)])


def _cores(master: str) -> str:
    """The n of local[n] ("" for no master)."""
    return master.removeprefix("local[").removesuffix("]")


def _child(*args: str) -> dict:
    command = [sys.executable, __file__, *args]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def match(args: argparse.Namespace) -> None:
    work = Path(args.work)
    corpus = work / "corpus"
    if not (corpus / "achievements.jsonl").exists() or args.regenerate:
        generate(args.demands, args.achievements, corpus)
    prepared = _child(
        "prepare", "--corpus", str(corpus), "--work", str(work / "prep"), "--embedder", args.embedder
    )
    print(json.dumps(prepared), flush=True)
    runs = []
    for engine, master in (("local", ""), ("spark", "local[1]"), ("spark", "local[2]")):
        out = work / f"out-{engine}-{_cores(master) or 'ref'}"
        found = _child(
            "score",
            "--work",
            str(work / "prep"),
            "--engine",
            engine,
            "--master",
            master or "local[1]",
            "--out",
            str(out),
        )
        found["out"] = out.name
        print(json.dumps(found), flush=True)
        runs.append((found, out))
    reference = (runs[0][1] / "matches.jsonl").read_bytes()
    identical = all((out / "matches.jsonl").read_bytes() == reference for _, out in runs)
    t_local, t1, t2 = (r[0]["seconds"] for r in runs)
    pairs = prepared["demands"] * prepared["achievements"]
    target = 100_000 * 1_000_000
    efficiency = t1 / (2 * t2)
    summary = {
        "identical": identical,
        "pairs": pairs,
        "scale_out_efficiency": round(efficiency, 2),
        "estimate_100k_x_1M_local_h": round(t_local * target / pairs / 3600, 1),
        "estimate_100k_x_1M_local1_h": round(t1 * target / pairs / 3600, 1),
        "estimate_100k_x_1M_16_executors_h": round(
            t1 * target / pairs / (16 * min(efficiency, 1.0)) / 3600, 2
        ),
    }
    print(json.dumps(summary), flush=True)


# ---------------------------------------------------------------- statistics and network edges


def stats_run(url: str, year: int, engine: str, master: str, out: Path) -> dict:
    """`batch stats` (statistics, then the network's edges) with one engine, each part timed."""
    from kechuang.domain.access import Actor
    from kechuang.services.batch.output import write_records
    from kechuang.services.batch.stats import batch_edges, batch_stats, edge_records, statistics_records
    from kechuang.store.db import UnitOfWork, make_engine

    actor, uow = Actor.system("bench"), UnitOfWork(make_engine(url))
    session = None
    tree = TreeMemory()
    if engine == "spark":
        from kechuang.services.batch.spark import spark_session

        session = spark_session(master)
        session.sparkContext.parallelize([0], 1).count()  # start-up is not the job's time
    started = time.perf_counter()
    result = batch_stats(actor, uow, url, year, engine=engine, spark=session)
    counted = time.perf_counter()
    edges = batch_edges(actor, uow, url, year, engine=engine, spark=session)
    done = time.perf_counter()
    children = tree.stop()
    write_records(out, "statistics", statistics_records(result))
    write_records(out, "edges", edge_records(edges))
    if session is not None:
        session.stop()
    return {
        "step": "stats",
        "engine": engine if engine == "local" else master,
        "contracts": result.total.count,
        "edges": len(edges),
        "statistics_s": round(counted - started, 1),
        "edges_s": round(done - counted, 1),
        "peak_rss_mb": round(peak_mb(resource.RUSAGE_SELF)),
        "peak_children_rss_mb": round(children),
        "load": load(),
    }


def _same(a: list[dict], b: list[dict], keys: tuple[str, ...]) -> bool:
    """Rows equal on `keys` and on every amount within 1e-9 relative (sums may add in another order)."""
    if [tuple(r[k] for k in keys) for r in a] != [tuple(r[k] for k in keys) for r in b]:
        return False
    return all(
        abs(x[f] - y[f]) <= 1e-9 * max(abs(x[f]), abs(y[f]), 1.0)
        for x, y in zip(a, b, strict=True)
        for f in ("contract_amount", "transaction_amount")
    )


def stats(args: argparse.Namespace) -> None:
    from collections import Counter

    from kechuang.domain.access import Actor
    from kechuang.services.batch.stats import statistics_records
    from kechuang.services.insights.networks import platform_network
    from kechuang.services.market_stats import contract_statistics
    from kechuang.store.db import UnitOfWork, make_engine

    work = Path(args.work)
    runs = []
    for engine, master in (("local", ""), ("spark", "local[1]"), ("spark", "local[2]")):
        out = work / f"stats-{engine}-{_cores(master) or 'ref'}"
        found = _child(
            "stats-run", "--database-url", args.database_url, "--year", str(args.year),
            "--engine", engine, "--master", master or "local[1]", "--out", str(out),
        )  # fmt: skip
        print(json.dumps(found), flush=True)
        runs.append((found, out))
    # the online services run after the children: a child starts with its parent's peak RSS (Linux keeps
    # ru_maxrss across exec), and the network's baseline holds every contract as an object
    actor, uow = Actor.system("bench"), UnitOfWork(make_engine(args.database_url))
    started = time.perf_counter()
    online = statistics_records(contract_statistics(actor, uow, year=args.year))
    online_s = time.perf_counter() - started
    ties: Counter = Counter()
    network_s = None
    if not args.no_network:
        started = time.perf_counter()
        for tie in platform_network(actor, uow).ties:
            if tie.record.startswith("contract:") and tie.edge.year == args.year:
                ties[tie.edge.source, tie.edge.target] += 1
        network_s = time.perf_counter() - started
    print(
        json.dumps(
            {
                "step": "online",
                "contract_statistics_s": round(online_s, 2),
                "platform_network_s": None if network_s is None else round(network_s, 1),
                "peak_rss_mb": round(peak_mb(resource.RUSAGE_SELF)),
                "load": load(),
            }
        ),
        flush=True,
    )
    statistics = [lines(out / "statistics.jsonl") for _, out in runs]
    edges = [lines(out / "edges.jsonl") for _, out in runs]
    bucket = ("breakdown", "key", "label_zh", "label_en", "count")
    network = sorted((*pair, n) for pair, n in ties.items())
    summary = {
        "statistics_equal_online": all(_same(s, online, bucket) for s in statistics),
        "edges_equal_across_engines": all(_same(e, edges[0], ("source", "target", "count")) for e in edges),
        "edges_equal_network": None
        if network_s is None
        else [(r["source"], r["target"], r["count"]) for r in edges[0]] == network,
        "scale_out_efficiency": round(
            (runs[1][0]["statistics_s"] + runs[1][0]["edges_s"])
            / (2 * (runs[2][0]["statistics_s"] + runs[2][0]["edges_s"])),
            2,
        ),
    }
    print(json.dumps(summary), flush=True)


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# ---------------------------------------------------------------- embedding throughput


def embed(args: argparse.Namespace) -> None:
    work = Path(args.work)
    corpus = work / "corpus"
    if not (corpus / "achievements.jsonl").exists():
        generate(10, max(args.docs, 100), corpus)
    rows = [json.loads(line) for line in (corpus / "achievements.jsonl").open(encoding="utf-8")][: args.docs]
    texts = [f"{r['title_zh']}\n{' '.join(r['keywords_zh'])}\n{r['abstract_zh']}"[:1200] for r in rows]
    (work / "embed.jsonl").write_text(
        "".join(
            json.dumps({"id": r["id"], "text": t}, ensure_ascii=False) + "\n"
            for r, t in zip(rows, texts, strict=True)
        ),
        encoding="utf-8",
    )
    online = _child("embed-online", "--input", str(work / "embed.jsonl"), "--embedder", args.embedder)
    print(json.dumps(online), flush=True)
    for engine, master in (("local", ""), ("spark", "local[1]"), ("spark", "local[2]")):
        out = work / f"emb-{engine}-{_cores(master) or 'ref'}"
        found = _child(
            "embed-run",
            "--input",
            str(work / "embed.jsonl"),
            "--embedder",
            args.embedder,
            "--engine",
            engine,
            "--master",
            master or "local[1]",
            "--out",
            str(out),
        )
        cores = 1 if engine == "local" else int(_cores(master))
        found["docs_per_s_per_core"] = round(found["docs_per_s"] / cores, 1)
        found["vs_online_per_core"] = round(found["docs_per_s_per_core"] / online["docs_per_s"], 2)
        print(json.dumps(found), flush=True)


def embed_online(path: Path, name: str) -> dict:
    from kechuang.engine.dense import make_embedder

    texts = [json.loads(line)["text"] for line in path.open(encoding="utf-8")]
    model = make_embedder(name)
    model.encode(texts[:2])  # load
    started = time.perf_counter()
    model.encode(texts, kind="passage")
    seconds = time.perf_counter() - started
    return {
        "step": "online embedder",
        "docs": len(texts),
        "docs_per_s": round(len(texts) / seconds, 1),
        "peak_rss_mb": round(peak_mb(resource.RUSAGE_SELF)),
        "load": load(),
    }


def embed_run(path: Path, name: str, engine: str, master: str, out: Path) -> dict:
    import shutil

    from kechuang.domain.access import Actor
    from kechuang.services.batch.embed import batch_embed, read_jsonl

    ids, texts = read_jsonl(path)
    shutil.rmtree(out, ignore_errors=True)
    session = None
    tree = TreeMemory()
    if engine == "spark":
        from kechuang.services.batch.spark import spark_session

        session = spark_session(master)
        session.sparkContext.parallelize([0], 1).count()
    started = time.perf_counter()
    batch_embed(Actor.system("bench"), ids, texts, out, name, engine=engine, spark=session, chunk=32)
    seconds = time.perf_counter() - started
    children = tree.stop()
    if session is not None:
        session.stop()
    return {
        "step": "batch embed",
        "engine": engine if engine == "local" else master,
        "docs": len(texts),
        "seconds": round(seconds, 1),
        "docs_per_s": round(len(texts) / seconds, 1),
        "peak_rss_mb": round(peak_mb(resource.RUSAGE_SELF)),
        "peak_children_rss_mb": round(children),
        "load": load(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate")
    g.add_argument("--demands", type=int, default=2000)
    g.add_argument("--achievements", type=int, default=100_000)
    g.add_argument("--out", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--corpus", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--embedder", default="hashing")
    s = sub.add_parser("score")
    s.add_argument("--work", required=True)
    s.add_argument("--engine", default="local")
    s.add_argument("--master", default="local[1]")
    s.add_argument("--out", required=True)
    m = sub.add_parser("match")
    m.add_argument("--demands", type=int, default=2000)
    m.add_argument("--achievements", type=int, default=100_000)
    m.add_argument("--embedder", default="hashing", help="hashing (fast, any size), use (the product's)")
    m.add_argument("--work", default="bench-batch-work")
    m.add_argument("--regenerate", action="store_true")
    e = sub.add_parser("embed")
    e.add_argument("--docs", type=int, default=400)
    e.add_argument("--embedder", default="use")
    e.add_argument("--work", default="bench-batch-work")
    o = sub.add_parser("embed-online")
    o.add_argument("--input", required=True)
    o.add_argument("--embedder", default="use")
    r = sub.add_parser("embed-run")
    r.add_argument("--input", required=True)
    r.add_argument("--embedder", default="use")
    r.add_argument("--engine", default="local")
    r.add_argument("--master", default="local[1]")
    r.add_argument("--out", required=True)
    c = sub.add_parser("subset", help="artefacts of the first N demands, documents linked")
    c.add_argument("--work", required=True)
    c.add_argument("--out", required=True)
    c.add_argument("--demands", type=int, required=True)
    t = sub.add_parser("stats")
    t.add_argument("--database-url", required=True)
    t.add_argument("--year", type=int, required=True)
    t.add_argument("--work", default="bench-batch-work")
    t.add_argument("--no-network", action="store_true", help="skip the online network baseline (slow)")
    u = sub.add_parser("stats-run")
    u.add_argument("--database-url", required=True)
    u.add_argument("--year", type=int, required=True)
    u.add_argument("--engine", default="local")
    u.add_argument("--master", default="local[1]")
    u.add_argument("--out", required=True)
    args = parser.parse_args()
    if args.command == "stats":
        stats(args)
    elif args.command == "stats-run":
        print(json.dumps(stats_run(args.database_url, args.year, args.engine, args.master, Path(args.out))))
    elif args.command == "generate":
        generate(args.demands, args.achievements, Path(args.out))
    elif args.command == "prepare":
        print(json.dumps(prepare(Path(args.corpus), Path(args.work), args.embedder)))
    elif args.command == "score":
        print(json.dumps(score(Path(args.work), args.engine, args.master, Path(args.out))))
    elif args.command == "match":
        match(args)
    elif args.command == "subset":
        subset(Path(args.work), Path(args.out), args.demands)
    elif args.command == "embed":
        embed(args)
    elif args.command == "embed-online":
        print(json.dumps(embed_online(Path(args.input), args.embedder)))
    elif args.command == "embed-run":
        print(
            json.dumps(embed_run(Path(args.input), args.embedder, args.engine, args.master, Path(args.out)))
        )


if __name__ == "__main__":
    main()
