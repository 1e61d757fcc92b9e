"""Speed of the pending-application model (issue 15, item 5): fit with 200 resamples, then predict.

On the bundled sample (data/sample, 5,000 applications), times
``pending_model(log, covariates=..., n_resamples=200)`` and ``predict_pending``
on data/sample/pending.csv, without covariates and with industry and
company_size; the median of ``--repeat`` runs (the machine is shared: a figure,
not a test). To compare with another checkout, run the same script with that
checkout first on ``PYTHONPATH``; the line "package:" says which one ran.

Usage (from the repository root)::

    python benchmarks/bench_pending.py
    PYTHONPATH=/path/to/other/checkout python benchmarks/bench_pending.py
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import pandas as pd

import hiring_funnel as hf

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--resamples", type=int, default=200)
    args = parser.parse_args()
    print(f"package: {hf.__file__}")
    log = hf.read_events(
        SAMPLE / "events.csv", mapping=SAMPLE / "mapping.toml", attributes=SAMPLE / "attributes.csv"
    )
    pending = pd.read_csv(SAMPLE / "pending.csv")
    for covs in [(), ("industry", "company_size")]:
        fit, pred = [], []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            model = hf.pending_model(log, covariates=covs, n_resamples=args.resamples, seed=1)
            t1 = time.perf_counter()
            model.predict(pending)
            fit.append(t1 - t0)
            pred.append(time.perf_counter() - t1)
        print(
            f"covariates {', '.join(covs) or 'none'}: fit {statistics.median(fit):.2f} s, "
            f"predict {statistics.median(pred):.2f} s ({args.resamples} resamples)"
        )


if __name__ == "__main__":
    main()
