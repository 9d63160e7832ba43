"""Pages of composite index (m7): editions (ranking and charts, audit, sensitivity, printable report),
frameworks (officers save new versions), and the platform's own measures with their definitions.

A published edition is readable by anyone; drafts, edition forms and framework edits are for officers and
admins (the services answer everyone else with 404 or 403). Charts are drawn by /indicators/charts.js,
served from this module (no inline script: the content security policy forbids it).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile as StarletteUpload

from kechuang.domain.errors import ImportRejected, InvalidInput, NotFound
from kechuang.domain.indicators import IndexEdition
from kechuang.domain.limits import MAX_ID
from kechuang.services.indicators import editions, exports, frameworks, values
from kechuang.services.indicators.files import parse_framework
from kechuang.services.indicators.platform import PLATFORM_MEASURES, platform_values
from kechuang.services.indicators.sample import DISTRICTS

from ..i18n import Translator
from ..render import ECHARTS_FILE, STATIC_DIR, render
from ..session import csrf_guard, settings_of, uow_of, visitor

router = APIRouter(dependencies=[Depends(csrf_guard)], include_in_schema=False)
# kept beside the templates (named .html so the package data ships it); served as JavaScript, never rendered
CHARTS_JS = Path(__file__).resolve().parents[1] / "templates" / "indicators" / "charts.js.html"
PDF_TIMEOUT_S = 60
OPTIONS = {
    "normalise": ("minmax", "zscore", "rank", "target"),
    "aggregate": ("arithmetic", "geometric"),
    "impute": ("none", "mean", "median"),
    "weights": ("framework", "equal", "pca"),
}


@router.get("/indicators/charts.js")
def charts_script() -> Response:
    return Response(
        CHARTS_JS.read_text(encoding="utf-8"),
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=3600"},
    )


def _known(number: int) -> int:
    """An id or version past any the database can hold is simply not found (not a database error)."""
    if not 1 <= number <= MAX_ID:
        raise NotFound(f"no index edition or framework version {number}")
    return number


def _year(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and 1900 <= int(raw) <= 2200 else None


@router.get("/indicators")
def home(request: Request, problem: str = "", imported: str = "") -> Response:
    return _home(request, problem=problem, imported=imported)


@router.post("/indicators/values")
async def import_values(request: Request) -> Response:
    """Officers upload long or wide CSV/XLSX; a rejected file shows every located error, nothing kept."""
    who = visitor(request)
    form = await request.form()
    upload = form.get("file")
    dataset = str(form.get("dataset", ""))[:80]
    if not isinstance(upload, StarletteUpload) or not dataset:
        return _home(request, status_code=422, problem="choose a data set name and a file")
    limit = settings_of(request).max_upload_bytes
    content = await upload.read(limit + 1)
    if len(content) > limit:
        return _home(request, status_code=413, problem=f"the file is larger than {limit} bytes")
    filename = upload.filename or "values.csv"
    try:
        done = values.import_values(who.actor, uow_of(request), dataset, filename, content)
    except ImportRejected as exc:
        return _home(request, status_code=422, errors=exc.errors)
    except InvalidInput as exc:
        return _home(request, status_code=422, problem=exc.message)
    return RedirectResponse(
        f"/indicators?imported={done.dataset}:{done.created}:{done.updated}", status_code=303
    )


def _home(
    request: Request,
    *,
    status_code: int = 200,
    problem: str = "",
    imported: str = "",
    errors: list[Any] | None = None,
) -> Response:
    who = visitor(request)
    uow = uow_of(request)
    officer = frameworks.is_index_officer(who.actor)
    return render(
        request,
        "indicators/home.html",
        editions=editions.list_editions(who.actor, uow),
        frameworks=frameworks.list_frameworks(uow),
        datasets=values.list_datasets(uow) if officer else [],
        officer=officer,
        options=OPTIONS,
        problem=problem[:300],
        imported=imported.split(":")[:3] if imported.count(":") == 2 else None,
        errors=errors or [],
        status_code=status_code,
    )


@router.post("/indicators/editions")
async def create_edition(request: Request) -> Response:
    who = visitor(request)
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    low, _, high = form.get("range", "0,100").partition(",")
    try:
        made = editions.create_edition(
            who.actor,
            uow_of(request),
            framework_key=form.get("framework", "")[:80],
            dataset=form.get("dataset", "")[:80],
            index_options={
                "normalise": form.get("normalise", "minmax"),
                "aggregate": form.get("aggregate", "arithmetic"),
                "impute": form.get("impute", "none"),
                "weights": form.get("weights", "framework"),
                "winsorise": form.get("winsorise") == "on",
                "range": (float(low or 0), float(high or 100)),
            },
            uncertainty_options={"runs": min(5000, max(0, int(form.get("runs", "1000") or 0)))},
            title_zh=form.get("title_zh", "")[:300],
            title_en=form.get("title_en", "")[:300],
        )
    except ValueError:
        return RedirectResponse("/indicators?problem=range and runs must be numbers", status_code=303)
    except (InvalidInput, NotFound) as exc:
        return RedirectResponse(f"/indicators?problem={exc.message[:200]}", status_code=303)
    return RedirectResponse(f"/indicators/editions/{made.id}", status_code=303)


@router.post("/indicators/editions/{edition_id}/publish")
def publish(request: Request, edition_id: int) -> Response:
    editions.publish_edition(visitor(request).actor, uow_of(request), _known(edition_id))
    return RedirectResponse(f"/indicators/editions/{edition_id}", status_code=303)


def _context(request: Request, edition_id: int, year: str) -> dict[str, Any]:
    """What every page of an edition shows: names in the visitor's language and the chosen year."""
    who = visitor(request)
    uow = uow_of(request)
    edition = editions.get_edition(who.actor, uow, _known(edition_id))
    nodes, units = exports.edition_labels(uow, edition, who.lang)
    results = edition.results
    chosen = _year(year)
    chosen = chosen if chosen in results["years"] else results["years"][-1]
    framework = frameworks.framework_by_id(uow, edition.framework_id)
    pillars = [n["code"] for n in framework.nodes if n.get("parent") == results["root"]]
    return {
        "edition": edition,
        "results": results,
        "nodes": nodes,
        "units": units,
        "year": chosen,
        "pillars": pillars,
        "framework": framework,
        "officer": frameworks.is_index_officer(who.actor),
        "charts": ECHARTS_FILE.is_file(),
        "title": edition.title_zh if who.lang == "zh" else edition.title_en,
    }


