"""Validation of survival tables: times, event coding, groups, covariates.

Missing values are R's and Excel's markers (``_validate.NA_MARKERS``: '', 'NA', 'NaN', 'nan', '#N/A', as text or as
NaN/None). A row with a missing value in any column the analysis uses is left out, as R's ``na.omit`` does, and
counted per column (``rows_left_out``) with a sentence naming the rows; nothing is dropped silently. Values that are
present but wrong (text in a time column, an infinite or negative time, an event code that is not 0/1) stop the
analysis with an error naming the column and the rows.
"""

from __future__ import annotations

import numpy as np

from .._validate import NA_MARKERS, check_columns, check_level, missing_mask, row_list
from ..errors import AssayDataError

__all__ = ["EVENT", "TIME", "numeric_or_categorical", "survival_frame"]

#: internal column names of the analysed frame (never clash with a user's column: users' names are kept apart)
TIME, EVENT = "_time", "_event"


def _clean(raw):
    """The column with missing markers turned into NaN (the input is not modified)."""
    miss = missing_mask(raw)
    return raw.where(~miss) if miss.any() else raw


def numeric_or_categorical(raw, column, src=None):
    """Decide how a covariate enters a model from its *values*, not its dtype.

    Returns ``(kind, values)``: ``("numeric", float array)`` when every non-missing value is a number;
    ``("categorical", str Series)`` when none (or only a minority) is; a column that is mostly numbers with a few
    text values is an error naming them (a typo or an unknown missing code such as '.', 'n/a', 'unknown' must not
    turn a numeric covariate into a factor with one level per value)."""
    import pandas as pd

    vals = _clean(raw)
    present = vals.notna().to_numpy()
    num = pd.to_numeric(vals, errors="coerce")
    if vals.dtype == bool:
        num = vals.astype(float)
    is_num = num.notna().to_numpy()
    text = np.flatnonzero(present & ~is_num)
    rows = np.asarray(raw.index)[text]  # the analysed frame keeps the input's row positions as its index
    if text.size == 0:
        return "numeric", num.to_numpy(float)
    if is_num.sum() > text.size:  # mostly numbers: a few text values are a mistake, not a factor
        raise AssayDataError(
            f"column {column!r} holds numbers but {text.size} value{'s' if text.size > 1 else ''} that "
            f"{'are' if text.size > 1 else 'is'} not a number ({row_list(rows, vals.iloc[text].tolist())}); "
            f"missing values are written as empty cells or {', '.join(repr(m) for m in NA_MARKERS if m)}",
            file=src, column=column, rows=(rows[:3] + 1).tolist())
    return "categorical", vals.astype(str)


def _time(raw, col, src):
    import pandas as pd

    miss = missing_mask(raw)
    t = pd.to_numeric(_clean(raw), errors="coerce").to_numpy(float)
    bad = np.flatnonzero(np.isnan(t) & ~miss)
    if bad.size:
        raise AssayDataError(f"column {col!r} has non-numeric times ({row_list(bad, raw.iloc[bad].tolist())}); "
                             "expected numbers", file=src, column=col, rows=(bad + 1).tolist())
    inf = np.flatnonzero(np.isinf(t))
    if inf.size:
        raise AssayDataError(f"column {col!r} has infinite times ({row_list(inf, raw.iloc[inf].tolist())}); "
                             "survival times must be finite numbers >= 0 (a patient still alive is censored at the "
                             "last follow-up time)", file=src, column=col, rows=(inf + 1).tolist())
    neg = np.flatnonzero(t < 0)
    if neg.size:
        raise AssayDataError(f"column {col!r} has negative times ({row_list(neg, t[neg].tolist())}); "
                             "survival times must be >= 0", file=src, column=col, rows=(neg + 1).tolist())
    return t, miss


def _as_number(v):
    if isinstance(v, bool):
        return None
    try:
        f = float(str(v).strip())
    except ValueError:
        return None
    return f if np.isfinite(f) else None


