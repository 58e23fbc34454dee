"""fit_many on a dask DataFrame (distributed.LocalCluster, 2 worker processes x 1 thread) against the in-memory run.

    python benchmarks/bench_fit_many_dask.py [--curves 100000] [--partitions 16] [--threads] [--check]

Prints the wall time of the in-memory ``fit_many`` on a pandas table, of the same fit through dask (shuffle by curve
included; the cluster is started before the clock runs), their ratio, and the peak resident memory of each worker
process (``ru_maxrss`` read on the workers after the run) beside the parent's (the in-memory run's). ``--check`` also asserts that both
tables are equal. The screen is ``assaystats.datasets.simulate_screen`` (LL.4 curves, 9 doses x 3 wells, full /
partial / flat), its rows shuffled so that every curve is spread over the input partitions, written to Parquet
(one row group per partition) and read by both runs (pandas.read_parquet / dask.dataframe.read_parquet).

On a shared machine the timings move with the load of other processes: repeat and read ratios, not seconds.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path


def _maxrss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--curves", type=int, default=100_000)
    ap.add_argument("--partitions", type=int, default=16)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", action="store_true", help="also time dask's threaded scheduler (2 threads)")
    ap.add_argument("--check", action="store_true", help="assert that the dask table equals the in-memory one")
    args = ap.parse_args(argv)

    import dask.dataframe as dd
    import distributed
    import numpy as np
    import pandas as pd

    from assaystats.datasets import simulate_screen
    from assaystats.doseresponse import fit_many

    # the workers start first, so that their peak memory is their own work, not a copy of this process
    tmpdir = tempfile.TemporaryDirectory()
    tmp = tmpdir.name
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as cluster, distributed.Client(cluster) as client:
        client.wait_for_workers(2)
        base = client.run(_maxrss_mb)
        df = simulate_screen(args.curves, seed=args.seed)[["curve", "dose", "response"]]
        df = df.iloc[np.random.default_rng(args.seed).permutation(len(df))].reset_index(drop=True)
        path = Path(tmp) / "screen.parquet"
        df.to_parquet(path, index=False, row_group_size=-(-len(df) // args.partitions))
        del df
        print(f"{args.curves} curves, {args.partitions} Parquet row groups")

        t0 = time.perf_counter()
        pdf = pd.read_parquet(path)
        mem = fit_many(pdf, dose="dose", response="response", curve="curve")
        t_mem = time.perf_counter() - t0
        print(f"in memory          {t_mem:8.1f} s   {len(pdf)} wells; parent peak RSS {_maxrss_mb():7.0f} MB")
        del pdf

        t0 = time.perf_counter()
        ddf = dd.read_parquet(path, split_row_groups=True)
        res = fit_many(ddf, dose="dose", response="response", curve="curve")
        t_dask = time.perf_counter() - t0
        peaks = client.run(_maxrss_mb)
        print("worker peak RSS before the run: " + ", ".join(f"{v:.0f} MB" for v in base.values()))
    t_thr = None
    if args.threads:
        import dask

        t0 = time.perf_counter()
        with dask.config.set(scheduler="threads", num_workers=2):  # no client: a task shuffle
            thr = fit_many(dd.read_parquet(path, split_row_groups=True), dose="dose", response="response",
                           curve="curve")
        t_thr = time.perf_counter() - t0
        if args.check:
            pd.testing.assert_frame_equal(thr.table, mem.table, check_dtype=False, rtol=1e-12, atol=0)
    print(f"dask LocalCluster  {t_dask:8.1f} s   worker peak RSS "
          + ", ".join(f"{v:.0f} MB" for v in peaks.values()))
    print(f"ratio dask / in-memory wall time: {t_dask / t_mem:.2f} (2 workers on this machine's cores; the in-memory "
          "run uses one process)")
    if t_thr is not None:
        print(f"dask threads (2)   {t_thr:8.1f} s   ratio to in-memory {t_thr / t_mem:.2f}")
    if args.check:
        pd.testing.assert_frame_equal(res.table, mem.table, check_dtype=False, rtol=1e-12, atol=0)
        print("tables equal (rtol 1e-12)")
    tmpdir.cleanup()


if __name__ == "__main__":
    main()
