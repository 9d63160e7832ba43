"""`kechuang indicators compute` against a reference written here in plain loops (the issue's Done-when)."""

from __future__ import annotations

import csv
import math
import random

import pytest
from typer.testing import CliRunner

from kechuang.cli.main import app
from kechuang.domain.errors import ImportRejected, InvalidInput

runner = CliRunner()

# code, parent, weight, direction: three levels, unequal weights, negative directions
FRAMEWORK = [
    ("IDX", "", 1, None),
    ("P1", "IDX", 0.5, None),
    ("P2", "IDX", 0.3, None),
    ("P3", "IDX", 0.2, None),
    ("S11", "P1", 2, None),
    ("S12", "P1", 1, None),
    ("i1", "S11", 1, 1),
    ("i2", "S11", 3, -1),
    ("i3", "S12", 1, 1),
    ("i4", "P2", 2, -1),
    ("i5", "P2", 1, 1),
    ("i6", "P2", 1, 1),
    ("i7", "P3", 1, 1),
    ("i8", "P3", 4, -1),
]
UNITS = ["u01", "u02", "u03", "u04", "u05", "u06", "u07"]
YEARS = [2021, 2022]


def _data() -> dict[tuple[str, int, str], float]:
    rng = random.Random(20261206)
    return {
        (u, y, code): round(rng.uniform(-50, 500), 3)
        for u in UNITS
        for y in YEARS
        for code, _, _, d in FRAMEWORK
        if d is not None
    }


def _reference(values, normalise: str, low: float, high: float, aggregate: str):
    """Scores and ranks computed from the handbook's formulas, one loop at a time."""
    nodes = {code: (parent, weight, d) for code, parent, weight, d in FRAMEWORK}
    kids = {code: [c for c, (p, _, _) in nodes.items() if p == code] for code in nodes}
    out = {}
    for year in YEARS:
        norm = {}
        for code, (_, _, d) in nodes.items():
            if d is None:
                continue
            xs = [d * values[(u, year, code)] for u in UNITS]
            if normalise == "minmax":
                lo, hi = min(xs), max(xs)
                ys = [low + (x - lo) / (hi - lo) * (high - low) for x in xs]
            else:
                mean = sum(xs) / len(xs)
                sd = math.sqrt(sum((x - mean) ** 2 for x in xs) / (len(xs) - 1))
                ys = [(x - mean) / sd for x in xs]
            for u, y in zip(UNITS, ys, strict=True):
                norm[(u, code)] = y

        def score(unit, code, norm=norm):
            if nodes[code][2] is not None:
                return norm[(unit, code)]
            total = sum(nodes[c][1] for c in kids[code])
            if aggregate == "arithmetic":
                return sum(nodes[c][1] / total * score(unit, c) for c in kids[code])
            product = 1.0
            for c in kids[code]:
                product *= score(unit, c) ** (nodes[c][1] / total)
            return product

        for code in nodes:
            column = {u: score(u, code) for u in UNITS}
            for u in UNITS:
                rank = 1 + sum(1 for other in UNITS if column[other] > column[u])
                out[(u, year, code)] = (column[u], rank)
    return out


@pytest.fixture
def files(tmp_path):
    values = _data()
    framework = tmp_path / "FRAMEWORK.csv"
    with framework.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["code", "parent", "weight", "direction", "name_zh", "name_en"])
        for code, parent, weight, d in FRAMEWORK:
            writer.writerow([code, parent, weight, "" if d is None else d, f"指标{code}", f"Node {code}"])
    data = tmp_path / "DATA.csv"
    with data.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["unit", "year", "indicator", "value"])
        for (u, y, code), v in values.items():
            writer.writerow([u, y, code, v])
    return values, data, framework, tmp_path / "SCORES.csv"


def _read(path):
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["unit", "year", "code", "score", "rank"]
    return {(u, int(y), c): (float(s), int(r)) for u, y, c, s, r in rows[1:]}


