"""Identity resolution: score whether two organization or person records are one entity, with reasons.

Pure functions, no database. Names are reduced to readings by `names`; context items ("org:12",
"credit:9111...") add or remove evidence. `find_duplicates` blocks records by reading keys so
that only plausible pairs are scored.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations, product
from math import prod

from rapidfuzz.distance import OSA

from .names import (
    WEAK_CONCEPTS,
    OrgForm,
    OrgName,
    PersonName,
    PersonReading,
    fold,
    parse_org,
    parse_person,
)

KINDS = ("organization", "person")
PERSON_NAME_WEIGHT = 0.6  # an exact person name alone reaches 0.6: reportable, never auto-merged
INITIALS_SCORE = 0.7  # 'Zhang, W.' ~ 'Zhang Wei' counts as 0.7 of a full name
ZH_CONFLICT = 0.55  # both records have Chinese names and none agree
QUALIFIER_FACTOR = 0.6  # 清华大学（深圳） is a branch of 清华大学, not the same record
MIN_CONFIDENCE = 0.1  # below this compare() answers None
STRONG_DIFF = 0.4  # a distinctive word in one org name only (理工, 师范, Press): a different org
WEAK_DIFF = 0.85  # a generic company word in one name only (科技, Group)
PREFIX_PLACE_FACTOR = 0.93  # 北京小米科技 vs Xiaomi Technology: the city prefix is often left out
HANZI_MIN_SIM = 0.9  # Chinese proper names differing by a character are different names
LATIN_MIN_SIM = 0.85  # romanised ones tolerate a typo in a long name
ACRONYM_SCORE = 0.8  # RIPT = RIPT is likely but not certain: acronyms collide across countries
BLOCK_CAP = 400  # larger blocks are only paired within shared context items


@dataclass(frozen=True)
class NameRecord:
    """An organization or person as identity resolution sees it: names plus context items."""

    id: int
    names: tuple[str, ...]
    context: frozenset[str] = frozenset()


@dataclass(frozen=True)
class IdentityMatch:
    """A scored candidate pair; reasons are short English phrases for a reviewer."""

    left_id: int
    right_id: int
    confidence: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class _Rule:
    """How one context kind counts: evidence when shared, factor when different, veto when unique."""

    label: str
    shared: float
    conflict: float = 1.0
    veto: bool = False


_RULES = {
    "person": {
        "email": _Rule("email", 0.95),
        "orcid": _Rule("ORCID", 0.97, veto=True),
        "phone": _Rule("phone", 0.9),
        "idcard": _Rule("ID card", 0.99, veto=True),
        "org": _Rule("organization", 0.7, 0.55),
        "region": _Rule("region", 0.2, 0.85),
        "country": _Rule("country", 0.0, 0.6),
    },
    "organization": {
        "credit": _Rule("credit code", 0.97, veto=True),
        "ror": _Rule("ROR id", 0.97, veto=True),
        "isni": _Rule("ISNI", 0.97, veto=True),
        "domain": _Rule("web domain", 0.8),
        "region": _Rule("region", 0.0, 0.85),  # many organizations share a district: no evidence
        "country": _Rule("country", 0.0, 0.6),
    },
}
_DEFAULT_RULE = {"person": _Rule("", 0.45), "organization": _Rule("", 0.3)}


@dataclass(frozen=True)
class _Prepared:
    """A record with its names parsed once and its context grouped by kind."""

    record: NameRecord
    orgs: tuple[OrgName, ...]  # filled for kind "organization"
    persons: tuple[PersonName, ...]  # filled for kind "person"
    context: dict[str, dict[str, str]]  # kind -> {case-folded item: item as given}


# ---------------------------------------------------------------- public API


def organization_key(name: str) -> str:
    """Normalised comparison key: 清华大学, Tsinghua Univ. and ＴＳＩＮＧＨＵＡ give 'qinghua|university'."""
    parsed = parse_org(name)
    if parsed is None:
        return ""
    form = parsed.latin[0]
    key = " ".join(sorted(form.core)) + "|" + " ".join(sorted(form.concepts)).replace("_", " ")
    return key + "".join(f"|({q})" for q in sorted(form.qualifiers))


def compare(a: NameRecord, b: NameRecord, kind: str) -> IdentityMatch | None:
    """Score one pair; None when the records are clearly different."""
    _check_kind(kind)
    return _score(_prepare(a, kind), _prepare(b, kind), kind)


def find_duplicates(records: Sequence[NameRecord], kind: str, threshold: float = 0.75) -> list[IdentityMatch]:
    """All pairs at or above threshold, highest confidence first; only blocked candidates are scored."""
    _check_kind(kind)
    prepared = [_prepare(r, kind) for r in records]
    matches = []
    for i, j in _candidate_pairs(prepared, kind, threshold):
        match = _score(prepared[i], prepared[j], kind)
        if match is not None and match.confidence >= threshold:
            matches.append(match)
    return sorted(matches, key=lambda m: (-m.confidence, m.left_id, m.right_id))


def _check_kind(kind: str) -> None:
    """Reject kinds the engine does not know, loudly."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")


