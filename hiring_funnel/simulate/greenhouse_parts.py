"""Pieces of the Greenhouse Harvest objects :mod:`hiring_funnel.simulate.greenhouse` writes.

The names it gives (sources, interviews, rejection reasons, jobs), made-up
people drawn from a seed, and one scheduled interview or offer object
(https://developers.greenhouse.io/harvest.html#scheduled-interviews, #offers).

Examples
--------
>>> stamp(pd.Timestamp("2024-03-04 14:02:11", tz="UTC"))
'2024-03-04T14:02:11.000Z'
>>> People(np.random.default_rng(1)).person()["email"].endswith("@example.com")
True
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "CITIES",
    "FIRST_NAMES",
    "INTERVIEW_NAMES",
    "JOB_TITLES",
    "LAST_NAMES",
    "LEVEL_TITLES",
    "OTHER_INTERVIEW",
    "REJECTED",
    "REJECT_REASONS",
    "SCREEN_NAMES",
    "SOURCE_NAMES",
    "WITHDRAW_REASONS",
    "WITHDREW",
    "People",
    "increasing_ids",
    "interview_object",
    "offer_object",
    "pick",
    "stamp",
]

#: Greenhouse source (id, public_name) of each simulated source.
SOURCE_NAMES: dict[str, tuple[int, str]] = {
    "linkedin": (12, "LinkedIn"),
    "job board": (4, "Indeed"),
    "company site": (2, "Jobs page on your website"),
    "referral": (7, "Referral"),
}
#: Interview names a job may use for its screen (the preset maps them to ``screen``).
SCREEN_NAMES = ("Recruiter Phone Screen", "Phone Screen", "Hiring Manager Screen")
#: Interview names a job may use for each simulated interview stage (mapped to ``interview``).
INTERVIEW_NAMES: dict[str, tuple[str, ...]] = {
    "interview round 1": ("Technical Interview", "Culture Fit"),
    "interview round 2": ("Panel Interview", "Executive Interview"),
    "onsite": ("Onsite", "Face to Face"),
}
OTHER_INTERVIEW = ("Whiteboarding Challenge",)
REJECTED = {"id": 1, "name": "We rejected them"}
WITHDREW = {"id": 2, "name": "They rejected us"}
REJECT_REASONS = (
    (8, "Lacking skill(s)/qualification(s)"),
    (9, "Not a culture fit"),
    (11, "Hired another candidate"),
    (14, "Position filled"),
)
WITHDRAW_REASONS = (
    (31, "Accepted another offer"),
    (32, "Compensation"),
    (33, "Not interested in the role"),
    (34, "Location / commute"),
)
JOB_TITLES = {
    "software": "Software Engineer",
    "healthcare": "Clinical Data Analyst",
    "restaurants": "Restaurant Operations Manager",
    "finance": "Financial Analyst",
    "retail": "Merchandising Analyst",
    "government": "Policy Analyst",
}
LEVEL_TITLES = {"intern": "{} Intern", "entry": "Junior {}", "mid": "{}", "senior": "Senior {}"}
CITIES = ("Chicago, IL", "Austin, TX", "Denver, CO", "Atlanta, GA", "Portland, OR")
FIRST_NAMES = (
    "Marisol", "Tobias", "Ingrid", "Desmond", "Priya", "Kasimir", "Odalys", "Fenwick",
    "Yolanda", "Bartholomew", "Ximena", "Leopold", "Saoirse", "Thaddeus", "Ondine", "Ravindra",
)  # fmt: skip
LAST_NAMES = (
    "Quillfeather", "Brannigan", "Okonkwo-Vale", "Thistlewood", "Marchetti", "Valdespino",
    "Ashgrove", "Kowalczyk", "Delacroix-Penn", "Iverholt", "Sunderland", "Abernathy",
)  # fmt: skip


def stamp(t: pd.Timestamp) -> str:
    """A UTC moment as Harvest writes it: ``2024-03-04T14:02:11.000Z``."""
    return t.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%S.000Z")


def increasing_ids(rng: np.random.Generator, n: int, low: int, high: int, gap: int) -> list[int]:
    """``n`` increasing integers from a random start in [low, high), random gaps up to ``gap``."""
    start = int(rng.integers(low, high))
    return (start + np.cumsum(rng.integers(1, gap + 1, size=n))).tolist()


class People:
    """Made-up people drawn from the seed: names, emails, phones."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def person(self) -> dict[str, str]:
        first = str(self.rng.choice(FIRST_NAMES))
        last = str(self.rng.choice(LAST_NAMES))
        local = f"{first}.{last}".lower().replace("-", "")
        phone = f"+1-555-01{int(self.rng.integers(0, 100)):02d}"
        return {
            "first": first,
            "last": last,
            "name": f"{first} {last}",
            "email": f"{local}@example.com",
            "phone": phone,
        }

    def staff(self, n: int, low: int) -> list[dict[str, Any]]:
        ids = increasing_ids(self.rng, n, low, low + 1000, 40)
        out = []
        for i, pid in enumerate(ids):
            p = self.person()
            out.append(
                {
                    "user": {
                        "id": pid,
                        "first_name": p["first"],
                        "last_name": p["last"],
                        "name": p["name"],
                        "employee_id": f"E-{i + 1:04d}",
                    },
                    "email": p["email"],
                }
            )
        return out


