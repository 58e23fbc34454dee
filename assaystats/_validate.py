"""Checks on tables and arguments. Every failure raises AssayDataError naming file, column and rows.

Row numbers in messages are 1-based data rows as a spreadsheet user counts them *below the header*
(row 1 is the first data row), i.e. ``index + 1`` for a freshly read table.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from .errors import AssayDataError

__all__ = [
    "check_columns",
    "check_numeric",
    "check_no_missing",
    "check_nonnegative",
    "row_list",
    "check_choice",
]

_MAX_SHOWN = 3


def row_list(positions: Sequence[int], values: Sequence | None = None) -> str:
    """'rows 4, 9, 12' (1-based) with the first few offending values."""
    positions = list(positions)
    shown = positions[:_MAX_SHOWN]
    more = f" and {len(positions) - len(shown)} more" if len(positions) > len(shown) else ""
    word = "row" if len(positions) == 1 else "rows"
    if values is None:
        return f"{word} {', '.join(str(p + 1) for p in shown)}{more}"
    vals = list(values)[:_MAX_SHOWN]
    pairs = ", ".join(f"{p + 1}: {_show(v)}" for p, v in zip(shown, vals))
    return f"{word} {pairs}{more}"


def _show(v) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "empty"
    s = str(v)
    if len(s) > 30:
        s = s[:27] + "..."
    return repr(s)


def check_columns(df: pd.DataFrame, columns: Iterable[str | None], *, file: str | None = None) -> None:
    """Every named column exists (None entries are skipped)."""
    cols = [c for c in columns if c is not None]
    present = [str(c) for c in df.columns]
    for c in cols:
        if c not in df.columns:
            near = [p for p in present if p.lower() == str(c).lower()]
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            shown = ", ".join(repr(p) for p in present[:12]) + (" ..." if len(present) > 12 else "")
            raise AssayDataError(f"column {c!r} not found{hint}; the table has columns {shown}",
                                 file=file, column=str(c))


def check_numeric(df: pd.DataFrame, column: str, *, file: str | None = None,
                  allow_missing: bool = False) -> np.ndarray:
    """Return the column as float; non-numeric entries (and missing ones unless allowed) are an error."""
    raw = df[column]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    raw_missing = raw.isna().to_numpy() | raw.astype(str).str.strip().isin(["", "nan", "NaN", "NA"]).to_numpy()
    bad = np.flatnonzero(np.isnan(values) & ~raw_missing)
    if bad.size:
        raise AssayDataError(
            f"column {column!r} has {bad.size} non-numeric value{'s' if bad.size > 1 else ''} "
            f"({row_list(bad, raw.iloc[bad].tolist())}); expected numbers",
            file=file, column=column, rows=(bad + 1).tolist())
    inf = np.flatnonzero(np.isinf(values))
    if inf.size:
        raise AssayDataError(
            f"column {column!r} has infinite values ({row_list(inf)}); expected finite numbers",
            file=file, column=column, rows=(inf + 1).tolist())
    check_magnitude(values, column, file=file, raw=raw)
    if not allow_missing:
        check_no_missing(values, column, file=file)
    return values


#: values beyond this magnitude cannot be analysed in double precision (their squares, and so every variance and
#: sum of squares, overflow at about 1.3e154); no assay reads near it, so such a value is a unit or export mistake
MAX_MAGNITUDE = 1e150


def check_magnitude(values: np.ndarray, column: str, *, file: str | None = None, raw=None) -> None:
    """Finite values too large to square are an error naming the rows (never an overflow deep in a fit)."""
    with np.errstate(invalid="ignore"):
        big = np.flatnonzero(np.isfinite(values) & (np.abs(values) > MAX_MAGNITUDE))
    if big.size:
        shown = raw.iloc[big].tolist() if raw is not None else values[big].tolist()
        raise AssayDataError(
            f"column {column!r} has {big.size} value{'s' if big.size > 1 else ''} too large to analyse "
            f"({row_list(big, shown)}); expected magnitudes below 1e150: rescale the unit (a larger unit: "
            "thousands, millions) or check the export", file=file, column=column, rows=(big + 1).tolist())


def check_no_missing(values: np.ndarray, column: str, *, file: str | None = None, what: str = "value") -> None:
    miss = np.flatnonzero(pd.isna(values))
    if miss.size:
        raise AssayDataError(
            f"column {column!r} has {miss.size} missing {what}{'s' if miss.size > 1 else ''} "
            f"({row_list(miss)}); remove those rows or fill them in",
            file=file, column=column, rows=(miss + 1).tolist())


def check_nonnegative(values: np.ndarray, column: str, *, file: str | None = None) -> None:
    neg = np.flatnonzero(values < 0)
    if neg.size:
        raise AssayDataError(
            f"column {column!r} has {neg.size} negative value{'s' if neg.size > 1 else ''} "
            f"({row_list(neg, values[neg].tolist())}); doses must be >= 0 (0 = vehicle). "
            "If the column holds log doses, convert them back to concentrations",
            file=file, column=column, rows=(neg + 1).tolist())


def check_choice(name: str, value, choices: Iterable) -> None:
    choices = list(choices)
    if value not in choices:
        raise AssayDataError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")


# -- keyword names ---------------------------------------------------------------------------------------

def renamed_keywords(**renames):
    """Keep the old keyword names of a public function for one release: ``@renamed_keywords(pair="subject")``
    maps ``pair=`` to ``subject=`` with a FutureWarning (shown to users by default), so the API and the command
    line can use the same names."""

    def deco(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kw):
            for old, new in renames.items():
                if old in kw:
                    if new in kw:
                        raise TypeError(f"{fn.__name__}() got both {old}= (deprecated) and {new}=")
                    warnings.warn(f"{fn.__name__}({old}=...) is deprecated; use {new}=", FutureWarning, stacklevel=2)
                    kw[new] = kw.pop(old)
            return fn(*args, **kw)

        wrapper.__renamed_keywords__ = dict(renames)
        return wrapper

    return deco


# -- missing values and requested levels ----------------------------------------------------------------

#: R's and Excel's missing-value markers, and the TCGA/GDC clinical ones; ``io.read_table`` reads each of them as
#: missing in every column. 'n/a' and '-' are not among them: in a numeric column they are named as errors.
NA_MARKERS = ("", "NA", "NaN", "nan", "#N/A", "[Not Available]", "[Unknown]", "[Not Evaluated]", "[Not Applicable]")


def _levels_text(values, limit: int = 8) -> str:
    vals = [str(v) for v in values]
    shown = ", ".join(repr(v) for v in vals[:limit])
    return shown + (f" and {len(vals) - limit} more" if len(vals) > limit else "")


def label_text(v) -> str:
    """A label as the user wrote it: text stays text ('01' is not '1'); a whole number read as a float loses its
    '.0' (a column of numbers read by pandas or typed as numbers in Excel)."""
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)


def label_values(series) -> np.ndarray:
    """The labels of a column as text (see :func:`label_text`)."""
    return np.array([label_text(v) for v in series.tolist()], dtype=object)


def missing_mask(series) -> np.ndarray:
    """Missing entries of a column (a Series or any 1-D array): NaN/None and R's, Excel's and TCGA's missing markers
    (``NA_MARKERS``) written as text. The one definition of 'missing' every analysis uses."""
    if not isinstance(series, pd.Series):
        series = pd.Series(np.asarray(series, dtype=object) if np.ndim(series) else [series])
    miss = series.isna().to_numpy().copy()  # pandas 3 returns read-only views
    if series.dtype == object or str(series.dtype) in ("string", "category"):
        miss |= series.astype(str).str.strip().isin(NA_MARKERS).to_numpy()
    return miss


def label_column(df, col: str, *, file: str | None = None, what: str = "label") -> np.ndarray:
    """The labels of ``col`` as text; an empty cell (NaN, '', or a missing marker such as 'NA') is an error naming
    its rows, never a label called 'nan' (for analyses that need every row's label; others leave such rows out
    with :func:`missing_mask`)."""
    miss = missing_mask(df[col])
    if miss.any():
        rows = np.flatnonzero(miss)
        raise AssayDataError(f"column {col!r} has {rows.size} empty {what} cell{'s' if rows.size > 1 else ''} "
                             f"({row_list(rows)}); every row needs a {what}", file=file, column=col,
                             rows=(rows + 1).tolist())
    return label_values(df[col])


def check_level(value, present: Iterable, *, option: str, column: str | None = None,
                file: str | None = None) -> str:
    """``value`` (an option naming one level, e.g. ``--control``) must be one of ``present`` exactly.

    A value that differs from a level only by case or surrounding spaces is an error that names both (never a
    silent non-match: ``--event-value dead`` against 'Dead' would count every death as censored)."""
    present = list(dict.fromkeys(str(v) for v in present))
    v = str(value)
    if v in present:
        return v
    near = [p for p in present if p.strip().casefold() == v.strip().casefold()]
    where = f" of column {column!r}" if column else ""
    if near:
        raise AssayDataError(f"{option} {v!r} is not a value{where}; the data have {near[0]!r}, which differs only "
                             "in case or spaces (values are matched exactly)", file=file, column=column)
    raise AssayDataError(f"{option} {v!r} is not a value{where}; the values are {_levels_text(present)}",
                         file=file, column=column)


def check_order(order: Sequence, present: Iterable, *, option: str = "--order", column: str | None = None,
                file: str | None = None, drop_unlisted: bool = False) -> tuple[list[str], list[str]]:
    """Validate a level order against the values present in the data.

    Returns ``(order, unlisted)``: every listed level must be present exactly (case-only differences are named);
    values present but not listed are an error unless ``drop_unlisted`` (then they are returned for a note)."""
    present = list(dict.fromkeys(str(v) for v in present))
    order = [str(o) for o in order]
    dup = sorted({o for o in order if order.count(o) > 1})
    if dup:
        raise AssayDataError(f"{option} lists {_levels_text(dup)} more than once", file=file, column=column)
    for o in order:
        check_level(o, present, option=f"{option} level", column=column, file=file)
    unlisted = [p for p in present if p not in order]
    if unlisted and not drop_unlisted:
        raise AssayDataError(f"{option} does not list {_levels_text(unlisted)}, present in column {column!r}; add "
                             "them to the order, or leave those rows out explicitly", file=file, column=column)
    return order, unlisted