def _prepare(record: NameRecord, kind: str) -> _Prepared:
    """Parse names (cached per string) and group context items by their kind prefix."""
    names = [n for n in dict.fromkeys(record.names) if n and n.strip()]
    orgs = tuple(p for p in map(parse_org, names) if p) if kind == "organization" else ()
    persons = tuple(p for p in map(parse_person, names) if p) if kind == "person" else ()
    context: dict[str, dict[str, str]] = defaultdict(dict)
    for item in record.context:
        context[item.partition(":")[0].strip().lower()][item.strip().casefold()] = item.strip()
    return _Prepared(record, orgs, persons, dict(context))


# ---------------------------------------------------------------- scoring a pair


def _score(a: _Prepared, b: _Prepared, kind: str) -> IdentityMatch | None:
    """Combine name evidence with context evidence into one confidence."""
    if a.record.id == b.record.id:
        return None
    if kind == "organization":
        name_score, reasons, conflict = _best_org(a.orgs, b.orgs)
    else:
        name_score, reasons, conflict = _best_person(a.persons, b.persons)
    if name_score <= 0 and not _shares_id(a, b, kind):
        return None
    evidence, factor, veto, context_reasons = _context(a.context, b.context, kind)
    if veto:
        return None
    if kind == "organization":
        base = name_score * conflict  # a credit code outweighs Chinese names that disagree (renaming)
    else:
        base = PERSON_NAME_WEIGHT * name_score
        factor *= conflict  # different characters stay doubtful whatever the context says
        if not evidence:
            reasons.append("name alone is weak evidence for a person (no shared organization, email or id)")
    confidence = round(min(1.0, (1 - (1 - base) * (1 - evidence)) * factor), 3)
    if confidence < MIN_CONFIDENCE:
        return None
    left, right = sorted((a.record.id, b.record.id))
    return IdentityMatch(left, right, confidence, tuple(dict.fromkeys(reasons + context_reasons)))


def _shares_id(a: _Prepared, b: _Prepared, kind: str) -> bool:
    """Whether the records share a unique identifier (credit code, ORCID), which outweighs the names.

    A shared email or phone does not: a lab mailbox is not a person.
    """
    unique = [k for k, rule in _RULES[kind].items() if rule.veto]
    return any(a.context.get(k, {}).keys() & b.context.get(k, {}).keys() for k in unique)


