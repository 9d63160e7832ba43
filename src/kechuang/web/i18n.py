"""Interface catalogues (i18n/zh.json, i18n/en.json with identical keys) and translated error messages."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

from kechuang.domain.enums import LabelledEnum
from kechuang.domain.market import DealStage
from kechuang.domain.registration import registration_choices
from kechuang.services.tabular.labels import header

LANGUAGES = ("zh", "en")
CATALOGUE_DIR = Path(__file__).parent / "i18n"

# Service errors are plain English sentences; these patterns give each a catalogue key with its values.
# The market's come first: they are more specific than the generic "only ..." and "sign in to ...".
MESSAGES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), key)
    for p, key in [
        (r"^sign in as a member of an organization to trade$", "error.market.member"),
        (r"^you cannot open a deal on your own listing$", "error.market.own_listing"),
        (r"^deal (?P<id>\d+) on this listing is already open between you$", "error.market.deal_open"),
        (r"^only the registrar may .* on this deal$", "error.market.registrar_only"),
        (r"^only the \w+( or \w+)? may .* on this deal$", "error.market.parties_only"),
        (r"^cannot .* a deal in stage '(?P<stage>\w+)' .*$", "error.market.stage"),
        (r"^you have already accepted the NDA of this deal$", "error.market.nda_done"),
        (r"^you have already signed this contract$", "error.market.signed"),
        (r"^price must be a positive amount.*$", "error.market.price"),
        (r"^offer (?P<id>\d+) not found on deal \d+$", "error.market.offer_missing"),
        (r"^offer (?P<id>\d+) is \w+, not open$", "error.market.offer_closed"),
        (r"^the other party must accept your offer$", "error.market.own_offer"),
        (r"^the technology-transaction amount cannot be negative$", "error.value.negative"),
        (r"^the transaction amount cannot exceed the contract amount$", "error.market.amount_exceeds"),
        (r"^give the reason for returning the contract$", "error.market.return_reason"),
        (r"^a payment needs a positive amount$", "error.market.payment_amount"),
        (r"^a milestone needs a title$", "error.market.milestone_title"),
        (r"^write a message$", "error.market.message_empty"),
        (r"^idempotency key .* was already used .*$", "error.market.idempotency"),
        (r"^contract statistics are for .*$", "error.market.statistics_only"),
        (r"^only officers and registrars import registered contracts$", "error.market.import_only"),
        (r"^only the listing's owner writes its confidential disclosure$", "error.market.disclosure_owner"),
        (r"^an amount cannot be negative$", "error.value.negative"),
        (r"^repeats row (?P<row>\d+)$", "error.import.duplicate"),
        (r"^exceeds the contract amount$", "error.market.amount_exceeds"),
        (r"^wrong username or password$", "error.login.wrong"),
        (r"^this account is deactivated$", "error.login.deactivated"),
        (r"^too many failed sign-ins; try again after (?P<time>\S+) UTC$", "error.login.locked"),
        (r"^too many attempts; try again in (?P<seconds>\d+) seconds$", "error.login.throttled"),
        (r"^'(?P<value>.*)' is not a whole number$", "error.value.integer"),
        (r"^expected a whole number$", "error.value.integer_plain"),
        (r"^'(?P<value>.*)' is not a number$", "error.value.number"),
        (r"^must not be negative$", "error.value.negative"),
        (r"^must be a finite number$", "error.value.finite"),
        (r"^must be at most (?P<high>\S+)$", "error.value.at_most"),
        (r"^contains a control character \(U\+(?P<code>[0-9A-F]+)\) at position (?P<position>\d+)$",
         "error.value.control"),
        (r"^contains a lone surrogate at position (?P<position>\d+)$", "error.value.surrogate"),
        (r"^is (?P<length>\d+) characters long; at most (?P<limit>\d+) are allowed$", "error.value.too_long"),
        (r"^'(?P<value>.*)' is not a date \(use YYYY-MM-DD\)$", "error.value.date"),
        (r"^(?P<what>\w+) must be between (?P<low>\S+) and (?P<high>\S+), got (?P<value>.*)$",
         "error.value.range"),
        (r"^'(?P<value>.*)' is not one of: (?P<allowed>.*)$", "error.value.choice"),
        (r"^'(?P<value>.*)' is not an email address$", "error.value.email"),
        (r"^unknown (?P<scheme>\w+) code or name '(?P<value>[^']*)'.*$", "error.value.code"),
        (r"^ambiguous (?P<scheme>\w+) name '(?P<value>[^']*)'.*$", "error.value.code_ambiguous"),
        (r"^list is not valid JSON$", "error.value.list"),
        (r"^(required: )?fill (?P<fields>.+)$", "error.value.required_any"),
        (r"^required(: .*)?$", "error.value.required"),
        (r"^(?P<low>\S+) is greater than (?P<high>\S+)$", "error.value.range_order"),
        (r"^duplicate of row (?P<row>\d+) in this file$", "error.import.duplicate"),
        (r"^no (?P<what>.+) with external id '(?P<value>[^']*)'$", "error.import.reference"),
        (r"^unknown column; see the template for the headers$", "error.import.column"),
        (r"^unknown field$", "error.import.column"),
        (r"^more cells than headers$", "error.import.cells"),
        (r"^the file is empty: the first row must hold the headers$", "error.import.empty"),
        (r"^each line must be a JSON object$", "error.import.jsonl"),
        (r"^not valid JSON: (?P<detail>.*)$", "error.import.json"),
        (r"^you may only link records of your organization$", "error.import.link"),
        (r"^you may only import records of your own organization$", "error.import.own_org"),
        (r"^external id '(?P<value>[^']*)' is already used$", "error.value.external_id"),
        (r"^(?P<field>\w+) must be one of: (?P<allowed>.*)$", "error.value.one_of"),
        # contract registration (services.contract_registration, domain.registration)
        (r"^sub-type '(?P<value>[^']*)' does not belong to contract type '(?P<kind>\w+)'$",
         "error.registration.subtype"),
        (r"^the technology and non-technical parts exceed the contract amount$", "error.registration.parts"),
        (r"^income-tax relief applies to technology transfer and licensing only$",
         "error.registration.income_tax"),
        (r"^sign in to .*$", "error.sign_in_needed"),
        (r"^only .*$", "error.permission"),
        (r"^a browser request that changes data needs the X-CSRF-Token header$", "error.csrf"),
    ]
]
# Accounts (registration, reset links, profile, saved searches): before the generic patterns above.
MESSAGES[:0] = [
    (re.compile(p), key)
    for p, key in [
        (r"^your registration is waiting for an administrator's approval$", "error.accounts.pending"),
        (r"^your registration was not approved$", "error.accounts.rejected"),
        (r"^this password-reset link is unknown, used or expired.*$", "error.accounts.reset_unusable"),
        (r"^choose your organization or propose a new one.*$", "error.accounts.organization"),
        (r"^give your name$", "error.accounts.name"),
        (r"^give the reason for rejecting the registration$", "error.accounts.reason"),
        (r"^username '(?P<value>.*)' is taken$", "error.accounts.username_taken"),
        (r"^username must be 3-80 characters.*$", "error.accounts.username"),
        (r"^the two passwords differ$", "error.accounts.passwords_differ"),
        (r"^password must have at least (?P<n>\d+) characters$", "error.accounts.password_short"),
        (r"^password must have at most (?P<n>\d+) characters$", "error.accounts.password_long"),
        (r"^password must not be only spaces$", "error.accounts.password_spaces"),
        (r"^password must have at least (?P<n>\d+) different characters$", "error.accounts.password_few"),
        (r"^password must not be the username$", "error.accounts.password_username"),
        (r"^the new password must differ from the current one$", "error.accounts.password_same"),
        (r"^password is too common.*$", "error.accounts.password_common"),
        (r"^password is the published demo password$", "error.accounts.password_demo"),
        (r"^the current password is wrong$", "error.accounts.old_password"),
        (r"^role must be one of: enterprise, institution, researcher.*$", "error.accounts.role"),
        (r"^you already keep \d+ saved searches.*$", "error.accounts.saved_limit"),
        (r"^a saved search needs a search text or a filter$", "error.accounts.saved_empty"),
        (r"^you cannot change your own role$", "error.accounts.own_role"),
        (r"^this account awaits approval.*$", "error.accounts.awaits_approval"),
        (r"^registration \d+ was already \w+$", "error.accounts.decided"),
    ]
]


@functools.cache
def catalogue(lang: str) -> dict[str, str]:
    """The messages of one language, read once per process: the shared file, then one per module."""
    merged = dict(json.loads((CATALOGUE_DIR / f"{lang}.json").read_text(encoding="utf-8")))
    for path in sorted(CATALOGUE_DIR.glob(f"*/{lang}.json")):
        module = json.loads(path.read_text(encoding="utf-8"))
        clash = sorted(set(module) & set(merged))
        if clash:
            raise ValueError(f"{path.parent.name}/{lang}.json repeats keys: {', '.join(clash[:5])}")
        merged.update(module)
    return merged


def normalize_language(lang: str | None, default: str = "zh") -> str:
    """A supported language code for a cookie, user setting or query value; anything else gives `default`."""
    value = (lang or "").strip().lower()[:2]
    return value if value in LANGUAGES else default


def translate(lang: str, key: str, **values: object) -> str:
    """The message `key` in `lang`, else the other language, else the key itself (a visible gap)."""
    other = "en" if lang == "zh" else "zh"
    text = catalogue(lang).get(key) or catalogue(other).get(key) or key
    return text.format(**values) if values else text


class Translator:
    """`_("key", name=value)` inside templates, bound to the visitor's language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def __call__(self, key: str, **values: object) -> str:
        return translate(self.lang, key, **values)

    def message(self, text: str) -> str:
        """A service error or row-error reason in the visitor's language (the original when unknown)."""
        return translate_message(self.lang, text)


