"""Descriptive analyses of a log: stage counts, the summary table, the headline, repeat applicants.

The step after reading (:mod:`hiring_funnel.io`) and the clocks: what a log
holds before any model is fitted.

- :mod:`hiring_funnel.analyses.stages`: how many applications reached each
  stage, and why rows were quarantined (:func:`stage_counts`,
  :func:`quarantine_reasons`);
- :mod:`hiring_funnel.analyses.summary`: the table of ``hiring-funnel summary``
  (:func:`summarise`);
- :mod:`hiring_funnel.analyses.headline`: the one sentence that opens a
  summary and a report;
- :mod:`hiring_funnel.analyses.repeat_applicants`: candidates who apply again
  (:func:`after_rejection`, :func:`applications_until_offer`).

Each name is imported from its module on first use, so importing one of
these modules does not import the others.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hiring_funnel.lazy import lazy_names

if TYPE_CHECKING:
    from hiring_funnel.analyses.repeat_applicants import (
        AFTER,
        AFTER_REJECTION_COLUMNS,
        HISTORY,
        NO_EARLIER,
        REJECTIONS_COLUMNS,
        UNTIL_OFFER_COLUMNS,
        AfterRejectionResult,
        ApplicationsUntilOfferResult,
        after_rejection,
        applications_until_offer,
    )
    from hiring_funnel.analyses.stages import (
        FUNNEL_COLUMNS,
        QUARANTINE_REASON_COLUMNS,
        application_stages,
        quarantine_reasons,
        stage_counts,
    )
    from hiring_funnel.analyses.summary import SUMMARY_COLUMNS, summarise

_FROM = {
    **dict.fromkeys(
        (
            "AFTER",
            "AFTER_REJECTION_COLUMNS",
            "HISTORY",
            "NO_EARLIER",
            "REJECTIONS_COLUMNS",
            "UNTIL_OFFER_COLUMNS",
            "AfterRejectionResult",
            "ApplicationsUntilOfferResult",
            "after_rejection",
            "applications_until_offer",
        ),
        "hiring_funnel.analyses.repeat_applicants",
    ),
    **dict.fromkeys(
        (
            "FUNNEL_COLUMNS",
            "QUARANTINE_REASON_COLUMNS",
            "application_stages",
            "quarantine_reasons",
            "stage_counts",
        ),
        "hiring_funnel.analyses.stages",
    ),
    **dict.fromkeys(("SUMMARY_COLUMNS", "summarise"), "hiring_funnel.analyses.summary"),
}

__all__ = [
    "AFTER",
    "AFTER_REJECTION_COLUMNS",
    "AfterRejectionResult",
    "ApplicationsUntilOfferResult",
    "FUNNEL_COLUMNS",
    "HISTORY",
    "NO_EARLIER",
    "QUARANTINE_REASON_COLUMNS",
    "REJECTIONS_COLUMNS",
    "SUMMARY_COLUMNS",
    "UNTIL_OFFER_COLUMNS",
    "after_rejection",
    "application_stages",
    "applications_until_offer",
    "quarantine_reasons",
    "stage_counts",
    "summarise",
]


__getattr__, __dir__ = lazy_names(__name__, _FROM)
