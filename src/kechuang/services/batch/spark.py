"""The Spark session the batch jobs share, configured so that executors import this package.

pyspark is imported only here and only when a job asks for the Spark engine (the `spark` extra).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

from kechuang.domain.errors import InvalidInput


def java_available() -> bool:
    return shutil.which("java") is not None or bool(os.environ.get("JAVA_HOME"))


def spark_session(master: str = "local[*]", app_name: str = "kechuang-batch") -> Any:
    """A SparkSession on `master`; executors run this interpreter with this package on their path."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as missing:
        raise InvalidInput(
            "the Spark engine needs pyspark: pip install 'kechuang[spark]'", field="engine"
        ) from missing
    if not java_available():
        raise InvalidInput("the Spark engine needs Java 17 (make java-deps)", field="engine")
    builder = (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.python.worker.reuse", "true")
    )
    if master.startswith("local"):
        # local mode starts Python workers with $PYSPARK_PYTHON (default python3), not the configured value;
        # on a cluster the interpreter and the package come from spark-submit (docs/spark.md)
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        source = str(Path(__file__).resolve().parents[3])  # the folder holding the kechuang package
        path = os.pathsep.join(p for p in (source, os.environ.get("PYTHONPATH", "")) if p)
        builder = builder.config("spark.pyspark.python", sys.executable).config(
            "spark.executorEnv.PYTHONPATH", path
        )
    return builder.getOrCreate()


def parallelism(spark: Any) -> int:
    return int(spark.sparkContext.defaultParallelism)


def active_session() -> Any:
    """The SparkSession already running in this process, if any (pyspark installed or not)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        return None
    return SparkSession.getActiveSession()