def _context(
    a: dict[str, dict[str, str]], b: dict[str, dict[str, str]], kind: str
) -> tuple[float, float, bool, list[str]]:
    """Noisy-or evidence of shared items, product of conflict factors, veto on different unique ids."""
    missing, factor, veto, reasons = 1.0, 1.0, False, []
    for key in sorted(a.keys() & b.keys()):
        rule = _RULES[kind].get(key, _DEFAULT_RULE[kind])
        label = rule.label or key
        shared = a[key].keys() & b[key].keys()
        if shared and rule.shared:
            missing *= 1 - rule.shared
            reasons.append(f"same {label} {', '.join(sorted(a[key][s] for s in shared))}")
        elif not shared and (rule.veto or rule.conflict < 1):
            factor *= rule.conflict
            veto = veto or rule.veto
            reasons.append(
                f"different {label}: {', '.join(sorted(a[key].values()))} vs "
                f"{', '.join(sorted(b[key].values()))}"
            )
    return 1 - missing, factor, veto, reasons


# ---------------------------------------------------------------- organizations


def _best_org(a: Sequence[OrgName], b: Sequence[OrgName]) -> tuple[float, list[str], float]:
    """Best name pair; if both records have Chinese names that disagree, the Chinese names win."""
    best, reasons = 0.0, []
    for x, y in product(a, b):
        score, why = _org_pair(x, y)
        if score > best:
            best, reasons = score, why
    zh_a, zh_b = [n for n in a if n.zh], [n for n in b if n.zh]
    if best and zh_a and zh_b and max(_org_pair(x, y)[0] for x, y in product(zh_a, zh_b)) < min(best, 0.5):
        reasons.append(f"Chinese names differ: {zh_a[0].raw} vs {zh_b[0].raw}")
        return best, reasons, ZH_CONFLICT
    return best, reasons, 1.0


def _org_pair(x: OrgName, y: OrgName) -> tuple[float, list[str]]:
    """Score two org names: hanzi forms when both are Chinese, readings otherwise."""
    if x.hanzi and y.hanzi:
        pairs, min_sim = [(x.hanzi, y.hanzi)], HANZI_MIN_SIM
    else:
        pairs, min_sim = list(product(x.latin, y.latin)), LATIN_MIN_SIM
    scored = [(*_form_score(fx, fy, x.raw, y.raw, min_sim), fx, fy) for fx, fy in pairs]
    score, why, fx, fy = max(scored, key=lambda item: item[0])
    if not score:
        return 0.0, []
    if _is_acronym(x.raw) and _is_acronym(y.raw):
        return min(score, ACRONYM_SCORE), [f"same acronym {x.raw.strip()} (acronyms can collide)"]
    return score, [_org_headline(x, y, fx, fy, score), *fx.notes, *fy.notes, *why]


def _is_acronym(name: str) -> bool:
    """RIPT, CASIA: one short upper-case word, which many organizations may share."""
    word = name.strip().replace(".", "")
    return 1 < len(word) <= 8 and word.isalpha() and word.isupper()


def _org_headline(x: OrgName, y: OrgName, fx: OrgForm, fy: OrgForm, score: float) -> str:
    """The first reason: how the two names relate."""
    if x.zh != y.zh:
        zh, en, form = (x, y, fx) if x.zh else (y, x, fy)
        if zh.known:
            return f"Chinese name {zh.raw} is the official Chinese name of '{en.raw}'"
        relation = "=" if score == 1 else "~"
        return f"Chinese name {zh.raw} {relation} '{en.raw}' (read as '{form.render()}')"
    if score == 1:
        if x.zh and fold(x.raw) == fold(y.raw):
            return f"same Chinese name {fold(x.raw)}"
        if x.zh:
            return f"Chinese names agree once normalised: {x.raw} / {y.raw}"
        return f"same normalised name '{fx.render()}' ('{x.raw}' / '{y.raw}')"
    return f"similar names '{x.raw}' ~ '{y.raw}'"


def _form_score(a: OrgForm, b: OrgForm, raw_a: str, raw_b: str, min_sim: float) -> tuple[float, list[str]]:
    """Core (proper names, places) x concept words x branch qualifiers."""
    core, reasons = _core_score(a, b, raw_a, raw_b, min_sim)
    if not core:
        return 0.0, []
    concepts, why = _concept_factor(a, b, raw_a, raw_b)
    quals, why_q = _qualifier_factor(a, b, raw_a, raw_b)
    return core * concepts * quals, reasons + why + why_q


