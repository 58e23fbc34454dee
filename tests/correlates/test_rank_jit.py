"""The optional numba kernels (_rank_jit.py) give the numpy path's ranks and Spearman sums bit for bit, and both equal
scipy.stats.rankdata / spearmanr (issue 13: ties at the sort limit, both cores)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

from assaystats.correlates import _coexpr, _rank, _rank_jit, correlate_one
from tests.correlates._data import TIE_VALUES, expression_like, reference_ranks

pytest.importorskip("numba")



_matrices = st.tuples(st.integers(1, 7), st.integers(0, 40)).flatmap(
    lambda shape: arrays(np.float64, shape, elements=TIE_VALUES))


@settings(max_examples=300, deadline=None)
@given(M=_matrices)
def test_jit_ranks_equal_rankdata_and_the_numpy_path(M):
    np_ranks, jit_ranks = _both(_rank.rank_rows, M)
    np.testing.assert_array_equal(jit_ranks, reference_ranks(M))  # exact: half-integers
    np.testing.assert_array_equal(jit_ranks, np_ranks)
    if np.isfinite(M).all() and M.size:
        np.testing.assert_array_equal(jit_ranks, stats.rankdata(M, axis=1))


def _both(f, *args):
    """Numpy path then numba path (forced), restoring the size rule."""
    out = []
    try:
        for jit in (False, True):
            _rank._USE_JIT = jit
            out.append(f(*args))
    finally:
        _rank._USE_JIT = None
    return out


def test_jit_ranks_expression_like_blocks_and_threads(monkeypatch):
    """Many blocks of rows on two threads; values that differ only in the dropped key bits are redone by argsort."""
    rng = np.random.default_rng(5)
    M = np.round(rng.lognormal(size=(300, 700)), 2)
    M[rng.random(M.shape) < 0.35] = 0.0
    M[7] = np.nextafter(1.0, 2.0) * np.nextafter(np.ones(700), 1 + rng.integers(0, 2, 700))  # 1 + eps, 1 + 2 eps
    M[9] = -M[7]
    monkeypatch.setattr(_rank, "_BLOCK_ELEMS", 3 * 700)
    monkeypatch.setattr(_rank, "threads", lambda n_blocks: min(2, n_blocks))
    ref = stats.rankdata(M, axis=1)
    np_ranks, jit_ranks = _both(_rank.rank_rows, M)
    np.testing.assert_array_equal(jit_ranks, ref)
    np.testing.assert_array_equal(np_ranks, ref)


_small = st.sampled_from([0.0, 0.0, -0.0, 1.0, 2.0, 2.5, 3.0, np.nan])


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 30).flatmap(lambda n: st.tuples(arrays(np.float64, (n,), elements=_small),
                                                       arrays(np.float64, (6, n), elements=_small))))
def test_jit_spearman_sums_equal_the_numpy_path(xy):
    """Complete and pairwise-complete Spearman: the same r and n bit for bit on both paths, and spearmanr's r."""
    x, Y = xy
    if np.isfinite(x).all() and np.isfinite(Y).all():
        (r0, n0), (r1, n1) = _both(_coexpr._spearman_complete, x, Y)
    else:
        (r0, n0), (r1, n1) = _both(_coexpr._spearman_pairwise, x, Y)
    np.testing.assert_array_equal(r1, r0)
    np.testing.assert_array_equal(n1, n0)
    for i in range(Y.shape[0]):
        ok = np.isfinite(x) & np.isfinite(Y[i])
        if ok.sum() > 2 and np.ptp(x[ok]) > 0 and np.ptp(Y[i, ok]) > 0:
            assert r1[i] == pytest.approx(stats.spearmanr(x[ok], Y[i, ok]).statistic, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("missing", [False, True])
def test_jit_correlate_one_table_equals_numpy_table(missing, monkeypatch):
    N = 400
    x, Y, _ = expression_like(9, 120, N, missing=0.1 if missing else 0.0, x_missing=[2, 50] if missing else ())
    monkeypatch.setattr(_rank, "_BLOCK_ELEMS", 7 * N)  # several blocks, on two threads
    monkeypatch.setattr(_rank, "threads", lambda n_blocks: min(2, n_blocks))
    names = [f"g{i}" for i in range(120)]
    ref, got = _both(lambda: correlate_one(x, Y, names, method="spearman"))
    assert got.equals(ref)
    ok = np.isfinite(x) & np.isfinite(Y[0])
    assert got.r[0] == pytest.approx(stats.spearmanr(x[ok], Y[0, ok]).statistic, rel=1e-12)


def test_without_numba_the_numpy_path_runs(monkeypatch):
    """numba is optional: when it cannot be imported the kernels are unavailable and the size rule picks numpy."""
    monkeypatch.setattr(_rank_jit, "_KERNELS", False)
    assert not _rank_jit.available()
    assert not _rank.use_jit(10**9)
    M = np.array([[2.0, 0.0, 2.0, np.nan], [1.0, 1.0, 1.0, 0.0]])
    np.testing.assert_array_equal(_rank.rank_rows(M), [[2.5, 1.0, 2.5, np.nan], [3.0, 3.0, 3.0, 1.0]])


def test_size_rule(monkeypatch):
    """Small matrices do not load numba; a large one does, and then the kernels serve every size."""
    monkeypatch.setattr(_rank_jit, "_KERNELS", None)  # as in a fresh process
    assert not _rank.use_jit(100)
    assert _rank_jit._KERNELS is None
    assert _rank.use_jit(_rank._JIT_MIN_SIZE)
    assert _rank.use_jit(100)


def test_jit_pairwise_rows_with_values_closer_than_the_key_bits():
    """Rows whose values differ only in the dropped key bits are redone by a stable argsort on the pairwise path."""
    rng = np.random.default_rng(12)
    n = 300
    x = np.round(rng.normal(size=n), 1)
    x[[0, 7]] = np.nan
    close = np.nextafter(1.0, 2.0) * np.nextafter(np.ones(n), 1 + rng.integers(0, 2, n))
    Y = np.vstack([close, -close, np.round(rng.normal(size=n), 1)])
    Y[rng.random(Y.shape) < 0.1] = np.nan
    (r0, n0), (r1, n1) = _both(_coexpr._spearman_pairwise, x, Y)
    np.testing.assert_array_equal(r1, r0)
    np.testing.assert_array_equal(n1, n0)
    for i in range(3):
        ok = np.isfinite(x) & np.isfinite(Y[i])
        assert r1[i] == pytest.approx(stats.spearmanr(x[ok], Y[i, ok]).statistic, rel=1e-12, abs=1e-12)