def _event(raw, col, src, event_value):
    """(event 0/1 with NaN where missing, missing mask, event label or None)."""
    import pandas as pd

    miss = missing_mask(raw)
    vals = _clean(raw)
    out = np.full(len(raw), np.nan)
    if event_value is not None:
        present = vals[~miss]
        num = pd.to_numeric(present, errors="coerce")
        ev_num = _as_number(event_value)
        if ev_num is not None and present.dtype != bool and num.notna().all():
            hit = num.to_numpy(float) == ev_num
            if not hit.any():
                shown = sorted(set(num.tolist()))
                raise AssayDataError(
                    f"--event-value {event_value!r} is not a value of column {col!r}; the values are "
                    f"{', '.join(format(v, 'g') for v in shown[:8])}" + (" ..." if len(shown) > 8 else ""),
                    file=src, column=col)
        else:
            # exact match; 'dead' against 'Dead' is an error naming both (never every death counted as censored)
            v = check_level(event_value, present.astype(str), option="--event-value", column=col, file=src)
            hit = (present.astype(str) == v).to_numpy()
        out[~miss] = hit.astype(float)
        return out, miss
    if vals.dtype == bool:
        out[~miss] = vals[~miss].astype(float).to_numpy()
        return out, miss
    text = vals.astype(str).str.strip().str.lower()
    mapping = {"0": 0.0, "1": 1.0, "0.0": 0.0, "1.0": 1.0, "true": 1.0, "false": 0.0}
    coded = text.map(mapping).to_numpy(float)
    bad = np.flatnonzero(np.isnan(coded) & ~miss)
    if bad.size:
        levels = sorted(set(vals[~miss].astype(str)))
        raise AssayDataError(
            f"column {col!r} must be coded 0/1 (or true/false); it has {', '.join(map(repr, levels[:5]))}"
            + (" ..." if len(levels) > 5 else "")
            + f" ({bad.size} row{'s' if bad.size > 1 else ''} not 0/1: {row_list(bad, raw.iloc[bad].tolist())}). "
            "Give --event-value (e.g. 2 for R's survival::lung, where 1 = censored, 2 = dead) to say which value "
            "is the event; every other value is then censored", file=src, column=col, rows=(bad + 1).tolist())
    out[~miss] = coded[~miss]
    return out, miss


def survival_frame(data, *, time, event, event_value=None, extra=(), src=None):
    """Validate and keep complete cases.

    Returns ``(frame, notes, n_dropped, rows_left_out)``: ``frame`` has the columns ``_time``, ``_event`` (0/1) and
    the ``extra`` columns (missing markers turned into NaN) with the index of the input's row positions;
    ``rows_left_out`` maps each used column with missing values to the number of rows missing there."""
    import pandas as pd

    extra = [c for c in dict.fromkeys(extra) if c is not None]
    check_columns(data, [time, event, *extra], file=src)
    df = data.reset_index(drop=True)
    t, t_miss = _time(df[time], time, src)
    ev, ev_miss = _event(df[event], event, src, event_value)
    out = pd.DataFrame({TIME: t, EVENT: ev}, index=df.index)
    miss_by = {time: t_miss, event: ev_miss}
    for c in extra:
        out[c] = _clean(df[c])
        miss_by[c] = miss_by.get(c, np.zeros(len(df), bool)) | missing_mask(df[c])
    missing = np.zeros(len(df), bool)
    for m in miss_by.values():
        missing |= m
    rows_left_out = {str(c): int(m.sum()) for c, m in miss_by.items() if m.any()}
    notes = []
    if missing.any():
        parts = [f"missing {c} in {int(m.sum())} row{'s' if m.sum() > 1 else ''} ({row_list(np.flatnonzero(m))})"
                 for c, m in miss_by.items() if m.any()]
        n = int(missing.sum())
        notes.append(f"{n} row{'s' if n > 1 else ''} left out for missing values (as R's na.omit): "
                     + "; ".join(parts) + ".")
    out = out[~missing]
    if len(out) < 2:
        raise AssayDataError(f"fewer than 2 complete rows ({len(df)} rows, {int(missing.sum())} with a missing value "
                             f"in {', '.join(map(repr, rows_left_out))})", file=src)
    if out[EVENT].sum() == 0:
        raise AssayDataError(f"column {event!r} has no events among the {len(out)} complete rows; nothing to "
                             "estimate", file=src, column=event)
    if event_value is not None:
        other = df[event][~missing][out[EVENT].to_numpy() == 0]
        if len(other):
            counts = other.astype(str).value_counts()
            notes.append(f"Event: {event} = {event_value!s} ({int(out[EVENT].sum())} rows); every other value was "
                         f"counted as censored: {len(other)} row{'s' if len(other) > 1 else ''} ("
                         + ", ".join(f"{v!r}: {k}" for v, k in counts.items()) + ").")
    return out, notes, int(missing.sum()), rows_left_out