def _minus(a: tuple[str, ...], b: tuple[str, ...]) -> list[str]:
    """Multiset difference a - b, order kept."""
    rest = list(b)
    out = []
    for token in a:
        if token in rest:
            rest.remove(token)
        else:
            out.append(token)
    return out


def _core_score(a: OrgForm, b: OrgForm, raw_a: str, raw_b: str, min_sim: float) -> tuple[float, list[str]]:
    """Proper-name similarity after shared tokens cancel; an extra place word costs a little."""
    ra, rb = _minus(a.core, b.core), _minus(b.core, a.core)
    if (not ra and not rb) or (ra and rb and "".join(ra) == "".join(rb)):
        return 1.0, []
    if not ra or not rb:
        return _extra_places(ra, rb, a, b, raw_a, raw_b)
    sim = max(
        OSA.normalized_similarity("".join(ra), "".join(rb)),
        OSA.normalized_similarity("".join(sorted(ra)), "".join(sorted(rb))),
    )
    if sim < min_sim:
        return 0.0, []
    return 0.9 * sim * sim, [f"proper names are close but not equal: {' '.join(ra)} ~ {' '.join(rb)}"]


def _extra_places(
    ra: list[str], rb: list[str], a: OrgForm, b: OrgForm, raw_a: str, raw_b: str
) -> tuple[float, list[str]]:
    """One name adds only place words: free if the other has them as address, cheap as a prefix
    (北京小米 vs Xiaomi), costly inside the name (中国科学院成都文献情报中心 is a branch)."""
    extra, mine, other, raw = (ra, a, b, raw_a) if ra else (rb, b, a, raw_b)
    if not set(extra) <= mine.locations:
        return 0.0, []
    if set(extra) <= other.address | {w for q in other.qualifiers for w in q.split()}:
        return 1.0, []
    if not other.core:
        return 0.0, []
    if set(extra) <= mine.prefix_places:
        return PREFIX_PLACE_FACTOR, [f"place '{' '.join(extra)}' prefixes only '{raw}'"]
    return STRONG_DIFF, [f"place '{' '.join(extra)}' only in '{raw}': may be a branch"]


def _concept_factor(a: OrgForm, b: OrgForm, raw_a: str, raw_b: str) -> tuple[float, list[str]]:
    """Each word in only one name costs: much for a distinctive one, little for a generic company word.

    Generic words only count as generic between companies with proper names (小米科技 vs Xiaomi Inc.);
    in 北京创新科技 vs Beijing Technology, or 西安交通大学 vs 西安交通科技大学, they are what differs.
    """
    diff = sorted(a.concepts ^ b.concepts)
    proper = set(a.core) - a.locations and set(b.core) - b.locations
    weak = WEAK_CONCEPTS if proper and (a.company or b.company) else frozenset()
    factor = prod(WEAK_DIFF if c in weak else STRONG_DIFF for c in diff)
    reasons = [
        f"'{c.replace('_', ' ')}' only in '{raw_a if c in a.concepts else raw_b}'"
        for c in diff
        if c not in weak
    ]
    return factor, reasons


def _qualifier_factor(a: OrgForm, b: OrgForm, raw_a: str, raw_b: str) -> tuple[float, list[str]]:
    """A parenthesised qualifier only one side has, e.g. （深圳）, suggests a branch or campus."""
    unmatched = [(q, raw_a) for q in a.qualifiers if not _satisfied(q, b)]
    unmatched += [(q, raw_b) for q in b.qualifiers if not _satisfied(q, a)]
    if not unmatched:
        return 1.0, []
    reasons = [f"qualifier ({q}) only in '{raw}': may be a branch or campus" for q, raw in unmatched]
    return QUALIFIER_FACTOR ** len(unmatched), reasons


