"""Reading contracts from PostgreSQL into Spark (issue 14): partitioned reads through psycopg, as
`batch stats` reads, against Spark's JDBC source with the PostgreSQL driver jar (Debian's
`libpostgresql-jdbc-java`).

Every variant reads the registered contracts of one year, the columns the statistics read
(`market_stats.STATISTICS_COLUMNS`), in the same id ranges (`batch.stats.RANGE` ids a partition), and sums
(count, contract amount, transaction amount):

- ``psycopg``: the batch job's way. The ranges are parallelised; each partition runs the job's query through
  the project's store (SQLAlchemy, psycopg) and hands Python rows to Python code.
- ``jdbc-python``: ``spark.read.jdbc`` with ``column="id"`` and the same bounds and partition count; the rows
  cross from the JVM to the Python workers (``df.rdd``), where the same Python code sums them. This is what a
  JDBC read costs a job whose logic is Python (the statistics' groupings, the network's party resolution).
- ``jdbc-jvm``: the same read summed by Spark SQL in the JVM (``df.agg``): the read alone, no Python.

Each runs in a fresh child process (peak RSS of the process and, summed, of its descendants: the JVM and its
Python workers); the three totals must agree. Load a database first (``kechuang synthetic generate`` and
``kechuang synthetic load``).

    nice -n 5 python bench/bench_pg_read.py --year 2024 --master 'local[2]' \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/kt_read
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
JAR = Path("/usr/share/java/postgresql.jar")
VARIANTS = ("psycopg", "jdbc-python", "jdbc-jvm")


def _where(year: int) -> str:
    """Registered contracts of the year (year 0: of every year)."""
    if not year:
        return "status = 'registered'"
    return (
        f"status = 'registered' AND registered_on >= DATE '{year}-01-01' "
        f"AND registered_on <= DATE '{year}-12-31'"
    )


def _psycopg_partition(url: str, year: int, ranges: list[tuple[int, int]]):  # type: ignore[no-untyped-def]
    """The batch job's read of these ranges (`batch.stats.range_rows`, without the groupings), summed."""
    from kechuang.services.batch.stats import range_rows

    start, end = (date(year, 1, 1), date(year, 12, 31)) if year else (date.min, date.max)
    return _sum_rows(range_rows(url, start, end, ranges))


def _sum_rows(rows):  # type: ignore[no-untyped-def]
    count, contract, transaction = 0, 0.0, 0.0
    for row in rows:
        count += 1
        contract += float(row.contract_amount)
        transaction += float(row.transaction_amount)
    yield count, contract, transaction


def _add(a: tuple, b: tuple) -> tuple:
    return a[0] + b[0], a[1] + b[1], a[2] + b[2]


