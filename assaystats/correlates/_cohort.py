"""Cohort expression tables (UCSC Xena / GDC: genes x samples, first column the gene id) joined with a
clinical table, and TCGA barcodes.

TCGA barcodes (TCGA-TSS-PPPP-SSV...): the patient is the first 12 characters; the sample type is characters
14-15: 01-09 tumour, 10-19 normal, 20-29 control. One primary tumour per patient is kept by a stated rule
(the lowest sample type code, 01 primary first, then the lowest vial letter, then the barcode order).
"""

from __future__ import annotations

import re

import numpy as np

from .._validate import row_list
from ..errors import AssayDataError

__all__ = ["parse_barcode", "gene_vector", "join_clinical", "one_tumour_per_patient"]

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


def gene_vector(expr, gene: str, *, log2p1: bool = False, src=None):
    """One gene's values across samples from a genes x samples table (first column = gene id)."""
    import pandas as pd

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
    samples = [str(c) for c in expr.columns[1:]]
    _check_unique(samples, "sample id", src)
    v = pd.to_numeric(expr.iloc[hit[0], 1:], errors="coerce").to_numpy(float)
    if log2p1:
        v = np.log2(v + 1)
    return pd.Series(v, index=samples, name=str(gene))


def join_clinical(values, clinical, *, id_col: str | None = None, src=None, clinical_src=None):
    """Tidy table (sample, value, clinical columns) for the samples in both tables. Matches on the sample id,
    or on the TCGA patient (first 12 characters) when the clinical table is per patient."""

    idc = id_col or ("sample" if "sample" in clinical.columns else None)
    if idc is None or idc not in clinical.columns:
        raise AssayDataError(f"the clinical table needs a sample id column (--id, or a column named 'sample'); it has "
                             f"{', '.join(map(repr, clinical.columns[:8]))}", file=clinical_src)
    ids = clinical[idc].astype(str).tolist()
    _check_unique(ids, f"sample id in column {idc!r}", clinical_src)
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
    return out.reset_index(drop=True), unmatched


def one_tumour_per_patient(samples):
    """Keep one tumour sample per patient (lowest type code, then vial, then barcode)."""
    info = [(s, parse_barcode(s)) for s in samples]
    best = {}
    for s, b in info:
        if b["kind"] != "tumour":
            continue
        key = (b["type_code"], b["vial"], s)
        if b["patient"] not in best or key < best[b["patient"]][0]:
            best[b["patient"]] = (key, s)
    return sorted(v[1] for v in best.values())
