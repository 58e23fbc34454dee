"""Model choice: AIC / BIC across dose-response models (R's convention) and the lack-of-fit F test."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ._result import ModelSelectionResult

__all__ = ["compare_models", "ModelSelectionResult"]


def compare_models(data, *, dose: str, response: str, group: str | None = None,
                   models: Sequence[str] = ("ll4", "ll3", "ll5", "w1", "w2"),
                   fixed: Mapping[str, float] | None = None) -> ModelSelectionResult:
    """Fit every model to every group; report RSS, log-likelihood, AIC, BIC, delta AIC, lack of fit."""
    import pandas as pd

    from ._api import _check_curve_data, _dose_response_columns, _internal_fixed, _label_column, _n_free, _ordered_levels
    from ._fit import fit_curve
    from ._models import get_model

    src = data.attrs.get("source") if hasattr(data, "attrs") else None
    df, x, y, orig_rows, _left, _notes = _dose_response_columns(data, dose, response, [group], src)
    labels = np.array(_label_column(df, group, src) if group else ["all"] * len(df), dtype=object)
    rows = []
    for lev in _ordered_levels(list(labels)):
        sel = np.flatnonzero(labels == lev)
        for name in models:
            mdl = get_model(name)
            fx = _internal_fixed(fixed, mdl.name)
            n_par = _n_free(mdl, fx)
            _check_curve_data(x[sel], y[sel], orig_rows[sel], lev, n_par, mdl.name, src, dose, response, group)
            c = fit_curve(x[sel], y[sel], model=mdl, fixed=fx, label=lev)
            lof = c.lack_of_fit()
            rows.append({"group": lev, "model": mdl.name, "n": c.n, "n_params": c.n_params, "rss": c.rss,
                         "loglik": c.loglik(), "aic": c.aic(), "bic": c.bic(), "lof_f": lof[0],
                         "lof_df_num": lof[1], "lof_df_den": lof[2], "lof_p": lof[3],
                         "converged": bool(c.converged), "flag": ";".join(c.flags) or "ok"})
    table = pd.DataFrame(rows)
    table["delta_aic"] = table["aic"] - table.groupby("group")["aic"].transform("min")
    meta = {"analysis": "doseresponse.compare_models", "models": list(models), "dose": dose,
            "response": response, "group": group, "fixed": dict(fixed or {}), "n": int(len(df))}
    return ModelSelectionResult(table=table, meta=meta)