def run(url: str, year: int, variant: str, master: str, jar: Path) -> dict:
    from bench_batch import TreeMemory, load, peak_mb
    from sqlalchemy import func, select

    from kechuang.services.batch.spark import spark_session
    from kechuang.services.batch.stats import RANGE, _engine
    from kechuang.services.market_stats import STATISTICS_COLUMNS, Contracts

    if variant != "psycopg":
        os.environ["PYSPARK_SUBMIT_ARGS"] = f"--jars {jar} pyspark-shell"
    with _engine(url)() as session:
        low, high = session.execute(select(func.min(Contracts.id), func.max(Contracts.id))).one()
    ranges = [(first, first + RANGE) for first in range(low, high + 1, RANGE)]
    tree = TreeMemory()
    spark = spark_session(master)
    spark.sparkContext.parallelize([0], 1).count()  # start-up is not reading time
    started = time.perf_counter()
    if variant == "psycopg":
        rdd = spark.sparkContext.parallelize([[r] for r in ranges], len(ranges))
        totals = rdd.flatMap(lambda part: _psycopg_partition(url, year, part)).reduce(_add)
    else:
        from sqlalchemy.engine import make_url

        target = make_url(url)
        jdbc = f"jdbc:postgresql://{target.host}:{target.port or 5432}/{target.database}"
        columns = ", ".join(("id", *STATISTICS_COLUMNS))
        frame = spark.read.jdbc(
            jdbc,
            f"(SELECT {columns} FROM contracts WHERE {_where(year)}) AS year_contracts",
            column="id",
            lowerBound=low,
            upperBound=high + 1,
            numPartitions=len(ranges),
            properties={"user": target.username or "postgres", "password": target.password or "",
                        "driver": "org.postgresql.Driver", "fetchsize": "10000"},
        )
        if variant == "jdbc-python":
            totals = frame.rdd.mapPartitions(_sum_rows).reduce(_add)
        else:
            from pyspark.sql import functions as F

            row = frame.agg(
                F.count("*"), F.sum("contract_amount"), F.sum("transaction_amount")
            ).collect()[0]
            totals = (int(row[0]), float(row[1] or 0.0), float(row[2] or 0.0))
    seconds = time.perf_counter() - started
    children = tree.stop()
    spark.stop()
    return {
        "variant": variant,
        "master": master,
        "partitions": len(ranges),
        "contracts": totals[0],
        "contract_amount": totals[1],
        "transaction_amount": totals[2],
        "seconds": round(seconds, 2),
        "rows_per_s": round(totals[0] / seconds) if seconds else None,
        "peak_rss_mb": round(peak_mb(resource.RUSAGE_SELF)),
        "peak_children_rss_mb": round(children),
        "load": load(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--year", type=int, default=2024, help="0: the registered contracts of every year")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--jar", type=Path, default=JAR, help="the PostgreSQL JDBC driver jar")
    parser.add_argument("--runs", type=int, default=3, help="runs of each variant (median reported)")
    parser.add_argument("--variant", choices=VARIANTS, help="run one variant here (the child's part)")
    parser.add_argument("--output", type=Path, help="JSON lines to append every run and the medians to")
    args = parser.parse_args()
    if args.variant:
        print(json.dumps(run(args.database_url, args.year, args.variant, args.master, args.jar)))
        return
    if not args.jar.exists():
        sys.exit(f"no JDBC driver at {args.jar}: apt-get install libpostgresql-jdbc-java, or give --jar")
    results: dict[str, list[dict]] = {v: [] for v in VARIANTS}
    for _ in range(args.runs):
        for variant in VARIANTS:  # interleaved, so a change of load touches every variant alike
            command = [
                sys.executable, __file__, "--database-url", args.database_url, "--year", str(args.year),
                "--master", args.master, "--jar", str(args.jar), "--variant", variant,
            ]
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            found = json.loads(done.stdout.strip().splitlines()[-1])
            results[variant].append(found)
            print(json.dumps(found), file=sys.stderr, flush=True)
    reference = results["psycopg"][0]
    summary = {}
    for variant, runs in results.items():
        seconds = sorted(r["seconds"] for r in runs)
        same = all(
            r["contracts"] == reference["contracts"]
            and abs(r["contract_amount"] - reference["contract_amount"])
            <= 1e-9 * max(1.0, abs(reference["contract_amount"]))
            for r in runs
        )
        summary[variant] = {
            "median_s": seconds[len(seconds) // 2],
            "rows": reference["contracts"],
            "peak_children_rss_mb": max(r["peak_children_rss_mb"] for r in runs),
            "same_totals": same,
        }
    base = summary["psycopg"]["median_s"]
    print(f"{'variant':<12} {'median s':>9} {'rows/s':>10} {'x psycopg':>9} {'tree MiB':>9} same")
    for variant, row in summary.items():
        print(f"{variant:<12} {row['median_s']:>9.2f} {row['rows'] / row['median_s']:>10,.0f} "
              f"{row['median_s'] / base:>9.2f} {row['peak_children_rss_mb']:>9} {row['same_totals']}")
    if args.output:
        with args.output.open("a", encoding="utf-8") as out:
            for runs in results.values():
                for r in runs:
                    out.write(json.dumps(r) + "\n")
            out.write(json.dumps({"summary": summary, "master": args.master, "year": args.year}) + "\n")


if __name__ == "__main__":
    main()