def interview_object(
    iid: int, app_id: int, name_id: tuple[int, str], start: pd.Timestamp, applied: pd.Timestamp,
    organizer: dict[str, Any], interviewer: dict[str, Any], rng: np.random.Generator,
) -> dict[str, Any]:  # fmt: skip
    created = max(applied, start - pd.Timedelta(hours=int(rng.integers(20, 120))))
    end = start + pd.Timedelta(minutes=int(rng.choice([30, 45, 60])))
    return {
        "id": iid,
        "application_id": app_id,
        "external_event_id": f"event{iid}",
        "start": {"date_time": stamp(start)},
        "end": {"date_time": stamp(end)},
        "location": "Video call",
        "video_conferencing_url": f"https://example.com/meet/{iid}",
        "status": "complete",
        "created_at": stamp(created),
        "updated_at": stamp(end),
        "interview": {"id": name_id[0], "name": name_id[1]},
        "organizer": organizer["user"],
        "interviewers": [
            {
                "id": interviewer["user"]["id"],
                "employee_id": interviewer["user"]["employee_id"],
                "name": interviewer["user"]["name"],
                "email": interviewer["email"],
                "response_status": "accepted",
                "scorecard_id": iid + 5_000_000,
            }
        ],
    }


def pick(rng: np.random.Generator, choices: tuple[tuple[int, str], ...]) -> tuple[int, str]:
    return choices[int(rng.integers(len(choices)))]


def offer_object(
    oid: int, app_id: int, job_id: int, cand_ids: dict[str, int], a: str, first_ev: pd.DataFrame,
    sent: pd.Timestamp, as_of: pd.Timestamp, rng: np.random.Generator,
) -> dict[str, Any]:  # fmt: skip
    """An offer sent on the day of ``sent``, accepted days later if that is before ``as_of``."""
    created = sent - pd.Timedelta(hours=int(rng.integers(1, 6)))
    resolved = sent + pd.Timedelta(days=int(rng.integers(1, 8)), hours=int(rng.integers(0, 9)))
    accepted = resolved <= as_of
    start = (resolved + pd.Timedelta(days=int(rng.integers(14, 36)))).strftime("%Y-%m-%d")
    return {
        "id": oid,
        "version": 1,
        "application_id": app_id,
        "job_id": job_id,
        "candidate_id": cand_ids[str(first_ev.loc[a, "candidate_id"])],
        "opening": None,
        "created_at": stamp(created),
        "updated_at": stamp(resolved if accepted else sent),
        "sent_at": sent.tz_convert("UTC").strftime("%Y-%m-%d"),
        "resolved_at": stamp(resolved) if accepted else None,
        "starts_at": start,
        "status": "accepted" if accepted else "unresolved",
        "custom_fields": {},
        "keyed_custom_fields": {},
    }
