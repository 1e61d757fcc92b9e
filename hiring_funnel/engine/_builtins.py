"""Engine builtins that Ibis does not wrap: epoch microseconds of a UTC timestamp.

No ``from __future__ import annotations`` here: Ibis reads the signatures of
builtin functions at definition time.
"""

from typing import Any

import ibis
import ibis.expr.datatypes as dt

UTC = dt.Timestamp(timezone="UTC")


@ibis.udf.scalar.builtin(name="epoch_us")
def _duckdb_epoch_us(x: UTC) -> dt.int64:  # type: ignore[valid-type]
    """DuckDB: microseconds since 1970 of a TIMESTAMPTZ (no time zone involved)."""


@ibis.udf.scalar.builtin(name="unix_micros")
def _spark_epoch_us(x: UTC) -> dt.int64:  # type: ignore[valid-type]
    """Spark: microseconds since 1970 of a TIMESTAMP."""


def epoch_us(ts: Any, backend: str) -> Any:
    """Microseconds since 1970 of ``ts`` on the engine named ``backend``."""
    return (_spark_epoch_us if backend == "pyspark" else _duckdb_epoch_us)(ts)
