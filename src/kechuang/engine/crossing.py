"""A second stage for queries that cross languages: an English abstract over Chinese records, or the reverse.

Across languages the lexical side reads only the few Latin tokens a Chinese text carries, and lifts a wrong
record that shares a common one; the embedding alone is right more often, but it cannot see the anchors both
versions of a text keep: numbers (10 MeV, 1990, 2.5) and Latin names (OAIS, PREMIS, YOLOv8, CRISPR). A
LightGBM LambdaMART model over the first stage's scores and these anchors orders the fused top candidates. It
is trained on the ChinaXiv sets of `../shared/data` (`eval/crossing_study.py`, out of fold by query), ships as
a JSON dump beside this module and is walked in numpy like the Chinese second stage (`rerank.TreeModel`). It
reads only what the lexical index stores of a candidate (`LexicalIndex.leads`: title, keywords and the start
of the text).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..text.normalize import cjk_count, detect_script, normalize
from ..text.stopwords import EN_STOPWORDS
from .rerank import FIRST_STAGE, MIN_SHARE, CandidateText, TreeModel, first_stage_row

if TYPE_CHECKING:
    from .hybrid import Hit

FEATURES = (
    *FIRST_STAGE,
    "cosine_gap",
    "cosine_rank",
    "cosine_z",
    "lexical_gap",
    "lexical_rank",
    "numbers_found",
    "numbers_explained",
    "numbers_shared",
    "names_found",
    "names_explained",
    "names_shared",
    "query_length",
    "lead_length",
    "query_chinese",
    "lead_chinese",
)
"""One row per candidate: the first stage's scores (`rerank.FIRST_STAGE`); the best candidate's cosine minus
this one's, 1/rank by cosine, and the cosine's standard score among the candidates; the best candidate's
lexical score minus this one's, and 1/rank by it; for the numbers of two or more characters and, apart, for
the Latin words outside the English stop list: the share of the query's found in the candidate's lead, the
share of the lead's found in the query, and log(1 + how many they share); log character lengths of the query
and the lead, and the share of Chinese characters among each one's letters."""

_NUMBERS = re.compile(r"\d+(?:\.\d+)?")
_NAMES = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")


def anchors(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """The numbers and the Latin names of a normalised text: what survives translation unchanged."""
    numbers = frozenset(n for n in _NUMBERS.findall(text) if len(n) >= 2)
    names = frozenset(w for w in _NAMES.findall(text) if len(w) >= 2 and w not in EN_STOPWORDS)
    return numbers, names


def _chinese_share(text: str) -> float:
    letters = sum(ch.isalpha() for ch in text)
    return cjk_count(text) / letters if letters else 0.0


def _overlap(query: frozenset[str], lead: frozenset[str]) -> tuple[float, float, float]:
    shared = len(query & lead)
    return (
        shared / len(query) if query else 0.0,
        shared / len(lead) if lead else 0.0,
        math.log1p(shared),
    )


def _ranks(values: Sequence[float]) -> list[int]:
    """Each value's rank from the highest (ties by position)."""
    order = sorted(range(len(values)), key=lambda i: (-values[i], i))
    ranks = [0] * len(values)
    for rank, i in enumerate(order):
        ranks[i] = rank
    return ranks


def crosses(query: str, share: float) -> bool:
    """Whether a query may be one this stage is for: English (its records may be Chinese), or Chinese with
    words the corpus mostly lacks (`rerank.MIN_SHARE`: its records are in another language). It is the
    complement of `rerank.trained_for`; an English query naming a field goes to the field stage before
    either. `in_another_language` then looks at the candidates."""
    return detect_script(query) == "en" or share < MIN_SHARE


def in_another_language(query: str, texts: Sequence[CandidateText]) -> bool:
    """Whether at least half the candidates are written in the other language than the query: an English
    query over English records (its words all in the index) stays in the first stage's order, which the
    model was not trained to improve (it cost en-title2abstract 0.015 nDCG@10, eval/log.md)."""
    other = "zh" if detect_script(query) == "en" else "en"
    foreign = sum(detect_script(f"{t.title} {t.text}") == other for t in texts)
    return 2 * foreign >= len(texts) > 0


def features(query: str, hits: Sequence[Hit], texts: Sequence[CandidateText]) -> np.ndarray:
    """The `FEATURES` matrix of one query's candidates, in the order of `hits`."""
    plain = normalize(query)
    numbers, names = anchors(plain)
    cosines = np.array([h.dense_raw for h in hits], dtype=np.float64)
    best_cosine = float(cosines.max()) if len(hits) else 0.0
    spread = float(cosines.std()) if len(hits) else 0.0
    mean_cosine = float(cosines.mean()) if len(hits) else 0.0
    best_lexical = max((h.lexical for h in hits), default=0.0)
    cosine_rank = _ranks([h.dense_raw for h in hits])
    lexical_rank = _ranks([h.lexical for h in hits])
    query_length, query_chinese = math.log1p(len(plain)), _chinese_share(plain)
    rows = np.zeros((len(hits), len(FEATURES)), dtype=np.float64)
    for row, (hit, text) in enumerate(zip(hits, texts, strict=True)):
        lead = normalize(f"{text.title} {text.text}")
        lead_numbers, lead_names = anchors(lead)
        rows[row] = (
            *first_stage_row(hit, row),
            best_cosine - hit.dense_raw,
            1.0 / (1 + cosine_rank[row]),
            (hit.dense_raw - mean_cosine) / spread if spread > 0 else 0.0,
            best_lexical - hit.lexical,
            1.0 / (1 + lexical_rank[row]),
            *_overlap(numbers, lead_numbers),
            *_overlap(names, lead_names),
            query_length,
            math.log1p(len(lead)),
            query_chinese,
            _chinese_share(lead),
        )
    return rows


MODEL_PATH = Path(__file__).with_name("crossing_model.json")


@cache
def packaged_model() -> TreeModel | None:
    """The model shipped with the package, or None when none was trained yet."""
    return TreeModel.load(MODEL_PATH, FEATURES) if MODEL_PATH.exists() else None
