"""Network measures (`kechuang.analytics.networks`) on a big synthetic collaboration graph: time, peak memory.

The graph is seeded and built like a real innovation system: organizations in communities (clusters of a
few hundred), most ties inside a community and the rest across, tie counts skewed (a few hubs), sectors
(academia 30 %, enterprise 60 %, other 10 %) and regions (Beijing, Tianjin, Hebei, other provinces,
abroad). Each measure runs in its own fresh process, so its peak resident memory (ru_maxrss) is its own:
every process first builds the graph from the edge list (timed as `build`), then runs one measure.

    python bench/bench_networks.py --orgs 100000 --edges 1000000
    python bench/bench_networks.py --orgs 10000 --edges 100000 --steps components,communities
    python bench/bench_networks.py --steps components_vs_union_find,modularity_vs_networkx
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import resource
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from kechuang.analytics import networks as nets

STEPS = ("components", "communities", "brokers", "shares", "breadth", "yearly")
COMPARE = ("components_vs_union_find", "modularity_vs_networkx")  # the alternatives measured
RESULTS = Path(__file__).parent / "results"


def synthetic(orgs: int, edges: int, seed: int = 7) -> tuple[list[nets.Edge], dict[int, nets.NodeInfo]]:
    """A seeded graph with communities, hubs, sectors, regions and years 2019-2025."""
    rng = np.random.default_rng(seed)
    size = 400
    community = np.arange(orgs) // size
    activity = rng.pareto(1.5, orgs) + 1  # a few hubs
    p = activity / activity.sum()
    sources = rng.choice(orgs, size=edges, p=p)
    inside = rng.random(edges) < 0.8
    local = np.minimum(community[sources] * size + rng.integers(0, size, edges), orgs - 1)
    targets = np.where(inside, local, rng.choice(orgs, size=edges, p=p))
    years = rng.integers(2019, 2026, edges)
    sector = rng.choice(["academia", "enterprise", "other"], size=orgs, p=[0.3, 0.6, 0.1])
    region = rng.choice(
        ["beijing", "tianjin", "hebei", "other_cn", "abroad"], size=orgs, p=[0.5, 0.1, 0.1, 0.25, 0.05]
    )
    country = np.where(region == "abroad", rng.choice(["US", "DE", "JP", "SG"], size=orgs), "CN")
    info = {i: nets.NodeInfo(str(sector[i]), str(region[i]), str(country[i])) for i in range(orgs)}
    kinds = ("ownership", "authorship", "contract", "project")
    edge_list = [
        nets.Edge(int(s), int(t), 1.0, kinds[i % 4], int(y))
        for i, (s, t, y) in enumerate(zip(sources.tolist(), targets.tolist(), years.tolist(), strict=True))
    ]
    return edge_list, info


def union_find_sizes(nodes: Any, pairs: Any) -> list[int]:
    """The alternative to networkx's search for components: union-find with path halving, in Python."""
    parent = {node: node for node in nodes}

    def root(node: Any) -> Any:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for left, right in pairs:
        a, b = root(left), root(right)
        if a != b:
            parent[a] = b
    sizes: dict[Any, int] = {}
    for node in parent:
        key = root(node)
        sizes[key] = sizes.get(key, 0) + 1
    return sorted(sizes.values(), reverse=True)


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def run_step(step: str, orgs: int, edges: int, samples: int, queue: Any) -> None:
    """In a fresh process: generate, build, then time one measure; report seconds and peak memory."""
    started = time.perf_counter()
    edge_list, info = synthetic(orgs, edges)
    generate = time.perf_counter() - started
    started = time.perf_counter()
    graph = nets.build_graph(edge_list, range(orgs))
    build = time.perf_counter() - started
    before = _peak_mib()
    started = time.perf_counter()
    result: dict[str, Any] = {}
    if step == "components":
        sizes = nets.component_sizes(graph)
        result = {"components": len(sizes), "largest_share": sizes[0] / orgs}
    elif step == "communities":
        groups = nets.communities(graph)
        mid = time.perf_counter()
        result = {
            "communities": len(groups),
            "modularity": nets.modularity(graph, groups),
            "modularity_seconds": time.perf_counter() - mid,
        }
    elif step == "brokers":
        top = nets.brokers(graph, top=5, samples=samples)
        result = {"samples": samples, "top": [[int(n), round(s, 6)] for n, s in top]}
    elif step == "shares":
        result = {
            "cross_sector": nets.cross_sector_share(graph, info),
            "bth": nets.bth_links(graph, info)["bth_share_of_beijing_external"],
            "countries": len(nets.international_partners(graph, info)),
        }
    elif step == "breadth":
        breadth = nets.collaboration_breadth(edge_list, {i: info[i].region for i in range(orgs)})
        result = {"units": len(breadth)}
    elif step == "components_vs_union_find":
        sizes = nets.component_sizes(graph)
        ours = time.perf_counter() - started
        mid = time.perf_counter()
        found = union_find_sizes(graph.nodes, graph.edges)
        result = {
            "networkx_s": round(ours, 2),
            "union_find_s": round(time.perf_counter() - mid, 2),
            "same": sizes == found,
        }
    elif step == "modularity_vs_networkx":
        import networkx as nx

        size = 400  # the generator's communities, so that no Louvain run is needed
        groups = [set(range(start, min(start + size, orgs))) for start in range(0, orgs, size)]
        ours_q = nets.modularity(graph, groups)
        ours = time.perf_counter() - started
        mid = time.perf_counter()
        theirs_q = nx.community.modularity(graph, groups, weight="weight")
        result = {
            "ours_s": round(ours, 2),
            "networkx_s": round(time.perf_counter() - mid, 2),
            "difference": abs(ours_q - theirs_q),
        }
    elif step == "yearly":
        del graph  # the yearly summaries build their own graphs
        yearly = nets.fragmentation_by_year(edge_list, info, window=1)
        result = {"years": len(yearly), "largest_share_last": yearly[-1].largest_component_share}
    seconds = time.perf_counter() - started
    queue.put(
        {
            "step": step,
            "generate_s": round(generate, 2),
            "build_s": round(build, 2),
            "seconds": round(seconds, 2),
            "peak_mib_after_build": round(before, 1),
            "peak_mib": round(_peak_mib(), 1),
            **result,
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=100_000)
    parser.add_argument("--edges", type=int, default=1_000_000)
    parser.add_argument("--steps", default=",".join(STEPS), help=f"Any of {STEPS + COMPARE}")
    parser.add_argument("--samples", type=int, default=nets.BROKER_SAMPLES, help="Sources for betweenness")
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args()
    import networkx

    print(
        f"cpus={os.cpu_count()} load={os.getloadavg()} python={platform.python_version()} "
        f"networkx={networkx.__version__} orgs={args.orgs} edges={args.edges}",
        file=sys.stderr,
    )
    context = multiprocessing.get_context("spawn")
    rows = []
    unknown = set(args.steps.split(",")) - set(STEPS + COMPARE)
    if unknown:
        parser.error(f"unknown steps {sorted(unknown)}; choose among {STEPS + COMPARE}")
    for step in args.steps.split(","):
        queue = context.Queue()
        process = context.Process(target=run_step, args=(step, args.orgs, args.edges, args.samples, queue))
        process.start()
        row = queue.get()
        process.join()
        rows.append(row)
        print(json.dumps(row, ensure_ascii=False), flush=True)
    out = args.output or RESULTS / f"networks-{date.today()}-{args.orgs}-{args.edges}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "networkx": networkx.__version__,
        "orgs": args.orgs,
        "edges": args.edges,
        "samples": args.samples,
        "load_after": os.getloadavg(),
    }
    out.write_text(json.dumps({"meta": meta, "steps": rows}, indent=2), encoding="utf-8")
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
