"""Text from the data, made safe: identifiers compared as people typed them, labels safe to print.

Two kinds of text come out of a log:

- **Identifiers** (application, candidate and company ids) are keys: two cells
  that look the same on screen must be the same key. Copying from a web page or
  a spreadsheet brings invisible characters along: zero-width spaces and
  joiners, byte-order marks in the middle of a file, bidirectional controls
  (U+202A-U+202E, U+2066-U+2069), and the same letter composed in two ways
  ("é" as one code point or as "e" plus a combining accent). Left in, they
  split one application into two. :func:`clean_ids` normalises to Unicode NFC,
  removes them and the surrounding whitespace, and counts the cells it changed
  so that validation can say so.
- **Labels** (segments of a breakdown, levels of a covariate, column names)
  are printed: in a terminal, where an escape sequence recolours the screen; in
  an SVG figure, where a control character makes the XML invalid; in a PDF
  table, where a label of 10,000 characters pushes the numbers off the page.
  :func:`clean_label` removes control and invisible characters;
  :func:`short_label` also shortens it.

Examples
--------
>>> import pandas as pd
>>> ids, changed = clean_ids(pd.Series(["A1", "A\\u200b1", "\\ufeffA1 ", None]))
>>> ids.tolist(), changed
(['A1', 'A1', 'A1', None], 2)
>>> clean_label("\\x1b[31mred\\x1b[0m")
'[31mred[0m'
>>> short_label("x" * 100, 10)
'xxxxxxxxx…'
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

#: Characters that are invisible but change a key: zero-width space, non-joiner,
#: joiner, word joiner, byte-order mark (zero-width no-break space), soft hyphen,
#: and the bidirectional marks, embeddings, overrides and isolates.
INVISIBLE = (
    "\u00ad\u061c\u180e\u200b\u200c\u200d\u200e\u200f"
    "\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064"
    "\u2066\u2067\u2068\u2069\ufeff"
)
_DROP_INVISIBLE = {ord(c): None for c in INVISIBLE}
# C0 and C1 controls (ESC among them) and DEL; tabs and line breaks become spaces.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"\s+")

#: Labels longer than this are shortened in tables and figures.
LABEL_WIDTH = 40


def clean_id(value: str) -> str:
    """One identifier: NFC, without invisible characters and surrounding whitespace.

    Examples
    --------
    >>> clean_id(" e\\u0301\\u200d7 ") == "\\u00e97"
    True
    """
    return unicodedata.normalize("NFC", value.translate(_DROP_INVISIBLE)).strip()


def clean_ids(values: pd.Series) -> tuple[pd.Series, int]:
    """Clean every text cell of an id column; return the cells and how many changed.

    Cells that are not text (None, NaN, numbers) are returned as they are.
    Only distinct values are cleaned, so a column of a million ids with a few
    thousand distinct ones costs a few thousand calls.
    """
    if values.empty:
        return values, 0
    uniques = pd.unique(values.to_numpy(dtype=object))
    changes = {v: c for v in uniques if isinstance(v, str) and (c := clean_id(v)) != v}
    if not changes:
        return values, 0
    hit = values.isin(list(changes)).to_numpy()
    out = values.copy()
    out[hit] = values[hit].map(changes)
    return out, int(hit.sum())


def clean_label(text: object) -> str:
    """A label safe to print anywhere: no control or invisible characters, one line, NFC.

    Examples
    --------
    >>> clean_label("Sales\\tand\\nMarketing\\u202e")
    'Sales and Marketing'
    """
    s = str(text).translate(_DROP_INVISIBLE)
    s = _CONTROL.sub(lambda m: " " if m.group(0) in "\t\n\r\x0b\x0c" else "", s)
    return unicodedata.normalize("NFC", _SPACES.sub(" ", s).strip())


def short_label(text: object, width: int = LABEL_WIDTH) -> str:
    """:func:`clean_label`, cut to ``width`` characters with an ellipsis when longer."""
    s = clean_label(text)
    return s if len(s) <= width else s[: max(1, width - 1)].rstrip() + "…"
