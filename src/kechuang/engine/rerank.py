"""A second stage: the fused top candidates re-ranked by a learned model over query-document features.

The first stage (`hybrid.fuse`) sees each document only through two scores. The second looks at the words:
how well a candidate matches the demand's own title (its head), how much of the need its title covers
(weighted by idf, so a rare technical term counts more than 技术), how much of a short keyword-like
achievement title the demand asks for, and the Chinese character runs the segmenter may cut differently on
the two sides. A LightGBM LambdaMART model, trained on judged sets that are not held out
(`eval/rerank_study.py`), orders the candidates; it ships as a JSON dump inside the package and is evaluated
here without LightGBM, by walking its trees in numpy. It reads only what the lexical index stores
(`LexicalIndex.leads`: title, keywords and the start of the text).
"""

from __future__ import annotations

import json
import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..text.normalize import CJK_RUNS, detect_script, normalize

if TYPE_CHECKING:
    from .hybrid import Hit

FIRST_STAGE = ("fused", "lexical", "dense", "cosine", "rank", "share")
"""What both second stages (this one and `engine.crossing`) read of the first: the fused, normalised lexical
and dense scores, raw cosine, 1/rank and lexical share (`first_stage_row`)."""

FEATURES = (
    *FIRST_STAGE,
    "head_lexical",
    "title_coverage",
    "title_precision",
    "bigram_title",
    "bigram_text",
    "common_title",
    "common_text",
    "query_length",
    "title_length",
)
"""One row per candidate: the first stage's scores (`FIRST_STAGE`); BM25 of the demand's head (its first
clause, usually a title) relative to the best candidate's; the idf-weighted share of the query's tokens found
in the title and keywords, and of the title's tokens the query asks for; Dice of Chinese character bigrams,
query against title and against the start of the text; the longest run of Chinese characters the query shares
with the title (relative to the title's Chinese length) and with the start of the text (capped at 12); log
query and title lengths."""


@dataclass(frozen=True)
class CandidateText:
    """What the second stage reads of one candidate: its title and keywords, and the start of its text."""

    title: str
    text: str
    title_tokens: frozenset[str] | None = None
    """The title's tokens when the reader has them (the batch job stores them); else the title is cut."""


def _grams(text: str) -> set[str]:
    grams: set[str] = set()
    for run in CJK_RUNS.findall(text):
        grams.update(map(operator.add, run, run[1:]))  # each pair of neighbours, joined in C
    return grams


def _chinese(text: str, separator: str) -> str:
    """The Chinese runs of a text, joined by a separator the other side never holds (no run spans two)."""
    return separator.join(CJK_RUNS.findall(text))


