"""correlate_one on a genes x samples dask array (issue 13): the same table as the in-memory run, chunk by chunk."""

import numpy as np
import pytest

from assaystats.correlates import correlate_one
from assaystats.errors import AssayDataError
from tests.correlates._data import expression_like

da = pytest.importorskip("dask.array")


def _data(missing):
    return expression_like(8, 57, 80, missing=0.1 if missing else 0.0, x_missing=[3] if missing else ())


@pytest.mark.parametrize("missing", [False, True])
@pytest.mark.parametrize("method", ["pearson", "spearman", "kendall"])
def test_dask_matrix_gives_the_in_memory_table(method, missing):
    x, Y, names = _data(missing)
    ref = correlate_one(x, Y, names, method=method)
    got = correlate_one(x, da.from_array(Y, chunks=(10, 30)), names, method=method)  # samples split too
    assert got.equals(ref)


def test_dask_matrix_unsupported_options_and_shapes():
    x, Y, names = _data(False)
    D = da.from_array(Y, chunks=(10, 80))
    with pytest.raises(AssayDataError, match="partial correlations or exact"):
        correlate_one(x, D, names, method="spearman", exact=True)
    with pytest.raises(AssayDataError, match="partial correlations or exact"):
        correlate_one(x, D, names, method="spearman", covariates=np.ones((80, 1)))
    with pytest.raises(AssayDataError, match="genes x samples with 79 samples"):
        correlate_one(x[:-1], D, names)
    with pytest.raises(AssayDataError, match="56 gene names for 57 genes"):
        correlate_one(x, D, names[:-1])
