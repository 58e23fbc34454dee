"""A whole drug screen in one call: every curve fitted (``fit_many``), GR metrics when cell counts are given
(``gr_metrics``), and the screen's overview (distributions, flags, compound x cell-line heatmap, worst fits).

This module only composes the two public engines and keeps what the overview needs; the statistics live in
``_batch.py`` (curves) and ``_gr.py`` (GR metrics).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names of the annotations only
    import dask.dataframe as dd
    import pandas as pd

    from ._screen_result import ScreenResult

import numpy as np

from ..errors import AssayDataError

__all__ = ["screen"]

#: curves drawn in the "worst fits" figure
N_WORST = 6


def screen(data: pd.DataFrame | dd.DataFrame, *, dose: str, curve, response: str | None = None, replicate: str | None = None, model: str = "ll4",
           fixed=None, ci_level: float = 0.95, dose_unit: str | None = None, auc_window=None,
           cell_count: str | None = None, t0_count: str | None = None, control_count: str | None = None,
           time: str | None = None, source: str | None = None) -> ScreenResult:
    """Fit every curve of a screen and, with cell counts, its GR metrics.

    Parameters
    ----------
    data : pandas or dask DataFrame, one row per well. A dask DataFrame is fitted partition by partition (whole
        curves per partition; see ``fit_many``); GR metrics need a pandas DataFrame.
    dose : concentration column (not logs; 0 is the vehicle).
    curve : column name or list of column names whose combination identifies a curve (compound, cell line, ...).
        With two or more, the first two are the rows and columns of the heatmap.
    response : the response column (viability, % of control ...) fitted by ``fit_many``; None to compute GR metrics
        only.
    replicate, model, fixed, ci_level, dose_unit, auc_window : as ``fit_many`` (``dose_unit`` is a column).
    cell_count, t0_count, control_count, time : as ``gr_metrics``; GR metrics are computed when ``cell_count`` is
        given.

    Returns
    -------
    ScreenResult with ``curves`` (``fit_many``'s table, or None), ``gr`` (``gr_metrics``' table, or None),
    ``gr_values`` (GR per well, or None), ``flags`` (flag, analysis, curves) and ``worst`` (the wells of the curves
    drawn in the worst-fits figure).
    """
    import pandas as pd

    from ._batch import fit_many
    from ._screen_result import ScreenResult

    keys = [curve] if isinstance(curve, str) else list(curve)
    if response is None and cell_count is None:
        raise AssayDataError("a screen needs --response (curves of a response) or --cell-count (GR metrics), or both")
    is_dask = type(data).__module__.startswith("dask")
    if is_dask and cell_count is not None:
        raise AssayDataError("GR metrics are computed in memory: use --engine numpy with --cell-count")
    src = source or (None if is_dask else data.attrs.get("source"))
    curves = gr = None
    meta = {"analysis": "screen", "curve": keys, "dose": dose, "response": response, "engine":
            "dask" if is_dask else "numpy", "source": src}
    if response is not None:
        fm = fit_many(data, dose=dose, response=response, curve=keys, replicate=replicate, model=model, fixed=fixed,
                      ci_level=ci_level, dose_unit=dose_unit, auc_window=auc_window, source=src)
        curves = fm.table
        meta["fit_many"] = fm.meta
    if cell_count is not None:
        from ._gr import gr_metrics

        gr = gr_metrics(data, dose=dose, curve=keys, cell_count=cell_count, t0_count=t0_count,
                        control_count=control_count, time=time, source=src)
        meta["gr_metrics"] = gr.meta
    flags = _flag_counts(curves, gr.table if gr is not None else None)
    worst_keys = _worst(curves, keys) if curves is not None else pd.DataFrame(columns=keys)
    wells = _wells_of(data, keys, worst_keys, [dose, response]) if len(worst_keys) else None
    n = len(curves) if curves is not None else len(gr.table)
    meta["n_curves"] = int(n)
    if not is_dask:
        meta["n_rows_input"] = int(len(data))
    elif curves is not None:
        meta["n_rows_input"] = int(meta["fit_many"].get("n", 0))
    table = curves if curves is not None else gr.table
    return ScreenResult(table=table, meta=meta, curves=curves, gr=gr.table if gr is not None else None,
                        gr_values=gr.values if gr is not None else None, flags=flags, worst=wells)


def _flag_counts(curves, gr):
    """Curves per flag of each table ('ok' first, then the flags, most frequent first)."""
    import pandas as pd

    from .._result import count_flags

    rows = []
    for name, t in (("curves", curves), ("gr_metrics", gr)):
        if t is None:
            continue
        rows.append({"analysis": name, "flag": "ok", "curves": int((t["flag"].astype(str) == "ok").sum())})
        rows += [{"analysis": name, "flag": k, "curves": v} for k, v in count_flags(t["flag"]).items()]
    return pd.DataFrame(rows, columns=["analysis", "flag", "curves"])


def _worst(curves, keys):
    """The curves drawn as the worst fits: unconverged ones first, then the highest RMSE among fitted curves that
    are not flat (flat_p < 0.05), so that the figure shows fits a reader should look at, not noise around a
    plateau."""
    t = curves
    fitted = (t["method"].astype(str) != "not fitted") & (t["flat_p"] < 0.05)
    bad = t[fitted & ~t["converged"].astype(bool)].sort_values("rmse", ascending=False)
    rest = t[fitted & t["converged"].astype(bool)].sort_values("rmse", ascending=False)
    idx = [*bad.index, *rest.index][:N_WORST]
    return t.loc[idx, keys].reset_index(drop=True)


def _wells_of(data, keys, pick, cols):
    """The wells of the picked curves (for a dask frame, computed from it with a filter)."""
    import pandas as pd

    cols = [c for c in cols if c]
    if type(data).__module__.startswith("dask"):
        sub = data[[*keys, *cols]]
        mask = None
        for row in pick.itertuples(index=False):
            m = None
            for k, v in zip(keys, row):
                hit = sub[k].isna() if (v is None or (not isinstance(v, str) and pd.isna(v))) else (sub[k] == v)
                m = hit if m is None else (m & hit)
            mask = m if mask is None else (mask | m)
        return sub[mask].compute().reset_index(drop=True)
    merged = data[[*keys, *cols]].merge(pick.assign(_pick=np.arange(len(pick))), on=keys, how="inner")
    return pd.DataFrame(merged).sort_values("_pick", kind="stable").reset_index(drop=True)