@router.get("/indicators/editions/{edition_id}")
def edition_page(request: Request, edition_id: int, year: str = "", unit: str = "") -> Response:
    context = _context(request, edition_id, year)
    edition: IndexEdition = context["edition"]
    rows = editions.ranking(edition, context["year"])
    chosen_unit = unit if unit in context["results"]["units"] else rows[0]["unit"]
    _ = Translator(visitor(request).lang)
    data = chart_data(context, rows, chosen_unit, _)
    return render(request, "indicators/edition.html", rows=rows, unit=chosen_unit, data=data, **context)


def chart_data(
    context: dict[str, Any], rows: list[dict[str, Any]], unit: str, _: Translator
) -> dict[str, Any]:
    """Radar of one unit against the mean, pillar bars of every unit, and the rank-interval plot."""
    nodes, units, pillars = context["nodes"], context["units"], context["pillars"]
    results, year = context["results"], str(context["year"])
    scores = results["scores"][year]
    index_of = results["units"].index(unit)
    mine = [scores[p][index_of] for p in pillars]
    means = []
    for p in pillars:
        present = [v for v in scores[p] if v is not None]
        means.append(sum(present) / len(present) if present else None)
    present_all = [v for p in pillars for v in scores[p] if v is not None]
    top, low = (max(present_all), min(present_all)) if present_all else (100.0, 0.0)
    analysis = results.get("uncertainty") or {}
    intervals = []
    if analysis:
        for i, code in enumerate(analysis["units"]):
            if analysis["nominal"][i] is not None:
                intervals.append(
                    {
                        "unit": units.get(code, code),
                        "nominal": analysis["nominal"][i],
                        "median": analysis["median"][i],
                        "low": analysis["p05"][i],
                        "high": analysis["p95"][i],
                    }
                )
        intervals.sort(key=lambda r: r["nominal"])
    return {
        "labels": {
            "unit": units.get(unit, unit),
            "mean": _("indicators.chart.mean"),
            "rank": _("indicators.rank"),
            "nominal": _("indicators.sens.nominal"),
            "median": _("indicators.sens.median"),
            "interval": _("indicators.sens.interval"),
            "score": _("indicators.score"),
        },
        "radar": {
            "indicators": [{"name": nodes.get(p, p), "max": top, "min": min(0.0, low)} for p in pillars],
            "unit": mine,
            "mean": means,
        },
        "bars": {
            "units": [units.get(r["unit"], r["unit"]) for r in rows],
            "series": [{"name": nodes.get(p, p), "data": [r["scores"][p] for r in rows]} for p in pillars],
        },
        "intervals": intervals,
    }


@router.get("/indicators/editions/{edition_id}/audit")
def audit_page(request: Request, edition_id: int, year: str = "") -> Response:
    context = _context(request, edition_id, year)
    report = context["results"]["audit"][str(context["year"])]
    return render(request, "indicators/audit.html", report=report, **context)


