"""Speed of the text layer (normalize, tokens, bigrams) on real titles, abstracts and English queries.

Each timing is the median of ``--runs`` passes over the whole set, in one process on one core; docs/s =
documents / median seconds. Seconds are CPU seconds of this process (``time.process_time``) unless
``--clock wall``: on a shared machine the other jobs stretch wall-clock time by tens of percent, CPU time
much less. The load average is printed before and after. The t2s rows compare ways of converting
traditional to simplified characters (the choice is explained in ``kechuang/text/normalize.py``).

    python bench/bench_text.py                 # ../shared/data, 5 runs
    python bench/bench_text.py --runs 3 --data /path/to/shared/data
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path

import rjieba

from kechuang.text import Analyzer, bigrams, normalize
from kechuang.text.normalize import T2S_TABLE

DEFAULT_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


def load(data: Path) -> dict[str, list[str]]:
    with (data / "csl" / "csl_2000.jsonl").open(encoding="utf-8") as fh:
        csl = [json.loads(line) for line in fh]
    with (data / "chinaxiv-en2zh-dev" / "queries.jsonl").open(encoding="utf-8") as fh:
        english = [json.loads(line)["text"] for line in fh]
    simplified_to_traditional = {ord(s): chr(t) for t, s in sorted(T2S_TABLE.items(), reverse=True)}
    abstracts = [doc["abstract"] for doc in csl]
    return {
        "csl titles+keywords": [doc["title"] + " " + " ".join(doc["keywords"]) for doc in csl],
        "csl abstracts": abstracts,
        "csl abstracts, traditional": [text.translate(simplified_to_traditional) for text in abstracts],
        "chinaxiv en queries": english,
    }


def docs_per_second(
    function: Callable[[str], object], texts: list[str], runs: int, clock: Callable[[], float]
) -> float:
    for text in texts:  # an untimed pass fills the caches (stems, folded characters, jieba's pages)
        function(text)
    seconds = []
    for _ in range(runs):
        start = clock()
        for text in texts:
            function(text)
        seconds.append(clock() - start)
    return len(texts) / statistics.median(seconds)


def t2s_candidates(opencc_too: bool) -> dict[str, Callable[[str], object]]:
    """Traditional-to-simplified converters to compare: the table, and OpenCC if asked for and installed."""
    candidates: dict[str, Callable[[str], object]] = {
        "t2s: str.translate(T2S_TABLE)": lambda text: text.translate(T2S_TABLE),
        "t2s: NFKC + translate + lower (naive normalize)": lambda text: " ".join(
            unicodedata.normalize("NFKC", text).translate(T2S_TABLE).lower().split()
        ),
    }
    if not opencc_too:
        return candidates
    try:
        import opencc
    except ImportError:
        return candidates
    # pip opencc (C++ binding) and opencc-python-reimplemented both install the import package "opencc"
    kind = "C++ binding" if hasattr(opencc, "CONFIGS") else "python reimplemented"
    converter = opencc.OpenCC("t2s")
    candidates[f"t2s: OpenCC ({kind})"] = converter.convert
    return candidates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    data = Path(os.environ.get("KECHUANG_SHARED_DATA", DEFAULT_DATA))
    parser.add_argument("--data", type=Path, default=data, help="the shared data folder")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--clock", choices=["cpu", "wall"], default="cpu")
    parser.add_argument("--no-t2s", action="store_true", help="skip the t2s comparison rows")
    parser.add_argument(
        "--opencc",
        action="store_true",
        help="time OpenCC's t2s too (whichever opencc is installed; the pure Python one takes minutes)",
    )
    args = parser.parse_args()

    sets = load(args.data)
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, load average {os.getloadavg()}")
    for name, texts in sets.items():
        print(f"  {name}: {len(texts)} docs, mean {statistics.mean(map(len, texts)):.0f} chars")

    search, precise, unstemmed = Analyzer(), Analyzer(search_mode=False), Analyzer(stem=False)
    with_words = Analyzer(user_words=["科创平台", "锂电池热管理", "钙钛矿叠层电池"])
    functions: dict[str, Callable[[str], object]] = {
        "normalize": normalize,
        "tokens (default: search mode, stemmed)": search.tokens,
        "tokens (precise mode)": precise.tokens,
        "tokens (not stemmed)": unstemmed.tokens,
        "tokens (own dictionary with user words)": with_words.tokens,
        "bigrams": bigrams,
        "rjieba.cut_for_search alone (raw text)": rjieba.cut_for_search,
    }
    if not args.no_t2s:
        functions.update(t2s_candidates(args.opencc))
    names = list(sets)
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    print(f"\ndocs/s ({args.clock} time), median of {args.runs} runs")
    print(f"| {'function':48s} | " + " | ".join(f"{name:>26s}" for name in names) + " |")
    print(f"|{'-' * 50}|" + "|".join("-" * 27 + ":" for _ in names) + "|")
    for label, function in functions.items():
        cells = [docs_per_second(function, sets[name], args.runs, clock) for name in names]
        print(f"| {label:48s} | " + " | ".join(f"{cell:26,.0f}" for cell in cells) + " |", flush=True)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nload average after {os.getloadavg()}; peak RSS {peak_mib:.0f} MiB", file=sys.stdout)


if __name__ == "__main__":
    main()
