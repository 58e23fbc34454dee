"""Cohort expression tables (UCSC Xena / GDC: genes x samples, first column the gene id) joined with a
clinical table, and TCGA barcodes.

TCGA barcodes (TCGA-TSS-PPPP-SSV...): the patient is the first 12 characters; the sample type is characters
14-15: 01-09 tumour, 10-19 normal, 20-29 control. One primary tumour per patient is kept by a stated rule
(the lowest sample type code, 01 primary first, then the lowest vial letter, then the barcode order).
"""

from __future__ import annotations

import re

import numpy as np

from .._validate import NA_MARKERS, row_list
from ..errors import AssayDataError

__all__ = ["parse_barcode", "gene_vector", "join_clinical", "one_tumour_per_patient", "expression_values",
           "gene_row"]

_DECIMAL_COMMA = re.compile(r"^\s*[-+]?\d*,\d+\s*$")

_BARCODE = re.compile(r"^(TCGA-[A-Z0-9]{2}-[A-Z0-9]{4})-(\d{2})([A-Z]?)", re.I)


def parse_barcode(s: str) -> dict:
    m = _BARCODE.match(str(s))
    if not m:
        return {"patient": None, "type_code": None, "kind": None, "vial": ""}
    code = int(m.group(2))
    kind = "tumour" if 1 <= code <= 9 else "normal" if 10 <= code <= 19 else "control" if 20 <= code <= 29 else "other"
    return {"patient": m.group(1).upper(), "type_code": code, "kind": kind, "vial": m.group(3).upper()}


def _check_unique(names, what, src):
    seen = {}
    for i, n in enumerate(names):
        if n in seen:
            raise AssayDataError(f"{what} {n!r} appears twice (positions {seen[n] + 1} and {i + 1}); ids must be "
                                 "unique", file=src)
        seen[n] = i


def _unusable(out):
    """Infinite, or too large to square (sums of squares would overflow; see _validate.MAX_MAGNITUDE)."""
    from .._validate import MAX_MAGNITUDE

    with np.errstate(invalid="ignore"):
        return np.isinf(out) | (np.abs(out) > MAX_MAGNITUDE)


def expression_values(expr, positions, columns=None, *, src=None) -> np.ndarray:
    """The expression values of the rows at ``positions`` (genes) and ``columns`` (samples; default every column
    after the first) as a float matrix. Missing cells (NaN, '', 'NA', ...) are NaN; a cell that is text but not
    a number ('1,5' from a decimal-comma table, 'high') or is infinite is an error naming the file, the sample
    column, the rows and their gene ids."""
    import pandas as pd

    idcol = expr.columns[0]
    positions = np.asarray(positions, dtype=int)
    columns = list(expr.columns[1:]) if columns is None else list(columns)
    block = expr.iloc[positions, [expr.columns.get_loc(c) for c in columns]]
    numeric = np.array([pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_bool_dtype(t)
                        for t in block.dtypes], dtype=bool)
    if numeric.all():  # the usual case (a table read with numbers): one conversion, no text to check
        out = block.to_numpy(dtype=float)
        bad = _unusable(out)
    else:
        out = np.empty((positions.size, len(columns)))
        bad = np.zeros(out.shape, dtype=bool)
        if numeric.any():
            out[:, numeric] = block.loc[:, numeric].to_numpy(dtype=float)
        text = block.loc[:, ~numeric]
        vals = text.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
        cand = np.isnan(vals)
        if cand.any():  # a value present that is not a number, unless it is a missing marker
            raw = text.to_numpy(dtype=object)
            cand &= ~pd.isna(raw)
            marker = pd.Series(raw[cand]).astype(str).str.strip().isin(NA_MARKERS).to_numpy()
            cand[cand] = ~marker
        out[:, ~numeric] = vals
        bad[:, ~numeric] = cand
        bad |= _unusable(out)
    bad_cols = np.flatnonzero(bad.any(axis=0))
    n_bad_cols = bad_cols.size
    first = None
    if n_bad_cols:
        j = int(bad_cols[0])
        first = (columns[j], np.flatnonzero(bad[:, j]), block.iloc[:, j])
    if first is not None:
        c, k, col = first
        rows = positions[k]
        shown = [col.iloc[i] for i in k[:20]]
        ids = [str(expr[idcol].iloc[r]) for r in rows[:3]]
        comma = any(_DECIMAL_COMMA.match(str(v)) for v in shown[:20])
        hint = (" The table seems to use decimal commas: save it with decimal points (or convert the commas)."
                if comma else "")
        more = f" ({n_bad_cols - 1} more sample column{'s' if n_bad_cols > 2 else ''} too)" if n_bad_cols > 1 else ""
        raise AssayDataError(f"column {str(c)!r} has {k.size} expression value{'s' if k.size > 1 else ''} that "
                             f"{'are' if k.size > 1 else 'is'} not a finite number below 1e150 in magnitude ({row_list(rows, shown)}; gene"
                             f"{'s' if k.size > 1 else ''} {', '.join(ids)}{' ...' if k.size > 3 else ''}){more}; "
                             f"expected numbers.{hint}", file=src, column=str(c), rows=(rows[:3] + 1).tolist())
    return out


