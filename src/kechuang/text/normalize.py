"""One spelling per text before indexing: NFKC width folding, traditional to simplified, lower case, spaces.

The traditional-to-simplified step is a table of single characters (``data/t2s_chars.tsv``, derived from
OpenCC's TSCharacters.txt), not OpenCC. Converting the 2,000 CSL abstracts (about 210 characters; 2 shared
cores, load 2 to 3, so figures move by ±30 %), simplified / traditional per second: OpenCC's C++ binding
(pip ``opencc``) 130-160k / 36-57k, opencc-python-reimplemented 2.3k / 1.5k, ``str.translate`` with the
table 33-57k / 31-46k. The binding converts fastest, but it installs into the same ``opencc`` import
package as opencc-python-reimplemented (each overwrites the other's ``__init__``), and its phrase-level
rules (瞭解 -> 了解, 乾隆 keeps 乾) rarely matter for matching, where index and query go through the same
table. Speed comes from skipping work instead: one regular-expression scan finds the characters NFKC or
the table would change (full-width punctuation, the odd traditional character) and only those are
replaced, so ``normalize`` handles about 110k simplified abstracts/s (20k traditional), where NFKC +
translate + lower manages about 21k: ``unicodedata.normalize`` is slow as soon as a text holds one
full-width comma. Measured with bench/bench_text.py.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from importlib import resources

# Ideographs: the unified blocks, extension A, compatibility ideographs, 〇, and extensions B to H.
CJK_RANGES = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
CJK_RUNS = re.compile(f"[{CJK_RANGES}]+")
_LATIN_RUNS = re.compile("[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\uff21-\uff3a\uff41-\uff5a]+")

# Invisible characters that NFKC keeps but that would split or glue words: soft hyphen, zero-width
# space and joiners, word joiner, byte-order mark.
_FORMAT_CHARS = "\u00ad\u200b\u200c\u200d\u2060\ufeff"


def _load_t2s() -> dict[int, str]:
    table: dict[int, str] = {}
    data = resources.files("kechuang.text").joinpath("data", "t2s_chars.tsv")
    for line in data.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            traditional, simplified = line.split("\t")
            table[ord(traditional)] = simplified
    return table


T2S_TABLE: dict[int, str] = _load_t2s()
"""Traditional to simplified, one character each, as a ``str.translate`` table."""


class _Fold(dict[str, str]):
    """Character -> its normalised form; characters outside the BMP are worked out on first sight."""

    def __missing__(self, char: str) -> str:
        value = unicodedata.normalize("NFKC", char).translate(T2S_TABLE)
        self[char] = value
        return value


@cache
def _folding() -> tuple[re.Pattern[str], _Fold]:
    """The characters normalize() replaces and what with (built on first use: about 50 ms)."""
    fold = _Fold()
    for code in range(0x10000):
        if 0xD800 <= code < 0xE000:
            continue
        char = chr(code)
        nfkc = unicodedata.normalize("NFKC", char)
        if nfkc != char:
            fold[char] = nfkc.translate(T2S_TABLE)
    for code, simplified in T2S_TABLE.items():
        if code < 0x10000:
            fold.setdefault(chr(code), simplified)
    for char in _FORMAT_CHARS:
        fold[char] = ""
    # BMP characters as a bitmap, everything beyond the BMP as one range: sre checks characters outside
    # the BMP one class item at a time, so listing the 350 astral traditional characters would make the
    # scan about 100 times slower. Astral characters go through _Fold.__missing__ instead.
    chars = "".join(re.escape(char) for char in sorted(fold))
    return re.compile(f"[{chars}\U00010000-\U0010ffff]"), fold


def normalize(text: str) -> str:
    """NFKC (full width to half width), traditional to simplified, lower case, single spaces.

    Equal to ``" ".join(NFKC(text).translate(T2S_TABLE).lower().split())`` with a few invisible format
    characters removed first: each character is replaced by its own NFKC form, which gives NFKC's result
    whenever the outcome is already normalised, and the full NFKC runs only when it is not (combining
    accents and the like).
    """
    if not text.isascii():
        text = _fold(text)
        if not unicodedata.is_normalized("NFKC", text):
            text = _fold(unicodedata.normalize("NFKC", text))
    return " ".join(text.lower().split())


def _fold(text: str) -> str:
    pattern, fold = _folding()
    # One C-level scan, then one str.replace per distinct character: no Python call per occurrence.
    # Replacements never contain a replaced character, so their order does not matter.
    for char in set(pattern.findall(text)):
        text = text.replace(char, fold[char])
    return text


def cjk_count(text: str) -> int:
    """Number of Chinese characters (ideographs) in a text."""
    return sum(map(len, CJK_RUNS.findall(text)))


def detect_script(text: str) -> str:
    """``"zh"``, ``"en"`` or ``"mixed"`` by the share of Chinese characters among letters.

    A Chinese character carries about as much as two or three Latin letters, so a Chinese title with a model
    name in it (基于YOLOv8的锂电池缺陷检测, 69 %; 基于BERT和BiLSTM-CRF的命名实体识别, 43 %) is "zh" from
    a 40 % share, and an English sentence quoting a Chinese term stays "en" below 10 %. A text without
    letters of either kind is "en": there is nothing to segment.
    """
    cjk = cjk_count(text)
    if not cjk:
        return "en"
    latin = sum(map(len, _LATIN_RUNS.findall(text)))
    share = cjk / (cjk + latin)
    if share >= 0.4:
        return "zh"
    return "en" if share < 0.1 else "mixed"
