"""Co-expression on matrices held on disk (issue 13): a genes x samples matrix in Zarr, HDF5 or Parquet, read lazily
by read_matrix (or dask's own readers), gives the in-memory table bit for bit, chunk by chunk, with memory bounded by
the chunk."""

import tracemalloc

import numpy as np
import pandas as pd
import pytest

from assaystats.correlates import ExpressionMatrix, correlate_one, read_matrix
from assaystats.errors import AssayDataError

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")


def _data(G=157, N=90, missing=True, seed=11):
    rng = np.random.default_rng(seed)
    x = np.round(rng.lognormal(size=N), 1)
    x[rng.random(N) < 0.3] = 0.0
    Y = np.round(rng.lognormal(size=(G, N)) + rng.normal(0, 0.5, (G, 1)) * x, 2)
    Y[rng.random(Y.shape) < 0.35] = 0.0
    if missing:  # some genes complete, some with missing values: both routes in every chunk
        Y[rng.random(Y.shape) < 0.02] = np.nan
    return x, Y, [f"G{i:03d}" for i in range(G)], [f"TCGA-{i:04d}" for i in range(N)]


def _write_zarr(path, Y, genes, samples, chunks):
    zarr = pytest.importorskip("zarr")
    z = zarr.create_array(str(path), shape=Y.shape, chunks=chunks, dtype="f8")
    z[:] = Y
    z.attrs["genes"] = genes
    z.attrs["samples"] = samples


def _write_h5(path, Y, genes, samples, chunks):
    h5py = pytest.importorskip("h5py")
    with h5py.File(path, "w") as f:
        f.create_dataset("values", data=Y, chunks=chunks)
        f.create_dataset("genes", data=np.array(genes, dtype="S"))
        f.create_dataset("samples", data=np.array(samples, dtype=h5py.string_dtype()))


@pytest.mark.parametrize("method", ["pearson", "spearman", "kendall"])
@pytest.mark.parametrize("missing", [False, True])
def test_zarr_and_hdf5_give_the_in_memory_table(tmp_path, method, missing):
    x, Y, genes, samples = _data(missing=missing)
    ref = correlate_one(x, Y, genes, method=method)
    _write_zarr(tmp_path / "m.zarr", Y, genes, samples, chunks=(20, 30))  # samples split too: rechunked to genes
    _write_h5(tmp_path / "m.h5", Y, genes, samples, chunks=(25, 90))
    for path in (tmp_path / "m.zarr", tmp_path / "m.h5"):
        m = read_matrix(path)
        assert isinstance(m, ExpressionMatrix)
        assert m.genes == tuple(genes) and m.samples == tuple(samples)
        assert m.values.shape == Y.shape and m.values.numblocks[0] > 1
        got = correlate_one(x, m.values, m.genes, method=method)
        pd.testing.assert_frame_equal(got, ref, check_exact=True)
    # dask's own readers, without read_matrix
    h5py = pytest.importorskip("h5py")
    got = correlate_one(x, da.from_zarr(str(tmp_path / "m.zarr")), genes, method=method)
    pd.testing.assert_frame_equal(got, ref, check_exact=True)
    with h5py.File(tmp_path / "m.h5", "r") as f:
        got = correlate_one(x, da.from_array(f["values"], chunks=(40, 90)), genes, method=method)
    pd.testing.assert_frame_equal(got, ref, check_exact=True)


@pytest.mark.parametrize("method", ["pearson", "spearman"])
def test_parquet_table_through_read_parquet_gives_the_in_memory_table(tmp_path, method):
    pytest.importorskip("pyarrow")
    dd = pytest.importorskip("dask.dataframe")
    x, Y, genes, samples = _data()
    ref = correlate_one(x, Y, genes, method=method)
    table = pd.DataFrame(Y, columns=samples)
    table.insert(0, "gene_id", genes)
    dd.from_pandas(table, npartitions=4).to_parquet(tmp_path / "m.parquet", write_index=False)
    m = read_matrix(tmp_path / "m.parquet")
    assert m.genes == tuple(genes) and m.samples == tuple(samples) and m.values.numblocks[0] == 4
    pd.testing.assert_frame_equal(correlate_one(x, m.values, m.genes, method=method), ref, check_exact=True)
    # a dask DataFrame of sample columns goes to correlate_one directly
    frame = dd.read_parquet(tmp_path / "m.parquet")
    got = correlate_one(x, frame.drop(columns="gene_id"), genes, method=method)
    pd.testing.assert_frame_equal(got, ref, check_exact=True)
    with pytest.raises(AssayDataError, match="column 'gene_id' is not numeric"):
        correlate_one(x, frame, genes)  # the id column left in
    # gene ids in a text index (pandas' default when the index is written)
    table.set_index("gene_id").to_parquet(tmp_path / "indexed.parquet")
    m2 = read_matrix(tmp_path / "indexed.parquet")
    assert m2.genes == tuple(genes) and m2.samples == tuple(samples)
    np.testing.assert_array_equal(m2.gene("G005"), Y[5])


