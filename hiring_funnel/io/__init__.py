"""Reading a log: the first step of the data flow, from files to a checked :class:`~hiring_funnel.schema.EventLog`.

- :mod:`hiring_funnel.io.readers` reads a file as text cells (CSV, TSV, JSON
  Lines; :mod:`hiring_funnel.io.sheets` for spreadsheets), within the
  :mod:`hiring_funnel.io.limits`;
- :mod:`hiring_funnel.io.mapping` reads a mapping (the bundled ones are in
  ``hiring_funnel/mappings``) and :mod:`hiring_funnel.io.mapped` applies it,
  with :mod:`hiring_funnel.io.cell_values`, :mod:`hiring_funnel.io.cellcodes`,
  :mod:`hiring_funnel.io.conditions`, :mod:`hiring_funnel.io.nested`,
  :mod:`hiring_funnel.io.spellings` and :mod:`hiring_funnel.io.undated`;
  :mod:`hiring_funnel.io.jsoncells` reads JSON text in the cells a mapping walks
  into, and :mod:`hiring_funnel.io.joins` attaches the items of a folder's
  other files (``[[join]]``) to their records;
- :mod:`hiring_funnel.io.validate` checks the events and
  :mod:`hiring_funnel.io.problems` words what it finds;
- :mod:`hiring_funnel.io.load` puts it together: :func:`~hiring_funnel.read_events`;
- :mod:`hiring_funnel.io.suggest` drafts a mapping for a file that has none, and
  :mod:`hiring_funnel.io.beside` finds ``attributes.csv`` and ``mapping.toml``
  beside a log.

Nothing is imported here: importing one module of the package does not import
the others. The names of the former module ``hiring_funnel.io`` (now
:mod:`hiring_funnel.io.readers`) are still found here for one release, with a
:class:`DeprecationWarning`.
"""

from __future__ import annotations

from hiring_funnel.lazy import lazy_names

#: Public names of hiring_funnel/io.py before it became io/readers.py.
_READERS = frozenset(
    {
        "EXTRA_FIELDS_KEPT",
        "RawTable",
        "SUFFIXES",
        "check_header",
        "first_line",
        "read_raw",
        "short_repr",
        "sniff_delimiter",
        "too_many_columns",
    }
)


__getattr__, __dir__ = lazy_names(
    __name__, {}, moved=dict.fromkeys(_READERS, "hiring_funnel.io.readers")
)
