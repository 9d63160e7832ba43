"""`kechuang listings remind` sends due reminders once, with the settings' notice period."""

from __future__ import annotations

from datetime import timedelta

from typer.testing import CliRunner

from kechuang.cli.main import app
from kechuang.domain.clock import now
from kechuang.services.registry import id_of_external

runner = CliRunner()


def test_remind_is_idempotent_and_reads_its_settings(uow, engine, platform, age, monkeypatch, tmp_path):
    monkeypatch.setenv("KECHUANG_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("KECHUANG_DATA_DIR", str(tmp_path))
    demand = id_of_external("demand", "dem-0001", uow)
    age("demand", demand, deadline=now().date() + timedelta(days=20), confirmed_at=None)
    monkeypatch.setenv("KECHUANG_LISTING_REMIND_DAYS", "10")
    quiet = runner.invoke(app, ["listings", "remind"], catch_exceptions=False)
    assert quiet.exit_code == 0 and "reminders: 0 listings" in quiet.output and "notice 10 days" in quiet.output
    monkeypatch.setenv("KECHUANG_LISTING_REMIND_DAYS", "30")
    first = runner.invoke(app, ["listings", "remind"], catch_exceptions=False)
    assert first.exit_code == 0 and "reminders: 1 listings" in first.output, first.output
    again = runner.invoke(app, ["listings", "remind"], catch_exceptions=False)
    assert "reminders: 0 listings, 0 notifications" in again.output
