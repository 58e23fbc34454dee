"""Validation of survival tables: times, event coding, groups, covariates; rows with missing values are
dropped and counted (never silently)."""

from __future__ import annotations

import numpy as np

from .._validate import check_columns, row_list
from ..errors import AssayDataError

__all__ = ["survival_frame"]


def _event(raw, col, src, event_value):
    import pandas as pd

    if event_value is not None:
        s = raw.astype(str).str.strip()
        ev = str(event_value).strip()
        vals = s.to_numpy()
        try:
            evf = float(ev)
            num = pd.to_numeric(raw, errors="coerce").to_numpy(float)
            return (num == evf).astype(float), raw.isna().to_numpy()
        except ValueError:
            return (vals == ev).astype(float), raw.isna().to_numpy()
    miss = raw.isna().to_numpy()
    if raw.dtype == bool:
        return raw.astype(float).to_numpy(), miss
    text = raw.astype(str).str.strip().str.lower()
    mapping = {"0": 0.0, "1": 1.0, "0.0": 0.0, "1.0": 1.0, "true": 1.0, "false": 0.0}
    vals = text.map(mapping)
    bad = np.flatnonzero(vals.isna().to_numpy() & ~miss)
    if bad.size:
        levels = sorted(set(raw.dropna().astype(str)))
        raise AssayDataError(
            f"column {col!r} must be coded 0/1 (or true/false); it has {', '.join(map(repr, levels[:5]))} "
            f"({row_list(bad, raw.iloc[bad].tolist())}). Give --event-value (e.g. 2 for R's survival::lung, where "
            "1 = censored, 2 = dead) to say which value is the event", file=src, column=col, rows=(bad + 1).tolist())
    return vals.to_numpy(float), miss


def survival_frame(data, *, time, event, event_value=None, extra=(), src=None):
    """DataFrame with columns time, event (0/1) and the extra columns, complete cases only; and notes."""
    import pandas as pd

    check_columns(data, [time, event, *extra], file=src)
    df = data.reset_index(drop=True)
    t = pd.to_numeric(df[time], errors="coerce")
    bad = np.flatnonzero(t.isna().to_numpy() & df[time].notna().to_numpy())
    if bad.size:
        raise AssayDataError(f"column {time!r} has non-numeric times ({row_list(bad, df[time].iloc[bad].tolist())})",
                             file=src, column=time, rows=(bad + 1).tolist())
    neg = np.flatnonzero(t.to_numpy(float) < 0)
    if neg.size:
        raise AssayDataError(f"column {time!r} has negative times ({row_list(neg, t.iloc[neg].tolist())}); "
                             "survival times must be >= 0", file=src, column=time, rows=(neg + 1).tolist())
    ev, ev_miss = _event(df[event], event, src, event_value)
    out = pd.DataFrame({"time": t.to_numpy(float), "event": ev}, index=df.index)
    for c in extra:
        out[c] = df[c]
    missing = out.isna().any(axis=1) | pd.Series(ev_miss, index=df.index)
    notes = []
    if missing.any():
        rows = np.flatnonzero(missing.to_numpy())
        cols = [c for c in ["time", *extra] if out[c].isna().any()] + (["event"] if ev_miss.any() else [])
        notes.append(f"{rows.size} row(s) with missing values were dropped ({row_list(rows)}; columns "
                     f"{', '.join(map(str, cols))}).")
    out = out[~missing]
    if len(out) < 2:
        raise AssayDataError("fewer than 2 complete rows", file=src)
    if out.event.sum() == 0:
        raise AssayDataError(f"column {event!r} has no events; nothing to estimate", file=src, column=event)
    return out, notes, int(missing.sum())
