"""fit_many on a dask DataFrame: curves whole in one partition, the same table as the in-memory run."""

import numpy as np
import pandas as pd
import pytest

from assaystats.doseresponse import BatchFitResult, fit_many, partition_by_curve
from assaystats.errors import AssayDataError

dd = pytest.importorskip("dask.dataframe")

KEYS = ["compound", "line"]
DOSES = (0, 0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30)


def simulate(n_curves, seed, kinds, reps=3, sd=5.0):
    """Seeded LL.4 curves, 9 doses x 3 wells: kind 0 full, 1 partial, 2 flat; named by compound and line."""
    rng = np.random.default_rng(seed)
    x = np.tile(np.repeat(np.asarray(DOSES, float), reps), n_curves)
    cid = np.repeat(np.arange(n_curves), len(DOSES) * reps)
    e = np.exp(rng.uniform(np.log(0.03), np.log(3), n_curves))
    b = rng.uniform(0.7, 3, n_curves)
    d = rng.normal(100, 5, n_curves)
    c = np.where(kinds == 0, rng.uniform(0, 15, n_curves), np.where(kinds == 1, rng.uniform(40, 70, n_curves), d))
    with np.errstate(divide="ignore"):
        u = np.exp(b[cid] * (np.log(np.where(x > 0, x, 1e-300)) - np.log(e[cid])))
    y = c[cid] + (d - c)[cid] / (1 + u) + rng.normal(0, sd, x.size)
    return pd.DataFrame({"compound": [f"cpd{i // 4}" for i in cid], "line": [f"L{i % 4}" for i in cid],
                         "dose": x, "y": y}), kinds


def screen(n_curves, seed=0):
    """A simulated screen with its rows shuffled, so that every curve is spread over every input partition."""
    rng = np.random.default_rng(seed)
    kinds = rng.choice([0, 1, 2], size=n_curves, p=[0.5, 0.35, 0.15])
    df, _ = simulate(n_curves, seed=seed, kinds=kinds)
    df = df.iloc[rng.permutation(len(df))].reset_index(drop=True)
    df.loc[rng.choice(len(df), 5, replace=False), "y"] = np.nan  # a few missing wells: counted, left out
    return df


def in_memory(pdf, **kw):
    return fit_many(pdf, dose="dose", response="y", curve=KEYS, **kw)


def assert_same(res_dask, res_mem):
    assert type(res_dask) is type(res_mem) is BatchFitResult
    pd.testing.assert_frame_equal(res_dask.table, res_mem.table, check_exact=False, rtol=1e-12, atol=0)
    for k in ("n", "n_curves", "rows_left_out", "model", "curve", "fixed", "batched"):
        assert res_dask.meta[k] == res_mem.meta[k], k


def test_partition_by_curve_keeps_every_curve_whole():
    df = screen(40, seed=1)
    ddf = dd.from_pandas(df, npartitions=6)
    parted = partition_by_curve(ddf, curve=KEYS, npartitions=4)
    assert parted.npartitions == 4
    parts = [p.compute() for p in parted.partitions]
    seen = {}
    for i, p in enumerate(parts):
        for key in set(map(tuple, p[KEYS].to_numpy())):
            assert key not in seen, (key, seen.get(key), i)
            seen[key] = i
    assert len(seen) == 40
    # the added columns give back the input order: (partition, row) sorts the rows into ddf.compute()'s order
    allrows = pd.concat(parts).sort_values(["_assaystats_partition", "_assaystats_row"])
    pd.testing.assert_frame_equal(allrows[df.columns].reset_index(drop=True), ddf.compute().reset_index(drop=True))
    assert partition_by_curve(parted, curve=KEYS) is parted  # already partitioned: unchanged


def test_threaded_scheduler_equals_in_memory_run():
    df = screen(120, seed=2)
    ddf = dd.from_pandas(df, npartitions=5)
    res = fit_many(ddf, dose="dose", response="y", curve=KEYS)
    mem = in_memory(ddf.compute())
    assert_same(res, mem)
    assert res.meta["dask"]["npartitions"] == 5
    assert res.meta["rows_left_out"] == 5
    # the same fits as the pandas table the frame was made from (dask may store the text columns as strings)
    ref = in_memory(df)
    pd.testing.assert_frame_equal(res.table, ref.table, check_dtype=False, rtol=1e-12, atol=0)
    # curves listed in the order their first row appears in the input
    first = df.drop_duplicates(KEYS)[KEYS].reset_index(drop=True)
    pd.testing.assert_frame_equal(res.table[KEYS].astype(object), first.astype(object))


def test_fixed_top_and_a_single_curve_column():
    df = screen(30, seed=3)
    df["id"] = df.compound + "/" + df.line
    ddf = dd.from_pandas(df, npartitions=3)
    kw = {"dose": "dose", "response": "y", "curve": "id", "fixed": {"top": 100}}
    assert_same(fit_many(ddf, **kw), fit_many(ddf.compute(), **kw))


def test_parquet_with_several_row_groups(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    df = screen(90, seed=4)
    path = tmp_path / "screen.parquet"
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), path, row_group_size=500)
    assert pq.ParquetFile(path).num_row_groups >= 4
    ddf = dd.read_parquet(path, split_row_groups=True)
    assert ddf.npartitions >= 4
    res = fit_many(ddf, dose="dose", response="y", curve=KEYS)
    assert_same(res, in_memory(ddf.compute()))
    pd.testing.assert_frame_equal(res.table, in_memory(pd.read_parquet(path)).table, check_dtype=False, rtol=1e-12,
                                  atol=0)


