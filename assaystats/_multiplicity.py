"""p values adjusted for multiplicity within one family: the package's method names mapped to statsmodels'
``multipletests`` (equal to R's ``p.adjust`` where R has the method).

A shared module (numpy and statsmodels only): every subpackage adjusts p values here.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ADJUST_METHODS", "adjust_p"]

#: the package's names (the command's ``--p-adjust``; ``fdr_bh`` is statsmodels' spelling of ``bh``) -> the
#: statsmodels method; None leaves the p values as they are
ADJUST_METHODS: dict[str, str | None] = {"holm": "holm", "bonferroni": "bonferroni", "sidak": "sidak",
                                         "holm-sidak": "holm-sidak", "bh": "fdr_bh", "fdr_bh": "fdr_bh",
                                         "none": None}


def adjust_p(p, method: str | None) -> np.ndarray:
    """Adjusted p values of one family, by ``method`` (a key of ``ADJUST_METHODS``, or None for none). Missing
    (NaN) p values stay missing and are not counted in the family, as R's ``p.adjust`` does by default."""
    from statsmodels.stats.multitest import multipletests

    if method is not None and method not in ADJUST_METHODS:
        raise ValueError(f"unknown p-value adjustment {method!r}; choose one of {', '.join(ADJUST_METHODS)}")
    sm = None if method is None else ADJUST_METHODS[method]
    p = np.asarray(p, float)
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    out[ok] = p[ok] if sm is None or not ok.any() else multipletests(p[ok], method=sm)[1]
    return out
