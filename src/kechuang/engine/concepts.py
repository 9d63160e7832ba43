"""Concepts two texts share, for explanations: common terms, and keyword pairs across languages."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

import numpy as np

PAIR_THRESHOLD = 0.62  # cosine of two keywords in the multilingual embedding that reads as "the same concept"


def shared_terms(
    query_tokens: Collection[str],
    doc_tokens: Collection[str],
    document_frequency: Callable[[str], int],
    limit: int = 6,
) -> list[str]:
    """Terms in both texts, rarest first (a rare shared term explains more than a common one)."""
    common = set(query_tokens) & set(doc_tokens)
    meaningful = [t for t in common if _readable(t)]
    # search-mode segmentation also emits the parts of a long word (锂电池 -> 电池): show the whole word only
    whole = [t for t in meaningful if not any(t != other and t in other for other in meaningful)]
    return sorted(whole, key=lambda t: (document_frequency(t), t))[:limit]


def _readable(token: str) -> bool:
    """A term worth showing: Chinese words of two or more characters, Latin words of three or more letters."""
    if token.isascii():
        return len(token) >= 3 and not token.replace(".", "").isdigit()
    return len(token) >= 2


def keyword_pairs(
    wanted: Sequence[str],
    offered: Sequence[str],
    vectors: Callable[[Sequence[str]], np.ndarray],
    limit: int = 6,
) -> list[tuple[str, str]]:
    """Pairs of keywords that mean the same across the two sides, e.g. 缺陷检测 ↔ defect detection."""
    wanted, offered = list(dict.fromkeys(wanted)), list(dict.fromkeys(offered))
    if not wanted or not offered:
        return []
    left, right = vectors(wanted), vectors(offered)
    similarity = left @ right.T
    pairs: list[tuple[float, str, str]] = []
    used: set[str] = set()
    for i, j in zip(*np.unravel_index(np.argsort(-similarity, axis=None), similarity.shape), strict=True):
        score = float(similarity[i, j])
        if score < PAIR_THRESHOLD or len(pairs) >= limit:
            break
        if wanted[i] in used or offered[j] in used:
            continue
        used.update((wanted[i], offered[j]))
        pairs.append((score, wanted[i], offered[j]))
    return [(a, b) for _, a, b in pairs]
