"""Field agreement: a linear classifier of the field of science over the dense vectors, for the queries the
lexical side cannot read.

A short English query over a Chinese registry (a foreign partner typing "Crop Science" or "Optical
Engineering") has no words in the index, so the first stage is the embedding alone, and a multilingual
embedding ranks a short name against long abstracts loosely. Such a query names a field, so the documents
of that field belong first. A multinomial logistic regression over the embedder's vectors predicts the 13
CSL categories (学科门类: 工学, 农学, 医学 ...) of query and documents alike; since the embedding is
multilingual, a classifier trained on Chinese titles reads English queries too. The candidates' scores
rise by `weight` times the agreement of the two predicted distributions. Trained by
`eval/field_study.py --save` on `csl_titles_8000_category.tsv` (no title of it is in any evaluation corpus);
it ships as JSON inside the package and is used only with the embedder it was trained on. The searcher then
moves the query's vector towards the best staged documents and stages the candidates again
(`hybrid.field_with_feedback`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from ..text.normalize import detect_script

MODEL_PATH = Path(__file__).with_name("field_model.json")

MAX_TOKENS = 8
"""Only queries of at most this many distinct tokens name a field; longer ones describe a need, and their
embedding alone ranks better than a field would (on abstracts, the boost costs known-item sets)."""
MAX_SHARE = 0.5
"""Only queries whose lexical share is below this: the lexical side barely reads them (coverage under 0.7
at the default weight)."""


@dataclass(frozen=True)
class FieldModel:
    """Weights (dimension + 1 rows, the bias last; one column per class), the class names, the embedder the
    weights read, how much the distributions are sharpened, and how much agreement adds to a fused score."""

    embedder: str
    classes: tuple[str, ...]
    weights: np.ndarray
    power: float
    weight: float

    def distribution(self, vectors: np.ndarray) -> np.ndarray:
        """Each row's predicted class distribution, sharpened by `power` and renormalised."""
        vectors = np.asarray(vectors, dtype=np.float64).reshape(-1, self.weights.shape[0] - 1)
        logits = vectors @ self.weights[:-1] + self.weights[-1]
        logits = self.power * (logits - logits.max(axis=1, keepdims=True))
        probabilities = np.exp(logits)
        return probabilities / probabilities.sum(axis=1, keepdims=True)

    def agreement(self, query: np.ndarray, documents: np.ndarray) -> np.ndarray:
        """How likely query and each document fall in the same field (0-1)."""
        if len(documents) == 0:
            return np.empty(0)
        return self.distribution(documents) @ self.distribution(query)[0]

    def to_json(self) -> dict[str, object]:
        return {
            "embedder": self.embedder,
            "classes": list(self.classes),
            "power": self.power,
            "weight": self.weight,
            "weights": np.round(self.weights, 6).tolist(),
        }

    @classmethod
    def from_json(cls, data: dict) -> FieldModel:
        weights = np.asarray(data["weights"], dtype=np.float64)
        if weights.ndim != 2 or weights.shape[1] != len(data["classes"]) or not np.isfinite(weights).all():
            raise ValueError("a field model needs one finite weight column per class")
        return cls(
            data["embedder"], tuple(data["classes"]), weights, float(data["power"]), float(data["weight"])
        )


@cache
def packaged_field_model() -> FieldModel | None:
    """The model shipped with the package (None if it is absent)."""
    if not MODEL_PATH.exists():
        return None
    return FieldModel.from_json(json.loads(MODEL_PATH.read_text(encoding="utf-8")))


def field_model_for(embedder: object) -> FieldModel | None:
    """The packaged model if it was trained on this embedder's vectors (same name and size); else None."""
    model = packaged_field_model()
    if model is None or getattr(embedder, "name", None) != model.embedder:
        return None
    if getattr(embedder, "dim", model.weights.shape[0] - 1) != model.weights.shape[0] - 1:
        return None
    return model


def names_a_field(text: str, tokens: Sequence[str], lexical_share: float) -> bool:
    """Whether a query gets field agreement: short, in English (Chinese queries have the second stage), and
    barely read by the lexical side."""
    return lexical_share < MAX_SHARE and len(set(tokens)) <= MAX_TOKENS and detect_script(text) == "en"
