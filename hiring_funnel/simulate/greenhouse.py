"""A simulated log as a Greenhouse Harvest export: application objects with their interviews and offers.

:func:`to_greenhouse` writes a :class:`~hiring_funnel.simulate.SimulatedLog`
as the objects of ``GET https://harvest.greenhouse.io/v1/applications``
(https://developers.greenhouse.io/harvest.html#applications), with the
objects of ``/v1/applications/{id}/scheduled_interviews`` and ``.../offers``
nested under each as ``scheduled_interviews`` and ``offers``: the layout the
bundled ``greenhouse`` mapping reads (``hiring_funnel/mappings/greenhouse.toml``).

How the simulator's events become fields:

- ``applied`` is ``applied_at``;
- ``screen`` is a scheduled interview named like a screen of the preset's
  ``[stages]`` ("Recruiter Phone Screen", ...), ``interview`` one named like an
  interview ("Technical Interview", "Onsite", ...), starting at the event;
- ``offer`` is an offer sent that day (``sent_at`` is a date, as Harvest gives
  it; ``created_at`` is earlier), accepted a few days later when that is before
  the export, else unresolved;
- ``rejection`` is ``rejected_at`` with a reason of type "We rejected them",
  ``withdrawn`` is ``rejected_at`` with a reason of type "They rejected us";
- ``follow_up`` (a message, no step of the process) only moves
  ``last_activity_at``, and ``closed`` (the posting closed) leaves the
  application active: Harvest's application object records neither;
- the attributes: ``source`` is ``source.public_name`` (:data:`SOURCE_NAMES`),
  ``role_level`` and ``industry`` give the job's name, and all four of
  ``industry``, ``role_level``, ``company_size`` and ``remote`` are application
  custom fields (``custom_fields.<name>``), which :func:`sample_mapping_text`
  maps; ``remote`` also gives ``location.address``.

Ids are integers drawn from the seed, increasing in the simulator's order of
applications (and of candidates, jobs, interviews and offers). Made-up personal
data is planted where the preset reads nothing (credited_to, answers,
attachments, interviewers, rejection_details, offer notes): names, emails
``first.last@example.com`` and phone numbers ``+1-555-01..``, so tests can
check that it never reaches an output (:func:`planted_personal_data`).

Examples
--------
>>> from hiring_funnel.simulate import simulate
>>> apps = to_greenhouse(simulate(20, seed=4), seed=4)
>>> len(apps), sorted(apps[0])[:4]
(20, ['answers', 'applied_at', 'attachments', 'candidate_id'])
>>> all(a["id"] < b["id"] for a, b in zip(apps, apps[1:]))
True
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.simulate import SimulatedLog, simulate
from hiring_funnel.simulate.greenhouse_parts import (
    CITIES,
    INTERVIEW_NAMES,
    JOB_TITLES,
    LEVEL_TITLES,
    OTHER_INTERVIEW,
    REJECT_REASONS,
    REJECTED,
    SCREEN_NAMES,
    SOURCE_NAMES,
    WITHDRAW_REASONS,
    WITHDREW,
    People,
    increasing_ids,
    interview_object,
    offer_object,
    pick,
    stamp,
)

__all__ = [
    "INTERVIEW_NAMES",
    "SAMPLE_APPLICATIONS",
    "SAMPLE_SEED",
    "SCREEN_NAMES",
    "SOURCE_NAMES",
    "planted_personal_data",
    "sample_json",
    "sample_mapping_text",
    "to_greenhouse",
]

#: Size and seed of the shipped ``data/ats/greenhouse`` sample.
SAMPLE_APPLICATIONS = 500
SAMPLE_SEED = 20240415


def to_greenhouse(sim: SimulatedLog, *, seed: int) -> list[dict[str, Any]]:
    """The simulated applications as Greenhouse Harvest application objects.

    Parameters
    ----------
    sim : SimulatedLog
        What :func:`hiring_funnel.simulate.simulate` returns.
    seed : int
        Seed of every random choice made here (ids, names, reasons, times of
        the fields no event gives); the same log and seed give the same objects.

    Returns
    -------
    list of dict
        One JSON-ready object per application, in the simulator's order, ids
        increasing. See the module's docstring for which field holds what.

    Examples
    --------
    >>> from hiring_funnel.simulate import simulate
    >>> sim = simulate(300, seed=5)
    >>> apps = to_greenhouse(sim, seed=1)
    >>> n_offers = int((sim.events["event"] == "offer").sum())
    >>> sum(len(a["offers"]) for a in apps) == n_offers
    True
    >>> sorted({a["status"] for a in apps})
    ['active', 'hired', 'rejected']
    """
    rng = np.random.default_rng(seed)
    as_of = pd.Timestamp(sim.as_of)
    ev = sim.events.sort_values(["application_id", "timestamp", "line"], kind="stable")
    by_app = {k: g for k, g in ev.groupby("application_id", sort=False, observed=True)}
    attrs = sim.attributes.set_index("application_id")
    order = [str(a) for a in sim.attributes["application_id"]]
    first_ev = ev.drop_duplicates("application_id").set_index("application_id")

    app_ids = dict(
        zip(order, increasing_ids(rng, len(order), 40_000_000, 90_000_000, 60), strict=True)
    )
    cands = list(dict.fromkeys(str(first_ev.loc[a, "candidate_id"]) for a in order))
    cand_ids = dict(
        zip(cands, increasing_ids(rng, len(cands), 30_000_000, 80_000_000, 90), strict=True)
    )
    jobs_of = {
        a: (str(first_ev.loc[a, "company_id"]), str(attrs.loc[a, "role_level"])) for a in order
    }
    job_keys = list(dict.fromkeys(jobs_of.values()))
    job_ids = dict(
        zip(job_keys, increasing_ids(rng, len(job_keys), 100_000, 900_000, 400), strict=True)
    )
    # Each job has its own interview plan: one name per stage, its own stage ids.
    plan = {
        k: {
            "phone screen": str(rng.choice(SCREEN_NAMES)),
            **{s: str(rng.choice(names)) for s, names in INTERVIEW_NAMES.items()},
        }
        for k in job_keys
    }
    names = (*SCREEN_NAMES, *(n for ns in INTERVIEW_NAMES.values() for n in ns), *OTHER_INTERVIEW)
    interview_ids = {n: 7000 + i for i, n in enumerate(names)}
    city = {k: str(rng.choice(CITIES)) for k in job_keys}
    people = People(rng)
    recruiters = people.staff(6, 4000)
    interviewers = people.staff(14, 6000)
    candidate = {c: people.person() for c in cands}
    next_interview = int(rng.integers(20_000_000, 60_000_000))
    next_offer = int(rng.integers(1_000_000, 5_000_000))

    out = []
    for a in order:
        g = by_app[a]
        row = attrs.loc[a]
        app_id, cand = app_ids[a], candidate[str(first_ev.loc[a, "candidate_id"])]
        job_key = jobs_of[a]
        job_id = job_ids[job_key]
        recruiter = recruiters[int(rng.integers(len(recruiters)))]
        applied = g["timestamp"].iloc[0]
        interviews: list[dict[str, Any]] = []
        offers: list[dict[str, Any]] = []
        rejected_at = reason = details = None
        stage_name = "Application Review"
        for event, t, stage in zip(
            g["event"].astype(str), g["timestamp"], g["stage"].astype(object), strict=True
        ):
            if event in ("screen", "interview"):
                next_interview += int(rng.integers(1, 400))
                key = "phone screen" if event == "screen" else str(stage)
                name = plan[job_key].get(key, OTHER_INTERVIEW[0])
                who = interviewers[int(rng.integers(len(interviewers)))]
                interviews.append(
                    interview_object(
                        next_interview,
                        app_id,
                        (interview_ids[name], name),
                        t,
                        applied,
                        recruiter,
                        who,
                        rng,
                    )  # fmt: skip
                )
                stage_name = name
            elif event == "offer":
                next_offer += int(rng.integers(1, 50))
                offers.append(
                    offer_object(next_offer, app_id, job_id, cand_ids, a, first_ev, t, as_of, rng)
                )
                offers[-1]["custom_fields"] = {
                    "notes": f"{recruiter['user']['name']} called {cand['first']}"
                }
                stage_name = "Offer"
            elif event in ("rejection", "withdrawn"):
                rid, rname = pick(rng, REJECT_REASONS if event == "rejection" else WITHDRAW_REASONS)
                kind = REJECTED if event == "rejection" else WITHDREW
                rejected_at = stamp(t)
                reason = {"id": rid, "name": rname, "type": dict(kind)}
                note = f"{recruiter['user']['name']} told {cand['name']} by phone ({cand['phone']})"
                details = {
                    "custom_fields": {"custom_rejection_question_field": note},
                    "keyed_custom_fields": {},
                }
        if rejected_at is not None:
            status = "rejected"
        elif offers and offers[-1]["status"] == "accepted":
            status = "hired"
        else:
            status = "active"
        remote = bool(row["remote"])
        fields = {
            "industry": str(row["industry"]),
            "role_level": str(row["role_level"]),
            "company_size": str(row["company_size"]),
            "remote": remote,
        }
        src_id, src_name = SOURCE_NAMES[str(row["source"])]
        out.append(
            {
                "id": app_id,
                "candidate_id": cand_ids[str(first_ev.loc[a, "candidate_id"])],
                "prospect": False,
                "applied_at": stamp(applied),
                "rejected_at": rejected_at,
                "last_activity_at": stamp(g["timestamp"].max()),
                "location": {"address": "Remote" if remote else city[job_key]},
                "source": {"id": src_id, "public_name": src_name},
                "credited_to": recruiter["user"],
                "rejection_reason": reason,
                "rejection_details": details,
                "jobs": [
                    {
                        "id": job_id,
                        "name": LEVEL_TITLES[job_key[1]].format(
                            JOB_TITLES[str(fields["industry"])]
                        ),
                    }
                ],
                "job_post_id": job_id + 1_000_000,
                "status": status,
                "current_stage": {"id": job_id * 10 + len(interviews) % 10, "name": stage_name},
                "answers": [
                    {
                        "question": "How did you hear about this job?",
                        "answer": f"{recruiter['user']['name']} ({recruiter['email']}) reached out",
                    },
                    {"question": "Email", "answer": cand["email"]},
                    {"question": "Phone", "answer": cand["phone"]},
                    {
                        "question": "Cover letter",
                        "answer": f"Dear hiring team, I am {cand['name']} and I would like to apply.",
                    },
                ],
                "prospective_office": None,
                "prospective_department": None,
                "prospect_detail": {
                    "prospect_pool": None,
                    "prospect_stage": None,
                    "prospect_owner": None,
                },
                "custom_fields": fields,
                "keyed_custom_fields": {
                    k: {
                        "name": k.replace("_", " ").capitalize(),
                        "type": "yes_no" if k == "remote" else "single_select",
                        "value": v,
                    }
                    for k, v in fields.items()
                },
                "attachments": [
                    {
                        "filename": f"{cand['first']}_{cand['last']}_Resume.pdf",
                        "url": f"https://example.com/attachments/{app_id}.pdf",
                        "type": "resume",
                        "created_at": stamp(applied),
                    }
                ],
                "scheduled_interviews": interviews,
                "offers": offers,
            }
        )
    return out


def planted_personal_data(applications: list[dict[str, Any]]) -> list[str]:
    """The made-up names, emails and phone numbers in ``applications``, sorted.

    Examples
    --------
    >>> from hiring_funnel.simulate import simulate
    >>> found = planted_personal_data(to_greenhouse(simulate(30, seed=1), seed=1))
    >>> any(s.endswith("@example.com") for s in found), any(s.startswith("+1-555-01") for s in found)
    (True, True)
    """
    found: set[str] = set()
    for app in applications:
        found.add(app["credited_to"]["name"])
        found.update(a["answer"] for a in app["answers"] if a["question"] in ("Email", "Phone"))
        for i in app["scheduled_interviews"]:
            found.update(p["name"] for p in i["interviewers"])
            found.update(p["email"] for p in i["interviewers"])
        name = app["attachments"][0]["filename"].removesuffix("_Resume.pdf")
        found.add(name.replace("_", " "))
    return sorted(found)


def sample_json(n: int = SAMPLE_APPLICATIONS, seed: int = SAMPLE_SEED) -> tuple[str, str]:
    """The text of the shipped sample's ``applications.json`` and ``mapping.toml``.

    ``to_greenhouse(simulate(n, seed=seed), seed=seed)`` as indented JSON with
    a final newline, and :func:`sample_mapping_text` of the same log.

    Examples
    --------
    >>> text, mapping = sample_json(5, seed=3)
    >>> len(json.loads(text)), mapping.splitlines()[1]
    (5, 'extends = "greenhouse"')
    """
    sim = simulate(n, seed=seed)
    text = json.dumps(to_greenhouse(sim, seed=seed), indent=1, ensure_ascii=False) + "\n"
    return text, sample_mapping_text(sim)


def sample_mapping_text(sim: SimulatedLog) -> str:
    """A user mapping for :func:`to_greenhouse`'s output: the preset, the export date, the custom fields.

    Examples
    --------
    >>> from hiring_funnel.simulate import simulate
    >>> print(sample_mapping_text(simulate(5, seed=1)))  # doctest: +ELLIPSIS
    # The Greenhouse preset, with the export date and the application custom fields.
    extends = "greenhouse"
    # The moment the export was taken: ...
    as_of = "2026-11-20T17:00:00Z"
    ...
    """
    as_of = pd.Timestamp(sim.as_of).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        "# The Greenhouse preset, with the export date and the application custom fields.\n"
        'extends = "greenhouse"\n'
        "# The moment the export was taken: applications still waiting then are censored there.\n"
        f'as_of = "{as_of}"\n'
        "\n"
        "[attributes]\n"
        'industry = "custom_fields.industry"\n'
        'role_level = "custom_fields.role_level"\n'
        'company_size = "custom_fields.company_size"\n'
        'remote = "custom_fields.remote"\n'
    )
