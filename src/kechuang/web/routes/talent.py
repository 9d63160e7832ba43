"""Pages of talent evaluation (M5): published schemes and their editor (with the cap check), ranked lists
with rank intervals, one person's evaluation with every contribution and its evidence, young talent, gaps.

Lists are for officers and admins; a person's page for that person too; anyone else gets 404.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from kechuang.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied, http_status
from kechuang.domain.limits import MAX_ID
from kechuang.domain.talent import DEFAULT_COUNT_CAP, DIMENSIONS, Weight, capped_share
from kechuang.services.talent import access, discovery, evaluate, schemes, works

from ..i18n import translate
from ..render import render
from ..session import csrf_guard, uow_of, visitor

router = APIRouter(dependencies=[Depends(csrf_guard)], include_in_schema=False)
PAGE_SIZE = 50


def _id(value: int, what: str) -> int:
    """An id from the address bar: beyond the database's integers it cannot exist (404, not a crash)."""
    if not 1 <= value <= MAX_ID:
        raise NotFound(f"{what} {value} not found")
    return value


def _signed_in_or_login(request: Request) -> Response | None:
    if not visitor(request).signed_in:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    return None


@router.get("/talent")
def talent_home(request: Request) -> Response:
    """The published schemes (anyone) and, for officers or a linked person, where to go next."""
    who = visitor(request)
    uow = uow_of(request)
    me = access.linked_person_id(uow, who.actor) if who.signed_in else None
    return render(
        request,
        "talent/index.html",
        schemes=schemes.list_schemes(uow),
        dimensions=DIMENSIONS,
        officer=access.is_talent_officer(who.actor),
        me=me,
    )


@router.get("/talent/schemes/{scheme_id}")
def scheme_page(request: Request, scheme_id: int, saved: int = 0) -> Response:
    return _scheme(request, _id(scheme_id, "scheme"), saved=bool(saved))


@router.post("/talent/schemes/{scheme_id}")
async def save_scheme(request: Request, scheme_id: int) -> Response:
    """Save the editor's weights as the next version; a refusal shows the reason beside the form."""
    if (login := _signed_in_or_login(request)) is not None:
        return login
    _id(scheme_id, "scheme")
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    dimensions = []
    for code in DIMENSIONS:
        raw = form.get(f"weight_{code}", "").strip()
        if raw:
            try:
                weight = float(raw) / 100
            except ValueError:
                weight = float("nan")
            if weight != 0:
                dimensions.append({"code": code, "weight": weight})
    data: dict[str, Any] = {"dimensions": dimensions}
    if form.get("version", "").isdigit():
        data["version"] = int(form["version"])
    try:
        schemes.update_scheme(visitor(request).actor, uow_of(request), scheme_id, data)
    except (InvalidInput, Conflict, PermissionDenied, NotFound) as exc:
        if isinstance(exc, NotFound):
            raise
        return _scheme(
            request,
            scheme_id,
            status_code=http_status(exc),
            problem=_reason(request, exc, dimensions),
            values=form,
        )
    return RedirectResponse(f"/talent/schemes/{scheme_id}?saved=1", status_code=303)


def _reason(request: Request, exc: InvalidInput | Conflict | PermissionDenied, dimensions: list[Any]) -> str:
    """The cap refusal in the visitor's language (the other refusals are translated by the catalogue)."""
    share = capped_share([Weight(d["code"], d["weight"]) for d in dimensions])
    if exc.field == "weights" and share > DEFAULT_COUNT_CAP + 1e-9:
        names = [DIMENSIONS[d["code"]] for d in dimensions if DIMENSIONS[d["code"]].capped]
        label = (
            "、".join(n.zh for n in names)
            if visitor(request).lang == "zh"
            else ", ".join(n.en for n in names)
        )
        return translate(
            visitor(request).lang,
            "talent.cap_refused",
            names=label,
            share=f"{share:.0%}",
            cap=f"{DEFAULT_COUNT_CAP:.0%}",
        )
    return exc.message


def _scheme(
    request: Request,
    scheme_id: int,
    *,
    status_code: int = 200,
    saved: bool = False,
    problem: str = "",
    values: dict[str, str] | None = None,
) -> Response:
    uow = uow_of(request)
    scheme = schemes.get_scheme(uow, scheme_id)
    weights = {d["code"]: d["weight"] for d in scheme.dimensions}
    shown = {
        code: (values or {}).get(f"weight_{code}", f"{100 * weights[code]:g}" if code in weights else "")
        for code in DIMENSIONS
    }
    return render(
        request,
        "talent/scheme.html",
        status_code=status_code,
        scheme=scheme,
        dimensions=DIMENSIONS,
        shown=shown,
        versions=schemes.scheme_versions(uow, scheme_id),
        saved=saved,
        problem=problem,
        officer=access.is_talent_officer(visitor(request).actor),
    )


