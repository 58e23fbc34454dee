"""``fit_many`` on a dask DataFrame: the in-memory ``fit_many`` run on whole curves, partition by partition.

A curve is never split: ``partition_by_curve`` numbers every row by its place in the input (partition number, row
within the partition), then shuffles on a hash of the curve columns so that all rows of a curve land in one output
partition. Each such partition is sorted back into input order and fitted by the in-memory ``fit_many`` (one task per
partition through ``to_delayed``; the scheduler in use decides where: the threaded default or a
``distributed.Client``). Memory per task is bounded by its partition; only the per-curve tables (one row per curve)
come back to the caller, where they are put in the order curves first appear in the input and wrapped in the same
``BatchFitResult`` as the in-memory run.

Order of a dask frame: the order of ``ddf.compute()``, i.e. partition by partition, rows within a partition in their
order. Curves are listed by the position of their first row in that order, exactly as the in-memory ``fit_many``
lists them for ``ddf.compute()``.

Everything dask-related is imported inside the functions (dask is an optional dependency: ``assaystats[dask]``).
"""

from __future__ import annotations

import numpy as np

from ..errors import AssayDataError

__all__ = ["ORDER_COLUMNS", "fit_many_dask", "partition_by_curve"]

#: the columns ``partition_by_curve`` adds: the input partition and the row within it of every row (int64)
ORDER_COLUMNS = ("_assaystats_partition", "_assaystats_row")


def _keys(curve) -> list:
    keys = [curve] if isinstance(curve, str) else list(curve)
    if not keys:
        raise AssayDataError("curve must name at least one column")
    return keys


def _is_dask_frame(data) -> bool:
    return type(data).__module__.startswith("dask") and hasattr(data, "to_delayed") and hasattr(data, "columns")


def _check_columns(ddf, needed, source=None):
    missing = [c for c in needed if c not in ddf.columns]
    if missing:
        have = ", ".join(repr(c) for c in list(ddf.columns)[:20])
        raise AssayDataError(f"column{'s' if len(missing) > 1 else ''} {', '.join(repr(c) for c in missing)} not "
                             f"found in the dask DataFrame (columns: {have})", file=source, column=str(missing[0]))


def _number_rows(pdf, partition_info=None):
    """Add the input position (partition number, row within the partition) of every row."""
    out = pdf.copy(deep=False)
    out[ORDER_COLUMNS[0]] = np.int64(partition_info["number"] if partition_info else 0)
    out[ORDER_COLUMNS[1]] = np.arange(len(pdf), dtype=np.int64)
    return out


def partition_by_curve(ddf, *, curve, npartitions: int | None = None):
    """Repartition a dask DataFrame so that all rows of a curve lie in one partition.

    Parameters
    ----------
    ddf : dask DataFrame, one row per well.
    curve : column name or list of column names whose combination identifies a curve.
    npartitions : number of output partitions (default: as many as the input has).

    Returns
    -------
    dask DataFrame with the same columns plus ``_assaystats_partition`` and ``_assaystats_row`` (the position of every
    row in the input, from which ``fit_many`` restores the input order of rows and curves), shuffled on a hash of the
    curve columns (a task shuffle with the threaded scheduler, dask's choice on a ``distributed`` cluster). Applied
    to a frame it has already partitioned, it returns that frame unchanged.
    """
    if not _is_dask_frame(ddf):
        raise AssayDataError("partition_by_curve takes a dask DataFrame (dask.dataframe); got "
                             f"{type(ddf).__name__}")
    keys = _keys(curve)
    _check_columns(ddf, keys)
    if all(c in ddf.columns for c in ORDER_COLUMNS) and npartitions in (None, ddf.npartitions):
        return ddf
    if npartitions is not None and (not isinstance(npartitions, (int, np.integer)) or npartitions < 1):
        raise AssayDataError(f"npartitions must be a positive integer; got {npartitions!r}")
    numbered = ddf
    if not all(c in ddf.columns for c in ORDER_COLUMNS):
        meta = ddf._meta.copy()
        meta[ORDER_COLUMNS[0]] = np.zeros(0, np.int64)
        meta[ORDER_COLUMNS[1]] = np.zeros(0, np.int64)
        numbered = ddf.map_partitions(_number_rows, meta=meta)
    return numbered.shuffle(on=keys, npartitions=int(npartitions or ddf.npartitions))


