"""Co-expression of one gene with a list, a gene set or every gene: Pearson, Spearman, Kendall with p values,
BH q values and the number of samples per pair; optional partial correlation given covariates.

Vectorised: for Pearson the correlation of one gene with all others is one matrix-vector product (with missing
values, sums over pairwise-complete samples with masks). Spearman ranks the genes block by block with average ranks
for ties (_rank.py: one sort per block, tie runs, no per-gene loop and no rankdata fallback; numba kernels when
installed, blocks on every core) and sums the correlation run by run; with missing values each pair is ranked over
its own complete samples, as spearmanr(x[ok], y[ok]). The route (complete or pairwise-complete formulas) is chosen
gene by gene, so a gene's result never depends on the other genes of the call: a genes x samples dask array (or dask
DataFrame, e.g. read_matrix from Zarr / HDF5 / Parquet) is computed chunk by chunk with the in-memory code and gives
the in-memory table bit for bit. The Spearman sums are exact (half-integer ranks) up to about 100,000 samples.
Kendall's tau uses scipy per gene.

p values: Pearson t on n - 2 df (R's cor.test); Spearman by the t approximation (R's cor.test(exact = FALSE),
cBioPortal); Kendall by the normal approximation with tie correction (R's exact = FALSE).

Partial correlation given covariates (complete cases) follows R's ppcor (``pcor.test``) and pingouin's
``partial_corr``: for Spearman every variable, the covariates too, is replaced by its average ranks before
partialling; r is the correlation of the residuals of x and of each gene on an intercept and the (ranked) covariate
columns, which equals ppcor's -cov2cor(solve(cov)) entry; the t test has n - 2 - k df, k the number of covariate
columns (a categorical covariate counts one indicator per level after the first), as ppcor and pingouin use.
The residual route, not pingouin's per-pair matrix inverse, is kept because one projection serves every gene.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from ..errors import AssayDataError
from ._rank import jit_run, map_blocks, one_thread, rank_rows, row_blocks, tie_runs, use_jit

__all__ = ["correlate_one", "rank_rows"]



def _pearson_many(x, Y, complete=None):
    """r and n of x (n,) with every row of Y (g, n), pairwise complete (complete: no missing value anywhere, as
    decided by the caller for the whole matrix when Y is one block of it; None: decided here)."""
    x = np.asarray(x, float)
    Y = np.asarray(Y, float)
    mx = np.isfinite(x)
    mY = np.isfinite(Y)
    if complete is None:
        complete = bool(mx.all() and mY.all())
    if complete:
        n = np.full(Y.shape[0], x.size)
        xc = x - x.mean()
        # sum_j (y_j - ybar) xc_j = sum_j y_j xc_j because xc sums to 0; a row-wise einsum, not BLAS, so that a gene's
        # r does not depend on how many genes share the call (a dask chunk gives the in-memory value bit for bit)
        num = np.einsum("ij,j->i", Y, xc)
        ybar = Y.mean(axis=1)
        ss = np.einsum("ij,ij->i", Y, Y) - x.size * ybar**2  # no centred copy of Y (memory at genome scale)
        den = np.sqrt(np.maximum(ss, 0.0) * (xc @ xc))
        with np.errstate(invalid="ignore", divide="ignore"):
            return num / den, n
    M = mY & mx[None, :]
    n = M.sum(axis=1)
    X = np.where(M, x[None, :], 0.0)
    Z = np.where(M, Y, 0.0)
    sx, sy = X.sum(axis=1), Z.sum(axis=1)
    sxx, syy, sxy = (X**2).sum(axis=1), (Z**2).sum(axis=1), (X * Z).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        num = sxy - sx * sy / n
        den = np.sqrt((sxx - sx**2 / n) * (syy - sy**2 / n))
        return num / den, n


def _spearman_complete(x, Y):
    """Spearman r and n of x (n,) with every row of Y (g, n), no missing values.

    Fused with the ranking so that no genes x samples rank matrix is built (a benchmark reason, issue 13: this runs
    within about 1.5x of one argsort of the matrix). Per block of genes the tie runs of the sorted rows are found
    (tie_runs); all ranks of a run are equal, so the cross-product with the centred ranks xc of x is
    sum over runs of rank * (sum of xc over the run's samples), the run sums one np.add.reduceat over xc gathered
    at the sort order; the sum of squared ranks is sum over runs of length * rank^2 (exact: quarter-integers), and
    the rank sum of a row is always n (n + 1) / 2."""
    g, n = Y.shape
    xc = stats.rankdata(x)
    xc -= xc.mean()  # half-integers: every sum below is exact, so the two paths agree bit for bit
    num = np.empty(g)
    ss = np.empty(g)
    if use_jit(Y.size):  # numba: one pass per row over the sorted keys (_rank_jit.py)
        from ._rank_jit import kernels

        kernel = kernels()["spearman_sorted"]

        def block(b):
            jit_run(kernel, np.ascontiguousarray(Y[b], dtype=np.float64), xc, num[b], ss[b], per_row=(1, 2),
                    writes=(1, 2))
    else:
        def block(b):
            order, first, length, rank = tie_runs(Y[b])
            rows = first // n
            run_sums = np.add.reduceat(xc[order].ravel(), first)
            num[b] = np.bincount(rows, weights=rank * run_sums, minlength=order.shape[0])
            ss[b] = np.bincount(rows, weights=length * rank * rank, minlength=order.shape[0])
    map_blocks(block, row_blocks(g, n))
    ss -= n * ((n + 1) / 2) ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        return num / np.sqrt(np.maximum(ss, 0.0) * (xc @ xc)), np.full(g, n)


def _spearman_pairwise(x, Y):
    """Spearman r and n of x (n,) with every row of Y (g, n) over each pair's complete samples, as
    spearmanr(x[ok], y[ok]) gene by gene: both variables are ranked among the samples where both are present.

    Vectorised per block of genes (a benchmark reason, issue 13: the per-gene spearmanr loop was the only route).
    Gene ranks: the tie runs of each sorted row with the samples missing in x or the gene set to NaN (they sort last
    and their runs are left out). Ranks of x: x is sorted once; with C the running count of a gene's complete
    samples along that order, a tie group of x spanning sorted positions a..b holds the complete ranks
    C[a - 1] + 1 .. C[b], so its average rank is (C[a - 1] + C[b] + 1) / 2. Both rank sets are average ranks of
    1 .. m (m complete pairs), so each sums to m (m + 1) / 2 and r follows from the cross-product and the sums of
    squares (the latter exact: quarter-integers)."""
    g, n = Y.shape
    xf = np.where(np.isfinite(x), x, np.nan)
    okx = np.isfinite(xf)
    ox = np.argsort(xf)
    xs = xf[ox]
    pos = np.arange(n)
    new = np.ones(n, bool)
    new[1:] = xs[1:] != xs[:-1]
    a = np.maximum.accumulate(np.where(new, pos, 0))  # first sorted position of each x tie group
    end = np.ones(n, bool)
    end[:-1] = new[1:]
    b = np.minimum.accumulate(np.where(end, pos, n - 1)[::-1])[::-1]  # last sorted position of the group
    r = np.empty(g)
    m = np.empty(g, int)
    jit = use_jit(Y.size)
    if jit:
        from ._rank_jit import kernels

        K = kernels()
        bits = max(1, (n - 1).bit_length())
        low = np.uint64((1 << bits) - 1)

    def block(blk):
        Yb = Y[blk]
        gb = Yb.shape[0]
        if jit:  # numba: keys with the incomplete samples last, x's ranks and the gene's tie runs, one pass each
            Yb = np.ascontiguousarray(Yb, dtype=np.float64)
            keys, mb = K["pairwise_keys"](Yb, okx, bits)
            keys.sort(axis=1)
            m[blk] = mb
            num, ssx, ssy, bad = np.empty(gb), np.empty(gb), np.empty(gb), np.zeros(gb, bool)
            K["pairwise_sorted"](keys, low, Yb, mb, ox, a, b, okx, num, ssx, ssy, bad)
            if bad.any():  # values closer than the dropped key bits: these rows by a stable argsort
                rows = np.flatnonzero(bad)
                Z = np.where(np.isfinite(Yb[rows]) & okx[None, :], Yb[rows], np.nan)
                order = np.argsort(Z, axis=1, kind="stable").astype(np.uint64)
                sub = [np.empty(rows.size) for _ in range(3)]
                K["pairwise_sorted"](order, np.uint64(np.iinfo(np.uint64).max), np.ascontiguousarray(Yb[rows]),
                                     mb[rows], ox, a, b, okx, *sub, np.zeros(rows.size, bool))
                num[rows], ssx[rows], ssy[rows] = sub
        else:
            ok = np.isfinite(Yb) & okx[None, :]
            m[blk] = mb = ok.sum(axis=1)
            oks = ok[:, ox]
            C = np.zeros((gb, n + 1))
            np.cumsum(oks, axis=1, out=C[:, 1:])
            rx = np.zeros((gb, n))  # ranks of x among each gene's complete samples, 0 elsewhere, in x's order
            rx[:, ox] = np.where(oks, (C[:, a] + C[:, b + 1] + 1) * 0.5, 0.0)
            order, first, length, rank = tie_runs(np.where(ok, Yb, np.nan))
            rows = first // n
            keep = (first - rows * n) < mb[rows]  # runs of complete samples (the NaN runs sort last)
            run_sums = np.add.reduceat(np.take_along_axis(rx, order, axis=1).ravel(), first)
            num = np.bincount(rows, weights=np.where(keep, rank * run_sums, 0.0), minlength=gb)
            ssy = np.bincount(rows, weights=np.where(keep, length * rank * rank, 0.0), minlength=gb)
            ssx = np.einsum("ij,ij->i", rx, rx)
        c = mb * ((mb + 1) / 2) ** 2
        with np.errstate(invalid="ignore", divide="ignore"):
            r[blk] = (num - c) / np.sqrt(np.maximum(ssx - c, 0.0) * np.maximum(ssy - c, 0.0))

    map_blocks(block, row_blocks(g, n))
    return r, m


def _t_test_p(r, df):
    """Two-sided p value of correlations r by the t test on df degrees of freedom (R's cor.test, ppcor)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        t = r * np.sqrt(df / (1 - r**2))
    return 2 * stats.t.sf(np.abs(t), df)


def correlate_one(x, Y, names, *, method="spearman", covariates=None, exact: bool = False):
    """Correlation of x with each row of Y: DataFrame gene, n, r, p_value, method (q added by the caller)."""
    import pandas as pd

    x = np.asarray(x, float)
    if _is_dask_array(Y) or _is_dask_frame(Y):
        return _correlate_dask(x, Y, names, method=method, covariates=covariates, exact=exact)
    Y = np.atleast_2d(np.asarray(Y, float))
    k = 0
    if covariates is not None:
        C = np.atleast_2d(np.asarray(covariates, float))
        if C.shape[0] != x.size:
            C = C.T
        ok = np.isfinite(x) & np.all(np.isfinite(C), axis=1)
        if not np.all(np.isfinite(Y[:, ok])):
            raise AssayDataError("partial correlation needs complete expression values for the samples used")
        Cs = C[ok]
        if method == "spearman":  # rank every variable, the covariates too (ppcor, pingouin); the ranks of an
            xs = stats.rankdata(x[ok])  # indicator column are an affine map of it, so categorical covariates
            Ys = rank_rows(Y[:, ok])  # adjust the same either way
            Cs = rank_rows(Cs.T).T
        else:
            xs, Ys = x[ok], Y[:, ok]
        D = np.column_stack([np.ones(ok.sum()), Cs])
        k = D.shape[1] - 1
        H = D @ np.linalg.pinv(D)
        xr = xs - H @ xs
        Yr = Ys - Ys @ H.T
        r, n = _pearson_many(xr, Yr)
        n = n.astype(int)
        p = _t_test_p(r, n - 2 - k)
        ranked = ", every variable ranked as ppcor and pingouin" if method == "spearman" else ""
        label = (f"partial {method} (adjusted for {k} covariate column{'s' if k > 1 else ''}{ranked}; "
                 "t test on n - 2 - k df)")
        return pd.DataFrame({"gene": names, "n": n, "r": r, "p_value": p, "method": label})
    return _correlate(x, Y, names, method=method, exact=exact)


_CHUNK_ELEMS = 1 << 23  # values per chunk of genes split by route (bounds the copies to 64 MB of float64)


def _by_route(x, Y, complete, partial):
    """r, n of x with every row of Y, the route chosen gene by gene: complete(x, rows) for the genes with no missing
    value (x complete too), partial(x, rows) over pairwise-complete samples for the others. Per gene, so that a gene's
    result does not depend on the other genes in the call (a dask chunk gives the in-memory table bit for bit, with
    no pass over the whole matrix to decide a route first). Chunks of genes bound the copies the split makes."""
    g, n = Y.shape
    if not np.isfinite(x).all():
        return partial(x, Y)
    r = np.empty(g)
    m = np.empty(g, int)
    step = max(1, _CHUNK_ELEMS // max(n, 1))
    for i in range(0, g, step):
        c = slice(i, min(i + step, g))
        Yc = Y[c]
        full = np.isfinite(Yc).all(axis=1)
        if full.all():
            r[c], m[c] = complete(x, Yc)
        elif not full.any():
            r[c], m[c] = partial(x, Yc)
        else:
            rc, mc = np.empty(Yc.shape[0]), np.empty(Yc.shape[0], int)
            rc[full], mc[full] = complete(x, Yc[full])
            rc[~full], mc[~full] = partial(x, Yc[~full])
            r[c], m[c] = rc, mc
    return r, m


def _correlate(x, Y, names, *, method, exact):
    """correlate_one without covariates on an in-memory block of genes (the route is chosen per gene: _by_route)."""
    import pandas as pd

    if method == "pearson":
        r, n = _by_route(x, Y, lambda x, Y: _pearson_many(x, Y, True), lambda x, Y: _pearson_many(x, Y, False))
        p = _t_test_p(r, n - 2)
        label = "Pearson (t test, n - 2 df)"
    elif method == "spearman":
        # with missing values ranks are taken over the pairwise-complete samples of each pair, as spearmanr on
        # x[ok], y[ok]: each gene over its samples where x is present too, and x over the samples present in it
        r, n = _by_route(x, Y, _spearman_complete, _spearman_pairwise)
        r[n <= 2] = np.nan  # no correlation from fewer than 3 pairs
        p = _t_test_p(r, n - 2)
        label = "Spearman (t approximation, as R cor.test(exact = FALSE))"
        if exact:
            from ._spearman_exact import spearman_exact_p

            n_exact = 0
            for i in range(Y.shape[0]):
                ok = np.isfinite(x) & np.isfinite(Y[i])
                if np.unique(x[ok]).size == ok.sum() and np.unique(Y[i, ok]).size == ok.sum() and np.isfinite(r[i]):
                    p[i] = spearman_exact_p(float(r[i]), int(ok.sum()))
                    n_exact += 1
            label = ("Spearman (exact / AS 89 p value as R cor.test(exact = TRUE); pairs with ties keep the t "
                     f"approximation, as R does; exact for {n_exact} of {Y.shape[0]})")
    elif method == "kendall":
        r = np.empty(Y.shape[0])
        p = np.empty(Y.shape[0])
        n = np.empty(Y.shape[0], int)
        for i in range(Y.shape[0]):
            ok = np.isfinite(x) & np.isfinite(Y[i])
            n[i] = ok.sum()
            res = stats.kendalltau(x[ok], Y[i, ok], method="asymptotic")
            r[i], p[i] = res.statistic, res.pvalue
        label = "Kendall tau-b (normal approximation, tie corrected)"
    else:
        raise AssayDataError(f"method must be pearson, spearman or kendall; got {method!r}")
    return pd.DataFrame({"gene": names, "n": np.asarray(n, int), "r": r, "p_value": p, "method": label})


def _is_dask_array(Y):
    import sys

    da = sys.modules.get("dask.array")  # a dask array can only exist if dask.array was imported
    return da is not None and isinstance(Y, da.Array)


def _is_dask_frame(Y):
    import sys

    dd = sys.modules.get("dask.dataframe")
    return dd is not None and isinstance(Y, dd.DataFrame)


def _correlate_dask(x, Y, names, *, method, covariates, exact):
    """correlate_one on a genes x samples dask array (or a dask DataFrame of numeric sample columns, one row per
    gene, e.g. from dask.dataframe.read_parquet): each chunk of genes (all samples) is computed by the in-memory code,
    which chooses its route gene by gene, so the table equals the in-memory run bit for bit; the matrix is read once,
    chunk by chunk, and memory is bounded by the chunks in flight, not the matrix."""
    import dask
    import pandas as pd

    if covariates is not None or exact:
        raise AssayDataError("a dask expression matrix supports Pearson, Spearman (t approximation) and Kendall "
                             "without covariates; compute it into memory for partial correlations or exact p values")
    if _is_dask_frame(Y):
        Y = frame_values(Y)
    if Y.ndim != 2 or Y.shape[1] != x.size:
        raise AssayDataError(f"the expression matrix must be genes x samples with {x.size} samples; got shape "
                             f"{Y.shape}")
    names = list(names)
    if len(names) != Y.shape[0]:
        raise AssayDataError(f"{len(names)} gene names for {Y.shape[0]} genes")
    if method not in ("pearson", "spearman", "kendall"):
        raise AssayDataError(f"method must be pearson, spearman or kendall; got {method!r}")
    Y = Y.astype(float).rechunk({1: -1})  # whole genes per chunk: every sample of a gene in one block
    if method == "spearman":
        use_jit(Y.size)  # a large matrix loads the numba kernels (if installed) for all its chunks, small ones too
    bounds = np.cumsum((0, *Y.chunks[0]))
    chunk = one_thread(_correlate)  # dask runs the chunks in parallel already
    parts = [dask.delayed(chunk)(x, blk, names[bounds[i]:bounds[i + 1]], method=method, exact=False)
             for i, blk in enumerate(Y.to_delayed().ravel())]
    if not parts:
        return pd.DataFrame({"gene": [], "n": np.array([], int), "r": [], "p_value": [], "method": []})
    return pd.concat(dask.compute(*parts), ignore_index=True)


def frame_values(df, *, file=None):
    """The values of a dask DataFrame of numeric sample columns (one row per gene) as a dask array with known chunk
    sizes (one chunk of genes per partition); a non-numeric column is an AssayDataError naming it."""
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    bad = [c for c, t in df.dtypes.items() if not (is_numeric_dtype(t) or is_bool_dtype(t))]
    if bad:
        more = f" ({len(bad) - 1} more non-numeric column{'s' if len(bad) > 2 else ''})" if len(bad) > 1 else ""
        raise AssayDataError(f"column {bad[0]!r} is not numeric ({df.dtypes[bad[0]]}); every column of the "
                             "expression matrix must hold one sample's values (gene ids go in the index or the "
                             f"names){more}", file=file, column=str(bad[0]))
    df = df.astype("float64")  # nullable integer / boolean columns: pd.NA becomes NaN (missing)
    return df.to_dask_array(lengths=True)
