"""Suppression in a table of counts: which parts of a published total to hide.

The rule of statistical offices for frequency tables (Hundepool et al.,
*Statistical Disclosure Control*, 2012, chapter 5): a part that rests on fewer
than k candidates is hidden (primary suppression), and more parts, smallest
first, until the hidden ones together hold at least k, so that subtraction
from the total cannot recover a small one (complementary suppression).
:mod:`hiring_funnel.report.privacy` applies it to everything that is published.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hiring_funnel.schema import HiringFunnelError

#: Segments with fewer distinct candidates than this are suppressed by default.
DEFAULT_MIN_GROUP = 5
#: Why a count or a segment is hidden: it rests on too few candidates ...
TOO_FEW = "too_few"
#: ... or it would let a hidden one be worked out by subtraction.
COMPLEMENTARY = "complementary"

#: Why a segment was suppressed.
REASONS: dict[str, str] = {
    TOO_FEW: "fewer than {k} candidates",
    COMPLEMENTARY: (
        "suppressed with a smaller segment, so that segment cannot be worked out "
        "by subtracting the others from the total"
    ),
}

#: Members of one part of a total: the candidates it describes, or a number of rows.
Members = Collection[object] | int


@dataclass(frozen=True)
class Suppression:
    """Which segments of one breakdown may be published.

    Attributes
    ----------
    column : str
        The breakdown column.
    min_group : int
        The least number of distinct candidates a published segment has.
    segments : list of str
        Every segment label, largest first (ties by label).
    suppressed : dict
        Label -> ``"too_few"`` or ``"complementary"`` (see :data:`REASONS`).
        The number of candidates in a suppressed segment is deliberately not
        kept: saying "3 candidates" would publish what suppression hides.
    """

    column: str
    min_group: int
    segments: list[str]
    suppressed: dict[str, str] = field(default_factory=dict)

    @property
    def kept(self) -> list[str]:
        """The segments that may be published, largest first."""
        return [s for s in self.segments if s not in self.suppressed]

    def explain(self) -> list[str]:
        """One plain sentence per suppressed segment, for the analyst (a report counts them).

        Examples
        --------
        >>> Suppression("industry", 5, ["a", "b"], {"b": "too_few"}).explain()
        ['industry = b: fewer than 5 candidates']
        """
        return [
            f"{self.column} = {label}: {REASONS[why].format(k=self.min_group)}"
            for label, why in self.suppressed.items()
        ]


def _size(members: Members) -> int:
    return members if isinstance(members, int) else len(members)


def _union_size(parts: Sequence[Members]) -> int:
    if not parts:
        return 0
    numbers = [p for p in parts if isinstance(p, int)]
    if len(numbers) == len(parts):
        return sum(numbers)
    if all(isinstance(p, np.ndarray) for p in parts):
        # Arrays of distinct members (the summary's): a union at numpy speed.
        return len(pd.unique(np.concatenate(parts)))  # type: ignore[arg-type]
    seen: set[object] = set()
    for p in parts:
        if isinstance(p, int):
            raise HiringFunnelError("parts of one total are all sets or all numbers of rows")
        seen |= set(p)
    return len(seen)


def suppress_parts(
    parts: Mapping[str, Members],
    *,
    min_group: int = DEFAULT_MIN_GROUP,
    unpublished: Collection[str] = (),
    min_hidden: int = 1,
) -> dict[str, str]:
    """Which parts of one published total to hide: primary and complementary suppression.

    Parameters
    ----------
    parts : mapping
        Label -> the part's members: a collection of candidates, or a number
        of rows (each its own member) when the candidates are unknown.
    min_group : int
        The least number of members a published part, and the hidden parts
        together, hold (zero is published).
    unpublished : collection of str
        Parts not published anyway (e.g. the hidden segments of a breakdown):
        they count as hidden, are never returned, and subtraction recovers
        their sum with that of the parts hidden here.
    min_hidden : int
        The least number of hidden parts, once any is hidden (2 for segments).

    Returns
    -------
    dict
        Label -> ``"too_few"`` (fewer than ``min_group``, more than none) or
        ``"complementary"`` (hidden so the others cannot be worked out), in
        the order they were hidden.

    Examples
    --------
    Two small parts hold 4 rows together: a third is hidden with them.

    >>> suppress_parts({"a": 20, "b": 9, "c": 2, "d": 2}, min_group=5)
    {'c': 'too_few', 'd': 'too_few', 'b': 'complementary'}
    >>> suppress_parts({"a": 20, "b": 0}, min_group=5)
    {}
    """
    k = check_min_group(min_group)
    sizes = {p: _size(m) for p, m in parts.items()}
    fixed = [p for p in unpublished if p in parts]
    hidden: dict[str, str] = {
        p: TOO_FEW for p in sorted(parts, key=str) if 0 < sizes[p] < k and p not in fixed
    }

    def safe() -> bool:
        present = [p for p in [*fixed, *hidden] if sizes[p] > 0]
        if not present:
            return True
        together = _union_size([parts[p] for p in present])
        return together >= k and len(present) >= min_hidden

    # Smallest first; equal sizes in label order, so the choice never depends on row order.
    for p in sorted(parts, key=lambda q: (sizes[q], str(q))):
        if safe():
            break
        if p in hidden or p in fixed or sizes[p] == 0:
            continue
        hidden[p] = COMPLEMENTARY
    return hidden


def check_min_group(min_group: int) -> int:
    """Return ``min_group`` as an int, or raise unless it is a whole number >= 1."""
    if isinstance(min_group, bool) or not isinstance(min_group, int | np.integer) or min_group < 1:
        raise HiringFunnelError(
            f"min_group must be a whole number of at least 1, not {min_group!r}",
            hint=f"the default is {DEFAULT_MIN_GROUP}; 1 publishes every segment",
        )
    return int(min_group)
