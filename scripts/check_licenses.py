"""Licences of everything `pip install kechuang` brings in: fail on strong copyleft (GPL, AGPL), allow LGPL.

Walks the installed requirements of a distribution (default: kechuang) transitively, without extras
other than those a requirement names itself (so the dev tools are not counted), reads each package's
licence from its metadata (License-Expression, then the licence classifiers, then the License field, then
the licence file's first lines), prints a table and exits 1 when a package is strong copyleft or its
licence cannot be told. A package whose metadata says nothing usable goes in REVIEWED, with the licence
a person read and where.

    python scripts/check_licenses.py [kechuang | "kechuang[e5]"]
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from enum import IntEnum
from importlib import metadata

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name


class Kind(IntEnum):
    """Ordered from most to least permissive, so `OR` takes the minimum and `AND` the maximum."""

    PERMISSIVE = 0
    WEAK_COPYLEFT = 1
    STRONG_COPYLEFT = 2
    UNKNOWN = 3


LABELS = {
    Kind.PERMISSIVE: "permissive",
    Kind.WEAK_COPYLEFT: "weak copyleft (allowed)",
    Kind.STRONG_COPYLEFT: "STRONG COPYLEFT",
    Kind.UNKNOWN: "UNKNOWN",
}

# checked in order: the first pattern found in an upper-cased licence name decides
PATTERNS: list[tuple[str, Kind]] = [
    (r"\bLGPL|LESSER GENERAL PUBLIC|LIBRARY GENERAL PUBLIC", Kind.WEAK_COPYLEFT),
    (r"\bAGPL|AFFERO", Kind.STRONG_COPYLEFT),
    (r"\bGPL|GENERAL PUBLIC LICEN[CS]E", Kind.STRONG_COPYLEFT),
    (r"\bMPL\b|MPL-|MOZILLA PUBLIC|\bEPL\b|EPL-|ECLIPSE PUBLIC|\bCDDL", Kind.WEAK_COPYLEFT),
    (
        r"\bMIT\b|MIT-|\bBSD|0BSD|APACHE|\bISC\b|\bPSF|PYTHON SOFTWARE FOUNDATION|PYTHON-2\.0|\bZLIB|"
        r"UNLICENSE|\bCC0|PUBLIC DOMAIN|\bHPND|HISTORICAL PERMISSION|BSL-1\.0|BOOST SOFTWARE|"
        r"\bUPL\b|UNIVERSAL PERMISSIVE|\bX11\b|\bWTFPL",
        Kind.PERMISSIVE,
    ),
]
# a GPL with one of these exceptions may be linked into a program under any licence
LINKING_EXCEPTIONS = ("CLASSPATH-EXCEPTION", "GCC-EXCEPTION", "LLVM-EXCEPTION")
OPERATORS = {"AND", "OR", "WITH"}
NOT_A_LICENCE = {"", "UNKNOWN", "NONE", "OTHER", "OTHER/PROPRIETARY LICENSE", "LICENSEREF-PROPRIETARY"}
# first lines of a licence file, when the metadata names nothing
TEXT_MARKERS: list[tuple[str, Kind]] = [
    ("GNU LESSER GENERAL PUBLIC LICENSE", Kind.WEAK_COPYLEFT),
    ("GNU AFFERO GENERAL PUBLIC LICENSE", Kind.STRONG_COPYLEFT),
    ("GNU GENERAL PUBLIC LICENSE", Kind.STRONG_COPYLEFT),
    ("MOZILLA PUBLIC LICENSE", Kind.WEAK_COPYLEFT),
    ("APACHE LICENSE", Kind.PERMISSIVE),
    ("PERMISSION IS HEREBY GRANTED, FREE OF CHARGE", Kind.PERMISSIVE),  # MIT
    ("REDISTRIBUTION AND USE IN SOURCE AND BINARY FORMS", Kind.PERMISSIVE),  # BSD
    ("PERMISSION TO USE, COPY, MODIFY, AND/OR DISTRIBUTE", Kind.PERMISSIVE),  # ISC, 0BSD
]
# package -> (licence, where a person read it); only for packages whose metadata names no licence
REVIEWED: dict[str, tuple[str, str]] = {}


@dataclass
class Finding:
    """One installed package, the licence its metadata gives, where that came from, and its kind."""

    name: str
    version: str
    licence: str
    source: str
    kind: Kind


def classify(licence: str) -> Kind:
    """Kind of a licence name or SPDX expression: `OR` takes the freer side, `AND` the more bound one."""
    tokens = re.findall(r"\(|\)|[^\s()]+", licence)  # SPDX operators are upper case: "Library or Lesser"
    if not any(t in OPERATORS for t in tokens):
        return _classify_name(" ".join(licence.upper().split()))
    try:
        kind, end = _either(tokens, 0)
    except IndexError:
        return Kind.UNKNOWN
    return kind if end == len(tokens) else Kind.UNKNOWN


def _either(tokens: list[str], at: int) -> tuple[Kind, int]:
    kind, at = _both(tokens, at)
    while at < len(tokens) and tokens[at] == "OR":
        other, at = _both(tokens, at + 1)
        kind = min(kind, other)
    return kind, at


def _both(tokens: list[str], at: int) -> tuple[Kind, int]:
    kind, at = _term(tokens, at)
    while at < len(tokens) and tokens[at] == "AND":
        other, at = _term(tokens, at + 1)
        kind = max(kind, other)
    return kind, at


def _term(tokens: list[str], at: int) -> tuple[Kind, int]:
    if tokens[at] == "(":
        kind, at = _either(tokens, at + 1)
        if tokens[at] != ")":
            raise IndexError("unbalanced parenthesis")
        return kind, at + 1
    words = []
    while at < len(tokens) and tokens[at] not in {"(", ")", *OPERATORS}:
        words.append(tokens[at])
        at += 1
    kind = _classify_name(" ".join(words).upper())
    if at < len(tokens) and tokens[at] == "WITH":
        exception = tokens[at + 1].upper()
        if kind == Kind.STRONG_COPYLEFT and any(e in exception for e in LINKING_EXCEPTIONS):
            kind = Kind.WEAK_COPYLEFT
        at += 2
    return kind, at


def _classify_name(name: str) -> Kind:
    if name in NOT_A_LICENCE:
        return Kind.UNKNOWN
    for pattern, kind in PATTERNS:
        if re.search(pattern, name):
            return kind
    return Kind.UNKNOWN


def classify_text(text: str) -> Kind:
    """Kind of a licence file from its opening lines."""
    opening = " ".join(text[:2000].upper().split())
    for marker, kind in TEXT_MARKERS:
        if marker in opening:
            return kind
    return Kind.UNKNOWN


def licence_of(dist: metadata.Distribution) -> tuple[str, str, Kind]:
    """The package's licence, the metadata field it came from, and its kind."""
    meta = dist.metadata
    name = canonicalize_name(meta["Name"] or "")
    if name in REVIEWED:
        licence, where = REVIEWED[name]
        return licence, f"reviewed: {where}", classify(licence)
    expression = (meta.get("License-Expression") or "").strip()
    if expression:
        return expression, "License-Expression", classify(expression)
    licence_classifiers = [c for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    named = [c.split(" :: ")[-1] for c in licence_classifiers if c != "License :: OSI Approved"]
    if named:
        # several licence classifiers mean a choice of licences, as with an SPDX `OR`
        return " OR ".join(named), "classifier", min(classify(c) for c in named)
    field = (meta.get("License") or "").strip()
    if field and classify(field.splitlines()[0]) != Kind.UNKNOWN:
        return field.splitlines()[0][:60], "License", classify(field.splitlines()[0])
    if field and classify_text(field) != Kind.UNKNOWN:
        return field.splitlines()[0][:60], "License (text)", classify_text(field)
    for path in meta.get_all("License-File") or []:
        text = dist.read_text(f"licenses/{path}") or dist.read_text(path) or ""
        if text and classify_text(text) != Kind.UNKNOWN:
            return text.strip().splitlines()[0][:60], f"file {path}", classify_text(text)
    return field.splitlines()[0][:60] if field else "", "none", Kind.UNKNOWN


def runtime_distributions(root: str) -> list[metadata.Distribution]:
    """Distributions that `root` (`kechuang` or `kechuang[e5]`) requires, transitively, with named extras."""
    top = Requirement(root)
    found: dict[str, metadata.Distribution] = {}
    pending: list[tuple[str, frozenset[str]]] = [(canonicalize_name(top.name), frozenset(top.extras))]
    visited: set[tuple[str, frozenset[str]]] = set()
    while pending:
        name, extras = pending.pop()
        if (name, extras) in visited:
            continue
        visited.add((name, extras))
        dist = metadata.distribution(name)
        found[canonicalize_name(name)] = dist
        for line in dist.requires or []:
            requirement = Requirement(line)
            environments = [{"extra": extra} for extra in ("", *sorted(extras))]
            if requirement.marker and not any(requirement.marker.evaluate(env) for env in environments):
                continue
            pending.append((canonicalize_name(requirement.name), frozenset(requirement.extras)))
    found.pop(canonicalize_name(top.name))
    return sorted(found.values(), key=lambda d: canonicalize_name(d.metadata["Name"] or ""))


def findings(root: str) -> list[Finding]:
    result = []
    for dist in runtime_distributions(root):
        licence, source, kind = licence_of(dist)
        result.append(Finding(dist.metadata["Name"] or "?", dist.version, licence, source, kind))
    return result


def table(rows: list[Finding]) -> str:
    header = ("package", "version", "licence", "from", "verdict")
    cells = [header, *((r.name, r.version, r.licence or "-", r.source, LABELS[r.kind]) for r in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def main(argv: list[str]) -> int:
    root = argv[0] if argv else "kechuang"
    try:
        rows = findings(root)
    except metadata.PackageNotFoundError as exc:
        print(f"{exc.args[0]} is required but not installed: install the project first (make install)")
        return 2
    print(table(rows))
    bad = [r for r in rows if r.kind in (Kind.STRONG_COPYLEFT, Kind.UNKNOWN)]
    print(f"\n{len(rows)} packages required by {root}: "
          + ", ".join(f"{sum(r.kind == k for r in rows)} {LABELS[k]}" for k in Kind))
    for row in bad:
        strong = row.kind == Kind.STRONG_COPYLEFT
        why = "is strong copyleft" if strong else "has a licence this check cannot tell"
        print(f"FAIL {row.name} {row.version} {why} ({row.licence or 'no licence in its metadata'}); "
              "replace it, or read its licence and add it to REVIEWED in scripts/check_licenses.py")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
