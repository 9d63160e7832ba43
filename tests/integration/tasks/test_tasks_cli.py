"""`kechuang tasks`: the daily alert job twice, template, import with row errors, export, status."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from tasks_helpers import actor
from typer.testing import CliRunner

from kechuang.cli.main import app
from kechuang.services.tasks import plans

runner = CliRunner()


@pytest.fixture
def cli(registry, engine, monkeypatch, tmp_path):
    monkeypatch.setenv("KECHUANG_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("KECHUANG_DATA_DIR", str(tmp_path))
    return lambda *args: runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def test_template_import_status_export_and_the_alert_job(cli, registry, tmp_path):
    plan = plans.create_plan(actor(registry, "officer"), registry, {"year": 2026, "title": "要点"})
    template = tmp_path / "template.xlsx"
    assert cli("tasks", "template", template, "--lang", "en").exit_code == 0
    workbook = load_workbook(template)
    workbook.worksheets[0].append([1, "Proof-of-concept centers", "海淀区科信局", "", "2026-06-30",
                                   "2026-05-31 Pick the operators"])
    workbook.worksheets[0].append([2, "Bad lead", "No Such Bureau", "", "2026-06-30", ""])
    workbook.save(filled := tmp_path / "filled.xlsx")
    refused = cli("tasks", "import", plan.id, filled)
    assert refused.exit_code == 1 and "filled.xlsx:3: [牵头单位]" in refused.output
    workbook.worksheets[0].delete_rows(3)
    workbook.save(filled)
    assert "would create 1 tasks" in cli("tasks", "import", plan.id, filled, "--dry-run").output
    assert "created 1 tasks" in cli("tasks", "import", plan.id, filled).output

    first = cli("tasks", "alerts", "--on", "2026-05-28")
    assert first.exit_code == 0 and "due_soon 1, overdue 0, escalation 0" in first.output
    again = cli("tasks", "alerts", "--on", "2026-05-28")
    assert "due_soon 0, overdue 0, escalation 0; 0 notifications" in again.output
    status = cli("tasks", "status", plan.id, "--on", "2026-06-02", "--lang", "en")
    assert "overdue" in status.output and "Pick the operators" in status.output

    out = tmp_path / "plan.xlsx"
    assert cli("tasks", "export", plan.id, out).exit_code == 0
    rows = list(load_workbook(io.BytesIO(out.read_bytes())).worksheets[0].iter_rows(values_only=True))
    assert rows[1][1] == "Proof-of-concept centers" and rows[1][7]
    assert f"{plan.id}\t2026\tinternal\t1" in cli("tasks", "plans").output
