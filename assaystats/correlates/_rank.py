"""Average ranks along the rows of a matrix, ties and missing values included, without a per-row loop.

Hand-written rather than ``scipy.stats.rankdata(M, axis=1)`` for speed (benchmarks/bench_coexpression.py): rankdata
with ``axis=1`` and ties costs several sorts per row, and it cannot skip NaN per row (``nan_policy='omit'`` is not
vectorised). Here one sort of a block of rows (packed integer keys, _sort_order) is followed by a few linear passes:
with the block's sorted rows laid end to end, a tie run starts where the value differs from its left neighbour or
where a row begins; np.flatnonzero gives the run starts, np.diff their lengths, the average rank of a run is its first
0-based position in the row + (length + 1) / 2, and np.repeat spreads it over the run before one scatter puts the
ranks back in the input's order. This equals rankdata's 'average' method bit for bit (ranks are multiples of 1/2).
Missing values (NaN, +-inf) become NaN, which sorts last, and those positions are set back to NaN, so the
finite values of a row get the ranks 1 .. n_finite that rankdata gives them.

Rows are processed in blocks of about ``_BLOCK_ELEMS`` values so that the linear passes run in cache and the work
space stays a few MB on top of the input and output whatever the matrix size (blocks of ~1 MB measured faster than
whole-matrix passes, the argsort included). Blocks run on threads, one per core (map_blocks): numpy's sort and the
numba kernels release the GIL.

With numba installed, a large matrix takes the numba path (use_jit, _rank_jit.py): the packed keys are built in one
pass and sorted by numpy, then one loop per row walks the sorted keys and writes the ranks (or accumulates the
Spearman sums), instead of the numpy path's ten-odd passes; about 2x faster per thread (benchmarks/
bench_coexpression.py) and equal bit for bit (tests/correlates/test_rank_jit.py). Without numba the numpy path runs.
"""

from __future__ import annotations

import threading

import numpy as np

__all__ = ["map_blocks", "one_thread", "rank_rows", "row_blocks", "sorted_ranks", "tie_runs", "use_jit"]

_BLOCK_ELEMS = 1 << 17  # values per block of rows (1 MB of float64: the linear passes run in cache)


def _sort_order(B):
    """Argsort of the rows of B (2-D float64, missing as np.nan, which sorts last) with tied values in index order,
    and the sorted rows as order-preserving uint64 keys (equal keys <=> equal values).

    Why not np.argsort: here np.sort of 64-bit integers (SIMD sorting network) runs about 8x faster than np.argsort of
    float64 (benchmarks/bench_coexpression.py). Each value is mapped to an order-preserving uint64 (flip all bits of
    negatives, the sign bit of the rest; -0.0 made +0.0 first, as rankdata ties them; a block without sign bits is
    used as it is), its lowest bits are replaced by
    the column index and the keys are sorted; the index comes back from the low bits. Two values that differ only in
    those low bits (a relative difference below 2^-(52 - bits)) would be ordered by index instead of value, so the
    gathered keys are checked to be non-decreasing and a block that fails falls back to np.argsort."""
    n = B.shape[1]
    if not np.signbit(B).any():  # no negative value nor -0.0 (expression data): the bits already sort as the values
        u = B.view(np.uint64)  # (NaN's bits after +inf's), no copy; two passes fewer below
    else:
        i = (B + 0.0).view(np.int64)  # + 0.0: -0.0 becomes +0.0
        flip = i >> 63  # arithmetic shift: -1 (all bits) for negatives, 0 otherwise
        flip |= np.int64(-(1 << 63))  # and the sign bit always
        flip ^= i
        u = flip.view(np.uint64)
    bits = max(1, (n - 1).bit_length())
    low = np.uint64((1 << bits) - 1)
    keys = u & ~low
    keys |= np.arange(n, dtype=np.uint64)
    keys.sort(axis=1)
    keys &= low
    order = keys.view(np.int64)  # the column indices, in place
    srt = np.take_along_axis(u, order, axis=1)
    if not (srt[:, 1:] >= srt[:, :-1]).all():  # values closer than the dropped bits: sort them properly
        order = np.argsort(B, axis=1, kind="stable")
        srt = np.take_along_axis(u, order, axis=1)
    return order, srt


def tie_runs(B):
    """Tie runs of the sorted rows of B (2-D float, NaN for missing), the rows laid end to end.

    Returns (order, first, length, rank): the argsort of each row, and per run its first flat position in the sorted
    block (row * n + position), its length and its average rank (1-based, within its row). Missing values sort last
    and may share a run; callers leave them out."""
    g, n = B.shape
    order, srt = _sort_order(np.ascontiguousarray(B, dtype=np.float64))
    srt = srt.ravel()
    start = np.empty(g * n, bool)  # a tie run starts where the value changes, and at every row's start
    np.not_equal(srt[1:], srt[:-1], out=start[1:])
    start[::n] = True
    first = np.flatnonzero(start)
    length = np.diff(first, append=g * n)
    rank = (first % n) + 0.5 * length + 0.5  # first rank in the row + (length - 1) / 2; exact (halves)
    return order, first, length, rank