def _fit_partition(pdf, keys, kwargs):
    """The in-memory fit_many on one partition of whole curves; returns (table, meta, input position of each
    curve's first row) or None for an empty partition."""
    from ._batch import fit_many

    if len(pdf) == 0:
        return None
    pdf = pdf.sort_values(list(ORDER_COLUMNS), kind="stable")  # back into input order
    part = pdf[ORDER_COLUMNS[0]].to_numpy()
    row = pdf[ORDER_COLUMNS[1]].to_numpy()
    data = pdf.drop(columns=list(ORDER_COLUMNS)).reset_index(drop=True)
    try:
        res = fit_many(data, **kwargs)
    except AssayDataError as err:
        # rows of the error are 1-based positions in this (sorted) partition: name them by their input position
        where = [f"partition {part[r - 1]} row {row[r - 1]}" for r in err.rows[:5] if 0 < r <= len(part)]
        raise AssayDataError(err.detail + (f" [in the dask input: {'; '.join(where)} (0-based)]" if where else ""),
                             file=err.file, column=err.column, rows=err.rows) from None
    cid = data.groupby(keys, sort=False, dropna=False).ngroup().to_numpy()
    _, first = np.unique(cid, return_index=True)  # curve i of the table starts at row first[i]
    return res.table, res.meta, part[first], row[first]


def _screen_window(data, dose, response):
    """The in-memory default AUC window over the whole frame: the lowest and highest positive dose among the wells
    with a finite dose and response (one pass over the two columns); None when there is none."""
    import dask
    import dask.dataframe as dd

    x = dd.to_numeric(data[dose], errors="coerce")
    y = dd.to_numeric(data[response], errors="coerce")
    ok = (x > 0) & (x < np.inf) & (y.abs() < np.inf)
    lo, hi = dask.compute(x[ok].min(), x[ok].max())
    return (float(lo), float(hi)) if np.isfinite(lo) and np.isfinite(hi) and lo < hi else None


def metas_source_default() -> str:
    """How the in-memory fit_many names its default window (so the dask run's meta equals it)."""
    return "the screen's range of positive doses"


def fit_many_dask(data, *, dose, response, curve, npartitions=None, **kwargs):
    """``fit_many`` on a dask DataFrame (called by ``fit_many``; the same arguments, the same Result).

    Curves are first put whole into partitions with ``partition_by_curve`` (skipped when ``data`` already comes
    from it); a curve found in two partitions afterwards (a frame repartitioned after ``partition_by_curve``) is an
    error, never a silently split fit.
    """
    import dask
    import pandas as pd

    from ._batch_result import BatchFitResult

    keys = _keys(curve)
    source = kwargs.get("source")
    _check_columns(data, [dose, response, *keys], source)
    for c in (dose, response, *keys):
        if c in ORDER_COLUMNS:
            raise AssayDataError(f"column {c!r} is reserved for the input order of a dask frame", column=c)
    extra = [c for c in (kwargs.get("replicate"), kwargs.get("dose_unit")) if c]
    _check_columns(data, extra, source)
    if not all(c in data.columns for c in ORDER_COLUMNS):
        # only the columns the fit reads travel through the shuffle (and are read at all from Parquet)
        data = data[list(dict.fromkeys([*keys, dose, response, *extra]))]
    window_given = kwargs.get("auc_window") is not None
    if not window_given:  # the screen's window, not each partition's: the same AUCs as the in-memory run
        kwargs = dict(kwargs, auc_window=_screen_window(data, dose, response))
    parted = partition_by_curve(data, curve=keys, npartitions=npartitions)
    fit_kwargs = dict(kwargs, dose=dose, response=response, curve=keys)
    tasks = [dask.delayed(_fit_partition, pure=True)(p, keys, fit_kwargs) for p in parted.to_delayed()]
    parts = [p for p in dask.compute(*tasks) if p is not None]

    if not parts:  # no rows at all: the in-memory answer for an empty table of the same columns
        from ._batch import fit_many

        empty = data._meta.drop(columns=[c for c in ORDER_COLUMNS if c in data.columns])
        res = fit_many(empty, dose=dose, response=response, curve=keys, **kwargs)
        return BatchFitResult(table=res.table, meta={**res.meta, "dask": {"npartitions": int(parted.npartitions)}})
    table = pd.concat([p[0] for p in parts], ignore_index=True)
    order = np.lexsort((np.concatenate([p[3] for p in parts]), np.concatenate([p[2] for p in parts])))
    table = table.iloc[order].reset_index(drop=True)
    dup = table.duplicated(keys, keep=False).to_numpy()
    if dup.any():
        example = table.loc[dup, keys].iloc[0].tolist()
        raise AssayDataError(f"{int(dup.sum())} table rows belong to curves split across partitions (first: "
                             f"{example}); the frame was repartitioned after partition_by_curve: call "
                             "partition_by_curve on it again", column=keys[0])
    metas = [p[1] for p in parts]
    meta = dict(metas[0])
    for k in ("n", "n_curves", "rows_left_out"):
        meta[k] = int(sum(m[k] for m in metas))
    if not window_given:
        meta["auc_window_source"] = metas_source_default()
    meta["dask"] = {"npartitions": int(parted.npartitions), "npartitions_fitted": len(parts),
                    "partitioning": "hash shuffle on the curve columns (partition_by_curve)",
                    "order": "curves in the order of their first row in ddf.compute()"}
    return BatchFitResult(table=table, meta=meta)