def _satisfied(qualifier: str, other: OrgForm) -> bool:
    """Whether the other name carries the qualifier too, as a qualifier, a place word or an address.

    Campus and branch words are implied: （北京校区） and （北京） say the same.
    """
    words = set(qualifier.split()) - {"campus", "branch"}
    other_words = {w for q in other.qualifiers for w in q.split()}
    known = other_words | set(other.core) | other.address
    return qualifier in other.qualifiers or (bool(words) and words <= known)


# ---------------------------------------------------------------- persons


def _best_person(a: Sequence[PersonName], b: Sequence[PersonName]) -> tuple[float, list[str], float]:
    """Best name pair; Chinese characters that disagree outweigh matching pinyin."""
    best, reasons = 0.0, []
    for x, y in product(a, b):
        score, why = _person_pair(x, y)
        if score > best:
            best, reasons = score, why
    zh_a, zh_b = {n.hanzi for n in a if n.hanzi}, {n.hanzi for n in b if n.hanzi}
    if best and zh_a and zh_b and not zh_a & zh_b:
        if not any("different characters" in r for r in reasons):
            reasons.append(f"Chinese names differ: {min(zh_a)} vs {min(zh_b)}")
        return best, reasons, ZH_CONFLICT
    return best, reasons, 1.0


def _person_pair(x: PersonName, y: PersonName) -> tuple[float, list[str]]:
    """Score two person names over all their readings."""
    if x.hanzi and x.hanzi == y.hanzi:
        if x.raw.strip() == y.raw.strip():
            return 1.0, [f"same Chinese name {x.raw.strip()}"]
        return 1.0, [f"same Chinese name once normalised: {x.raw} / {y.raw} (traditional or full-width)"]
    best: tuple[float, list[str]] = (0.0, [])
    for r, s in product(x.readings, y.readings):
        score, why = _reading_score(r, s, x, y)
        if score > best[0]:
            best = (score, why)
    return best


def _reading_score(
    r: PersonReading, s: PersonReading, x: PersonName, y: PersonName
) -> tuple[float, list[str]]:
    """Surnames must agree; then full given names, another reading of them, or initials."""
    common = r.surnames & s.surnames
    if not common:
        return 0.0, []
    reasons: list[str] = []
    factor = 1.0
    for reading in (r, s):
        if reading.spelled not in common:
            factor = 0.9
            reasons.append(f"surname '{reading.spelled}' read as {min(common)} (Wade-Giles or Cantonese)")
    score, headline = _given_score(r, s, x, y)
    return (score * factor, [headline, *reasons]) if score else (0.0, [])


def _given_score(r: PersonReading, s: PersonReading, x: PersonName, y: PersonName) -> tuple[float, str]:
    """Given-name agreement and the headline reason describing it."""
    pair = f"'{x.raw}' ~ '{y.raw}'"
    if r.initials_only or s.initials_only:
        short, long_ = sorted((r.initials, s.initials), key=len)
        if r.initials == s.initials:
            return INITIALS_SCORE, f"initials match: {pair} (initials alone need other evidence)"
        if len(short) == 1 and long_.startswith(short):
            return 0.6, f"first initial matches: {pair} (initials alone need other evidence)"
        return 0.0, ""
    spoken = f"{r.spelled} {r.given}"
    if r.given == s.given:
        if x.hanzi and y.hanzi:
            return 0.5, f"same pinyin ({spoken}) but different characters: {x.raw} vs {y.raw}"
        if x.hanzi or y.hanzi:
            zh, en = (x, y) if x.hanzi else (y, x)
            return 1.0, f"Chinese name {zh.hanzi} = pinyin of '{en.raw}' ({spoken})"
        return 1.0, f"same name ({spoken}): {pair}"
    if r.given in s.given_alts or s.given in r.given_alts:
        given = s.given if s.given in r.given_alts else r.given  # the spelling that matched
        return 0.9, f"{pair} match on another reading of a polyphonic character ({r.spelled} {given})"
    return 0.0, ""


# ---------------------------------------------------------------- blocking


