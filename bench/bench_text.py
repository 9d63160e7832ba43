"""Speed of the text layer (normalize, tokens, bigrams) on real titles, abstracts and English queries.

Each timing is the median of ``--runs`` passes over the whole set, in one process on one core; docs/s =
documents / median seconds. The load average is printed before and after, because on a shared machine
it moves the figures by tens of percent. The t2s rows compare ways of converting traditional to
simplified characters (the choice is explained in ``kechuang/text/normalize.py``).

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


def docs_per_second(function: Callable[[str], object], texts: list[str], runs: int) -> float:
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        for text in texts:
            function(text)
        seconds.append(time.perf_counter() - start)
    return len(texts) / statistics.median(seconds)


def t2s_candidates() -> dict[str, Callable[[str], object]]:
    """Traditional-to-simplified converters to compare: the table, and OpenCC if one is installed."""
    candidates: dict[str, Callable[[str], object]] = {
        "t2s: str.translate(T2S_TABLE)": lambda text: text.translate(T2S_TABLE),
        "t2s: NFKC + translate + lower (naive normalize)": lambda text: " ".join(
            unicodedata.normalize("NFKC", text).translate(T2S_TABLE).lower().split()
        ),
    }
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
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("KECHUANG_SHARED_DATA", DEFAULT_DATA)))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-t2s", action="store_true", help="skip the t2s comparison rows")
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
        functions.update(t2s_candidates())
    for function in functions.values():  # warm up: lazy tables, jieba dictionaries, stemmer cache
        function(sets["csl abstracts"][0])

    names = list(sets)
    print(f"\ndocs/s, median of {args.runs} runs")
    print(f"| {'function':48s} | " + " | ".join(f"{name:>26s}" for name in names) + " |")
    print(f"|{'-' * 50}|" + "|".join("-" * 27 + ":" for _ in names) + "|")
    for label, function in functions.items():
        cells = [docs_per_second(function, sets[name], args.runs) for name in names]
        print(f"| {label:48s} | " + " | ".join(f"{cell:26,.0f}" for cell in cells) + " |", flush=True)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nload average after {os.getloadavg()}; peak RSS {peak_mib:.0f} MiB", file=sys.stdout)


if __name__ == "__main__":
    main()
