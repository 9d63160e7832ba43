"""Concepts two texts share, for explanations: common terms, and keyword pairs across languages.

A shared concept has to say why two listings belong together, so three filters keep the noise out:
an explanation stoplist (words true of almost any pair: 技术, 合作, 平台, customers, runs), an idf floor
(a term held by more than `MAX_SHARE` of the index's documents explains nothing), and a stricter similarity
for keyword pairs in the same language than across languages (two Chinese keywords that share a character
or two, 热失控 and 热轧, embed close together without meaning the same thing).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence

import numpy as np

from kechuang.text.stopwords import EN_STOPWORDS, EXPLANATION_STOPWORDS, ZH_STOPWORDS

PAIR_THRESHOLD = 0.62  # cosine of two keywords in different languages that reads as "the same concept"
SAME_LANGUAGE_THRESHOLD = 0.75  # the same, for two keywords in one language (measured with USE: see tests)
MAX_SHARE = 0.10  # a term in more than this share of the index's documents does not explain a match
MIN_COMMON = 3  # ...but in a small index a term in up to this many documents may still explain one
_CJK = re.compile(r"[\u3400-\u9fff]")
_IGNORED = EXPLANATION_STOPWORDS | ZH_STOPWORDS | EN_STOPWORDS


def shared_terms(
    query_tokens: Collection[str],
    doc_tokens: Collection[str],
    document_frequency: Callable[[str], int],
    limit: int = 6,
    *,
    documents: int = 0,
    excluded: Collection[str] = (),
) -> list[str]:
    """Terms in both texts, rarest first (a rare shared term explains more than a common one).

    `documents` is the size of the index `document_frequency` counts in (0: no idf floor); `excluded` are
    words never to show, such as the parts of either side's organization name.
    """
    common = set(query_tokens) & set(doc_tokens)
    meaningful = [t for t in common if explains(t) and not any(t in name for name in excluded)]
    # search-mode segmentation also emits the parts of a long word (锂电池 -> 电池): show the whole word only
    whole = [t for t in meaningful if not any(t != other and t in other for other in meaningful)]
    frequency = {t: document_frequency(t) for t in whole}
    if documents:
        ceiling = max(MAX_SHARE * documents, MIN_COMMON)
        whole = [t for t in whole if frequency[t] <= ceiling]
    return sorted(whole, key=lambda t: (frequency[t], t))[:limit]


def explains(token: str) -> bool:
    """A term worth showing: Chinese words of two or more characters, Latin words of three or more letters,
    neither a function word nor a word too general to explain anything."""
    if token in _IGNORED:
        return False
    if token.isascii():
        return len(token) >= 3 and not token.replace(".", "").isdigit()
    return len(token) >= 2 and not token.replace(".", "").isdigit()


def same_language(a: str, b: str) -> bool:
    """Both keywords Chinese, or both not."""
    return bool(_CJK.search(a)) == bool(_CJK.search(b))


def pair_threshold(a: str, b: str) -> float:
    return SAME_LANGUAGE_THRESHOLD if same_language(a, b) else PAIR_THRESHOLD


def keyword_pairs(
    wanted: Sequence[str],
    offered: Sequence[str],
    vectors: Callable[[Sequence[str]], np.ndarray],
    limit: int = 6,
) -> list[tuple[str, str]]:
    """Pairs of keywords that mean the same across the two sides, e.g. 缺陷检测 ↔ defect detection.

    Two keywords in one language pair when one contains the other (早期预警 ↔ 早期预警特征) or when they are
    very close; across languages a lower similarity suffices, since no characters are shared to mislead.
    """
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
        a, b = wanted[i], offered[j]
        if a in used or b in used:
            continue
        if same_language(a, b):
            contained = a.lower() in b.lower() or b.lower() in a.lower()
            if score < SAME_LANGUAGE_THRESHOLD and not contained:
                continue
        used.update((a, b))
        pairs.append((score, a, b))
    return [(a, b) for _, a, b in pairs]
