"""The calls sample: played through the services, one call per stage, a genuine audit chain, real conflicts."""

from __future__ import annotations

from typer.testing import CliRunner

from kechuang.cli.main import app
from kechuang.domain.access import Actor
from kechuang.services import audit
from kechuang.services.calls.calls import list_calls
from kechuang.services.calls.reviewers import suggest_reviewers
from kechuang.services.calls.sample import load_calls_sample
from kechuang.services.market_sample import load_market_sample
from kechuang.services.match_index import MatchIndexes
from kechuang.services.sample import load_sample

OFFICER = Actor(name="test-officer", roles=frozenset({"officer"}), authenticated=True)


def test_the_sample_has_a_call_in_each_later_stage_and_a_genuine_chain(uow, tmp_path):
    load_sample(uow)
    load_market_sample(uow)
    made = load_calls_sample(uow)
    assert made == {"calls": 5, "applications": 8, "scenario_applications": 2}
    assert load_calls_sample(uow) == {}  # idempotent
    calls, _ = list_calls(OFFICER, uow)
    assert {"published", "review", "result", "in_progress", "accepted"} <= {c.status.value for c in calls}
    assert audit.verify(OFFICER, uow._factory).ok
    in_review = next(c for c in calls if c.status.value == "review")
    found = suggest_reviewers(OFFICER, in_review.id, uow, MatchIndexes(tmp_path / "index", "none"), limit=10)
    assert any(s.conflicts for s in found), "a suggested expert is conflicted through the sample registry"
    assert any(not s.conflicts for s in found), "a suggested expert is free of conflicts"
    kinds = {c.kind for s in found for c in s.conflicts}
    assert "coauthorship" in kinds


def test_the_cli_lists_calls_exports_a_result_and_checks_milestones(uow, engine, monkeypatch, tmp_path):
    from openpyxl import load_workbook

    monkeypatch.setenv("KECHUANG_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("KECHUANG_DATA_DIR", str(tmp_path))
    load_sample(uow)
    load_calls_sample(uow)
    runner = CliRunner()
    listed = runner.invoke(app, ["calls", "list", "--status", "result"], catch_exceptions=False)
    assert listed.exit_code == 0 and "储能电站锂电池热失控早期预警揭榜" in listed.output
    result_id = int(listed.output.split("\t", 1)[0])
    out = tmp_path / "result.xlsx"
    exported = runner.invoke(
        app, ["calls", "export", str(result_id), "--out", str(out)], catch_exceptions=False
    )
    assert exported.exit_code == 0, exported.output
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert rows[1][:5] == ("名次", "申请编号", "申请标题", "申请单位", "综合得分")
    assert [r[0] for r in rows[2:]] == [1, 2]
    first = runner.invoke(app, ["calls", "check-milestones", "--today", "2099-01-01"], catch_exceptions=False)
    assert "newly flagged" in first.output and not first.output.startswith("overdue milestones: 0 ")
    again = runner.invoke(app, ["calls", "check-milestones", "--today", "2099-01-01"], catch_exceptions=False)
    assert "overdue milestones: 0 newly flagged" in again.output
