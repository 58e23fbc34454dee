"""``assaystats correlate`` on a matrix read chunk by chunk (Parquet, Zarr): the same table as from the TSV."""

import numpy as np
import pandas as pd
import pytest

from assaystats import correlates, datasets
from assaystats.cli import main


def _table(out):
    return pd.read_csv(out / "tables" / "coexpression.csv").sort_values("gene").reset_index(drop=True)


@pytest.mark.parametrize("fmt", ["parquet", "zarr"])
def test_lazy_matrix_same_table(tmp_path, fmt):
    pytest.importorskip("dask.array")
    expr = datasets.load("lihc_expression")
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
        path = tmp_path / "m.parquet"
        expr.to_parquet(path, index=False, row_group_size=40)
    else:
        zarr = pytest.importorskip("zarr")
        path = tmp_path / "m.zarr"
        root = zarr.open_group(str(path), mode="w")
        arr = root.create_array("values", shape=(len(expr), expr.shape[1] - 1), chunks=(40, expr.shape[1] - 1),
                                dtype="f8")
        arr[:] = expr.iloc[:, 1:].to_numpy(float)
        root.attrs["genes"] = expr.iloc[:, 0].astype(str).tolist()
        root.attrs["samples"] = [str(c) for c in expr.columns[1:]]
        m = correlates.read_matrix(path)
        assert list(m.genes) == expr.iloc[:, 0].tolist()
    a, b = tmp_path / "a", tmp_path / "b"
    assert main(["correlate", "example:lihc_expression", "--gene", "ZFAS1", "--out", str(a), "--quiet"]) == 0
    assert main(["correlate", str(path), "--gene", "ZFAS1", "--out", str(b), "--quiet"]) == 0
    ta, tb = _table(a), _table(b)
    pd.testing.assert_frame_equal(ta, tb, check_exact=False, rtol=1e-12, atol=1e-300)
    assert np.isfinite(ta.r).all()
    assert "read lazily" in (b / "report.html").read_text()


@pytest.mark.parametrize("extra, words", [
    (["--gene", "ZFAS9"], ["ZFAS9", "not in the matrix"]),
    (["--gene", "ZFAS1", "--log2"], ["log2", "read into memory"]),
    (["--gene", "ZFAS1", "--genes", "NOPE1"], ["NOPE1", "not in the matrix"]),
])
def test_lazy_matrix_errors_one_line(tmp_path, capsys, extra, words):
    pytest.importorskip("pyarrow")
    pytest.importorskip("dask.array")
    path = tmp_path / "m.parquet"
    datasets.load("lihc_expression").to_parquet(path, index=False)
    out = tmp_path / "o"
    assert main(["correlate", str(path), *extra, "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and all(w in err[0] for w in words) and "m.parquet" in err[0], err
    assert not out.exists()
