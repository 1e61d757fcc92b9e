"""The data of multistate_cox_reference.json: the bundled sample's state paths with two covariates.

One row per path row of :func:`hiring_funnel.state_paths` on data/sample
(events.csv read with its mapping.toml and attributes.csv), with the
application's ``remote`` (binary) and ``company_size`` (four levels), and
``reference.csv``: each covariate's reference level as the pending model picks
it (the most frequent). Run from the repository root::

    python tests/reference/multistate_cox_data.py /tmp/hf_multistate_cox
    Rscript tests/reference/make_multistate_cox_reference.R /tmp/hf_multistate_cox \\
        tests/reference/multistate_cox_reference.json
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

import hiring_funnel as hf

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
COVARIATES = ("remote", "company_size")


def sample_log() -> hf.EventLog:
    """The bundled sample, as the pending model reads it."""
    return hf.read_events(
        SAMPLE / "events.csv", mapping=SAMPLE / "mapping.toml", attributes=SAMPLE / "attributes.csv"
    )


def paths_with_covariates() -> pd.DataFrame:
    """The sample's state paths with the covariates (as text) of each application."""
    log = sample_log()
    paths = hf.state_paths(log)
    attrs = log.attributes.set_index("application_id")[list(COVARIATES)].astype("string")
    return paths.join(attrs, on="application_id")


def main(out: str) -> None:
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    p = paths_with_covariates()
    p.to_csv(folder / "sample_cox_paths.csv", index=False)
    apps = p.drop_duplicates("application_id")
    # The most frequent level; ties go to the first in sorted order (pandas.factorize(sort=True)).
    ref = {c: apps[c].value_counts().sort_index().idxmax() for c in COVARIATES}
    pd.DataFrame({"covariate": list(ref), "reference": list(ref.values())}).to_csv(
        folder / "reference.csv", index=False
    )
    print(f"{len(p)} rows, {apps.shape[0]} applications; references {ref}")


if __name__ == "__main__":
    main(sys.argv[1])
