"""Shared test data for the co-expression tests: rankdata's ranks row by row, tie-heavy values for hypothesis, and
expression-like matrices (log-normal, rounded, 30-35 % zeros, optional missing values)."""

import numpy as np
from hypothesis import strategies as st
from scipy import stats

#: few distinct values (many ties), signed zeros, extremes, subnormals, NaN and inf
TIE_VALUES = st.sampled_from([0.0, 0.0, 0.0, -0.0, 1.0, 1.5, 2.0, 3.0, -1.0, 1e300, -1e-300, np.nan, np.inf, -np.inf,
                              np.nextafter(1.0, 2.0), np.nextafter(1.0, 0.0), -np.nextafter(1.0, 2.0), 5e-324,
                              -5e-324])


def reference_ranks(M):
    """rankdata ('average') on the finite values of each row, NaN elsewhere."""
    out = np.full(M.shape, np.nan)
    for i in range(M.shape[0]):
        ok = np.isfinite(M[i])
        out[i, ok] = stats.rankdata(M[i, ok], method="average")
    return out


def expression_like(seed, n_genes, n_samples, *, missing=0.0, x_missing=()):
    """x (a query gene) and Y (genes x samples) correlated through 0.3 x, rounded to 0.1 with 30 % / 35 % zeros;
    ``missing`` of Y and the positions ``x_missing`` of x set to NaN. Returns (x, Y, gene names)."""
    rng = np.random.default_rng(seed)
    x = np.round(rng.lognormal(size=n_samples), 1)
    x[rng.random(n_samples) < 0.3] = 0.0
    Y = np.round(rng.lognormal(size=(n_genes, n_samples)) + 0.3 * x, 1)
    Y[rng.random(Y.shape) < 0.35] = 0.0
    if missing:
        Y[rng.random(Y.shape) < missing] = np.nan
    x[list(x_missing)] = np.nan
    return x, Y, [f"g{i}" for i in range(n_genes)]
