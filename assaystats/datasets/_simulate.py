"""``simulate_screen``: a seeded drug screen of log-logistic curves, the shared test and benchmark input of
``doseresponse.fit_many``."""

from __future__ import annotations

__all__ = ["SCREEN_DOSES", "simulate_screen"]

#: vehicle + 8 doses, half-log steps from 0.01 to 30 (uM)
SCREEN_DOSES = (0.0, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0)


def simulate_screen(n_curves: int, *, seed: int = 0, doses=SCREEN_DOSES, replicates: int = 3, sd: float = 5.0,
                    kinds=None, labels: bool = False):
    """A long table of ``n_curves`` simulated LL.4 curves, one row per well (``replicates`` wells per dose).

    Curves are of three kinds (column ``kind``): 0 full (bottom 0-15), 1 partial (bottom 40-70), 2 flat
    (bottom = top: no dose effect); by default they cycle 0, 1, 2. Top ~ N(100, 5), hill slope (drc's b)
    uniform in 0.7-3, mid-point e log-uniform in 0.03-3, residual sd ``sd``.

    Columns: ``curve`` (int), ``kind``, ``replicate`` (1..replicates), ``dose``, ``response``, and with
    ``labels=True`` text columns ``compound`` and ``line`` (4 lines per compound) naming the curve too.
    """
    import numpy as np
    import pandas as pd

    n_curves = int(n_curves)
    rng = np.random.default_rng(seed)
    kind = (np.arange(n_curves) % 3) if kinds is None else np.asarray(kinds, int)
    if kind.size != n_curves:
        raise ValueError("kinds must have one entry per curve")
    dose_levels = np.asarray(doses, float)
    per = dose_levels.size * replicates
    x = np.tile(np.repeat(dose_levels, replicates), n_curves)
    rep = np.tile(np.tile(np.arange(1, replicates + 1), dose_levels.size), n_curves)
    cid = np.repeat(np.arange(n_curves), per)
    e = np.exp(rng.uniform(np.log(0.03), np.log(3.0), n_curves))
    b = rng.uniform(0.7, 3.0, n_curves)
    d = rng.normal(100.0, 5.0, n_curves)
    c = np.where(kind == 0, rng.uniform(0.0, 15.0, n_curves),
                 np.where(kind == 1, rng.uniform(40.0, 70.0, n_curves), d))
    with np.errstate(divide="ignore", over="ignore"):
        u = np.exp(b[cid] * (np.log(np.where(x > 0, x, 1e-300)) - np.log(e[cid])))
    y = c[cid] + (d - c)[cid] / (1.0 + u) + rng.normal(0.0, sd, x.size)
    cols = {}
    if labels:
        cols["compound"] = np.char.add("cpd", (cid // 4).astype(str)).astype(object)
        cols["line"] = np.char.add("L", (cid % 4).astype(str)).astype(object)
    cols.update({"curve": cid, "kind": kind[cid], "replicate": rep, "dose": x, "response": y})
    return pd.DataFrame(cols)
