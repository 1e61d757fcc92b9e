"""Which columns may break figures down: categories in fact, never identifiers or free text.

A breakdown publishes the values of a column as the labels of its segments
(in tables, legends, the privacy section, the terminal). So a column may be a
breakdown only if its values are categories that many applications share.
:func:`check_breakdown_column` refuses, naming the column and the rule but
never a value:

- the identifier columns (application, candidate, company ids);
- a column with a value that looks like an **email address**;
- a column with a value that looks like a **phone number** (9 digits or more,
  spaces, dots, dashes and brackets allowed between them; a range of two
  numbers such as "10000-50000" and dates are not phone numbers);
- **free text**: a value of more than :data:`MAX_WORDS` words (a sentence, not
  a category), or a column whose values are mostly notes of their own (at
  least half of its values have three words or more and belong to a single
  application each);
- a column that works like an **identifier**: at least :data:`UNIQUE_LEVELS`
  values, most of which (four in five) belong to a single application each;
- more than ``max_levels`` values (default :data:`DEFAULT_MAX_LEVELS`): a
  breakdown of hundreds of segments is a list of small groups, not a
  comparison. The limit can be raised (``--max-levels``, ``max_levels=``).

These rules are heuristics: a column of recruiters' names passes them. The
small-group suppression of :mod:`hiring_funnel.report.privacy` still applies to
whatever passes.

Examples
--------
>>> import pandas as pd
>>> check_breakdown_column("industry", ["industry"], pd.Series(["retail", "software"] * 5))
>>> check_breakdown_column("contact", ["contact"], pd.Series(["kate@example.com"] * 10))
Traceback (most recent call last):
...
hiring_funnel.schema.HiringFunnelError: cannot break down by 'contact': its values look like email addresses, and a report never shows contact details (break down by a categorical attribute such as industry or company size)
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from hiring_funnel.schema import HiringFunnelError
from hiring_funnel.text import short_label

#: Columns that identify an application, a person or an employer: never published.
IDENTIFIER_COLUMNS: tuple[str, ...] = ("application_id", "candidate_id", "company_id")
#: A breakdown with more values than this is refused unless the limit is raised.
DEFAULT_MAX_LEVELS = 50
#: A value of more words than this is a sentence, not a category.
MAX_WORDS = 12
#: From this many values on, a column whose values mostly name one application is refused.
UNIQUE_LEVELS = 10

_EMAIL = re.compile(r"[^\s@<>()\[\],;:\"']+@[^\s@<>()\[\],;:\"']+\.[^\W\d_]{2,}")
# Nine digits or more, with at most two separators between two digits.
_PHONE = re.compile(r"\+?\(?\d(?:[\s().\-/]{0,2}\d){8,}")
_RANGE = re.compile(r"^\s*\d{1,6}\s*[-–]\s*\d{1,6}\s*\+?\s*$")
_DATE = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?"
)

_HINT = "break down by a categorical attribute such as industry or company size"


def check_max_levels(max_levels: int) -> int:
    """Return ``max_levels`` as an int, or raise unless it is a whole number >= 2."""
    if (
        isinstance(max_levels, bool)
        or not isinstance(max_levels, int | np.integer)
        or max_levels < 2
    ):
        raise HiringFunnelError(
            f"max_levels must be a whole number of at least 2, not {max_levels!r}",
            hint=f"the default is {DEFAULT_MAX_LEVELS}",
        )
    return int(max_levels)


def check_breakdown_column(
    column: str,
    available: Sequence[str],
    values: pd.Series | None = None,
    *,
    max_levels: int = DEFAULT_MAX_LEVELS,
) -> None:
    """Refuse a column as a breakdown unless it is an attribute whose values are categories.

    Parameters
    ----------
    column : str
        The column asked for.
    available : sequence of str
        The attribute columns there are (named in the hint when ``column`` is not one).
    values : Series, optional
        The column's values, one per application; without them only the name is checked.
    max_levels : int
        The most distinct values a breakdown may have.

    Raises
    ------
    HiringFunnelError
        Naming the column and the rule it breaks, never one of its values.
    """
    limit = check_max_levels(max_levels)
    name = short_label(column)
    if column in IDENTIFIER_COLUMNS:
        raise HiringFunnelError(
            f"cannot break down by {name!r}: it identifies applications, people or employers, "
            "and a report never shows identifiers",
            hint="break down by an attribute such as industry or company size",
        )
    if column not in available:
        usable = [short_label(c) for c in available if c not in IDENTIFIER_COLUMNS]
        raise HiringFunnelError(
            f"no attribute {name!r} to break down by",
            hint="attributes: " + (", ".join(usable) if usable else "none (pass --attributes)"),
        )
    if values is None:
        return
    why = why_not_categorical(values, max_levels=limit)
    if why is not None:
        rule, hint = why
        raise HiringFunnelError(f"cannot break down by {name!r}: {rule}", hint=hint)


def why_not_categorical(
    values: pd.Series, *, max_levels: int = DEFAULT_MAX_LEVELS
) -> tuple[str, str] | None:
    """The rule a column's values break (and a hint), or None when they are categories.

    Examples
    --------
    >>> why_not_categorical(pd.Series(["1-50", "51-500", "10000-50000"] * 4)) is None
    True
    >>> why_not_categorical(pd.Series(["call +1 555 867 5309"] * 4))[0]
    'its values look like phone numbers, and a report never shows contact details'
    """
    present = values.dropna()
    if present.empty:
        return None
    text = present.astype(str)
    counts = text.value_counts(sort=False)
    levels = [str(v) for v in counts.index]
    if any(looks_like_email(v) for v in levels):
        return (
            "its values look like email addresses, and a report never shows contact details",
            _HINT,
        )
    if any(_is_phone(v) for v in levels):
        return (
            "its values look like phone numbers, and a report never shows contact details",
            _HINT,
        )
    words = np.array([len(v.split()) for v in levels])
    single = counts.to_numpy() == 1
    if (words > MAX_WORDS).any() or (len(levels) >= 2 and np.mean((words >= 3) & single) >= 0.5):
        return ("its values look like free text (sentences or notes), not categories", _HINT)
    if len(levels) >= UNIQUE_LEVELS and np.mean(single) >= 0.8:
        return (
            "most of its values belong to a single application each, so it works like an "
            "identifier",
            _HINT,
        )
    if len(levels) > max_levels:
        return (
            f"it has more than {max_levels} different values; a breakdown compares a few "
            "categories",
            "merge its values into fewer categories, or raise the limit with --max-levels "
            "(in Python: max_levels=)",
        )
    return None


def looks_like_email(value: str) -> bool:
    """Whether ``value`` holds something that looks like an email address.

    Examples
    --------
    >>> looks_like_email("write to Kate@Example.com"), looks_like_email("retail")
    (True, False)
    """
    return bool(_EMAIL.search(value))


def looks_like_phone(value: str) -> bool:
    """Whether ``value`` holds a phone-like number (9 digits or more; ranges and dates are not).

    Examples
    --------
    >>> looks_like_phone("+1 (555) 867-5309"), looks_like_phone("10000-50000")
    (True, False)
    """
    return _is_phone(value)


def _is_phone(value: str) -> bool:
    if _RANGE.match(value):
        return False
    return bool(_PHONE.search(_DATE.sub(" ", value)))
