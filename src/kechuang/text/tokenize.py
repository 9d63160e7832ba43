"""Index and query tokens for Chinese, English and mixed text, the same for traditional and simplified.

After ``normalize``, the text is cut into runs of Chinese characters and Latin words. Chinese runs are
segmented by rjieba (the jieba-rs binding: jieba's dictionary and HMM in Rust, bundled, no download).
Documents are cut in search mode, which emits the dictionary words inside a longer word as well
(锂电池 -> 锂电 电池 锂电池), so a demand that says 电池 meets an achievement that says 锂电池. Queries
are cut in precise mode (`query_tokens`: 锂电池 stays one token), the split Elasticsearch's IK analyser
users make with ik_max_word and ik_smart: a query's long words are not counted again through their
parts, and every precise word is among the search-mode tokens of the same text, so nothing a query
asks for is missing from the index. The lexical index adds the query's other parts back at a low weight
(`engine.lexical.PART_WEIGHT`): demand -> achievement lexical nDCG@10 0.794 -> 0.824 (eval/log.md).
Latin words are split on anything that is not a letter or digit (li-ion -> li ion, the way Lucene's
standard tokenizer does, so "Li-ion", "Li ion" and "lithium-ion" share tokens), keep letter-digit mixes
(5g, co2, int8, yolov8) and decimals (2.5, v2.0), and are stemmed with Snowball English.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cache
from itertools import filterfalse
from typing import Any

import Stemmer

from kechuang.text.normalize import CJK_RANGES, CJK_RUNS, normalize
from kechuang.text.stopwords import EN_STOPWORDS, ZH_STOPWORDS

# A Latin word: letters and digits, a decimal part only after a digit (2.5, v2.0, but fig.3 -> fig 3),
# and the three language names that are nothing without their signs.
_WORD = rf"c\+\+|c#|f#|[^\W_{CJK_RANGES}]+(?:(?<=\d)\.\d+)*"
_WORDS = re.compile(_WORD)
_RUNS_AND_WORDS = re.compile(rf"([{CJK_RANGES}]+)|({_WORD})")


class _Stems(dict[str, str]):
    """Word -> Snowball English stem, filled on first sight: a dict hit is about five times faster than
    PyStemmer's own cache, and the vocabulary of titles and abstracts is small."""

    def __init__(self) -> None:
        super().__init__()
        self._stemmer = Stemmer.Stemmer("english", 0)

    def __missing__(self, word: str) -> str:
        if len(self) >= 200_000:  # bound the memory (about 30 MB) on endless streams of odd words
            self.clear()
        stem = self[word] = self._stemmer.stemWord(word)
        return stem


@cache
def _stems() -> _Stems:
    return _Stems()


@cache
def _rjieba() -> Any:
    """rjieba, imported on first use: importing it loads its dictionary (about 0.2 s)."""
    import rjieba

    return rjieba


class Analyzer:
    """Turns text into index and query tokens; one instance per dictionary of domain words.

    ``stem`` applies Snowball English stemming to Latin words. ``search_mode`` (default) emits the
    sub-words of long Chinese words too; without it each Chinese word is one token (jieba's precise mode),
    the better choice where tokens are shown rather than matched. ``user_words`` are domain terms (registry
    keywords, project code names) that jieba should keep whole; only their Chinese parts matter, because
    Latin words are never segmented.
    """

    def __init__(
        self, *, stem: bool = True, user_words: Iterable[str] = (), search_mode: bool = True
    ) -> None:
        self.stem = stem
        self.search_mode = search_mode
        self._user_words: list[str] = []
        self._jieba: Any = None  # an own rjieba.Jieba once there are user words; the shared one before
        self.add_words(user_words)

    def add_words(self, words: Iterable[str]) -> None:
        """Add domain words to this analyzer's dictionary (normalised; each Chinese run of two or more)."""
        runs = [run for word in words for run in CJK_RUNS.findall(normalize(word)) if len(run) > 1]
        if not runs:
            return
        if self._jieba is None:
            self._jieba = _rjieba().Jieba()  # its own copy of the dictionary (about 0.2 s, 25 MB)
        for run in runs:
            self._jieba.add_word(run, None, None)
        self._user_words.extend(runs)

    @property
    def user_words(self) -> tuple[str, ...]:
        """The Chinese words added to this analyzer, normalised."""
        return tuple(self._user_words)

    def _segmenter(self, search_mode: bool) -> Callable[[str], list[str]]:
        jieba = self._jieba if self._jieba is not None else _rjieba()
        return jieba.cut_for_search if search_mode else jieba.cut

    def tokens(self, text: str) -> list[str]:
        """Index tokens of a text, in text order, stopwords and punctuation left out."""
        return self._tokens(text, self.search_mode)

    def query_tokens(self, text: str) -> list[str]:
        """Query tokens of a text: as `tokens`, but each Chinese word whole (precise mode)."""
        return self._tokens(text, False)

    def _tokens(self, text: str, search_mode: bool) -> list[str]:
        text = normalize(text)
        stem = _stems().__getitem__ if self.stem else str
        if not CJK_RUNS.search(text):
            words = [word for word in _WORDS.findall(text) if word not in EN_STOPWORDS]
            return list(map(stem, words)) if self.stem else words
        segment = self._segmenter(search_mode)
        is_stopword = ZH_STOPWORDS.__contains__
        tokens: list[str] = []
        for run, word in _RUNS_AND_WORDS.findall(text):
            if run:
                tokens.extend(filterfalse(is_stopword, segment(run)))  # C loop: no Python frame per token
            elif word not in EN_STOPWORDS:
                tokens.append(stem(word))
        return tokens

    def __getstate__(self) -> dict[str, Any]:
        return {"stem": self.stem, "search_mode": self.search_mode, "user_words": self._user_words}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state)  # type: ignore[misc]


_DEFAULT = Analyzer()


def tokenize(text: str) -> list[str]:
    """Index tokens of a text with the default analyzer (stemmed, search mode, no domain words)."""
    return _DEFAULT.tokens(text)


def query_tokenize(text: str) -> list[str]:
    """Query tokens of a text with the default analyzer (stemmed, precise mode, no domain words)."""
    return _DEFAULT.query_tokens(text)


def bigrams(text: str) -> list[str]:
    """Overlapping character bigrams of each Chinese run (a lone character stays a unigram), normalised.

    A recall fallback for terms the segmenter cuts differently in a demand and in an achievement; no
    stopwords are removed, as in Lucene's CJK bigram filter.
    """
    grams: list[str] = []
    for run in CJK_RUNS.findall(normalize(text)):
        if len(run) == 1:
            grams.append(run)
        else:
            grams.extend(run[i : i + 2] for i in range(len(run) - 1))
    return grams