def gene_row(expr, gene: str, *, src=None) -> int:
    """Position of ``gene`` in the first column (exact id, else the id before a '.' version or '|' suffix)."""
    idcol = expr.columns[0]
    ids = expr[idcol].astype(str)
    hit = np.flatnonzero(ids.to_numpy() == str(gene))
    if hit.size == 0:
        base = ids.str.split(".").str[0].str.split("|").str[0]
        hit = np.flatnonzero(base.to_numpy() == str(gene))
    if hit.size == 0:
        near = [g for g in ids if str(gene).lower() in g.lower()][:3]
        raise AssayDataError(f"gene {gene!r} is not in column {idcol!r} of the expression table"
                             + (f" (similar: {', '.join(near)})" if near else ""), file=src, column=idcol)
    if hit.size > 1:
        raise AssayDataError(f"gene {gene!r} appears in {hit.size} rows of column {idcol!r} ({row_list(hit)}); "
                             "give a unique id", file=src, column=idcol, rows=(hit + 1).tolist())
    return int(hit[0])


def gene_vector(expr, gene: str, *, log2p1: bool = False, src=None):
    """One gene's values across samples from a genes x samples table (first column = gene id). Missing cells are
    NaN; text that is not a number is an error (see ``expression_values``)."""
    import pandas as pd

    src = src or (expr.attrs.get("source") if hasattr(expr, "attrs") else None)
    pos = gene_row(expr, gene, src=src)
    samples = [str(c) for c in expr.columns[1:]]
    _check_unique(samples, "sample id", src)
    v = expression_values(expr, [pos], src=src)[0]
    if log2p1:
        v = _log2p1(v, gene, pos, expr.columns[1:], src)
    return pd.Series(v, index=samples, name=str(gene))


def _log2p1(v, gene, pos, columns, src):
    """log2(x + 1); values below -1 (which have no logarithm) are an error naming the cells."""
    neg = np.flatnonzero(v < -1) if v.ndim == 1 else None
    if neg is not None and neg.size:
        c = str(columns[neg[0]])
        raise AssayDataError(f"column {c!r}: the value of {gene!r} (row {pos + 1}) is {v[neg[0]]:g}; log2(x + 1) needs "
                             "values of at least -1 (are the values already on a log scale? then do not ask for "
                             "log2(x + 1))", file=src, column=c, rows=[pos + 1])
    return np.log2(v + 1)


def join_clinical(values, clinical, *, id_col: str | None = None, src=None, clinical_src=None):
    """Tidy table (sample, value, clinical columns) for the samples in both tables. Matches on the sample id,
    or on the TCGA patient (first 12 characters) when the clinical table is per patient."""
    out, unmatched, _rows = _join_clinical(values, clinical, id_col=id_col, clinical_src=clinical_src)
    return out, unmatched


def _join_clinical(values, clinical, *, id_col=None, clinical_src=None):
    """As ``join_clinical``, plus the 0-based row of the clinical table behind each output row."""
    idc = id_col or ("sample" if "sample" in clinical.columns else None)
    if idc is None or idc not in clinical.columns:
        raise AssayDataError(f"the clinical table needs a sample id column (--id, or a column named 'sample'); it has "
                             f"{', '.join(map(repr, clinical.columns[:8]))}", file=clinical_src)
    ids = clinical[idc].astype(str).tolist()
    _check_unique(ids, f"sample id in column {idc!r}", clinical_src)
    position = {k: i for i, k in enumerate(ids)}
    clin = clinical.assign(_id=ids).set_index("_id")
    direct = [s for s in values.index if s in clin.index]
    if direct:
        keys = {s: s for s in direct}
    else:
        pat = {s: parse_barcode(s)["patient"] for s in values.index}
        keys = {s: p for s, p in pat.items() if p in clin.index}
    if not keys:
        raise AssayDataError(f"no sample id of the expression table matches column {idc!r} of the clinical table "
                             f"(e.g. {list(values.index[:2])} vs {ids[:2]})", file=clinical_src, column=idc)
    out = clin.loc[[keys[s] for s in keys]].copy()
    out = out.drop(columns=[c for c in ("sample", "value") if c in out.columns])
    out.insert(0, "sample", list(keys))
    out.insert(1, "value", values.loc[list(keys)].to_numpy())
    unmatched = len(values) - len(keys)
    out.attrs = {}
    return out.reset_index(drop=True), unmatched, np.array([position[keys[s]] for s in keys], dtype=int)


def one_tumour_per_patient(samples):
    """Keep one tumour sample per patient (lowest type code, then vial, then barcode)."""
    return _one_per_patient(samples, "tumour")


def one_normal_per_patient(samples):
    """Keep one normal sample per patient by the rule for tumours (lowest sample-type code, then vial, then
    barcode), so that a patient with two normal aliquots counts once in the unpaired test as in the paired one."""
    return _one_per_patient(samples, "normal")


def _one_per_patient(samples, kind):
    info = [(s, parse_barcode(s)) for s in samples]
    best = {}
    for s, b in info:
        if b["kind"] != kind:
            continue
        key = (b["type_code"], b["vial"], s)
        if b["patient"] not in best or key < best[b["patient"]][0]:
            best[b["patient"]] = (key, s)
    return sorted(v[1] for v in best.values())
