"""The engine connection: DuckDB in-process by default, settings applied."""

import os
import pty
import subprocess
import sys

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


_SHOW_SETTING = (
    "from hiring_funnel.engine import connect; "
    "print(connect().raw_sql(\"SELECT current_setting('enable_progress_bar')\").fetchone()[0])"
)


def test_progress_bar_off_in_a_pipe():
    # DuckDB's own default is on, and it prints the bar on stdout even into a pipe.
    out = subprocess.run(
        [sys.executable, "-c", _SHOW_SETTING], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_progress_bar_on_at_a_terminal():
    pid, fd = pty.fork()
    if pid == 0:  # the child: stdout is the pseudo-terminal
        os.execv(sys.executable, [sys.executable, "-c", _SHOW_SETTING])
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 1024)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.waitpid(pid, 0)
    assert b"True" in b"".join(chunks)
