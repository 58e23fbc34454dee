"""Throughput of ``doseresponse.fit_many`` (all curves at once) against per-curve loops, side by side.

Run:  python benchmarks/bench_fit_many.py [N ...]      (default: 10000 100000)

Data: N simulated LL.4 curves, 9 doses (vehicle + 8) x 3 replicates, a seeded mix of full, partial and flat
responses (one third each), sd 5 on a 0-100 scale.
Baselines, timed on a sample of the same curves and extrapolated per curve:
- a loop over ``doseresponse.fit`` (one curve per call: the single-curve analysis with its tables and intervals);
- a loop over ``doseresponse.fit_curve`` (the single-curve optimiser alone, no tables);
- a loop over ``scipy.optimize.curve_fit`` with the LL.4 formula (estimates + J'J covariance only; no vehicle
  limit, no bounds, no flags), the tool a Python user would otherwise write.
Peak memory of fit_many: tracemalloc's peak of Python-allocated memory (numpy arrays included) during a second run.
"""

from __future__ import annotations

import sys
import time
import tracemalloc
import warnings

import numpy as np
import pandas as pd

DOSES = (0, 0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30)


def simulate(n_curves, seed=0, reps=3):
    rng = np.random.default_rng(seed)
    kind = np.arange(n_curves) % 3  # 0 full, 1 partial, 2 flat
    x = np.tile(np.repeat(np.asarray(DOSES, float), reps), n_curves)
    cid = np.repeat(np.arange(n_curves), len(DOSES) * reps)
    e = np.exp(rng.uniform(np.log(0.03), np.log(3), n_curves))
    b = rng.uniform(0.7, 3, n_curves)
    d = rng.normal(100, 5, n_curves)
    c = np.where(kind == 0, rng.uniform(0, 15, n_curves), np.where(kind == 1, rng.uniform(40, 70, n_curves), d))
    with np.errstate(divide="ignore"):
        u = np.exp(b[cid] * (np.log(np.where(x > 0, x, 1e-300)) - np.log(e[cid])))
    y = c[cid] + (d - c)[cid] / (1 + u) + rng.normal(0, 5, x.size)
    return pd.DataFrame({"curve": cid, "dose": x, "y": y})


def ll4(x, b, c, d, e):
    with np.errstate(divide="ignore", over="ignore"):
        return c + (d - c) / (1 + np.exp(b * (np.log(x) - np.log(e))))


def per_curve(df, n_sample, fn):
    """Seconds per curve of fn(sub-table) over the first n_sample curves (one third of each kind)."""
    groups = [g for _, g in df[df.curve < n_sample].groupby("curve", sort=False)]
    t = time.perf_counter()
    for g in groups:
        fn(g)
    return (time.perf_counter() - t) / len(groups)


def main(sizes):
    from scipy.optimize import curve_fit

    from assaystats.doseresponse import MODELS, fit, fit_curve, fit_many
    from assaystats.errors import FitWarning

    warnings.simplefilter("ignore", FitWarning)
    warnings.simplefilter("ignore", RuntimeWarning)

    def one_fit(g):
        fit(g, dose="dose", response="y", compare="none")

    def one_fit_curve(g):
        fit_curve(g.dose.to_numpy(), g.y.to_numpy(), model=MODELS["ll4"])

    def one_curve_fit(g):
        x = g.dose.to_numpy()
        x = np.where(x > 0, x, 1e-6)  # curve_fit has no dose-0 limit: the vehicle at a tiny dose
        y = g.y.to_numpy()
        try:
            curve_fit(ll4, x, y, p0=[1.0, y.min(), y.max(), np.median(x)], maxfev=4000)
        except RuntimeError:
            pass

    sample = simulate(300, seed=1)
    s_fit = per_curve(sample, 30, one_fit)
    s_fit_curve = per_curve(sample, 30, one_fit_curve)
    s_cf = per_curve(sample, 300, one_curve_fit)
    print(f"per-curve loops (sample, mixed full/partial/flat): fit {1e3 * s_fit:.2f} ms (30 curves), "
          f"fit_curve {1e3 * s_fit_curve:.2f} ms (30 curves), scipy curve_fit {1e3 * s_cf:.3f} ms (300 curves)")
    for n in sizes:
        df = simulate(n, seed=2)
        for fallback in (False, True) if n <= 10_000 else (False,):
            t = time.perf_counter()
            res = fit_many(df, dose="dose", response="y", curve="curve", fallback=fallback)
            dt = time.perf_counter() - t
            tab = res.fits
            per = dt / n
            print(f"\nfit_many, {n:,} curves (fallback={fallback}): {dt:.2f} s, {n / dt:,.0f} curves/s, "
                  f"{1e6 * per:.1f} us per curve")
            print(f"  ratio vs fit loop {s_fit / per:,.0f}x; vs fit_curve loop {s_fit_curve / per:,.0f}x; "
                  f"vs scipy curve_fit loop {s_cf / per:,.1f}x")
            print(f"  converged {int(tab.converged.sum()):,}; refitted single-curve "
                  f"{int((tab.method == 'single-curve').sum())}; flag 'ok' {int((tab.flag == 'ok').sum()):,}; "
                  f"flagged flat {int(tab.flag.str.contains('flat').sum()):,}")
        tracemalloc.start()
        fit_many(df, dose="dose", response="y", curve="curve", fallback=False)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"  peak memory (tracemalloc) {peak / 2**20:,.0f} MiB for {n:,} curves "
              f"({peak / n / 1024:.1f} KiB per curve; input table {df.memory_usage(deep=True).sum() / 2**20:.0f} MiB)")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10_000, 100_000])