@pytest.mark.parametrize(
    "normalise, span, aggregate",
    [("minmax", "0,100", "arithmetic"), ("zscore", "0,100", "arithmetic"), ("minmax", "1,100", "geometric")],
)
def test_compute_reproduces_the_reference_to_1e_6(files, normalise, span, aggregate):
    values, data, framework, out = files
    result = runner.invoke(
        app,
        [
            "indicators",
            "compute",
            "--data",
            str(data),
            "--framework",
            str(framework),
            "--out",
            str(out),
            "--normalise",
            normalise,
            "--range",
            span,
            "--aggregate",
            aggregate,
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    low, high = (float(x) for x in span.split(","))
    expected = _reference(values, normalise, low, high, aggregate)
    got = _read(out)
    assert set(got) == set(expected)  # one row per unit, year and node
    assert len(got) == len(UNITS) * len(YEARS) * len(FRAMEWORK)
    for key, (score, rank) in expected.items():
        assert abs(got[key][0] - score) <= 1e-6, key
        assert got[key][1] == rank, key


def test_year_option_keeps_one_year_and_the_normalisation_is_within_that_year(files):
    values, data, framework, out = files
    result = runner.invoke(
        app,
        [
            "indicators",
            "compute",
            "--data",
            str(data),
            "--framework",
            str(framework),
            "--out",
            str(out),
            "--year",
            "2022",
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    got = _read(out)
    assert {y for _, y, _ in got} == {2022}
    expected = _reference(values, "minmax", 0, 100, "arithmetic")
    assert all(abs(got[k][0] - expected[k][0]) <= 1e-6 for k in got)


def test_geometric_with_a_zero_floor_is_refused_with_the_fix(files):
    _, data, framework, out = files
    with pytest.raises(InvalidInput, match="1,100"):
        runner.invoke(
            app,
            [
                "indicators",
                "compute",
                "--data",
                str(data),
                "--framework",
                str(framework),
                "--out",
                str(out),
                "--aggregate",
                "geometric",
            ],
            catch_exceptions=False,
        )
    assert not out.exists()


def test_missing_values_stay_missing_without_imputation_and_are_filled_when_asked(files, tmp_path):
    values, data, framework, out = files
    text = data.read_text(encoding="utf-8").splitlines()
    dropped = [line for line in text if not line.startswith("u03,2021,i1,")]
    data.write_text("\n".join(dropped) + "\n", encoding="utf-8")
    runner.invoke(
        app,
        ["indicators", "compute", "--data", str(data), "--framework", str(framework), "--out", str(out)],
        catch_exceptions=False,
    )
    got = out.read_text(encoding="utf-8")
    assert "u03,2021,i1,,\n" in got  # no imputation unless asked for
    runner.invoke(
        app,
        [
            "indicators",
            "compute",
            "--data",
            str(data),
            "--framework",
            str(framework),
            "--out",
            str(out),
            "--impute",
            "mean",
        ],
        catch_exceptions=False,
    )
    filled = _read(out)
    others = [d_norm for (u, y, c), (d_norm, _) in filled.items() if c == "i1" and y == 2021 and u != "u03"]
    raw = [values[(u, 2021, "i1")] for u in UNITS if u != "u03"]
    mean = sum(raw) / len(raw)
    expected = (mean - min(raw)) / (max(raw) - min(raw)) * 100
    assert abs(filled[("u03", 2021, "i1")][0] - expected) <= 1e-6 and len(others) == 6


def test_bad_rows_are_all_located_and_nothing_is_written(files):
    _, data, framework, out = files
    data.write_text(
        "unit,year,indicator,value\nu1,20x1,i1,3\nu1,2021,i1,abc\nu2,2021,i1,inf\n", encoding="utf-8"
    )
    with pytest.raises(ImportRejected) as caught:
        runner.invoke(
            app,
            ["indicators", "compute", "--data", str(data), "--framework", str(framework), "--out", str(out)],
            catch_exceptions=False,
        )
    assert [(e.row, e.column) for e in caught.value.errors] == [(2, "year"), (3, "value"), (4, "value")]
    assert not out.exists()