def test_memory_is_bounded_by_the_chunk(tmp_path):
    """Spearman over a Zarr matrix of 16 MB in chunks of 100 genes: the peak of traced allocations stays a small
    fraction of the matrix (synchronous scheduler: one chunk in flight)."""
    G, N = 4000, 500
    x, Y, genes, samples = _data(G, N, missing=False, seed=3)
    _write_zarr(tmp_path / "big.zarr", Y, genes, samples, chunks=(100, N))
    ref = correlate_one(x, Y, genes, method="spearman")
    del Y
    m = read_matrix(tmp_path / "big.zarr")
    with dask.config.set(scheduler="synchronous"):
        tracemalloc.start()
        got = correlate_one(x, m.values, m.genes, method="spearman")
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    pd.testing.assert_frame_equal(got, ref, check_exact=True)
    matrix_bytes = G * N * 8
    assert peak < matrix_bytes / 4, f"peak {peak / 1e6:.1f} MB for a {matrix_bytes / 1e6:.0f} MB matrix"


def test_read_matrix_layouts_and_errors(tmp_path):
    zarr = pytest.importorskip("zarr")
    h5py = pytest.importorskip("h5py")
    _, Y, genes, _ = _data(12, 8, missing=False)
    # a group with a named array and id arrays; default labels when ids are absent
    g = zarr.open_group(str(tmp_path / "g.zarr"), mode="w")
    g.create_array("counts", data=Y)
    g.attrs["genes"] = genes
    m = read_matrix(tmp_path / "g.zarr")
    assert m.genes == tuple(genes) and m.samples == tuple(str(i) for i in range(1, 9))
    np.testing.assert_array_equal(m.values.compute(), Y)
    g.create_array("other", data=Y)
    with pytest.raises(AssayDataError, match="holds 2 2-D arrays"):
        read_matrix(tmp_path / "g.zarr")
    assert read_matrix(tmp_path / "g.zarr", dataset="other").values.shape == Y.shape
    with pytest.raises(AssayDataError, match="has no 'nope'"):
        read_matrix(tmp_path / "g.zarr", dataset="nope")
    with h5py.File(tmp_path / "contig.h5", "w") as f:  # stored contiguously, ids as attributes, wrong count
        d = f.create_dataset("values", data=Y)
        d.attrs["genes"] = genes[:-1]
    with pytest.raises(AssayDataError, match="11 gene ids for a matrix with 12 genes"):
        read_matrix(tmp_path / "contig.h5")
    with h5py.File(tmp_path / "three.h5", "w") as f:
        f.create_dataset("values", data=np.zeros((2, 2, 2)))
    with pytest.raises(AssayDataError, match="must be 2-D"):
        read_matrix(tmp_path / "three.h5")
    with pytest.raises(AssayDataError, match="no such file"):
        read_matrix(tmp_path / "absent.zarr")
    (tmp_path / "m.csv").write_text("a,b\n")
    with pytest.raises(AssayDataError, match="cannot tell the format"):
        read_matrix(tmp_path / "m.csv")
    m = read_matrix(tmp_path / "g.zarr", dataset="counts")
    with pytest.raises(AssayDataError, match="not in the matrix"):
        m.gene("nope")
    np.testing.assert_array_equal(m.gene(genes[3]), Y[3])


def test_dask_chunks_run_their_blocks_on_one_thread(monkeypatch):
    """dask's scheduler runs the chunks in parallel; inside a chunk the blocks of rows are not threaded again."""
    from assaystats.correlates import _rank

    seen = []
    threads = _rank.threads

    def spy(n_blocks):
        seen.append(threads(n_blocks))
        return seen[-1]

    monkeypatch.setattr(_rank, "threads", spy)
    monkeypatch.setattr(_rank, "_BLOCK_ELEMS", 2 * 90)  # several blocks per chunk
    x, Y, genes, _ = _data()
    got = correlate_one(x, da.from_array(Y, chunks=(40, 90)), genes, method="spearman")
    assert seen and set(seen) == {1}
    pd.testing.assert_frame_equal(got, correlate_one(x, Y, genes, method="spearman"), check_exact=True)
