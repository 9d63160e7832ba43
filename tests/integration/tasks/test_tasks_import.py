"""XLSX import of key tasks: the template filled in, every bad row reported, all rows or none written."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from tasks_helpers import actor, org_id

from kechuang.domain.errors import ImportRejected
from kechuang.domain.tasks import KeyTask, TaskMilestone
from kechuang.services.tasks import export, importing, plans
from kechuang.services.tasks.columns import find_due


def filled(rows: list[list], milestones: list[list] | None = None, lang: str = "zh") -> bytes:
    workbook = load_workbook(io.BytesIO(export.template(lang)))
    for row in rows:
        workbook.worksheets[0].append(row)
    for row in milestones or []:
        workbook.worksheets[1].append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


GOOD = [
    [1, "加快建设世界领先科技园区", "北京市科学技术委员会、中关村科技园区管理委员会", "海淀区科信局、亦庄管委会", "年底前",
     "2026-03-31 印发实施方案\n6月底前 完成中期评估"],
    ["1.1", "推动中关村科学城提质增效", "海淀区科信局", "", "2026年9月30日", ""],
    [2, "支持雄安新区中关村科技园建设", "北京经济技术开发区管理委员会", "北京市科委", "三季度", ""],
    [3, "完善京津冀技术交易服务体系", "市科委、中关村管委会", "", date(2026, 11, 30), "2026-05-31 上线服务平台"],
]


def count_tasks(uow) -> int:
    with uow() as session:
        return session.scalar(select(func.count()).select_from(KeyTask))


@pytest.fixture
def plan(registry):
    return plans.create_plan(actor(registry, "officer"), registry, {"year": 2026, "title": "2026年工作要点"})


def test_three_bad_rows_are_reported_exactly_and_nothing_is_written(registry, plan):
    officer = actor(registry, "officer")
    bad = [
        [4, "培育新型研发机构", "海淀区科技局", "", "2026-12-31", ""],  # near miss of 海淀区科信局
        [5, "建设概念验证中心", "清华大学", "", "2026-10-31", ""],  # not a government body
        [6, "优化创新生态", "北京市科委", "", "尽快", "2026-04-01"],  # no deadline; milestone has no title
    ]
    content = filled(GOOD[:2] + bad[:1] + GOOD[2:] + bad[1:])
    with pytest.raises(ImportRejected) as caught:
        importing.import_tasks(officer, registry, plan.id, "plan.xlsx", content)
    errors = caught.value.errors
    assert sorted({e.row for e in errors}) == [4, 7, 8]
    by_row = {e.row: e for e in errors}
    assert by_row[4].column == "牵头单位" and "did you mean 北京市海淀区科学技术和信息化局" in by_row[4].reason
    assert "is a university" in by_row[7].reason
    assert {e.column for e in errors if e.row == 8} == {"完成时限", "里程碑/工作要求"}
    assert count_tasks(registry) == 0


def test_a_good_file_creates_tasks_subtasks_and_milestones_and_reimports_as_unchanged(registry, plan):
    officer = actor(registry, "officer")
    content = filled(GOOD, milestones=[[2, "签署共建协议", "2026-06-30", "协议文本"]])
    result = importing.import_tasks(officer, registry, plan.id, "plan.xlsx", content)
    assert result.created == 4 and result.unchanged == 0
    _, views = plans.list_tasks(officer, registry, plan.id)
    by_number = {v.task.number: v for v in views}
    assert [v.task.number for v in views] == ["1", "1.1", "2", "3"]
    assert by_number["1.1"].task.parent_id == by_number["1"].task.id
    assert by_number["1"].task.deadline == date(2026, 12, 31)
    assert by_number["2"].task.deadline == date(2026, 9, 30)
    assert [(m.title, m.due) for m in by_number["1"].milestones] == [
        ("印发实施方案", date(2026, 3, 31)), ("完成中期评估", date(2026, 6, 30))]
    assert [(m.title, m.deliverable) for m in by_number["2"].milestones] == [("签署共建协议", "协议文本")]
    assert by_number["1"].task.lead_org_id == org_id(registry, "org-officer")
    assert set(by_number["1"].partners) == {org_id(registry, "org-haidian-kw"), org_id(registry, "org-yizhuang")}
    again = importing.import_tasks(officer, registry, plan.id, "plan.xlsx", content)
    assert again.created == 0 and again.unchanged == 4 and count_tasks(registry) == 4


def test_english_headers_and_the_export_read_back(registry, plan):
    officer = actor(registry, "officer")
    importing.import_tasks(officer, registry, plan.id, "tasks.xlsx", filled(GOOD, lang="en"))
    exported = export.export_plan(officer, registry, plan.id, "zh")
    sheet = load_workbook(io.BytesIO(exported)).worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[:6] == ["序号", "任务名称", "牵头单位", "配合单位", "完成时限", "里程碑/工作要求"]
    assert header[6:9] == ["进度(%)", "状态", "状态说明"]
    assert all(row[8] for row in sheet.iter_rows(min_row=2, values_only=True))  # every task says why
    other = plans.create_plan(officer, registry, {"year": 2026, "title": "副本"})
    copied = importing.import_tasks(officer, registry, other.id, "export.xlsx", exported)
    assert copied.created == 4
    with registry() as session:
        assert session.scalar(select(func.count()).select_from(TaskMilestone)) == 6


def test_a_dry_run_reports_without_writing_and_only_supervisors_import(registry, plan):
    preview = importing.preview_tasks(actor(registry, "officer"), registry, plan.id, "p.xlsx", filled(GOOD))
    assert preview.created == 4 and count_tasks(registry) == 0
    with pytest.raises(Exception, match="supervising officers"):
        importing.import_tasks(actor(registry, "haidian_kw"), registry, plan.id, "p.xlsx", filled(GOOD))


def test_not_a_workbook_is_one_located_error(registry, plan):
    with pytest.raises(ImportRejected) as caught:
        importing.import_tasks(actor(registry, "officer"), registry, plan.id, "p.xlsx", b"not a zip")
    assert caught.value.errors[0].row == 0 and "XLSX" in caught.value.errors[0].reason


@pytest.mark.parametrize(("text", "expected", "rest"), [
    ("2026-06-30 完成方案", date(2026, 6, 30), "完成方案"),
    ("2026年6月30日前", date(2026, 6, 30), ""),
    ("6月底前完成中期评估", date(2026, 6, 30), "完成中期评估"),
    ("二季度", date(2026, 6, 30), ""),
    ("Q3 pilot running", date(2026, 9, 30), "pilot running"),
    ("上半年", date(2026, 6, 30), ""),
    ("年底前", date(2026, 12, 31), ""),
    ("持续推进", date(2026, 12, 31), ""),
    ("2027年2月", date(2027, 2, 28), ""),
])
def test_deadlines_as_offices_write_them(text, expected, rest):
    assert find_due(text, 2026) == (expected, rest)


@pytest.mark.parametrize("text", ["尽快", "", "2026-02-30", "13月底"])
def test_what_is_not_a_deadline(text):
    assert find_due(text, 2026) is None