def _dice(a: set[str], b: set[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


def _weighted_share(tokens: set[str], found: set[str], idf: Callable[[str], float]) -> float:
    return _share_of({t: idf(t) for t in tokens}, found)


def _share_of(weights: dict[str, float], found: set[str]) -> float:
    """The weight of the tokens found, as a share of all. Exactly rounded sums (`math.fsum`) do not depend
    on a set's order, which differs between processes (string hashing): the batch job's executors and its
    local engine must compute the same features. The query's weights are computed once, not once per
    candidate (they were 5,000 idf look-ups a query), and the smaller side is the one walked."""
    total = math.fsum(weights.values())
    if total <= 0:
        return 0.0
    if len(found) < len(weights):
        return math.fsum(weights[t] for t in found if t in weights) / total
    return math.fsum(w for t, w in weights.items() if t in found) / total


class Phrases:
    """A text's characters and character pairs, so that the longest run another text shares with it is found
    from the positions where they share a pair: linear in the texts, where comparing every pair of positions
    would cost their product (an English abstract as the query and 30 leads of 300 characters took 150 ms
    that way)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._chars = set(text)
        self._pairs = {text[i : i + 2] for i in range(len(text) - 1)}

    def longest_shared(self, other: str, cap: int = 64) -> int:
        """Length of the longest substring of `other` found in this text, counted up to `cap`.

        A shared run of two or more characters starts where a shared pair does, so only those positions are
        probed (few: most of a document shares no pair with the query), and each only for a run longer than
        the best so far (a substring test in C): a start costs one test unless it beats the best. Sets of
        every substring by length, searched by bisection, cost the query 26 sets a search (2026-12-07)."""
        text, high = self.text, min(cap, len(self.text), len(other))
        if high < 2:
            return int(high == 1 and any(ch in self._chars for ch in other))
        pairs, best = self._pairs, 1
        for start in range(len(other) - 1):
            if other[start : start + 2] not in pairs:
                continue
            size = best + 1
            while size <= high and start + size <= len(other) and other[start : start + size] in text:
                best = size
                size += 1
            if best >= high:
                break
        if best > 1:
            return best
        return int(any(ch in self._chars for ch in other))


MIN_SHARE = 0.28
"""The lowest lexical share (`FusionConfig`: 0.7 x the query's token coverage) the model re-ranks at: its
training queries' coverage is 0.5 or more (1st percentile 0.51 and 0.74 on its two sets), a Chinese query
over English records has 0.32 or less (95th percentile, chinaxiv-zh2en-dev), so 0.4 x 0.7 lies between."""


def trained_for(query: str, share: float) -> bool:
    """Whether the model knows this kind of query: it was trained on Chinese demands over Chinese records (the
    registry's, in both languages, among them), so an English query (`detect_script`: an English abstract or
    title) and a query whose words the corpus mostly lacks (another language's records) are left to the stage
    for queries across languages (`engine.crossing`) or keep the first stage's order. Measured: re-ranking
    English queries cost chinaxiv-en2zh-dev 0.022 MRR@10 and en-abstract-halves 0.014 nDCG@10; across
    languages (chinaxiv-zh2en-dev) the model's effect swung from +0.005 to -0.009 MRR@10 with its training
    seed (eval/log.md)."""
    return detect_script(query) != "en" and share >= MIN_SHARE


def first_stage_row(hit: Hit, rank: int) -> tuple[float, ...]:
    """The `FIRST_STAGE` values of the hit at this 0-based rank."""
    return (hit.score, hit.lexical, hit.dense, hit.dense_raw, 1.0 / (1 + rank), hit.share)


def query_head(text: str) -> str:
    """The demand's head: its first clause, up to a space or punctuation (demands open with a title)."""
    stripped = text.strip()
    for position, ch in enumerate(stripped):
        if ch.isspace() or ch in "，。；：,;:":
            return stripped[:position]
    return stripped


def features(
    query: str,
    query_tokens: Sequence[str],
    hits: Sequence[Hit],
    texts: Sequence[CandidateText],
    head_scores: dict[int, float],
    tokenize: Callable[[str], list[str]],
    idf: Callable[[str], float],
) -> np.ndarray:
    """The `FEATURES` matrix of one query's candidates, in the order of `hits`.

    `head_scores` is BM25 of the head's tokens over these candidates (`LexicalIndex.search_tokens` with
    `only`); `idf` weighs tokens by rarity in the whole index."""
    distinct = set(query_tokens)
    weighted = {token: idf(token) for token in distinct}
    plain = normalize(query)
    query_grams, phrases = _grams(plain), Phrases(_chinese(plain, "\x00"))
    best_head = max(head_scores.values(), default=0.0)
    rows = np.zeros((len(hits), len(FEATURES)), dtype=np.float64)
    for row, (hit, text) in enumerate(zip(hits, texts, strict=True)):
        title = set(text.title_tokens) if text.title_tokens is not None else set(tokenize(text.title))
        title_plain, lead_plain = normalize(text.title), normalize(text.text)
        title_chinese = _chinese(title_plain, "\x01")
        rows[row] = (
            *first_stage_row(hit, row),
            head_scores.get(hit.id, 0.0) / best_head if best_head > 0 else 0.0,
            _share_of(weighted, title),
            _weighted_share(title, distinct, idf),
            _dice(query_grams, _grams(title_plain)),
            _dice(query_grams, _grams(lead_plain)),
            phrases.longest_shared(title_chinese) / max(1, len(title_chinese)),
            phrases.longest_shared(_chinese(lead_plain, "\x01"), cap=12) / 12,
            math.log1p(len(distinct)),
            math.log1p(len(title)),
        )
    return rows


class TreeModel:
    """A LightGBM model (its `dump_model()` JSON) evaluated in numpy: the sum of its trees' leaf values."""

    def __init__(self, dump: dict, feature_names: Sequence[str] = FEATURES) -> None:
        names = dump["feature_names"]
        if tuple(names) != tuple(feature_names):
            raise ValueError(f"the model was trained on {names}, the engine computes {feature_names}")
        # every tree's nodes in one table (children as global positions), so a prediction walks all trees
        # at once, one level per step, instead of looping over 300 trees in Python
        feature: list[int] = []
        threshold: list[float] = []
        left: list[int] = []
        right: list[int] = []
        value: list[float] = []

        def visit(node: dict, depth: int) -> tuple[int, int]:
            at = len(feature)
            feature.append(-1)
            threshold.append(0.0)
            left.append(at)
            right.append(at)
            value.append(float(node.get("leaf_value", 0.0)))
            if "split_index" not in node:
                return at, depth
            if node.get("decision_type", "<=") != "<=":
                raise ValueError("only numerical <= splits are supported")
            feature[at] = int(node["split_feature"])
            threshold[at] = float(node["threshold"])
            left[at], deep_left = visit(node["left_child"], depth + 1)
            right[at], deep_right = visit(node["right_child"], depth + 1)
            return at, max(deep_left, deep_right)

        walked = [visit(tree["tree_structure"], 0) for tree in dump["tree_info"]]
        self._roots = np.array([root for root, _ in walked], dtype=np.int64)
        self._depth = max((depth for _, depth in walked), default=0)
        self._feature = np.array(feature, dtype=np.int64)
        self._threshold = np.array(threshold)
        self._left = np.array(left, dtype=np.int64)
        self._right = np.array(right, dtype=np.int64)
        self._value = np.array(value)

    def predict(self, rows: np.ndarray) -> np.ndarray:
        """The model's score of each row: the sum over trees of the leaf the row reaches."""
        node = np.repeat(self._roots[:, None], len(rows), axis=1)  # trees x rows
        column = np.arange(len(rows))[None, :]
        for _ in range(self._depth):
            split = self._feature[node]
            leaf = split < 0  # a leaf points to itself: it stays put
            goes_left = rows[column, np.where(leaf, 0, split)] <= self._threshold[node]
            node = np.where(goes_left, self._left[node], self._right[node])
        return self._value[node].sum(axis=0)

    @classmethod
    def load(cls, path: Path, feature_names: Sequence[str] = FEATURES) -> TreeModel:
        return cls(json.loads(path.read_text(encoding="utf-8")), feature_names)


MODEL_PATH = Path(__file__).with_name("rerank_model.json")


@cache
def packaged_model() -> TreeModel | None:
    """The model shipped with the package, or None when none was trained yet."""
    return TreeModel.load(MODEL_PATH) if MODEL_PATH.exists() else None


def rerank(hits: Sequence[Hit], rows: np.ndarray, model: TreeModel) -> list[Hit]:
    """The candidates in the model's order (ties by the first stage's), each given the first stage's score of
    its new rank: scores still fall with rank and keep their scale, so relevance floors and the services'
    blend with structured fit mean what they meant."""
    predicted = model.predict(rows)
    order = sorted(range(len(hits)), key=lambda i: (-predicted[i], i))
    scores = sorted((h.score for h in hits), reverse=True)
    return [replace(hits[i], score=scores[rank]) for rank, i in enumerate(order)]
