"""A cross-validated hazard ratio for an optimal cut (Faraggi & Simon 1996).

The hazard ratio at the cut that maximises the log-rank statistic is biased away from 1 and its interval and p value
ignore the search (Altman et al. 1994, JNCI 86:829): on data with no effect at all it still reports a clear one.
Faraggi & Simon (1996, Stat Med 15:2203) estimate it honestly by K-fold cross-validation: the patients are split
into K folds; for each fold the cut is chosen again, by the same maximally selected log-rank statistic, on the other
K - 1 folds only, and the fold's patients are classified 'low'/'high' by that cut. Every patient is then classified
by a cut chosen without them, and the Cox model on these out-of-fold groups estimates the hazard ratio without the
selection bias (unbiased under the null in their simulations, at most 5% below the true ratio otherwise; its test
has about the nominal size). Folds are drawn with ``seed`` and stratified by event, so the result is reproducible.

Hand-written: no Python library offers this procedure; it reuses the package's maxstat search and Cox fit.
"""

from __future__ import annotations

import numpy as np

from ..errors import AssayDataError
from ._cutpoint import maxstat_logrank

__all__ = ["crossvalidated_groups", "stratified_folds"]


def stratified_folds(event, folds: int, seed: int) -> np.ndarray:
    """Fold index (0 .. folds-1) of each patient: events and censored patients are each dealt round-robin in a
    random order drawn from ``seed``, so every fold has about the same number of events."""
    event = np.asarray(event, float) > 0
    rng = np.random.default_rng(seed)
    fold = np.empty(event.size, int)
    start = 0
    for grp in (np.flatnonzero(event), np.flatnonzero(~event)):
        perm = rng.permutation(grp)
        fold[perm] = (start + np.arange(perm.size)) % folds
        start += perm.size
    return fold


def crossvalidated_groups(x, time, event, *, folds: int = 5, seed: int = 0, minprop: float = 0.1) -> dict:
    """Out-of-fold 'low'/'high' labels: each patient classified by the optimal cut (maximally selected log-rank,
    at least ``minprop`` per side) found on the other folds. Returns labels, the fold of each patient and the
    cut found without each fold."""
    x = np.asarray(x, float)
    time = np.asarray(time, float)
    event = np.asarray(event, float)
    if not (isinstance(folds, (int, np.integer)) and not isinstance(folds, bool) and 2 <= folds <= x.size):
        raise AssayDataError(f"cv_folds (folds of the cross-validated hazard ratio) must be a whole number from 2 to "
                             f"the number of patients ({x.size}); got {folds!r}")
    fold = stratified_folds(event, int(folds), seed)
    labels = np.empty(x.size, dtype=object)
    cuts = np.full(int(folds), np.nan)
    for k in range(int(folds)):
        test = fold == k
        train = ~test
        cut = maxstat_logrank(x[train], time[train], event[train], minprop=minprop)["cutpoint"]
        cuts[k] = cut
        labels[test] = np.where(x[test] <= cut, "low", "high")
    return {"labels": labels, "fold": fold, "cuts": cuts, "folds": int(folds), "seed": seed}
