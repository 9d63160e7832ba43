"""`kechuang insights`: chains installed and listed, networks and radar printed or written as XLSX."""

from __future__ import annotations

import json

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from kechuang.cli.main import app
from kechuang.services.market_sample import load_market_sample
from kechuang.services.sample import load_sample

runner = CliRunner()


@pytest.fixture
def cli(uow, engine, monkeypatch, tmp_path):
    monkeypatch.setenv("KECHUANG_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("KECHUANG_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("KECHUANG_EMBEDDER", "none")
    load_sample(uow)
    load_market_sample(uow)
    return lambda *args: runner.invoke(app, list(args), catch_exceptions=False)


def test_chains_install_list_and_map(cli, tmp_path) -> None:
    assert "nev-battery, integrated-circuits, biomedicine" in cli("insights", "install-chains").output
    assert "none (all present)" in cli("insights", "install-chains").output
    listed = cli("insights", "chains").output
    assert "integrated-circuits" in listed and "集成电路" in listed
    mapped = json.loads(cli("insights", "chain-map", "integrated-circuits").output)
    assert mapped["gaps"] >= 1 and mapped["code"] == "integrated-circuits"
    out = tmp_path / "ic.xlsx"
    assert cli("insights", "chain-map", "integrated-circuits", "--out", str(out), "--lang", "en").exit_code == 0
    assert load_workbook(out).sheetnames == ["nodes", "gap_candidates"]
    missing = runner.invoke(app, ["insights", "chain-map", "no-such"])
    assert missing.exit_code != 0


def test_networks_and_trends_print_and_write(cli, tmp_path) -> None:
    printed = json.loads(cli("insights", "networks", "--window", "2").output)
    assert printed["summary"]["nodes"] > 0 and printed["by_year"]
    out = tmp_path / "net.xlsx"
    assert cli("insights", "networks", "--region", "hebei", "--out", str(out)).exit_code == 0
    assert "ties" in load_workbook(out).sheetnames
    radar = json.loads(cli("insights", "trends", "--sources", "achievement", "--top", "3").output)
    assert radar and all(len(f["topics"]) <= 3 for f in radar)
    refused = runner.invoke(app, ["insights", "networks", "--sector", "aliens"])
    assert refused.exit_code != 0
