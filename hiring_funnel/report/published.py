"""Figures as they are published: a count that may be hidden, a share as a bound, a file by name.

The rules of what may be published are in :mod:`hiring_funnel.report.privacy`; this
module writes what they decided, in the same words in every output (report,
summary, predict): a count hidden for resting on too few candidates is
"fewer than k", one hidden so that no other can be worked out by subtraction is
"not shown", a share of a small count is a bound ("below 1.3%"), and a file is
named without its folders, which often hold a user name.
"""

from __future__ import annotations

import re

import numpy as np

from hiring_funnel.report.privacy import COMPLEMENTARY, DEFAULT_MIN_GROUP, TOO_FEW, check_min_group

__all__ = ["file_name", "share_text", "shown"]


def shown(value: float, why: str | None, min_group: int) -> str:
    """A published count as text: the number, "fewer than k", or "not shown".

    Examples
    --------
    >>> shown(1234, None, 5), shown(3, "too_few", 5), shown(120, "complementary", 5)
    ('1,234', 'fewer than 5', 'not shown')
    """
    if why == TOO_FEW:
        return f"fewer than {min_group}"
    if why == COMPLEMENTARY:
        return "not shown"
    return f"{float(value):,.0f}"


def share_text(
    part: int,
    whole: int,
    *,
    part_members: int,
    rest_members: int,
    min_group: int = DEFAULT_MIN_GROUP,
) -> str:
    """A share ``part / whole`` whose denominator is published, without revealing a small part.

    ``part_members`` and ``rest_members`` are the candidates behind the part
    and behind the rest (``whole - part``). When the part rests on fewer than
    ``min_group`` candidates it is shown as "below x%" with x = k / whole (an
    upper bound that does not depend on the part); when the rest does, as
    "above x%".

    Examples
    --------
    >>> share_text(3, 400, part_members=3, rest_members=397)
    'below 1.3%'
    >>> share_text(40, 400, part_members=40, rest_members=360)
    '10.0%'
    """
    k = check_min_group(min_group)
    if whole <= 0:
        return "–"
    few_part = 0 < part_members < k
    few_rest = 0 < rest_members < k
    if few_part and few_rest:
        return "not shown"
    if few_part:
        return f"below {_pct_up(k / whole)}"
    if few_rest:
        return f"above {_pct_down(1 - k / whole)}"
    return f"{100 * part / whole:.1f}%"


def _pct_up(x: float) -> str:
    return f"{min(100.0, np.ceil(1000 * x - 1e-9) / 10):.1f}%"


def _pct_down(x: float) -> str:
    return f"{max(0.0, np.floor(1000 * x + 1e-9) / 10):.1f}%"


_FOLDERS = re.compile(r".*[/\\]")


def file_name(path: object) -> str:
    """A file's name without its folders (folders often hold a user name), POSIX or Windows.

    Examples
    --------
    >>> file_name("/home/jane.doe/logs/events.csv"), file_name(r"C:\\Users\\jane\\a.csv")
    ('events.csv', 'a.csv')
    >>> file_name("<DataFrame>"), file_name("reports/")
    ('<DataFrame>', 'reports')
    """
    text = str(path)
    if text.startswith("<") and text.endswith(">"):
        return text
    stripped = text.rstrip("/\\")
    return _FOLDERS.sub("", stripped) or text
