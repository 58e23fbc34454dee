"""Vectorised average ranks (issue 13): rank_rows equals scipy.stats.rankdata(method='average') row by row, ties and
missing values included, and Spearman over pairwise-complete samples equals the per-gene scipy.stats.spearmanr."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

from assaystats.correlates import _rank, correlate_one
from assaystats.correlates._coexpr import rank_rows
from tests.correlates._data import TIE_VALUES, expression_like, reference_ranks

_matrices = st.tuples(st.integers(1, 7), st.integers(0, 12)).flatmap(
    lambda shape: arrays(np.float64, shape, elements=TIE_VALUES))


@settings(max_examples=300, deadline=None)
@given(_matrices)
def test_rank_rows_equals_rankdata_row_by_row(M):
    got = rank_rows(M)
    assert got.shape == M.shape
    np.testing.assert_array_equal(got, reference_ranks(M))  # exact: average ranks are half-integers


@settings(max_examples=100, deadline=None)
@given(_matrices, st.integers(1, 3))
def test_rank_rows_blocks_give_the_same_ranks(M, block):
    """Rows are ranked in blocks; the block size does not change a rank."""
    whole = rank_rows(M)
    old = _rank._BLOCK_ELEMS
    try:
        _rank._BLOCK_ELEMS = block * max(M.shape[1], 1)
        np.testing.assert_array_equal(rank_rows(M), whole)
    finally:
        _rank._BLOCK_ELEMS = old


def test_rank_rows_expression_like_and_one_d():
    rng = np.random.default_rng(0)
    M = np.round(rng.lognormal(size=(200, 300)), 1)
    M[rng.random(M.shape) < 0.4] = 0.0
    np.testing.assert_array_equal(rank_rows(M), stats.rankdata(M, axis=1))
    np.testing.assert_array_equal(rank_rows(M[3]), stats.rankdata(M[3]))
    assert rank_rows(np.empty((3, 0))).shape == (3, 0)
    with pytest.raises(ValueError, match="1-D or 2-D"):
        rank_rows(np.zeros((2, 2, 2)))


def test_rank_rows_values_closer_than_the_packed_key_bits():
    """Values that differ only in the lowest mantissa bits (dropped from the packed sort key) are still ordered."""
    rng = np.random.default_rng(4)
    base = np.nextafter(1.0, 2.0) * np.ones(4000)
    M = np.nextafter(base, base + rng.integers(0, 2, 4000))  # 1 + eps or 1 + 2 eps
    M = np.vstack([M, -M, np.round(rng.normal(size=4000), 1)])
    np.testing.assert_array_equal(rank_rows(M), stats.rankdata(M, axis=1))


def test_rank_rows_does_not_modify_input():
    M = np.array([[1.0, np.nan, 1.0, np.inf], [2.0, 2.0, 0.0, 0.0]])
    before = M.copy()
    rank_rows(M)
    np.testing.assert_array_equal(M, before)


_small = st.sampled_from([0.0, 0.0, 1.0, 2.0, 2.5, 3.0, np.nan])


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 14).flatmap(lambda n: st.tuples(arrays(np.float64, (n,), elements=_small),
                                                       arrays(np.float64, (5, n), elements=_small))))
def test_spearman_pairwise_complete_equals_spearmanr_loop(xy):
    """With missing values each pair is ranked over its own complete samples, as spearmanr(x[ok], y[ok])."""
    x, Y = xy
    res = correlate_one(x, Y, [f"g{i}" for i in range(Y.shape[0])], method="spearman")
    for i in range(Y.shape[0]):
        ok = np.isfinite(x) & np.isfinite(Y[i])
        assert res.n.iloc[i] == ok.sum()
        constant = ok.sum() > 0 and (np.ptp(x[ok]) == 0 or np.ptp(Y[i, ok]) == 0)
        if ok.sum() <= 2 or constant:
            assert np.isnan(res.r.iloc[i])
        else:
            ref = stats.spearmanr(x[ok], Y[i, ok])
            assert res.r.iloc[i] == pytest.approx(ref.statistic, rel=1e-12, abs=1e-12)


def test_spearman_expression_like_with_missing_matches_loop():
    x, Y, _ = expression_like(3, 40, 150, missing=0.1, x_missing=[4, 17])
    res = correlate_one(x, Y, [f"g{i}" for i in range(40)], method="spearman")
    for i in range(40):
        ok = np.isfinite(x) & np.isfinite(Y[i])
        ref = stats.spearmanr(x[ok], Y[i, ok])
        assert res.r.iloc[i] == pytest.approx(ref.statistic, rel=1e-12)
        assert res.p_value.iloc[i] == pytest.approx(ref.pvalue, rel=1e-9)
        assert res.n.iloc[i] == ok.sum()


def test_spearman_with_missing_values_in_gene_blocks_gives_the_same_table(monkeypatch):
    rng = np.random.default_rng(5)
    x = np.round(rng.normal(size=60), 1)
    Y = np.round(rng.normal(size=(23, 60)), 1)
    Y[rng.random(Y.shape) < 0.2] = np.nan
    names = [f"g{i}" for i in range(23)]
    whole = correlate_one(x, Y, names, method="spearman")
    monkeypatch.setattr(_rank, "_BLOCK_ELEMS", 5 * 60)
    chunked = correlate_one(x, Y, names, method="spearman")
    assert whole.equals(chunked)


_tied = st.sampled_from([0.0, 0.0, 0.0, 1.0, 1.25, 2.0, 3.5, -1.0])


@settings(max_examples=150, deadline=None)
@given(st.integers(3, 25).flatmap(lambda n: st.tuples(arrays(np.float64, (n,), elements=_tied),
                                                       arrays(np.float64, (6, n), elements=_tied))))
def test_spearman_complete_equals_spearmanr_on_tied_data(xy):
    """Without missing values the rank-run route (no rank matrix) equals spearmanr gene by gene, ties included."""
    x, Y = xy
    res = correlate_one(x, Y, [f"g{i}" for i in range(Y.shape[0])], method="spearman")
    assert (res.n == x.size).all()
    for i in range(Y.shape[0]):
        if np.ptp(x) == 0 or np.ptp(Y[i]) == 0:
            assert np.isnan(res.r.iloc[i])
        else:
            assert res.r.iloc[i] == pytest.approx(stats.spearmanr(x, Y[i]).statistic, rel=1e-12, abs=1e-12)


def test_spearman_complete_expression_like_blocks(monkeypatch):
    """Expression-like values (zeros, rounding) across several row blocks: r and p equal spearmanr's."""
    N = 300
    x, Y, _ = expression_like(11, 50, N)
    monkeypatch.setattr(_rank, "_BLOCK_ELEMS", 7 * N)
    res = correlate_one(x, Y, [f"g{i}" for i in range(50)], method="spearman")
    for i in range(50):
        ref = stats.spearmanr(x, Y[i])
        assert res.r.iloc[i] == pytest.approx(ref.statistic, rel=1e-12)
        assert res.p_value.iloc[i] == pytest.approx(ref.pvalue, rel=1e-9)
