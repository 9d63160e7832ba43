"""The zh and en catalogues have the same keys and placeholders, and every key the pages use exists."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from kechuang.services.matching import KINDS
from kechuang.web import i18n
from kechuang.web.deal_forms import HANDLERS
from kechuang.web.market_charts import FLOW_NODES
from kechuang.web.pages import PAGES
from kechuang.web.render import HINTS
from kechuang.web.routes.home import OWN
from kechuang.web.routes.market_stats import TABLES

WEB = Path(i18n.__file__).parent
LITERAL_KEY = re.compile(r"""_\(\s*["']([a-z_]+(?:\.[a-z0-9_]+)+)["']""")
QUOTED_KEY = re.compile(r"""["']((?:error|import|form|notifications)\.[a-z0-9_]+(?:\.[a-z0-9_]+)*)["']""")
NOT_KEYS = re.compile(r"\.(html|py)$")


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def used_keys() -> set[str]:
    keys: set[str] = set()
    for path in [*WEB.glob("templates/*.html"), *WEB.glob("**/*.py")]:
        text = path.read_text(encoding="utf-8")
        found = set(LITERAL_KEY.findall(text)) | set(QUOTED_KEY.findall(text))
        keys |= {key for key in found if not NOT_KEYS.search(key)}
    keys |= {key for _, key in i18n.MESSAGES} | set(HINTS.values())
    for page in PAGES.values():  # keys the templates build from names
        keys |= {f"{page.key}.one", f"{page.key}.many"}
        if page.form:
            keys.add(f"form.new.{page.entity}")
    keys |= {f"matches.kind.{kind}" for kind in (*KINDS, "adopter")}
    keys |= {f"error.{part}.{status}" for part in ("title", "text") for status in ("400", "403", "404", "410", "other")}
    keys |= {f"home.own.{plural}" for plural in OWN} | {f"region.{code}" for code in ("11", "12", "13")}
    keys |= {f"market.{part}.{action}" for part in ("action", "event") for action in HANDLERS}
    keys |= {"market.event.open", "market.performance.milestone", "market.performance.payment"}
    keys |= {f"market.stats.group.{name}" for name in TABLES}
    keys |= {f"market.stats.node.{node}" for pair in FLOW_NODES.values() for node in pair}
    return keys


def test_both_languages_have_the_same_keys_and_placeholders():
    zh, en = i18n.catalogue("zh"), i18n.catalogue("en")
    assert set(zh) == set(en)
    for key in zh:
        assert placeholders(zh[key]) == placeholders(en[key]), key
        assert zh[key].strip() and en[key].strip(), key


def test_every_key_the_pages_use_exists():
    missing = sorted(used_keys() - set(i18n.catalogue("zh")))
    assert not missing, missing


@pytest.mark.parametrize(("message", "zh", "en"), [
    ("wrong username or password", "用户名或密码错误。", "Wrong username or password."),
    ("'x' is not a number", "“x”不是数字。", "'x' is not a number."),
    ("required: fill title_zh or title_en", "请填写标题（中文） / 标题（英文）。", "Fill in Title (Chinese) / Title (English)."),
    ("'x' is not one of: public, members, confidential", "“x”不是可选值之一：公开 (public)、会员可见 (members)、保密 (confidential)。",
     "'x' is not one of: Public (public), Members only (members), Confidential (confidential)."),
    ("you may only import records of your own organization", "只能导入本机构的记录。",
     "You may only import records of your own organization."),
    ("something the catalogue does not know", "something the catalogue does not know",
     "something the catalogue does not know"),
])
def test_service_messages_are_translated(message, zh, en):
    assert i18n.translate_message("zh", message) == zh
    assert i18n.translate_message("en", message) == en
