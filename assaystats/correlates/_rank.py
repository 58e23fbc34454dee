"""Average ranks along the rows of a matrix, ties and missing values included, without a per-row loop.

Hand-written rather than ``scipy.stats.rankdata(M, axis=1)`` for speed (benchmarks/bench_coexpression.py): rankdata
with ``axis=1`` and ties costs several sorts per row, and it cannot skip NaN per row (``nan_policy='omit'`` is not
vectorised). Here one argsort of a block of rows is followed by a few linear passes: with the block's sorted rows
laid end to end, a tie run starts where the value differs from its left neighbour or where a row begins;
np.flatnonzero gives the run starts, np.diff their lengths, the average rank of a run is its first 0-based position in
the row + (length + 1) / 2, and np.repeat spreads it over the run before one scatter puts the ranks back in the
input's order. This equals rankdata's 'average' method bit for bit (ranks are multiples of 1/2). Missing values (NaN,
+-inf) become NaN, which sorts last; each NaN forms a run of its own and those positions are set back to NaN, so the
finite values of a row get the ranks 1 .. n_finite that rankdata gives them.

Rows are processed in blocks of about ``_BLOCK_ELEMS`` values so that the linear passes run in cache and the work
space stays a few MB on top of the input and output whatever the matrix size (blocks of ~1 MB measured faster than
whole-matrix passes, the argsort included).
"""

from __future__ import annotations

import numpy as np

__all__ = ["rank_rows"]

_BLOCK_ELEMS = 1 << 17  # values per block of rows (1 MB of float64: the linear passes run in cache)


def _rank_block(B, out):
    """Average ranks of the rows of B (2-D float, NaN for missing) written into out (same shape)."""
    g, n = B.shape
    order = np.argsort(B, axis=1)
    srt = np.take_along_axis(B, order, axis=1).ravel()  # the block's sorted rows, end to end
    start = np.empty(g * n, bool)  # a tie run starts where the value changes, and at every row's start
    np.not_equal(srt[1:], srt[:-1], out=start[1:])  # NaN != NaN: every NaN is a run of its own
    start[::n] = True
    first = np.flatnonzero(start)
    length = np.diff(first, append=g * n)
    avg = (first % n) + 0.5 * length + 0.5  # first rank in the row + (length - 1) / 2; exact (halves)
    np.put_along_axis(out, order, np.repeat(avg, length).reshape(g, n), axis=1)


def rank_rows(M):
    """Average ranks along the rows of M (as ``scipy.stats.rankdata(row, method='average')``), NaN kept as NaN.

    The finite values of each row are ranked among themselves (1 .. number of finite values), as rankdata does on
    the row with its missing values removed; NaN and +-inf are missing (as everywhere in correlates) and stay NaN.
    A 1-D input is ranked as one row.
    """
    M = np.asarray(M, float)
    one_d = M.ndim == 1
    M2 = np.atleast_2d(M)
    if M2.ndim != 2:
        raise ValueError(f"rank_rows needs a 1-D or 2-D array; got {M.ndim} dimensions")
    g, n = M2.shape
    out = np.empty((g, n))
    if n:
        bad = ~np.isfinite(M2)
        if bad.any():  # missing (NaN, +-inf) values sort last as NaN and are not ranked
            M2 = np.where(bad, np.nan, M2)
        step = max(1, _BLOCK_ELEMS // n)
        for i in range(0, g, step):  # blocks of rows bound the work space; each block is fully vectorised
            _rank_block(M2[i:i + step], out[i:i + step])
        if bad.any():
            out[bad] = np.nan
    return out[0] if one_d else out
