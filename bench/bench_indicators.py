"""Time and peak memory of the composite index and its 1,000-run Monte-Carlo analysis.

Two sizes from the issue: 16 units x 30 indicators (Beijing's districts) and 3,000 units x 100 indicators
(e.g. every county of China). Data are seeded lognormal values with 5% missing; the framework has 4
pillars of 2 sub-pillars, indicators spread evenly, a quarter with direction -1. For each size: the index
over 5 years (`compute_index`, min-max, arithmetic), then `uncertainty` on the last year with every choice
varying (weights +-25%, 3 normalisations, 2 aggregations, 3 imputations). Times are medians of --repeat
runs (wall clock, `time.perf_counter`); peak memory is tracemalloc's peak of one extra, untimed run, and
the process's maximum resident set size is printed at the end.

    .venv/bin/python bench/bench_indicators.py [--repeat 3] [--runs 1000] [--json bench/results/x.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from kechuang.analytics.composite import Cube, IndexConfig, compute_index
from kechuang.analytics.sensitivity import UncertaintySpec, uncertainty
from kechuang.domain.indicators import FrameworkNode

SIZES = ((16, 30), (3000, 100))
YEARS = 5


def framework(indicators: int) -> list[FrameworkNode]:
    nodes = [FrameworkNode("IDX")]
    for p in range(4):
        nodes.append(FrameworkNode(f"P{p}", "IDX", 1.0 + p % 2))
        for s in range(2):
            nodes.append(FrameworkNode(f"P{p}.S{s}", f"P{p}", 1.0))
    for j in range(indicators):
        parent = f"P{j % 4}.S{(j // 4) % 2}"
        nodes.append(FrameworkNode(f"i{j:03d}", parent, 1.0 + j % 3, -1 if j % 4 == 3 else 1))
    return nodes


def cube(units: int, indicators: int, seed: int = 7) -> Cube:
    rng = np.random.default_rng(seed)
    values = rng.lognormal(mean=1.0, sigma=0.8, size=(YEARS, units, indicators))
    values[rng.random(values.shape) < 0.05] = np.nan
    return Cube(
        list(range(2021, 2021 + YEARS)),
        [f"u{u:05d}" for u in range(units)],
        [f"i{j:03d}" for j in range(indicators)],
        values,
    )


def measure(work: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """Median seconds over `repeat` runs, and tracemalloc's peak MiB of one more run."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    tracemalloc.start()
    work()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return statistics.median(times), peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    results: list[dict[str, Any]] = []
    for units, indicators in SIZES:
        data, nodes = cube(units, indicators), framework(indicators)
        index_s, index_mib = measure(lambda: compute_index(data, nodes, IndexConfig()), args.repeat)  # noqa: B023
        spec = UncertaintySpec(runs=args.runs)
        mc_s, mc_mib = measure(lambda: uncertainty(data, nodes, IndexConfig(), spec), args.repeat)  # noqa: B023
        runs = uncertainty(data, nodes, IndexConfig(), UncertaintySpec(runs=args.runs)).runs
        row = {
            "units": units,
            "indicators": indicators,
            "years": YEARS,
            "index_s": round(index_s, 4),
            "index_peak_mib": round(index_mib, 1),
            "mc_runs": runs,
            "mc_s": round(mc_s, 3),
            "mc_ms_per_run": round(1000 * mc_s / runs, 3),
            "mc_peak_mib": round(mc_mib, 1),
        }
        results.append(row)
        print(
            f"{units:>5} units x {indicators:>3} indicators: index ({YEARS} years) {index_s:.4f} s, "
            f"peak {index_mib:.1f} MiB; Monte-Carlo {runs} runs {mc_s:.2f} s "
            f"({row['mc_ms_per_run']} ms/run), "
            f"peak {mc_mib:.1f} MiB"
        )
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    machine = platform.processor() or platform.machine()
    print(f"process max RSS {max_rss:.0f} MiB; numpy {np.__version__}; {machine}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "results": results,
                    "max_rss_mib": round(max_rss),
                    "numpy": np.__version__,
                    "repeat": args.repeat,
                },
                indent=1,
            )
            + "\n"
        )


if __name__ == "__main__":
    main()