@router.get("/talent/evaluations")
def evaluations_page(request: Request, scheme: int, p: int = 1) -> Response:
    if (login := _signed_in_or_login(request)) is not None:
        return login
    uow = uow_of(request)
    scheme = _id(scheme, "scheme")
    number = min(max(p, 1), MAX_ID // PAGE_SIZE)
    items, count, run = evaluate.list_evaluations(
        visitor(request).actor, uow, scheme, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE
    )
    return render(
        request,
        "talent/evaluations.html",
        scheme=schemes.get_scheme(uow, scheme),
        items=items,
        count=count,
        run=run,
        dimensions=DIMENSIONS,
        number=number,
        pages=max(1, -(-count // PAGE_SIZE)),
    )


@router.get("/talent/people/{person_id}")
def person_page(request: Request, person_id: int, scheme: int = 0, done: str = "") -> Response:
    if (login := _signed_in_or_login(request)) is not None:
        return login
    return _person(
        request, _id(person_id, "person"), scheme if 1 <= scheme <= MAX_ID else 0, done=done == "contest"
    )


@router.post("/talent/people/{person_id}/contest")
async def contest(request: Request, person_id: int) -> Response:
    """The person disputes one evidence item; a refusal re-renders the page with the reason."""
    if (login := _signed_in_or_login(request)) is not None:
        return login
    _id(person_id, "person")
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    scheme = int(form.get("scheme", "0") or 0) if form.get("scheme", "").isdigit() else 0
    entity, _, ident = form.get("evidence", "").partition(":")
    try:
        works.raise_contest(
            visitor(request).actor,
            uow_of(request),
            person_id,
            dimension=form.get("dimension", ""),
            evidence_entity=entity,
            evidence_id=int(ident) if ident.isdigit() else None,
            reason=form.get("reason", ""),
        )
    except (InvalidInput, PermissionDenied, Conflict) as exc:
        return _person(request, person_id, scheme, status_code=http_status(exc), problem=exc.message)
    return RedirectResponse(
        f"/talent/people/{person_id}?scheme={scheme}&done=contest#contest", status_code=303
    )


def _person(
    request: Request,
    person_id: int,
    scheme_id: int,
    *,
    status_code: int = 200,
    done: bool = False,
    problem: str = "",
) -> Response:
    who = visitor(request)
    uow = uow_of(request)
    access.require_person_view(uow, who.actor, person_id)
    all_schemes = schemes.list_schemes(uow)
    chosen = next((s for s in all_schemes if s.id == scheme_id), all_schemes[0] if all_schemes else None)
    if chosen is None or chosen.id is None:
        raise NotFound("there is no scheme yet")
    item = evaluate.person_evaluation(who.actor, uow, person_id, chosen.id)
    top = max((c["value"] for c in item.contributions), default=0.0) or 1.0
    return render(
        request,
        "talent/person.html",
        status_code=status_code,
        item=item,
        scheme=chosen,
        schemes=all_schemes,
        dimensions=DIMENSIONS,
        top=top,
        done=done,
        problem=problem,
        works=works.list_works(who.actor, uow, person_id),
        contests=works.list_contests(who.actor, uow, person_id=person_id),
        officer=access.is_talent_officer(who.actor),
    )


@router.post("/talent/contests/{contest_id}/resolve")
async def resolve_contest(request: Request, contest_id: int) -> Response:
    """Officers uphold or reject a contest from the person's page; a refusal shows the reason there."""
    if (login := _signed_in_or_login(request)) is not None:
        return login
    _id(contest_id, "contest")
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    person = int(form["person"]) if form.get("person", "").isdigit() else 0
    scheme = int(form["scheme"]) if form.get("scheme", "").isdigit() else 0
    try:
        works.resolve_contest(
            visitor(request).actor,
            uow_of(request),
            contest_id,
            form.get("decision", ""),
            form.get("note", ""),
        )
    except (InvalidInput, Conflict) as exc:
        return _person(
            request, _id(person, "person"), scheme, status_code=http_status(exc), problem=exc.message
        )
    return RedirectResponse(
        f"/talent/people/{_id(person, 'person')}?scheme={scheme}#contest", status_code=303
    )


@router.get("/talent/young")
def young_page(request: Request, limit: int = 30) -> Response:
    if (login := _signed_in_or_login(request)) is not None:
        return login
    found = discovery.young_talent(visitor(request).actor, uow_of(request), limit=min(max(limit, 1), 200))
    return render(request, "talent/young.html", items=found)


@router.get("/talent/gaps")
def gaps_page(request: Request, limit: int = 20) -> Response:
    if (login := _signed_in_or_login(request)) is not None:
        return login
    found = discovery.talent_gaps(visitor(request).actor, uow_of(request), limit=min(max(limit, 1), 100))
    return render(request, "talent/gaps.html", gaps=found)
