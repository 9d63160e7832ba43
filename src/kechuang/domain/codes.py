"""Bilingual lookups over the standard code tables Kechuang ships, so that records carry canonical codes.

Schemes: ``discipline`` (GB/T 13745-2009; level 0 letter category, 1 first-level 3-digit, 2 five-digit,
3 seven-digit), ``industry`` (GB/T 4754-2017; level 1 section letter, 2 division, 3 group, 4 class),
``region`` (GB/T 2260; level 1 province, 2 prefecture, 3 county) and ``country`` (ISO 3166-1 alpha-2).
The CSVs are built by ``scripts/build_code_tables.py``; this module needs only the standard library.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources

__all__ = ["SCHEMES", "Code", "CodeTable", "code_table", "csl_discipline_code", "region_group"]

SCHEMES = {"discipline": "disciplines.csv", "industry": "industries.csv", "region": "regions.csv",
           "country": "countries.csv"}
_REGION_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区",
                    "满族蒙古族自治县", "满族自治县", "回族自治县", "省", "市", "新区", "矿区", "区", "县")
_EN_SUFFIXES = (" district", " county", " new area", " autonomous county")


@dataclass(frozen=True)
class Code:
    """One entry of a code table with its Chinese and English names."""

    scheme: str
    code: str
    name_zh: str
    name_en: str
    parent: str
    level: int

    def label(self, lang: str = "zh") -> str:
        """Return the name in ``lang`` ('zh' or 'en'), falling back to the other language."""
        if lang.lower().startswith("en"):
            return self.name_en or self.name_zh
        return self.name_zh or self.name_en


def _key(text: str) -> str:
    """Fold case, width and punctuation so that names compare loosely."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("&", "and")
    return "".join(ch for ch in text if ch.isalnum())


def _read_csv(name: str) -> list[dict[str, str]]:
    path = resources.files("kechuang.domain").joinpath("code_data", name)
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