def sorted_ranks(B):
    """(order, ranks): argsort of the rows of B (2-D float, NaN for missing) and the average ranks in sorted order,
    so that ranks[i, k] is the rank of B[i, order[i, k]]."""
    order, _, length, rank = tie_runs(B)
    return order, np.repeat(rank, length).reshape(B.shape)


def row_blocks(g, n):
    """Slices of about _BLOCK_ELEMS values over g rows of n values."""
    step = max(1, _BLOCK_ELEMS // max(n, 1))
    return [slice(i, i + step) for i in range(0, g, step)]


def use_jit(size: int) -> bool:
    """Whether the numba kernels (_rank_jit.py) run the passes around the sort of a matrix of `size` values: numba
    installed and the matrix large enough to repay the kernels' loading (about 0.3 s from numba's disk cache, a few
    seconds the first time they compile; once loaded they serve every size, so the chunks of a large dask matrix
    use them too). Both paths give the same ranks and sums bit for bit (exact arithmetic on
    half-integers), so the choice never changes a result."""
    if _USE_JIT is False:
        return False
    from . import _rank_jit

    if _USE_JIT is None and size < _JIT_MIN_SIZE and not _rank_jit._KERNELS:  # small, and not loaded yet
        return False
    return _rank_jit.available()


_USE_JIT = None  # None: by size; True / False: always / never (tests compare the two paths); not a user setting
_JIT_MIN_SIZE = 1 << 21  # values (16 MB of float64)


def threads(n_blocks: int) -> int:
    """Threads for n_blocks blocks of rows: the cores this process may use (at most 8), one block at least each.
    The sort and the numba kernels release the GIL, so blocks of rows run in parallel. One inside a chunk that dask
    already runs in parallel (one_thread)."""
    import os

    if getattr(_local, "one_thread", False):
        return 1

    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 8, n_blocks))


_local = threading.local()


def one_thread(fn):
    """fn run with one thread per call (for the chunks dask's scheduler already runs in parallel)."""
    import functools

    @functools.wraps(fn)
    def run(*args, **kwargs):
        before = getattr(_local, "one_thread", False)
        _local.one_thread = True
        try:
            return fn(*args, **kwargs)
        finally:
            _local.one_thread = before
    return run


def map_blocks(fn, blocks):
    """fn(block) for every block of rows, on threads when there are several cores (fn writes its own rows of
    preallocated outputs, so the result does not depend on the scheduling)."""
    k = threads(len(blocks))
    if k == 1:
        for b in blocks:
            fn(b)
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(k) as pool:
        for _ in pool.map(fn, blocks):  # re-raises the first exception
            pass


def jit_sorted_keys(B):
    """(keys, low): the rows of B (2-D float64, C order) as packed sort keys, sorted (numba key building, numpy sort),
    and the mask of the index bits."""
    from ._rank_jit import kernels

    n = B.shape[1]
    bits = max(1, (n - 1).bit_length())
    keys = kernels()["build_keys"](B, bits)
    keys.sort(axis=1)
    return keys, np.uint64((1 << bits) - 1)


def jit_run(kernel, B, *args, per_row=(), writes=()):
    """Run a _rank_jit kernel over the rows of block B (2-D float64, C order) from their sorted packed keys, then
    redo the rows it flags (values that differ only in the dropped key bits) with the stable argsort as keys (every
    bit an index). per_row: positions in args of the per-row arrays (inputs and outputs), taken for the redone rows;
    writes: those among them the kernel fills, written back."""
    keys, low = jit_sorted_keys(B)
    bad = np.zeros(B.shape[0], bool)
    kernel(keys, low, B, *args, bad)
    if bad.any():
        rows = np.flatnonzero(bad)
        order = np.argsort(B[rows], axis=1, kind="stable").astype(np.uint64)
        sub = [a[rows] if i in per_row else a for i, a in enumerate(args)]
        kernel(order, np.uint64(np.iinfo(np.uint64).max), np.ascontiguousarray(B[rows]), *sub,
               np.zeros(rows.size, bool))
        for i in writes:
            args[i][rows] = sub[i]


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
        if use_jit(M2.size):
            from ._rank_jit import kernels

            kernel = kernels()["rank_sorted"]

            def block(b):
                jit_run(kernel, np.ascontiguousarray(M2[b]), out[b], per_row=(0,), writes=(0,))
        else:
            def block(b):  # each block is fully vectorised; blocks bound the work space
                order, ranks = sorted_ranks(M2[b])
                np.put_along_axis(out[b], order, ranks, axis=1)
        map_blocks(block, row_blocks(g, n))
        if bad.any():
            out[bad] = np.nan
    return out[0] if one_d else out
