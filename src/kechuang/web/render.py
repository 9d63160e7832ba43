"""Jinja2 rendering: one environment, helpers that show record data in the visitor's language."""

from __future__ import annotations

import functools
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from kechuang.domain.codes import code_table
from kechuang.domain.enums import LabelledEnum, NotificationKind
from kechuang.domain.market import DealStage
from kechuang.domain.registration import label_of
from kechuang.services.contract_registration import CHOICES as REGISTRATION_CHOICES
from kechuang.services.tabular.labels import header

from .i18n import Translator
from .pages import ENUM_LISTS, PAGES, url_of
from .session import ANON_CSRF_COOKIE, CSRF_FIELD, Visitor, secure_cookies, visitor

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
HTMX_FILE = STATIC_DIR / "vendor" / "htmx.min.js"
ECHARTS_FILE = STATIC_DIR / "vendor" / "echarts.min.js"
CODE_FIELDS = {
    "discipline_codes": "discipline",
    "industry_codes": "industry",
    "region_code": "region",
    "preferred_regions": "region",
    "regions": "region",
    "country_code": "country",
}

# placeholders that say what a free-text input accepts (catalogue keys)
HINTS = {
    **dict.fromkeys(["discipline_codes", "industry_codes", "preferred_regions"], "form.hint.codes"),
    **dict.fromkeys(["region_code", "country_code"], "form.hint.code"),
    **dict.fromkeys(["keywords_zh", "keywords_en"], "form.hint.list"),
    **dict.fromkeys(["budget_min", "budget_max", "asking_price_min", "asking_price_max", "budget"],
                    "form.hint.money"),
    **dict.fromkeys(["trl", "required_trl"], "form.hint.trl"),
}


@functools.cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        CSRF_FIELD=CSRF_FIELD,
        NAV=[(plural, page.entity) for plural, page in PAGES.items()],
        NAV_ENTITY={plural: page.entity for plural, page in PAGES.items()},
        ENUM_LISTS=ENUM_LISTS,
        HINTS=HINTS,
        NOTIFICATION_KIND=NotificationKind,
        DEAL_STAGE=DealStage,
        url_of=url_of,
    )
    return env


class Show:
    """Formatting helpers bound to one language: record texts, enum labels, code names, field labels."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def registration(self, name: str, value: str | None) -> str:
        """The label of a contract registration choice (sub-type, technical field, party kind)."""
        return label_of(REGISTRATION_CHOICES[name], value, self.lang)

    def text(self, item: Any, name: str) -> str:
        """A bilingual field (`title` -> title_zh/title_en) in the visitor's language, else the other."""
        first, second = (f"{name}_zh", f"{name}_en") if self.lang == "zh" else (f"{name}_en", f"{name}_zh")
        value = getattr(item, first, "") or getattr(item, second, "")
        if isinstance(value, list):
            return "; ".join(value)
        return str(value or "")

    def other(self, item: Any, name: str) -> str:
        """The same field in the other language, when it differs (shown small under the title)."""
        shown = self.text(item, name)
        other = getattr(item, f"{name}_{'en' if self.lang == 'zh' else 'zh'}", "")
        return other if other and other != shown else ""

    def title(self, item: Any) -> str:
        """What a record is called: a person or organization by name, anything else by its title."""
        if hasattr(item, "name_zh"):
            return self.text(item, "name") or f"#{item.id}"
        return self.text(item, "title") or f"#{item.id}"

    def subtitle(self, item: Any) -> str:
        """A named record's job title (高级工程师, Professor): shown under the name, never instead of it."""
        return self.text(item, "title") if hasattr(item, "name_zh") else ""

    @staticmethod
    def link(url: str) -> str:
        """A stored web address safe to put in href (http or https only: never javascript: or data:)."""
        text = (url or "").strip()
        return text if text.lower().startswith(("http://", "https://")) else ""

    def label(self, value: Any) -> str:
        return value.label(self.lang) if isinstance(value, LabelledEnum) else str(value or "")

    def field(self, name: str, entity: str = "") -> str:
        return header(name, self.lang, entity)

    def code(self, scheme: str, code: str) -> str:
        found = code_table(scheme).get(code) if code else None
        return f"{found.label(self.lang)} ({code})" if found else code

    def money(self, value: float | None) -> str:
        """An amount in yuan as contracts state it, with thousands separators."""
        return "" if value is None else f"¥{value:,.2f}".removesuffix(".00")

    def wan(self, value: float) -> str:
        """An amount in 10k yuan (万元), the unit of the contract statistics."""
        return f"{value / 10_000:,.1f}"

    def value(self, name: str, value: Any, enum: type[LabelledEnum] | None = None) -> str:
        """Any stored value as readable text: enums by label, codes by name, lists joined, dates ISO."""
        if value is None or value == "" or value == []:
            return ""
        scheme = CODE_FIELDS.get(name)
        items = value if isinstance(value, list) else [value]
        parts = []
        for item in items:
            if scheme:
                parts.append(self.code(scheme, str(item)))
            elif isinstance(item, StrEnum):
                parts.append(self.label(item))
            elif enum is not None:
                parts.append(_enum_label(enum, str(item), self.lang))
            elif isinstance(item, datetime):
                parts.append(f"{item:%Y-%m-%d %H:%M}")
            elif isinstance(item, date):
                parts.append(item.isoformat())
            elif isinstance(item, float):
                parts.append(f"{item:g}")
            else:
                parts.append(str(item))
        return "; ".join(parts)


def _enum_label(enum: type[LabelledEnum], raw: str, lang: str) -> str:
    try:
        return enum(raw).label(lang)
    except ValueError:
        return raw


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a page (or, for htmx, a fragment) with the visitor, translator and helpers in scope."""
    who: Visitor = visitor(request)
    html = environment().get_template(template).render(
        request=request,
        visitor=who,
        lang=who.lang,
        _=Translator(who.lang),
        show=Show(who.lang),
        csrf=who.csrf,
        htmx=HTMX_FILE.is_file(),
        unread=_unread(request, who),
        **context,
    )
    response = HTMLResponse(html, status_code=status_code)
    if who.new_csrf_cookie:
        response.set_cookie(
            ANON_CSRF_COOKIE, who.csrf, httponly=True, samesite="lax", secure=secure_cookies(request)
        )
    return response


def _unread(request: Request, who: Visitor) -> int:
    """The header's unread badge; zero until the notifications service exists."""
    from .notify import unread_count

    return unread_count(request, who) if who.signed_in else 0


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"