def test_csv_in_blocks(tmp_path):
    df = screen(60, seed=5)
    path = tmp_path / "screen.csv"
    df.to_csv(path, index=False)
    ddf = dd.read_csv(path, blocksize=8_000)
    assert ddf.npartitions >= 3
    res = fit_many(ddf, dose="dose", response="y", curve=KEYS)
    assert_same(res, in_memory(ddf.compute()))
    pd.testing.assert_frame_equal(res.table, in_memory(pd.read_csv(path)).table, check_dtype=False, rtol=1e-12,
                                  atol=0)


def test_distributed_local_cluster_equals_in_memory_run():
    distributed = pytest.importorskip("distributed")
    df = screen(300, seed=6)
    ddf = dd.from_pandas(df, npartitions=4)
    mem = in_memory(df)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as cluster, distributed.Client(cluster):
        res = fit_many(ddf, dose="dose", response="y", curve=KEYS)
    assert len(res.table) == 300
    pd.testing.assert_frame_equal(res.table, mem.table, check_dtype=False, rtol=1e-12, atol=0)
    for k in ("n", "n_curves", "rows_left_out"):
        assert res.meta[k] == mem.meta[k]


def test_a_frame_split_after_partitioning_is_an_error():
    df = screen(20, seed=7)
    parted = partition_by_curve(dd.from_pandas(df, npartitions=2), curve=KEYS, npartitions=1)
    split = parted.repartition(npartitions=4)  # cuts the one partition into row ranges: curves split
    with pytest.raises(AssayDataError, match="split across partitions"):
        fit_many(split, dose="dose", response="y", curve=KEYS)


def test_errors_name_the_column_and_the_input_rows():
    df = screen(10, seed=8)
    ddf = dd.from_pandas(df, npartitions=2)
    with pytest.raises(AssayDataError, match="'conc'"):
        fit_many(ddf, dose="conc", response="y", curve=KEYS)
    with pytest.raises(AssayDataError, match="'plate'"):
        partition_by_curve(ddf, curve=["plate"])
    with pytest.raises(AssayDataError, match="npartitions"):
        partition_by_curve(ddf, curve=KEYS, npartitions=0)
    with pytest.raises(AssayDataError, match="dask DataFrame"):
        partition_by_curve(df, curve=KEYS)
    bad = df.astype({"dose": object})
    bad.loc[7, "dose"] = "5 uM"
    with pytest.raises(AssayDataError, match=r"non-numeric.*partition 0 row 7"):
        fit_many(dd.from_pandas(bad, npartitions=2, sort=False), dose="dose", response="y", curve=KEYS)


def test_empty_frame_gives_an_empty_table():
    df = screen(5, seed=9).iloc[:0]
    res = fit_many(dd.from_pandas(df, npartitions=1), dose="dose", response="y", curve=KEYS)
    assert isinstance(res, BatchFitResult)
    assert len(res.table) == 0
    assert list(res.table.columns) == list(in_memory(df).table.columns)


@pytest.mark.parametrize("npartitions", [1, 7])
def test_result_does_not_depend_on_the_partitioning(npartitions):
    df = screen(50, seed=10)
    ddf = dd.from_pandas(df, npartitions=3)
    parted = partition_by_curve(ddf, curve=KEYS, npartitions=npartitions)
    assert parted.npartitions == npartitions
    assert_same(fit_many(parted, dose="dose", response="y", curve=KEYS), in_memory(ddf.compute()))


def test_missing_curve_labels_form_one_curve_as_in_memory():
    df = screen(12, seed=11)
    df.loc[df.line == "L1", "line"] = None  # three curves lose their line: the in-memory fit groups them by compound
    ddf = dd.from_pandas(df, npartitions=4)
    res = fit_many(ddf, dose="dose", response="y", curve=KEYS)
    mem = in_memory(ddf.compute())
    assert_same(res, mem)
    assert res.table.line.isna().sum() == mem.table.line.isna().sum() >= 1


def test_importing_doseresponse_does_not_import_dask():
    import subprocess
    import sys

    code = "import sys, assaystats.doseresponse; print('dask' in sys.modules or 'distributed' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"


def test_auc_window_is_the_screens_not_the_partitions():
    """Curves tested over different dose ranges, in different partitions: AUC and activity area over the screen's
    window, as in memory (each partition's own range would give other numbers), and the replicate and unit columns
    travel with the curves."""
    a = screen(8, seed=5)
    b = screen(8, seed=6)
    b["dose"] = b["dose"] * 100  # a second plate tested at higher doses
    b["compound"] = "hi_" + b["compound"]
    df = pd.concat([a, b], ignore_index=True)
    df["replicate"] = df.groupby([*KEYS, "dose"]).cumcount()
    df["unit"] = "uM"
    ddf = dd.from_pandas(df, npartitions=12, sort=False)  # some partitions hold only one plate's curves
    mem = in_memory(ddf.compute(), replicate="replicate", dose_unit="unit")  # dask's string dtypes on both sides
    res = fit_many(ddf, dose="dose", response="y", curve=KEYS, replicate="replicate", dose_unit="unit")
    assert_same(res, mem)
    assert res.meta["auc_window"] == mem.meta["auc_window"] == [0.01, 3000.0]
    assert res.meta["auc_window_source"] == mem.meta["auc_window_source"]
