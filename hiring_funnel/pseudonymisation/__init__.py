"""Keyed pseudonymisation of raw exports, a step before reading (issue 14).

``hiring-funnel pseudonymise RAW --key-file K --out DIR`` (and
:func:`pseudonymise` from Python) turns an export of an applicant-tracking
system into one that can leave the people who may see names: the output is
**pseudonymised, never anonymous**. Whoever holds the key can link it back
to people, and what is left can still single someone out; handle it as
personal data.

What is done to each column (:mod:`~hiring_funnel.pseudonymisation.columns`
decides, from summaries that the pandas and the DuckDB path both compute):

- **Identifiers** (``--id``; by default columns named like ``*_id``, ``email``,
  ``phone``, ``name``) become ``p_`` and 20 hex digits of HMAC-SHA-256 with a
  secret key of at least 32 random bytes, of the normalised value (emails
  lower-cased and trimmed, phone numbers as digits, names trimmed, spaces
  collapsed and case-folded): :mod:`~hiring_funnel.pseudonymisation.hashing`.
  Never a plain hash: a plain SHA-256 or MD5 of an email is reversed by hashing
  a list of emails. An identifier column that already holds such hashes (32,
  40, 64 or 128 hex digits, not UUIDs) is refused with that reason. The same
  key gives the same pseudonyms in every export, so they join; another key
  gives none in common.
- **Dates** (``--date``; and every column whose values are all ISO 8601
  dates) are moved by one shift per candidate, taken from the keyed hash of
  the candidate (``--candidate``; by default ``candidate_id``, else the first
  email column, else the first identifier): 1 to 26 whole weeks earlier,
  never 0. Whole weeks keep every weekday (and so the weekday of a holiday,
  and business-day counts up to the holidays themselves) and every duration
  between two dates of one candidate; a time of day and an offset are kept as
  written. Earlier, so that nothing moves past the export date. Rows without
  a candidate share one shift. Dates written otherwise (27/01/2026) cannot be
  shifted: such a column is dropped.
- **Other columns** are dropped when any value looks like an email, a phone
  number (:func:`hiring_funnel.report.breakdown_columns.looks_like_email`,
  ``looks_like_phone``) or a plain hash; dropped as **free text** when a value
  has more than 12 words or 80 characters, or at least half of the values
  have three words or more and one row each (notes); dropped when the column
  works like an identifier (10 values or more, four in five with a single
  candidate). When in doubt, dropped: the manifest gives each reason. What is
  left are **categories**: levels held by fewer than ``k`` candidates (default
  5, the report's ``--min-group``) are folded into "Other", with more levels,
  smallest first, until "Other" holds at least k. ``--keep COL`` keeps a
  free-text column as it is, but never one with emails or phone numbers.
- A **manifest** (``manifest.json``) says what was done: columns hashed,
  shifted, folded (how many levels, never which) and dropped with the reason,
  k, rows; never key material nor the key file's path
  (:mod:`~hiring_funnel.pseudonymisation.manifest`).

The key file (``hiring-funnel keygen K``, mode 0600) is checked by
:func:`~hiring_funnel.pseudonymisation.keys.read_key`: missing, shorter than 32
bytes, or readable by others are one-line errors.

Large CSV files go through DuckDB (:mod:`~hiring_funnel.pseudonymisation.engine`):
identifiers are hashed once per distinct value in each batch by a vectorised
(Arrow) function, the rest is SQL, and the file is written by ``COPY``; its
output is byte for byte the pandas path's.

A raw export has one export date, and the shifts are per candidate: an
application still open at the export date would wait, in the raw output, its
candidate's shift longer. ``--log`` (``--mapping``) reads the export as a log
first and writes it in the canonical layout with each application's own
moved export date, ``observed_until`` (:mod:`hiring_funnel.pseudonymisation.log`,
:mod:`hiring_funnel.observation`): every wait is then kept, open ones
included. For a raw export, ``--as-of DATE`` does the same in its own
columns: every row gets ``observed_until``, the export date moved with its
candidate (``as_of=`` in :func:`pseudonymise`), which becomes an attribute when
the file is read.
"""

from hiring_funnel.pseudonymisation.core import Pseudonymised, pseudonymise
from hiring_funnel.pseudonymisation.keys import MIN_KEY_BYTES, new_key, read_key, write_key
from hiring_funnel.pseudonymisation.log import PseudonymisedLog, pseudonymise_log

__all__ = [
    "MIN_KEY_BYTES",
    "Pseudonymised",
    "PseudonymisedLog",
    "new_key",
    "pseudonymise",
    "pseudonymise_log",
    "read_key",
    "write_key",
]