def _candidate_pairs(prepared: Sequence[_Prepared], kind: str, threshold: float) -> set[tuple[int, int]]:
    """Pairs sharing a block key; initials-only persons probe their surname+initial blocks.

    Person names alone cannot reach a high threshold, so then blocks are split by shared context item.
    """
    blocks: dict[str, list[int]] = defaultdict(list)
    probes: dict[str, list[int]] = defaultdict(list)
    targets: dict[str, list[int]] = defaultdict(list)
    keyer = _org_keys if kind == "organization" else _person_keys
    for index, item in enumerate(prepared):
        exact, probe, target = keyer(item)
        if kind == "person":
            items = item.record.context
            exact = _with_context(exact, items) if threshold > PERSON_NAME_WEIGHT else exact
            if threshold > PERSON_NAME_WEIGHT * INITIALS_SCORE:
                probe, target = _with_context(probe, items), _with_context(target, items)
        for table, keys in ((blocks, exact), (probes, probe), (targets, target)):
            for key in keys:
                table[key].append(index)
    pairs: set[tuple[int, int]] = set()
    for members in blocks.values():
        pairs.update(_block_pairs(members, prepared))
    for key, probers in probes.items():
        pairs.update((min(p, m), max(p, m)) for p in probers for m in targets[key] if p != m)
    return pairs


def _with_context(keys: set[str], items: frozenset[str]) -> set[str]:
    """Split block keys by context item: only records sharing an item meet."""
    return {f"{key}|{item.strip().casefold()}" for key in keys for item in items}


def _block_pairs(members: list[int], prepared: Sequence[_Prepared]) -> Iterable[tuple[int, int]]:
    """All pairs of a block; an oversized block is only paired within shared context items."""
    if len(members) <= BLOCK_CAP:
        return combinations(sorted(members), 2)
    groups: dict[str, list[int]] = defaultdict(list)
    for index in members:
        for item in prepared[index].record.context:
            groups[item].append(index)
    return {
        pair
        for group in groups.values()
        if len(group) <= BLOCK_CAP
        for pair in combinations(sorted(group), 2)
    }


_STRONG = {
    "organization": ("credit", "ror", "isni", "domain"),
    "person": ("email", "orcid", "phone", "idcard"),
}


def _id_keys(item: _Prepared, kind: str) -> set[str]:
    """Unique identifiers in context block together whatever the names say."""
    return {f"x:{value}" for key in _STRONG[kind] for value in item.context.get(key, {})}


def _org_keys(item: _Prepared) -> tuple[set[str], set[str], set[str]]:
    """Block organizations by sorted core, core without places, distinctive tokens, prefix and suffix."""
    keys = _id_keys(item, "organization")
    for name in item.orgs:
        for form in (*name.latin, *([name.hanzi] if name.hanzi else [])):
            proper = [t for t in form.core if t not in form.locations]
            whole = "c:" + "".join(sorted(form.core)) if form.core else "k:" + " ".join(sorted(form.concepts))
            keys.add(whole)
            keys.update("t:" + t for t in proper if len(t) >= 4)
            if proper:
                keys.add("c:" + "".join(sorted(proper)))
            joined = "".join(proper)
            if len(joined) >= 8:  # near-miss spellings of long names: same start or same end
                keys.update(("p:" + joined[:5], "s:" + joined[-5:]))
    return keys, set(), set()


def _person_keys(item: _Prepared) -> tuple[set[str], set[str], set[str]]:
    """Block persons by surname+given (every reading); initials-only names probe surname+initial."""
    exact, probe, target = _id_keys(item, "person"), set(), set()
    for name in item.persons:
        for reading in name.readings:
            for surname in reading.surnames:
                target.add(f"i:{surname}|{reading.initials[0]}")
                if reading.initials_only:
                    probe.add(f"i:{surname}|{reading.initials[0]}")
                else:
                    exact.update(f"n:{surname}|{given}" for given in reading.given_alts | {reading.given})
    return exact, probe, target
