"""The data path on an engine: read, map, validate, episodes and life table as
relational queries (Ibis), run by DuckDB in-process (the default) or by Spark.

What leaves the engine is small: life tables (days x groups x causes), samples
of quarantined rows, counts. See ``docs/scale.md`` and the README's "Large logs".
"""

from hiring_funnel.engine.connection import connect
from hiring_funnel.engine.episodes import EngineEpisodes, episodes
from hiring_funnel.engine.ingest import EngineLog, read_events_engine
from hiring_funnel.engine.lifetable import clock_life_tables, life_table
from hiring_funnel.engine.tables import attributes_table, events_table

__all__ = [
    "EngineEpisodes",
    "EngineLog",
    "attributes_table",
    "clock_life_tables",
    "connect",
    "episodes",
    "events_table",
    "life_table",
    "read_events_engine",
]
