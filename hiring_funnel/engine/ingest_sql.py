"""SQL that reads cells exactly as the pandas path's Python does.

Each function returns a DuckDB SQL expression over a text expression. They
follow the Python rules of :mod:`hiring_funnel.io.cell_values` and
:mod:`hiring_funnel.io.cellcodes` to the character:

- ``str.strip()`` removes the 29 code points for which ``str.isspace()`` is
  true (:data:`PY_SPACE`), not only the ASCII space that SQL ``trim`` removes;
- missing tokens are compared after ``str.casefold()``, which turns "ß" into
  "ss" and "ſ" into "s" ("Miſſing" is missing); no other character folds to
  the letters of a token;
- ``\\d`` in a Python pattern is any Unicode decimal digit, ``\\p{Nd}`` in RE2.

Where a rule is not worth writing in SQL (parsing every date shape, the
canonical name of an event, cleaning ids with invisible characters), the
distinct values that need it go through the Python function itself, in
:mod:`hiring_funnel.engine.ingest_lookup`.
"""

from __future__ import annotations

from typing import Any

from hiring_funnel.io.cell_values import MISSING_TOKENS

#: The characters ``str.strip()`` removes, as an RE2 character class.
PY_SPACE = (
    r"[\t\n\x0b\x0c\r\x1c-\x1f \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}"
    r"\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]"
)
#: Printable ASCII: text of which SQL and Python agree on everything here.
PLAIN = r"[ -~]*"
_DIGITS = r"\p{Nd}"
NUMBER = rf"[+-]?(?:{_DIGITS}{{1,3}}(?:,{_DIGITS}{{3}})+|{_DIGITS}+)(?:\.{_DIGITS}+)?"


def quote_literal(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def quote_ident(name: str) -> str:
    """A SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def is_plain(expr: str) -> str:
    return f"regexp_full_match({expr}, '{PLAIN}')"


def is_ascii(expr: str) -> str:
    return f"(strlen({expr}) = length({expr}))"


def _ends_plain(expr: str) -> str:
    """True when the first and last characters are printable ASCII other than a space:
    then ``str.strip()`` leaves the text as it is (and no regular expression is needed)."""
    return f"(ascii({expr}) BETWEEN 33 AND 126 AND ascii(right({expr}, 1)) BETWEEN 33 AND 126)"


#: What ``str.strip()`` removes from ASCII text.
_ASCII_SPACE = "(' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || chr(28) || chr(29) || chr(30) || chr(31))"


def strip(expr: str) -> str:
    """Python's ``str.strip()``."""
    return (
        f"(CASE WHEN {expr} = '' OR {_ends_plain(expr)} THEN {expr} "
        f"WHEN {is_ascii(expr)} THEN trim({expr}, {_ASCII_SPACE}) "
        f"ELSE regexp_replace({expr}, '^{PY_SPACE}+|{PY_SPACE}+$', '', 'g') END)"
    )


def is_blank(expr: str) -> str:
    """``not value.strip()``."""
    return (
        f"(CASE WHEN {expr} = '' THEN true WHEN ascii({expr}) BETWEEN 33 AND 126 THEN false "
        f"ELSE regexp_full_match({expr}, '{PY_SPACE}*') END)"
    )


def missing(expr: str, *, stripped: bool = False) -> str:
    """:func:`hiring_funnel.io.cell_values.is_missing` of a text cell (NULL is missing).

    Every token starts with n, m, # or - (or is empty), so text that starts
    with another printable ASCII character is not missing, without folding it.
    ``stripped``: the text is already stripped.
    """
    text = expr if stripped else strip(expr)
    folded = f"replace(replace(replace({text}, 'ß', 'ss'), 'ẞ', 'ss'), 'ſ', 's')"
    tokens = ", ".join(quote_literal(t) for t in sorted(MISSING_TOKENS))
    starts = "(" + ", ".join(str(ord(c)) for c in "nNmM#-") + ")"
    return (
        f"coalesce(CASE WHEN {expr} = '' THEN true "
        f"WHEN ascii({expr}) BETWEEN 33 AND 126 AND ascii({expr}) NOT IN {starts} "
        f"THEN false ELSE list_contains([{tokens}], lower({folded})) "
        f"AND regexp_full_match({folded}, '[\\x00-\\x7f]*') END, true)"
    )


def looks_like_formula(expr: str) -> str:
    """:func:`hiring_funnel.io.cellcodes._looks_like_formula` of a text cell."""
    s = strip(expr)
    starts = "(" + ", ".join(str(ord(c)) for c in "=@+-") + ")"
    return (
        f"(CASE WHEN {expr} = '' THEN false "
        f"WHEN ascii({expr}) BETWEEN 33 AND 126 AND ascii({expr}) NOT IN {starts} "
        f"THEN false ELSE (regexp_matches({expr}, '^{PY_SPACE}*[=@+-]') AND length({s}) > 1 AND "
        f"(left({s}, 1) IN ('=', '@') OR NOT regexp_full_match({s}, '{NUMBER}'))) END)"
    )


def py_repr(expr: str, width: int) -> str:
    """``short_repr`` of printable ASCII text (others: NULL, for Python to fill in)."""
    esc = f"replace({expr}, '\\', '\\\\')"
    quoted = (
        f"CASE WHEN contains({expr}, '''') AND NOT contains({expr}, '\"') "
        f"THEN '\"' || {esc} || '\"' "
        f"ELSE '''' || replace({esc}, '''', '\\''') || '''' END"
    )
    return (
        f"(CASE WHEN {is_plain(expr)} THEN (CASE WHEN length({quoted}) <= {width} "
        f"THEN {quoted} ELSE left({quoted}, {width - 1}) || '…' END) END)"
    )


def run(db: Any, sql: str) -> None:
    """Run a statement to the end (DuckDB keeps a connection busy until its result is read)."""
    db.execute(sql).fetchall()
