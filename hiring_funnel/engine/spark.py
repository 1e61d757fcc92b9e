"""The Spark engine: a SparkSession wrapped as an Ibis backend, and its loaders.

The data path is written once in Ibis; this module only opens the session and
turns whatever the data are in (a pandas DataFrame, Parquet or CSV files, a
Spark DataFrame, a table of the Spark catalog) into an Ibis table on it.

Spark is an optional extra (``pip install 'hiring_funnel[spark]'``) and needs a
Java 17 or newer runtime (Debian: ``openjdk-17-jre-headless``). Without either,
:func:`connect_spark` fails with one line that says what to install.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from hiring_funnel.schema import HiringFunnelError

DEFAULT_MASTER = "local[*]"
APP_NAME = "hiring_funnel"
INSTALL_HINT = (
    "pip install 'hiring_funnel[spark]' for pyspark, and a Java 17+ runtime "
    "(Debian: apt-get install openjdk-17-jre-headless, or scripts/system-deps.sh spark)"
)
PARQUET_SUFFIXES = (".parquet", ".pq")
CSV_SUFFIXES = (".csv", ".tsv", ".txt")
JSON_SUFFIXES = (".jsonl", ".ndjson", ".json")
_LOCAL_MASTER = re.compile(r"^local(?:\[(\*|\d+)(?:,\s*\d+)?\])?$")
_GLOB_CHARS = re.compile(r"[*?\[{]")


def local_threads(master: str) -> int | None:
    """Worker threads of a ``local``/``local[N]``/``local[*]`` master, else None.

    >>> local_threads("local[2]"), local_threads("local"), local_threads("spark://h:7077")
    (2, 1, None)
    """
    match = _LOCAL_MASTER.match(master.strip())
    if match is None:
        return None
    n = match.group(1)
    if n is None:
        return 1
    if n == "*":
        return os.cpu_count() or 1
    return max(1, int(n))


def default_config(master: str) -> dict[str, str]:
    """The settings :func:`connect_spark` starts a session with (``config`` overrides them).

    Timestamps are read and shown in UTC, whatever the machine's zone, so that a
    day is the same day on the driver, every executor and DuckDB. On a local
    master the shuffle is cut to two partitions per thread: Spark's default of
    200 costs more in task start-up than a laptop-sized log takes to count.
    On a cluster Spark's own default stands, and adaptive execution coalesces.

    >>> default_config("local[2]")["spark.sql.shuffle.partitions"]
    '4'
    >>> "spark.sql.shuffle.partitions" in default_config("yarn")
    False
    """
    config = {
        "spark.app.name": APP_NAME,
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.sql.adaptive.enabled": "true",
        # Spark's console progress bar is for a person at a terminal, never a pipe or CI log.
        "spark.ui.showConsoleProgress": "true" if sys.stderr.isatty() else "false",
    }
    threads = local_threads(master)
    if threads is not None:
        config["spark.sql.shuffle.partitions"] = str(2 * threads)
        config["spark.default.parallelism"] = str(2 * threads)
        # The web UI binds a port per session: not wanted for a local run or in tests.
        config["spark.ui.enabled"] = "false"
        # The driver's JVM (the whole of a local Spark): in UTC like the session, so that
        # nothing it formats depends on the machine, and logging errors only.
        log4j = Path(__file__).with_name("log4j2.properties")
        config["spark.driver.extraJavaOptions"] = (
            f"-Duser.timezone=UTC -Dlog4j2.configurationFile={log4j.as_uri()}"
        )
    return config


def find_java() -> str | None:
    """Path of the ``java`` Spark will start (``$JAVA_HOME/bin/java``, else on ``PATH``)."""
    home = os.environ.get("JAVA_HOME")
    if home:
        candidate = Path(home) / "bin" / "java"
        return str(candidate) if candidate.is_file() else None
    return shutil.which("java")


def connect_spark(master: str | None = None, config: dict[str, str] | None = None) -> Any:
    """Open (or join) a Spark session and return it as an Ibis PySpark backend.

    Parameters
    ----------
    master : str, optional
        The Spark master URL: ``local[*]`` (default, every core of this
        machine), ``local[2]``, ``spark://host:7077``, ``yarn``, ``k8s://...``.
    config : dict, optional
        Extra Spark settings, e.g. ``{"spark.driver.memory": "4g"}``; they
        override :func:`default_config`. Settings that size the JVM only take
        effect when this call starts it (the first session of the process).

    Returns
    -------
    ibis.backends.pyspark.Backend

    Raises
    ------
    HiringFunnelError
        pyspark is not installed, no Java runtime is found, or the JVM did not start.

    Examples
    --------
    >>> from hiring_funnel.engine import connect
    >>> con = connect("spark", master="local[2]")  # doctest: +SKIP
    """
    try:
        import ibis
        from pyspark.sql import SparkSession
    except ImportError as error:
        raise HiringFunnelError(
            f"the Spark engine needs pyspark, which is not installed ({error})",
            hint=INSTALL_HINT,
        ) from None
    if find_java() is None:
        where = "JAVA_HOME/bin/java" if os.environ.get("JAVA_HOME") else "java on PATH"
        raise HiringFunnelError(
            f"the Spark engine needs a Java runtime and found no {where}",
            hint=INSTALL_HINT,
        )
    master = master or DEFAULT_MASTER
    settings = default_config(master)
    settings.update(config or {})
    # Python workers (only started for Python UDFs) must be this interpreter, with our packages.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    if local_threads(master) is not None:
        # A local session talks only to itself: bind to loopback (and skip Spark's
        # warning that the hostname resolves to one).
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = SparkSession.builder.master(master)
    for key, value in settings.items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as error:  # the JVM failed: wrong Java, no memory, bad master or setting
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise HiringFunnelError(
            f"Spark did not start on master {master!r}: {first}",
            hint="Spark 4 needs Java 17 or newer; " + INSTALL_HINT,
        ) from None
    with contextlib.suppress(Exception):  # Spark Connect sessions have no SparkContext
        session.sparkContext.setLogLevel("ERROR")
    return ibis.pyspark.connect(session)


def _session(con: Any) -> Any:
    session = getattr(con, "_session", None)
    if session is None:
        raise HiringFunnelError(
            f"expected a Spark connection (hiring_funnel.engine.connect('spark')), got {con!r}"
        )
    return session


def _register(con: Any, frame: Any, prefix: str) -> Any:
    import ibis

    name = ibis.util.gen_name(prefix)
    frame.createOrReplaceTempView(name)
    return con.table(name)


def _file_kind(path: str, file_format: str | None) -> str:
    """``parquet``, ``csv``, ``tsv`` or ``json`` for a file, folder or glob."""
    if file_format is not None:
        kind = file_format.lower()
        if kind not in {"parquet", "csv", "tsv", "json"}:
            raise HiringFunnelError(
                f"unknown file format {file_format!r}: use parquet, csv, tsv or json",
                source=path,
            )
        return kind
    names = [path]
    folder = Path(path)
    if not _GLOB_CHARS.search(path) and folder.is_dir():
        # A folder (Hive-partitioned too): its data files say what it holds.
        names = [
            str(p) for p in folder.rglob("*") if p.is_file() and not p.name.startswith(("_", "."))
        ]
        if not names:
            raise HiringFunnelError("the folder holds no data files", source=path)
    suffixes = {Path(name.removesuffix(".gz")).suffix.lower() for name in names}
    for kind, known in (
        ("parquet", PARQUET_SUFFIXES),
        ("tsv", (".tsv",)),
        ("csv", CSV_SUFFIXES),
        ("json", JSON_SUFFIXES),
    ):
        if suffixes and suffixes <= set(known):
            return kind
    raise HiringFunnelError(
        f"cannot tell the format from {', '.join(sorted(suffixes)) or 'no suffix'}",
        source=path,
        hint="Spark reads Parquet, CSV, TSV and JSON Lines; name the format with file_format=",
    )


def spark_table(
    con: Any,
    source: Any = None,
    *,
    table: str | None = None,
    file_format: str | None = None,
) -> Any:
    """Where the data are -> an Ibis table on the Spark connection ``con``.

    Parameters
    ----------
    con : ibis.backends.pyspark.Backend
        From :func:`connect_spark` (or ``connect("spark")``).
    source : pandas.DataFrame, pyspark.sql.DataFrame, str or Path, optional
        A DataFrame, or a file, folder (Hive-partitioned too) or glob of
        Parquet, CSV, TSV or JSON Lines files. CSV cells are read as text:
        the data path's mapping and validation give them their types (and
        report the cells that do not fit), never Spark's schema inference.
    table : str, optional
        Instead of ``source``: a table of the Spark catalog (``db.name``).
    file_format : {"parquet", "csv", "tsv", "json"}, optional
        When a path's suffix does not tell.

    Returns
    -------
    ibis.expr.types.Table
        Lazy: nothing is read into Python.
    """
    session = _session(con)
    if (source is None) == (table is None):
        raise HiringFunnelError("give either source= (data or a path) or table= (a Spark table)")
    if table is not None:
        if not session.catalog.tableExists(table):
            raise HiringFunnelError(
                f"no table {table!r} in the Spark catalog",
                hint="list them with spark.catalog.listTables()",
            )
        return _register(con, session.table(table), "spark_table")
    if isinstance(source, pd.DataFrame):
        frame = source.copy(deep=False)
        for col in frame.columns:
            if isinstance(frame[col].dtype, pd.CategoricalDtype):
                # Spark has no categorical type: the values, as their own type.
                frame[col] = frame[col].astype(frame[col].cat.categories.dtype)
        return _register(con, session.createDataFrame(frame), "pandas")
    from pyspark.sql import DataFrame as SparkDataFrame

    if isinstance(source, SparkDataFrame):
        return _register(con, source, "spark_frame")
    if not isinstance(source, str | os.PathLike):
        raise HiringFunnelError(
            f"cannot read {type(source).__name__} on Spark: give a DataFrame, a path or table="
        )
    path = os.fspath(source)
    if not _GLOB_CHARS.search(path) and not Path(path).exists():
        raise HiringFunnelError("no such file or folder", source=path)
    kind = _file_kind(path, file_format)
    reader = session.read
    nanos = _nanosecond_columns(path) if kind == "parquet" else {}
    if nanos:
        # Spark refuses Parquet's TIMESTAMP(NANOS) (pandas' default) unless told to read
        # it as the integer it is; it is turned back into a timestamp below.
        session.conf.set("spark.sql.legacy.parquet.nanosAsLong", "true")
    try:
        if kind == "parquet":
            frame = reader.parquet(path)
        elif kind == "json":
            frame = reader.json(path)
        else:
            frame = reader.csv(
                path,
                header=True,
                sep="\t" if kind == "tsv" else ",",
                inferSchema=False,
                # One record per line keeps a large CSV splittable across tasks; a cell
                # with a quoted line break needs Parquet (or DuckDB) instead.
                multiLine=False,
                escape='"',
                mode="PERMISSIVE",
            )
    except Exception as error:  # AnalysisException: a glob matching nothing, an unreadable file
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise HiringFunnelError(f"Spark could not read it: {first}", source=path) from None
    if nanos:
        from pyspark.sql import functions as F

        for name, utc in nanos.items():
            # Microseconds are Spark's resolution; an event log's clock is coarser.
            micros = F.timestamp_micros(F.floor(F.col(f"`{name}`") / 1000).cast("long"))
            # A zone-less timestamp stays zone-less (TIMESTAMP_NTZ): the session is in UTC,
            # so the cast keeps its wall-clock time.
            frame = frame.withColumn(name, micros if utc else micros.cast("timestamp_ntz"))
    return _register(con, frame, f"read_{kind}")


def _nanosecond_columns(path: str) -> dict[str, bool]:
    """Columns stored as TIMESTAMP(NANOS) in a local Parquet source: name -> has a zone.

    Read from the footer of its first file (the files of one source share a schema);
    empty for a source that is not on this machine's file system.
    """
    import pyarrow.parquet as pq

    if _GLOB_CHARS.search(path):
        files = sorted(glob.glob(path, recursive=True))
    elif Path(path).is_dir():
        files = sorted(str(p) for p in Path(path).rglob("*.parquet"))
    else:
        files = [path]
    files = [name for name in files if Path(name).is_file()]
    if not files:
        return {}
    try:
        schema = pq.read_schema(files[0])
    except Exception:  # not readable here: let Spark say what is wrong with it
        return {}
    return {
        field.name: field.type.tz is not None
        for field in schema
        if pa.types.is_timestamp(field.type) and field.type.unit == "ns"
    }
