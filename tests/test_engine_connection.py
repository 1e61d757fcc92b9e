"""The engine connection: DuckDB in-process by default, settings applied."""

import pytest

from hiring_funnel.engine import connect
from hiring_funnel.schema import HiringFunnelError


def test_duckdb_by_default_with_settings(tmp_path):
    con = connect(memory_limit="512MB", threads=1, temp_directory=str(tmp_path))
    assert con.name == "duckdb"
    # DuckDB reports the limit back in its own units (MiB); the setting took.
    limit = con.raw_sql("SELECT current_setting('memory_limit')").fetchone()[0]
    assert limit.replace(" ", "") in {"488.2MiB", "512.0MB", "488.2MB"}
    assert con.raw_sql("SELECT current_setting('threads')").fetchone()[0] == 1


def test_unknown_engine_is_one_clear_error():
    with pytest.raises(HiringFunnelError, match="unknown engine 'oracle'"):
        connect("oracle")
