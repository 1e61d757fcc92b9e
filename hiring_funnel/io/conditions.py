"""The ``when`` conditions of a wide mapping's ``[[events]]`` entries.

A condition tests one column of each row; an entry's conditions must all hold
for the row to yield the event. Cells are compared the way people type them:
trimmed, with invisible characters removed, runs of spaces as one, and case
ignored (:func:`value_key`), so ``in = ["Rejected"]`` matches "rejected " too.

``when`` is one table or a list of tables (all must hold); a table names a
``column`` and one or more of:

``in = [...]`` / ``not_in = [...]``
    the cell is (is not) one of these values;
``contains = "..."`` (or a list: any of them)
    the cell contains the text;
``matches = "..."``
    the regular expression (Python syntax, case ignored) matches somewhere in
    the cell.

Examples
--------
>>> import pandas as pd
>>> (c,) = parse_when({"column": "Status", "in": ["Rejected", "Not hired"]}, "e")
>>> c.test(pd.Series(["rejected ", "NOT  HIRED", "Offer", None])).tolist()
[True, True, False, False]
>>> conds = parse_when(
...     [{"column": "Status", "not_in": "Draft"}, {"column": "Notes", "matches": r"recruit(er)?"}],
...     "e",
... )
>>> [c.op for c in conds]
['not_in', 'matches']
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.io.readers import short_repr
from hiring_funnel.schema import HiringFunnelError
from hiring_funnel.text import clean_label

#: Operators of a condition, and whether each says the event happened (a
#: positive condition: a row it selects with no date is a problem to report).
OPERATORS: dict[str, bool] = {"in": True, "not_in": False, "contains": True, "matches": True}


def value_key(value: object) -> str:
    """How a cell is compared: a clean label, case-folded ("  LinkedIn\u200b" -> "linkedin")."""
    return clean_label(value).casefold()


@dataclass(frozen=True)
class Condition:
    """One test of one column: ``op`` is a key of :data:`OPERATORS`.

    ``values`` are as written in the mapping (compared through :func:`value_key`;
    for ``matches``, one pattern).
    """

    column: str
    op: str
    values: tuple[str, ...]

    @property
    def positive(self) -> bool:
        """True when a row that meets the condition is said to have had the event."""
        return OPERATORS[self.op]

    def describe(self) -> str:
        """The condition in words ("Status is Offer or Interview").

        >>> Condition("Status", "not_in", ("Draft",)).describe()
        'Status is not Draft'
        """
        words = {"in": "is", "not_in": "is not", "contains": "contains", "matches": "matches"}
        return f"{self.column} {words[self.op]} " + " or ".join(sorted(self.values))

    def test(self, cells: pd.Series) -> np.ndarray:
        """One boolean per cell (a missing cell is the empty text)."""
        codes, uniques = pd.factorize(cells.to_numpy(dtype=object), use_na_sentinel=False)
        check = self._checker()
        hit = np.array(
            [check("" if v is None or v is pd.NA or v != v else str(v)) for v in uniques] + [False],
            dtype=bool,
        )
        return hit[codes]

    def _checker(self) -> Callable[[str], bool]:
        if self.op == "matches":
            pattern = re.compile(self.values[0], re.IGNORECASE)
            return lambda v: pattern.search(v.strip()) is not None
        keys = [value_key(v) for v in self.values]
        if self.op == "contains":
            return lambda v: any(k in value_key(v) for k in keys)
        wanted = frozenset(keys)
        if self.op == "in":
            return lambda v: value_key(v) in wanted
        return lambda v: value_key(v) not in wanted


def parse_when(when: Any, where: str) -> tuple[Condition, ...]:
    """The conditions of a ``when`` value (a table or a list of tables); ``where``
    names the entry in errors."""
    tables = when if isinstance(when, list) else [when]
    out: list[Condition] = []
    usage = (
        'when must be { column = "...", in = [...] } (or not_in, contains, matches), '
        "or a list of such tables"
    )
    for table in tables:
        if not isinstance(table, dict) or not table:
            raise HiringFunnelError(f"{where}: {usage}")
        unknown = set(table) - {"column", *OPERATORS}
        if unknown:
            raise HiringFunnelError(
                f"{where}: when has unknown key {short_repr(sorted(unknown)[0])}",
                hint=f"use column and {', '.join(OPERATORS)}",
            )
        column = table.get("column")
        if not isinstance(column, str):
            raise HiringFunnelError(f"{where}: when needs a column")
        ops = [op for op in OPERATORS if op in table]
        if not ops:
            raise HiringFunnelError(f"{where}: {usage}")
        for op in ops:
            value = table[op]
            values = [value] if isinstance(value, str) else value
            if not (
                isinstance(values, list) and values and all(isinstance(v, str) for v in values)
            ):
                raise HiringFunnelError(f"{where}: when {op} must be a text or a list of texts")
            if op == "matches":
                if len(values) != 1:
                    raise HiringFunnelError(f"{where}: when matches takes one regular expression")
                try:
                    re.compile(values[0])
                except re.error as exc:
                    raise HiringFunnelError(
                        f"{where}: when matches {short_repr(values[0])} is not a regular "
                        f"expression ({exc})"
                    ) from exc
            out.append(Condition(column, op, tuple(values)))
    return tuple(out)
