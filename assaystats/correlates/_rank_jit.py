"""Optional numba kernels for _rank.py and _coexpr.py: the linear passes around the sort, fused into one pass per row.

Why hand-written (benchmarks/bench_coexpression.py, issue 13): after numpy's SIMD sort of the packed keys, the numpy
path makes about ten passes over each block (gather the values at the sort order, compare neighbours, flatnonzero,
diff, gather x's ranks, reduceat, bincount); here one loop per row walks the sorted keys once, finds the tie runs by
comparing each value with its left neighbour and accumulates what the caller needs (the ranks, or the Spearman sums).
The sort itself stays numpy's (np.sort of uint64, faster than numba's own sort) and the key building is one pass.

Every sum the kernels form is exact (ranks are multiples of 1/2, x's centred ranks too), so the results equal the
numpy path bit for bit whatever the order of summation (tested in tests/correlates/test_rank_jit.py).
All kernels release the GIL, so blocks of rows can run on several threads.

numba is optional: ``available()`` is False without it and _rank falls back to the numpy path.
"""

from __future__ import annotations

import numpy as np

_KERNELS = None


def kernels():
    """The compiled kernels (compiled on first use, cached on disk by numba), or None without numba."""
    global _KERNELS
    if _KERNELS is None:
        try:
            _KERNELS = _compile()
        except ImportError:
            _KERNELS = False
    return _KERNELS or None


def available() -> bool:
    return kernels() is not None


def _compile():
    import numba

    try:  # numba's disk cache (next to this file, else the user's cache folder) spares recompiling per process
        jit = numba.njit(nogil=True, cache=True, boundscheck=False)
        return _kernels(jit)
    except RuntimeError:  # "no locator available": no writable cache folder; compile per process instead
        return _kernels(numba.njit(nogil=True, cache=False, boundscheck=False))


def _kernels(jit):

    @jit
    def build_keys(B, bits):
        """Sort keys of the rows of B (2-D float64, C order): order-preserving uint64 bits of the value with the
        lowest `bits` bits replaced by the column index (ties of the kept bits are ordered by index)."""
        g, n = B.shape
        Bi = B.view(np.int64)
        keys = np.empty((g, n), np.uint64)
        low = (np.int64(1) << bits) - 1
        sign = np.int64(-9223372036854775807 - 1)
        for r in range(g):
            for j in range(n):
                i = Bi[r, j]
                f = (i >> 63) | sign  # all bits for negatives, the sign bit for the rest
                keys[r, j] = np.uint64(((f ^ i) & ~low) | j)
        return keys

    @jit
    def rank_sorted(keys, low, B, out, bad):
        """Average ranks of each row of B written to out (rankdata 'average'); keys: the rows' sorted keys, the
        column index in the bits `low`. A row whose values come out of order (values closer than the dropped key
        bits) is flagged in bad and left to the caller. Missing values (NaN) must be set by the caller afterwards."""
        g, n = keys.shape
        for r in range(g):
            if n == 0:
                continue
            a = 0
            prev = B[r, np.int64(keys[r, 0] & low)]
            for k in range(1, n + 1):
                if k < n:
                    j = np.int64(keys[r, k] & low)
                    v = B[r, j]
                    if v == prev:
                        continue
                    if v < prev:
                        bad[r] = True
                        break
                    prev = v
                rank = a + 0.5 * (k - a) + 0.5
                for q in range(a, k):
                    out[r, np.int64(keys[r, q] & low)] = rank
                a = k

    @jit
    def tie_sums(keys, low, B, r, w, n):
        """One sorted row r of B (its first n keys): (sum of average rank * w over the samples, sum of rank^2, in
        order). Tie groups are runs of equal values; in order is False when values come out of order (values
        closer than the dropped key bits), left to the caller."""
        tn = 0.0
        ts = 0.0
        if n == 0:
            return tn, ts, True
        a = 0
        j = np.int64(keys[r, 0] & low)
        prev = B[r, j]
        s = w[j]
        for k in range(1, n + 1):
            if k < n:
                j = np.int64(keys[r, k] & low)
                v = B[r, j]
                if v == prev:
                    s += w[j]
                    continue
                if v < prev:
                    return tn, ts, False
                prev = v
            length = k - a
            rank = a + 0.5 * length + 0.5
            tn += rank * s
            ts += length * rank * rank
            a = k
            if k < n:
                s = w[j]
        return tn, ts, True

    @jit
    def spearman_sorted(keys, low, B, xc, num, ss, bad):
        """Per row of B: num = sum of rank * xc over the samples and ss = sum of rank^2 (average ranks, ties)."""
        g, n = keys.shape
        for r in range(g):
            tn, ts, in_order = tie_sums(keys, low, B, r, xc, n)
            if not in_order:
                bad[r] = True
            num[r] = tn
            ss[r] = ts

    @jit
    def pairwise_keys(Y, okx, bits):
        """Sort keys of the rows of Y (2-D float64, C order) with the samples missing in x (okx False) or in the
        gene (not finite) made the largest keys (sorted last), and the number m of complete samples per row."""
        g, n = Y.shape
        Yi = Y.view(np.int64)
        keys = np.empty((g, n), np.uint64)
        m = np.empty(g, np.int64)
        low = (np.int64(1) << bits) - 1
        sign = np.int64(-9223372036854775807 - 1)
        for r in range(g):
            c = 0
            for j in range(n):
                if okx[j] and np.isfinite(Y[r, j]):
                    i = Yi[r, j]
                    keys[r, j] = np.uint64((((i >> 63) | sign) ^ i) & ~low | j)
                    c += 1
                else:
                    keys[r, j] = np.uint64(np.int64(-1) & ~low | j)
            m[r] = c
        return keys, m

    @jit
    def pairwise_sorted(keys, low, Y, m, ox, ga, gb, okx, num, ssx, ssy, bad):
        """Spearman sums over each pair's complete samples. keys: the rows' sorted keys with the samples missing in
        x or the gene sorted last, m: complete samples per row; ox: x's argsort, ga / gb: first / last sorted
        position of each sorted sample's tie group of x, okx: x present. x is ranked among the row's complete
        samples by running counts along ox (as _coexpr._spearman_pairwise)."""
        g, n = keys.shape
        C = np.empty(n + 1)
        rx = np.empty(n)
        ok = np.empty(n, np.bool_)
        for r in range(g):
            C[0] = 0.0
            for k in range(n):
                j = ox[k]
                ok[k] = okx[j] and np.isfinite(Y[r, j])
                C[k + 1] = C[k] + (1.0 if ok[k] else 0.0)
            sx = 0.0
            for k in range(n):
                if ok[k]:
                    rv = (C[ga[k]] + C[gb[k] + 1] + 1) * 0.5
                    rx[ox[k]] = rv
                    sx += rv * rv
            ssx[r] = sx
            tn, ts, in_order = tie_sums(keys, low, Y, r, rx, m[r])
            if not in_order:
                bad[r] = True
            num[r] = tn
            ssy[r] = ts

    return {"build_keys": build_keys, "rank_sorted": rank_sorted, "spearman_sorted": spearman_sorted,
            "pairwise_keys": pairwise_keys, "pairwise_sorted": pairwise_sorted}
