"""Chinese match pages speak Chinese: the reasons of every sample match page, rendered in zh, hold no English
words beyond a short allowlist of names and acronyms that Chinese text uses as they are."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from kechuang.domain.entities import Achievement, Demand
from kechuang.store.tables import TABLE_OF

REASON = re.compile(r'<span class="reason-text">(.*?)</span>\s*(?:<span class="meter"|</li>)', re.S)
TAG = re.compile(r"<[^>]+>")
WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-]*")
# a plain English word: lower case, two letters or more, no digit (acronyms and names such as SOH, mRNA, CAR-T,
# RISC-V, int8 and the A of A轮 are written as they are in Chinese text); TRL has a Chinese name, 技术成熟度
FORBIDDEN_NAMES = {"TRL", "NDA", "IP"}
# these reasons quote record titles, which are names given by their owners (an English-only title stays so)
TITLES = ("相关成果：", "相关科研项目：", "需求：")
KINDS = {"demands": ("achievement", "expert", "organization", "investor"), "achievements": ("demand",)}


def reasons_of(page: str) -> list[str]:
    return [html.unescape(TAG.sub("", text)).strip() for text in REASON.findall(page)]


def english_words(text: str) -> list[str]:
    if text.startswith(TITLES):
        return []
    return [w for w in WORD.findall(text)
            if (len(w) > 1 and w.islower() and not any(c.isdigit() for c in w)) or w in FORBIDDEN_NAMES]


def test_every_sample_match_reason_in_chinese_has_no_stray_english(client, uow):
    with uow() as session:
        demands = list(session.scalars(select(TABLE_OF[Demand].c.id)))
        achievements = list(session.scalars(select(TABLE_OF[Achievement].c.id)))
    stray: dict[str, list[str]] = {}
    seen = 0
    for plural, ids in (("demands", demands), ("achievements", achievements)):
        for record in ids:
            for kind in KINDS[plural]:
                page = client.get(f"/{plural}/{record}/matches", params={"kind": kind})
                if page.status_code == 404:  # a record the anonymous visitor may not see
                    continue
                assert page.status_code == 200, (plural, record, kind)
                for reason in reasons_of(page.text):
                    seen += 1
                    words = english_words(reason)
                    if words:
                        stray.setdefault(reason, words)
    assert seen > 100
    assert stray == {}, "\n".join(f"{words}: {reason}" for reason, words in list(stray.items())[:40])