@router.get("/indicators/editions/{edition_id}/sensitivity")
def sensitivity_page(request: Request, edition_id: int) -> Response:
    context = _context(request, edition_id, "")
    analysis = context["results"].get("uncertainty")
    data = {}
    if analysis:
        _ = Translator(visitor(request).lang)
        data = chart_data(
            context, editions.ranking(context["edition"], analysis["year"]), context["results"]["units"][0], _
        )
        data["indices"] = {
            "names": [_(f"indicators.choice.{n}") for n in analysis["first_order"]],
            "first": list(analysis["first_order"].values()),
            "total": list(analysis["total"].values()),
            "labels": [_("indicators.sens.first"), _("indicators.sens.total")],
        }
    order = (
        sorted(
            range(len(analysis["units"])),
            key=lambda i: (analysis["nominal"][i] is None, analysis["nominal"][i] or 0),
        )
        if analysis
        else []
    )
    return render(
        request, "indicators/sensitivity.html", analysis=analysis, data=data, order=order, **context
    )


@router.get("/indicators/editions/{edition_id}/report")
def report_page(request: Request, edition_id: int, year: str = "") -> Response:
    context = _context(request, edition_id, year)
    rows = editions.ranking(context["edition"], context["year"])
    return render(
        request,
        "indicators/report.html",
        rows=rows,
        report=context["results"]["audit"][str(context["year"])],
        analysis=context["results"].get("uncertainty"),
        **context,
    )


def pdf_engine() -> str | None:
    """Chromium (Debian's package) prints the report to PDF; without it the HTML report prints itself."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


@router.get("/indicators/editions/{edition_id}/report.pdf")
def report_pdf(request: Request, edition_id: int, year: str = "") -> Response:
    """The report as PDF, for officers and admins (it starts a browser process); 404 without an engine."""
    frameworks.require_officer(visitor(request).actor)
    engine = pdf_engine()
    if engine is None:
        raise NotFound("no PDF engine is installed (apt-get install chromium); print the HTML report instead")
    page = report_page(request, edition_id, year).body
    html = bytes(page).replace(b'"/static/', b'"static/')
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "static").mkdir()
        shutil.copy(STATIC_DIR / "style.css", Path(folder) / "static" / "style.css")
        (Path(folder) / "report.html").write_bytes(html)
        out = Path(folder) / "report.pdf"
        command = [
            engine,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            f"--print-to-pdf={out}",
            (Path(folder) / "report.html").as_uri(),
        ]
        subprocess.run(command, capture_output=True, timeout=PDF_TIMEOUT_S, check=False)
        if not out.is_file():
            raise NotFound("the PDF engine produced no file; print the HTML report instead")
        body = out.read_bytes()
    headers = {"Content-Disposition": f'attachment; filename="index-edition-{edition_id}.pdf"'}
    return Response(body, media_type="application/pdf", headers=headers)


@router.get("/indicators/frameworks/{key}")
def framework_page(request: Request, key: str, version: str = "", problem: str = "") -> Response:
    who = visitor(request)
    uow = uow_of(request)
    found = frameworks.get_framework(uow, key[:80], _known(int(version)) if version.isdigit() else None)
    return render(
        request,
        "indicators/framework.html",
        framework=found,
        versions=frameworks.framework_versions(uow, found.key),
        csv_text=frameworks.framework_csv(found),
        officer=frameworks.is_index_officer(who.actor),
        problem=problem[:500],
    )


@router.post("/indicators/frameworks/{key}")
async def save_framework(request: Request, key: str) -> Response:
    who = visitor(request)
    form = await request.form()
    text = str(form.get("csv", ""))[:500_000]
    try:
        nodes = parse_framework("framework.csv", text.encode("utf-8"))
        saved = frameworks.save_framework(who.actor, uow_of(request), key[:80], nodes)
    except ImportRejected as exc:
        problem = "; ".join(f"{e.row}: [{e.column}] {e.reason}" for e in exc.errors[:5])
        return RedirectResponse(f"/indicators/frameworks/{key[:80]}?problem={problem[:400]}", status_code=303)
    except InvalidInput as exc:
        return RedirectResponse(
            f"/indicators/frameworks/{key[:80]}?problem={exc.message[:400]}", status_code=303
        )
    return RedirectResponse(f"/indicators/frameworks/{saved.key}?version={saved.version}", status_code=303)


@router.get("/indicators/measures")
def measures_page(request: Request, year: str = "") -> Response:
    """Definitions for everyone; the district values (from registered contracts) for officers and admins."""
    who = visitor(request)
    chosen = _year(year) or 2025
    table: dict[str, dict[str, float]] = {}
    if frameworks.is_index_officer(who.actor):
        with uow_of(request)() as session:
            for unit, _y, code, value in platform_values(
                session, years=[chosen], units=[d[0] for d in DISTRICTS]
            ):
                table.setdefault(unit, {})[code] = value
    names = {code: (zh if who.lang == "zh" else en) for code, zh, en, *_ in DISTRICTS}
    return render(
        request,
        "indicators/measures.html",
        measures=list(PLATFORM_MEASURES.values()),
        table=table,
        names=names,
        year=chosen,
        years=list(range(2019, 2027)),
    )