def allowed_labels(allowed: str, lang: str) -> str:
    """`patent, paper, ...` as the vocabulary's labels in `lang` (专利 (patent)、论文 (paper) ...)."""
    codes = [code.strip() for code in allowed.split(",")]
    vocabulary = _vocabulary_of(tuple(codes))
    if vocabulary is None:
        choices = {c.value: c for c in registration_choices()}
        if codes and all(code in choices for code in codes):
            return ("、" if lang == "zh" else ", ").join(f"{choices[c].label(lang)} ({c})" for c in codes)
        return allowed
    labels = [f"{vocabulary(code).label(lang)} ({code})" for code in codes]
    return ("、" if lang == "zh" else ", ").join(labels)


@functools.cache
def _vocabulary_of(codes: tuple[str, ...]) -> type[LabelledEnum] | None:
    """The controlled vocabulary whose values are exactly `codes`, in order (an error lists them all)."""
    pending = list(LabelledEnum.__subclasses__())
    while pending:
        vocabulary = pending.pop()
        pending.extend(vocabulary.__subclasses__())
        if tuple(member.value for member in vocabulary) == codes:
            return vocabulary
    return None


def translate_message(lang: str, text: str) -> str:
    for pattern, key in MESSAGES:
        found = pattern.match(text.strip())
        if found:
            values = {name: value or "" for name, value in found.groupdict().items()}
            for name in ("fields", "low", "high"):
                if name in values and re.fullmatch(r"[a-z_]+( or [a-z_]+)*", values[name]):
                    values[name] = " / ".join(header(f, lang) for f in values[name].split(" or "))
            if values.get("stage") in {stage.value for stage in DealStage}:
                values["stage"] = DealStage(values["stage"]).label(lang)
            if "allowed" in values:
                values["allowed"] = allowed_labels(values["allowed"], lang)
            return translate(lang, key, **values)
    return text
