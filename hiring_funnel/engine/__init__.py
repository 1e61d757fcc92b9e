"""The data path on an engine: read, map, validate, episodes and life table as
relational queries (Ibis), run by DuckDB in-process (the default) or by Spark.

What leaves the engine is small: life tables (days x groups x causes), samples
of quarantined rows, counts. See ``docs/scale.md`` and the README's "Large logs".
"""

from hiring_funnel.engine.connection import connect
from hiring_funnel.engine.ingest import EngineLog, read_events_engine

__all__ = ["EngineLog", "connect", "read_events_engine"]
