"""Throughput of ``doseresponse.fit_many`` (all curves at once) against per-curve loops, side by side.

Run:  python benchmarks/bench_fit_many.py [N ...]      (default: 10000 100000)

Data: ``assaystats.datasets.simulate_screen(N)``: LL.4 curves, 9 doses (vehicle + 8) x 3 replicates, full, partial
and flat responses in turn (one third each), sd 5 on a 0-100 scale.
Baselines, timed on a sample of the same kind of curves and extrapolated per curve:
- a loop over ``doseresponse.fit`` (one curve per call: the single-curve analysis with its tables and intervals);
- a loop over ``doseresponse.fit_curve`` (the single-curve optimiser alone, no tables);
- a loop over ``scipy.optimize.curve_fit`` with the LL.4 formula (estimates + the covariance, from which the SEs and
  intervals follow; no vehicle limit, no bounds, no flags), the tool a Python user would otherwise write.
fit_many computes everything of its table (SEs, delta-method intervals, absolute IC50s, AUC, F tests, flags).
Times are wall-clock and CPU (process) time; on a shared machine CPU time is the steadier figure, and the ratios
are computed on CPU time for both sides. Peak memory: tracemalloc's peak of Python-allocated memory (numpy arrays
included) during a separate run, at each N, to show that it grows linearly (curves are fitted in chunks of
``_batch.CHUNK``).
Work count: the curve-iterations of the Levenberg-Marquardt (one per curve per iteration, multi-start runs included),
counted by wrapping ``_batch_lm._normal_equations``; the per-iteration cost is compared with the arithmetic of one
iteration (see ``FLOPS_PER_ITERATION``).
"""

from __future__ import annotations

import sys
import time
import tracemalloc
import warnings

import numpy as np

#: floating-point operations of one LM iteration of one curve of P = 27 wells, 4 free parameters: the shape
#: (subtract, multiply, exp ~ 10, add, reciprocal: ~14 per well), residual (4 per well), Jacobian (~8 per well),
#: J'J and J'r (14 dot products, 2 per well each), the 4 x 4 Cholesky solve (~60) and the step checks (~30)
FLOPS_PER_ITERATION = 27 * (14 + 4 + 8 + 28) + 60 + 30


def ll4(x, b, c, d, e):
    with np.errstate(divide="ignore", over="ignore"):
        return c + (d - c) / (1 + np.exp(b * (np.log(x) - np.log(e))))


def per_curve(groups, fn):
    """(wall, cpu) seconds per curve of fn over the groups."""
    w, c = time.perf_counter(), time.process_time()
    for g in groups:
        fn(g)
    return (time.perf_counter() - w) / len(groups), (time.process_time() - c) / len(groups)


def main(sizes):
    from scipy.optimize import OptimizeWarning, curve_fit

    from assaystats.datasets import simulate_screen
    from assaystats.doseresponse import MODELS, _batch_lm, fit, fit_curve, fit_many
    from assaystats.errors import FitWarning

    warnings.simplefilter("ignore", FitWarning)
    warnings.simplefilter("ignore", RuntimeWarning)
    warnings.simplefilter("ignore", OptimizeWarning)

    def one_fit(g):
        fit(g, dose="dose", response="response", compare="none")

    def one_fit_curve(g):
        fit_curve(g.dose.to_numpy(), g.response.to_numpy(), model=MODELS["ll4"])

    def one_curve_fit(g):
        x = g.dose.to_numpy()
        x = np.where(x > 0, x, 1e-6)  # curve_fit has no dose-0 limit: the vehicle at a tiny dose
        y = g.response.to_numpy()
        try:
            _p, cov = curve_fit(ll4, x, y, p0=[1.0, y.min(), y.max(), np.median(x)], maxfev=4000)
            np.sqrt(np.diag(cov))
        except RuntimeError:
            pass

    sample = simulate_screen(300, seed=1)
    groups = [g for _, g in sample.groupby("curve", sort=False)]
    s_fit = per_curve(groups[:15], one_fit)
    s_fit_curve = per_curve(groups[:15], one_fit_curve)
    s_cf = per_curve(groups, one_curve_fit)
    print("per-curve loops (sample, full/partial/flat in turn), wall / CPU ms per curve:")
    print(f"  fit        {1e3 * s_fit[0]:8.2f} / {1e3 * s_fit[1]:8.2f}   (15 curves)")
    print(f"  fit_curve  {1e3 * s_fit_curve[0]:8.2f} / {1e3 * s_fit_curve[1]:8.2f}   (15 curves)")
    print(f"  curve_fit  {1e3 * s_cf[0]:8.3f} / {1e3 * s_cf[1]:8.3f}   (300 curves)")

    counted = {"n": 0}
    inner = _batch_lm._normal_equations

    def counting(cols, r):
        counted["n"] += r.shape[0]
        return inner(cols, r)

    for n in sizes:
        df = simulate_screen(n, seed=2)
        counted["n"] = 0
        _batch_lm._normal_equations = counting
        w, c = time.perf_counter(), time.process_time()
        res = fit_many(df, dose="dose", response="response", curve="curve")
        wall, cpu = time.perf_counter() - w, time.process_time() - c
        _batch_lm._normal_equations = inner
        tab = res.fits
        per = cpu / n
        # minus the two J'J evaluations per fitted curve outside the iterations (the multi-start check, the optimum)
        iters = counted["n"] - 2 * int((tab.method == "batched").sum())
        print(f"\nfit_many, {n:,} curves: wall {wall:.2f} s, CPU {cpu:.2f} s, {1e6 * per:.1f} us CPU per curve")
        print(f"  ratio (CPU) vs fit loop {s_fit[1] / per:,.0f}x; vs fit_curve loop {s_fit_curve[1] / per:,.0f}x; "
              f"vs scipy curve_fit loop {s_cf[1] / per:,.1f}x")
        print(f"  LM curve-iterations {iters:,} ({iters / n:.1f} per curve); {1e9 * cpu / iters:.0f} ns CPU per "
              f"curve-iteration including everything else, vs ~{FLOPS_PER_ITERATION:,} flops per iteration "
              f"({FLOPS_PER_ITERATION / (1e9 * cpu / iters):.2f} flop/ns achieved)")
        print(f"  converged {int(tab.converged.sum()):,}; flag 'ok' {int((tab.flag == 'ok').sum()):,}; "
              f"flagged flat {int(tab.flag.str.contains('flat').sum()):,}; "
              f"not_converged {int(tab.flag.str.contains('not_converged').sum()):,}")
        tracemalloc.start()
        fit_many(df, dose="dose", response="response", curve="curve")
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"  peak memory (tracemalloc) {peak / 2**20:,.0f} MiB for {n:,} curves "
              f"({peak / n / 1024:.1f} KiB per curve; input table {df.memory_usage(deep=True).sum() / 2**20:.0f} MiB)")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10_000, 100_000])