class CodeTable:
    """An in-memory code table with code, name and hierarchy lookups."""

    def __init__(self, scheme: str, rows: list[dict[str, str]]) -> None:
        self.scheme = scheme
        self._codes: dict[str, Code] = {}
        self._children: dict[str, list[Code]] = {}
        self._names: dict[str, list[Code]] = {}
        self._aliases: dict[str, list[Code]] = {}
        for row in rows:
            item = Code(scheme, row["code"], row["name_zh"], row["name_en"], row["parent"], int(row["level"]))
            self._codes[item.code] = item
            self._children.setdefault(item.parent, []).append(item)
            for name in {_key(item.name_zh), _key(item.name_en)} - {""}:
                self._names.setdefault(name, []).append(item)
            for alias in self._alias_keys(item, row) - {"", _key(item.name_zh), _key(item.name_en)}:
                self._aliases.setdefault(alias, []).append(item)

    def _alias_keys(self, item: Code, row: dict[str, str]) -> set[str]:
        """Looser spellings: short region names, country alpha-3 and short English names."""
        keys: set[str] = set()
        if self.scheme == "region":
            for suffix in _REGION_SUFFIXES:
                if item.name_zh.endswith(suffix) and len(item.name_zh) - len(suffix) >= 2:
                    keys.add(_key(item.name_zh[: -len(suffix)]))
                    break
            for suffix in _EN_SUFFIXES:
                if item.name_en.lower().endswith(suffix):
                    keys.add(_key(item.name_en[: -len(suffix)]))
        elif self.scheme == "country":
            keys.add(_key(row.get("alpha3", "")))
            keys.add(_key(item.name_en.split(",")[0]))
            if item.name_zh.startswith("中国") and len(item.name_zh) > 3:
                keys.add(_key(item.name_zh[2:]))
        return keys

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and code in self._codes

    def __len__(self) -> int:
        return len(self._codes)

    def __iter__(self) -> Iterator[Code]:
        return iter(self._codes.values())

    def __repr__(self) -> str:
        return f"CodeTable({self.scheme!r}, {len(self)} codes)"

    def get(self, code: str) -> Code | None:
        """Return the entry for an exact canonical code, or None."""
        return self._codes.get(code)

    def _canonical(self, text: str) -> str | None:
        """Turn code-like input ('c39', '520.20', 'deu') into a canonical code present in the table."""
        raw = unicodedata.normalize("NFKC", text).strip()
        candidates = [raw, raw.upper()]
        if self.scheme == "discipline" and re.fullmatch(r"\d[\d.\s-]*", raw):
            candidates.append(re.sub(r"[.\s-]", "", raw))
        if self.scheme == "industry":
            match = re.fullmatch(r"([A-Ta-t])\s*(\d{2,4})", raw)
            if match and match.group(2) in self._codes:
                digits = match.group(2)
                if self.ancestors(digits)[0].code != match.group(1).upper():
                    return None
                candidates.append(digits)
        for candidate in candidates:
            if candidate in self._codes:
                return candidate
        return None

    @staticmethod
    def _pick(matches: list[Code]) -> Code | None:
        """Choose the single highest-level match; several at that level means the name is ambiguous."""
        if not matches:
            return None
        top = min(m.level for m in matches)
        best = [m for m in matches if m.level == top]
        return best[0] if len(best) == 1 else None

    def _matches(self, text: str) -> list[Code]:
        """Return the best tier of matches for ``text``: code, then exact name, then alias."""
        code = self._canonical(text)
        if code is not None:
            return [self._codes[code]]
        key = _key(text)
        if not key:
            return []
        return self._names.get(key) or self._aliases.get(key) or []

    def find(self, text: str) -> Code | None:
        """Resolve an exact code, a Chinese name or an English name (case and punctuation ignored)."""
        return self._pick(self._matches(text)) if text else None

    def search(self, text: str, limit: int = 20) -> list[Code]:
        """Return entries whose code starts with, or a name contains, ``text``; broader, shorter first."""
        needle = _key(text or "")
        if not needle:
            return []
        hits = [c for c in self._codes.values() if c.code.casefold().startswith(needle)
                or needle in _key(c.name_zh) or needle in _key(c.name_en)]
        hits.sort(key=lambda c: (c.level, len(c.name_zh), c.code))
        return hits[:limit]

    def ancestors(self, code: str) -> list[Code]:
        """Return the chain from the top-level entry down to ``code`` itself."""
        item = self._codes.get(code) or self._codes[self.normalize(code)]
        chain = [item]
        while chain[-1].parent and chain[-1].parent in self._codes and len(chain) < 10:
            chain.append(self._codes[chain[-1].parent])
        return chain[::-1]

    def children(self, code: str) -> list[Code]:
        """Return the direct children of ``code`` (the top-level entries for an empty code)."""
        if code and code not in self._codes:
            code = self.normalize(code)
        return list(self._children.get(code, []))

    def normalize(self, raw: str) -> str:
        """Return the canonical code for a code, Chinese name or English name, or raise ValueError."""
        text = (raw or "").strip()
        matches = self._matches(text) if text else []
        picked = self._pick(matches)
        if picked is not None:
            return picked.code
        if matches:
            options = ", ".join(f"{m.code} {m.name_zh} (under {m.parent or '-'})" for m in matches[:6])
            raise ValueError(
                f"ambiguous {self.scheme} name {raw!r}: matches {options}; pass the code instead")
        if not text:
            raise ValueError(f"empty {self.scheme} code or name")
        hint = ""
        close = self.search(text, limit=3)
        if close:
            hint = "; did you mean " + ", ".join(f"{c.code} {c.label('zh')}" for c in close) + "?"
        letter = re.fullmatch(r"([A-Za-z])\s*(\d{2,4})", text) if self.scheme == "industry" else None
        if letter and letter.group(2) in self._codes:
            section = self.ancestors(letter.group(2))[0].code
            hint = f"; {letter.group(2)} belongs to section {section}, not {letter.group(1).upper()}"
        raise ValueError(f"unknown {self.scheme} code or name {raw!r}{hint}")


@cache
def code_table(scheme: str) -> CodeTable:
    """Return the (cached) table for 'discipline', 'industry', 'region' or 'country'."""
    if scheme not in SCHEMES:
        raise ValueError(f"unknown code scheme {scheme!r}; expected one of {', '.join(SCHEMES)}")
    return CodeTable(scheme, _read_csv(SCHEMES[scheme]))


@cache
def _csl_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for row in _read_csv("csl_disciplines.csv"):
        index[_key(row["csl_name_zh"])] = row["gbt13745_code"]
        index[_key(row["csl_name_en"])] = row["gbt13745_code"]
    return index


def csl_discipline_code(name: str) -> str | None:
    """Map a CSL discipline name (zh or en) to its GB/T 13745 code; GB/T discipline names also resolve."""
    if not name or not _key(name):
        return None
    code = _csl_index().get(_key(name))
    if code is None:
        found = code_table("discipline").find(name)
        code = found.code if found else None
    return code


def region_group(region_code: str) -> str:
    """Classify a region for Beijing-Tianjin-Hebei flows: beijing, tianjin, hebei, other_cn or abroad.

    Six-digit GB/T 2260 codes are grouped by their province prefix; 'CN'/'CHN' counts as other_cn;
    anything else (a foreign country code, empty input) is 'abroad'.
    """
    code = (region_code or "").strip()
    if re.fullmatch(r"\d{6}", code):
        return {"11": "beijing", "12": "tianjin", "13": "hebei"}.get(code[:2], "other_cn")
    if code.upper() in ("CN", "CHN"):
        return "other_cn"
    return "abroad"
