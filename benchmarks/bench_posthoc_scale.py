"""All-pairs post tests at scale (issue 10): assaystats.assays.compare with Tukey-Kramer (default) against
statsmodels' pairwise_tukeyhsd, run side by side in one process on the same table, plus Games-Howell, Dunnett
(each group against a control) and the omnibus test alone at sizes beyond the all-pairs limit.

Run:  python benchmarks/bench_posthoc_scale.py             (20, 50, 100 groups; statsmodels needs ~35 s at 100)
      python benchmarks/bench_posthoc_scale.py 20 50       (chosen group counts)
Every table has 3 rows per group. statsmodels 0.15 computes each pair's p value with
scipy.stats.studentized_range.sf (adaptive quadrature); assaystats tabulates the distribution once per family.
The p values of both are compared (max absolute difference printed).
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd


def table(k: int, n: int = 3, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    g = np.repeat([f"g{i:05d}" for i in range(k)], n)
    return pd.DataFrame({"g": g, "y": np.repeat(rng.normal(0, 1, k), n) + rng.normal(0, 1, k * n)})


def timed(f):
    t = time.perf_counter()
    out = f()
    return out, time.perf_counter() - t


def main():
    from statsmodels.stats.multicomp import pairwise_tukeyhsd

    from assaystats.assays import compare
    from assaystats.assays._compare import MAX_ALL_PAIRS_GROUPS

    sizes = [int(a) for a in sys.argv[1:]] or [20, 50, 100]
    compare(table(5), value="y", group="g")  # imports and first-call costs outside the timings
    print(f"Tukey-Kramer, all pairs (3 rows per group; limit {MAX_ALL_PAIRS_GROUPS} groups)")
    print(f"{'groups':>7s} {'pairs':>7s} {'assaystats s':>13s} {'statsmodels s':>14s} {'ratio':>7s} {'max |dp|':>9s}")
    for k in sizes:
        d = table(k)
        res, t_ours = timed(lambda: compare(d, value="y", group="g", posthoc="tukey"))
        sm, t_sm = timed(lambda: pairwise_tukeyhsd(d.y.to_numpy(), d.g.to_numpy()))
        # statsmodels orders pairs as itertools.combinations of the sorted levels, as our table (levels sorted here)
        dp = float(np.max(np.abs(res.table.p_adjusted.to_numpy() - np.asarray(sm.pvalues))))
        print(f"{k:7d} {len(res.table):7d} {t_ours:13.2f} {t_sm:14.2f} {t_sm / t_ours:7.1f} {dp:9.1e}")
    print("ratio = statsmodels time / assaystats time (> 1: assaystats is faster)")
    print()
    print(f"{'posthoc':>14s} {'groups':>7s} {'comparisons':>12s} {'assaystats s':>13s}")
    for ph, k, ctrl in (("games-howell", min(max(sizes), MAX_ALL_PAIRS_GROUPS), None),
                        ("dunnett", 1_000, "g00000"), ("dunnett", 10_000, "g00000"), ("omnibus", 10_000, None)):
        d = table(k)
        res, t = timed(lambda: compare(d, value="y", group="g", posthoc=ph, control=ctrl))
        print(f"{ph:>14s} {k:7d} {len(res.table):12d} {t:13.2f}")


if __name__ == "__main__":
    main()
