"""Cohort analyses: tumour vs normal, expression by stage / grade, co-expression."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names of the annotations only
    import pandas as pd

    from ..assays import ComparisonResult
    from ._matrix import ExpressionMatrix

import dataclasses
from collections.abc import Sequence

import numpy as np
from scipy import stats

from .._validate import check_level, check_order, label_text, missing_mask, row_list
from ..errors import AssayDataError
from ._coexpr import correlate_one
from ._cohort import (
    _join_clinical,
    _log2p1,
    expression_values,
    gene_row,
    gene_vector,
    join_clinical,
    one_normal_per_patient,
    one_tumour_per_patient,
    parse_barcode,
)
from ._result import CoexpressionResult

__all__ = ["coexpression", "expression_by", "tumour_vs_normal", "CoexpressionResult"]


def _src(df):
    return df.attrs.get("source") if hasattr(df, "attrs") else None


def _missing_note(gene, samples, what="samples") -> str:
    n = len(samples)
    shown = ", ".join(map(str, samples[:3])) + (f" and {n - 3} more" if n > 3 else "")
    return f"{n} {what} without a {gene} value (missing in the expression table) were left out ({shown})."


def _check_varies(values, gene, expr, src):
    v = np.asarray(values, float)
    if v.size and np.ptp(v) == 0:
        pos = gene_row(expr, gene, src=src)
        raise AssayDataError(f"gene {gene!r} (row {pos + 1}) has the same value ({v[0]:g}) in every sample analysed; "
                             "there is no variation to compare", file=src, rows=[pos + 1])


def tumour_vs_normal(expr: pd.DataFrame, *, gene: str, log2p1: bool = False) -> ComparisonResult:
    """Tumour vs normal from TCGA barcodes: Welch t on all tumours vs all normals (one primary tumour per
    patient), and the paired t test on patients with both. Samples without a value for ``gene`` (a missing cell)
    are left out and counted (``meta['rows_left_out']``, ``meta['notes']``)."""
    import pandas as pd

    from ..assays import compare

    src = _src(expr)
    v = gene_vector(expr, gene, log2p1=log2p1, src=src)
    missing = [s for s in v.index if not np.isfinite(v[s])]
    v = v[np.isfinite(v.to_numpy())]
    info = {s: parse_barcode(s) for s in v.index}
    tumours = one_tumour_per_patient(v.index)
    normals = one_normal_per_patient(v.index)
    extra_normals = sum(b["kind"] == "normal" for b in info.values()) - len(normals)
    if len(tumours) < 2 or len(normals) < 2:
        raise AssayDataError("tumour vs normal needs TCGA barcodes of at least 2 tumour (sample type 01-09) and 2 "
                             f"normal (10-19) samples with a {gene} value; the expression table has {len(tumours)} "
                             f"tumour(s) (one per patient) and {len(normals)} normal(s)", file=src)
    _check_varies(v.loc[tumours + normals], gene, expr, src)
    tidy = pd.DataFrame({"sample": tumours + normals, gene: v.loc[tumours + normals].to_numpy(),
                         "tissue": ["tumour"] * len(tumours) + ["normal"] * len(normals),
                         "patient": [info[s]["patient"] for s in tumours + normals]})
    unpaired = compare(tidy, value=gene, group="tissue", control="normal", order=["normal", "tumour"])
    both = tidy.groupby("patient").tissue.nunique()
    matched = tidy[tidy.patient.isin(both[both == 2].index)]
    rows = [unpaired.table.assign(within="all samples")]
    notes = [f"{len(tumours)} tumours (one primary tumour per patient: lowest sample-type code, then vial) and "
             f"{len(normals)} normals (one per patient, the same rule"
             + (f"; {extra_normals} further normal aliquot{'s' if extra_normals > 1 else ''} left out" if extra_normals
                else "") + ")."]
    if missing:
        notes.append(_missing_note(gene, missing))
    if matched.patient.nunique() >= 3:
        paired = compare(matched, value=gene, group="tissue", control="normal", subject="patient")
        rows.append(paired.table.assign(within=f"matched pairs (n = {matched.patient.nunique()})"))
    table = pd.concat(rows, ignore_index=True)
    meta = dict(unpaired.meta)
    meta.update(notes=meta.get("notes", []) + notes, plot_kind="violin",
                rows_left_out={str(gene): len(missing)} if missing else {})
    return dataclasses.replace(unpaired, table=table, meta=meta)


def _correlation_samples(samples, tumour_only):
    """The samples a co-expression uses: with TCGA tumours and normals both present (and ``tumour_only``), one
    primary tumour per patient; else all. Returns (samples, words for the report)."""
    kinds = [parse_barcode(s)["kind"] for s in samples]
    if tumour_only and any(k == "tumour" for k in kinds) and any(k == "normal" for k in kinds):
        return one_tumour_per_patient(samples), "tumour samples (one per patient)"
    return samples, "all samples"


#: genes whose values a lazily read matrix keeps for the figures (the strongest correlations)
_KEEP_FOR_FIGURES = 20


def _coexpression_matrix(mat, *, gene, genes, method, clinical, covariates, tumour_only, log2p1, exact):
    """``coexpression`` on a lazily read matrix: the same selection of samples and genes, the correlations chunk by
    chunk (``correlate_one`` on the dask array), and only the strongest genes' values computed for the figures."""
    import pandas as pd
    from statsmodels.stats.multitest import multipletests

    from ._result import CoexpressionResult

    src = mat.source
    if covariates or log2p1:
        raise AssayDataError("covariates and log2 are offered for tables read into memory; transform the matrix "
                             "beforehand, or read it as a table", file=src)
    x_all = mat.gene(gene)
    samples, which = _correlation_samples(list(mat.samples), tumour_only)
    col = {s: i for i, s in enumerate(mat.samples)}
    cols = np.array([col[s] for s in samples])
    ids = np.asarray(mat.genes, dtype=object)
    not_query = ids != str(gene)
    if genes:
        missing = [g for g in genes if str(g) not in set(ids)]
        if missing:
            raise AssayDataError(f"gene(s) {', '.join(map(repr, missing[:5]))} not in the matrix", file=src)
        sel = np.isin(ids, [str(g) for g in genes]) & not_query
    else:
        sel = not_query
    pos = np.flatnonzero(sel)
    if pos.size == 0:
        raise AssayDataError(f"no gene to correlate {gene!r} with", file=src)
    _check_unique_genes(ids[pos], pos, "gene", src)
    Y = mat.values[pos][:, cols] if pos.size < len(ids) else mat.values[:, cols]
    xv = x_all[cols]
    res = correlate_one(xv, Y, ids[pos].tolist(), method=method, exact=exact)
    ok = res.p_value.notna()
    res["q_value"] = np.nan
    res.loc[ok, "q_value"] = multipletests(res.loc[ok, "p_value"], method="fdr_bh")[1]
    res = res[["gene", "n", "r", "p_value", "q_value", "method"]].sort_values("p_value", kind="stable").reset_index(drop=True)
    top = res.reindex(res.r.abs().sort_values(ascending=False).index).gene.head(_KEEP_FOR_FIGURES).tolist()
    where = {g: i for i, g in enumerate(ids)}
    rows = np.asarray(mat.values[[where[g] for g in top]][:, cols].compute(), float) if top else np.empty((0, 0))
    values = pd.DataFrame(rows.T, columns=top)
    notes = [f"read lazily from {src} ({len(ids)} genes x {len(mat.samples)} samples, chunks of "
             f"{mat.values.chunks[0][0]} genes); the figures keep the {len(top)} strongest genes' values"]
    meta = {"analysis": "coexpression", "gene": gene, "method_name": method, "samples": which, "n": int(len(samples)),
            "covariates": [], "_x": xv, "_values": values, "notes": notes, "rows_left_out": {}}
    return CoexpressionResult(table=res, meta=meta)


def expression_by(expr: pd.DataFrame, clinical: pd.DataFrame, *, gene: str, by: str, order: Sequence[str] | None = None,
                  id_col: str | None = None, test: str = "anova", contrast: str | None = None,
                  log2p1: bool = False) -> ComparisonResult:
    """Expression of ``gene`` across levels of a clinical column (stage, grade): one-way ANOVA (as GEPIA's stage
    plot) or Welch / Kruskal-Wallis, plus a test for linear trend across the ordered levels; ``contrast``
    'I,II:III,IV' compares merged levels (Welch t).

    Samples with a missing ``by`` value (NaN, '', 'NA', ...) or a missing expression value are left out and
    counted: ``meta['rows_left_out']`` maps the column (``by``, or the gene) to the number of samples, and
    ``meta['notes']`` says which. ``order`` must list every level present, exactly (``check_order``)."""
    import pandas as pd

    from ..assays import compare

    src, csrc = _src(expr), _src(clinical)
    v = gene_vector(expr, gene, log2p1=log2p1, src=src)
    tidy, unmatched, crow = _join_clinical(v, clinical, id_col=id_col, clinical_src=csrc)
    if by not in tidy.columns or by in ("sample", "value"):
        raise AssayDataError(f"column {by!r} is not in the clinical table", file=csrc, column=by)
    tidy = tidy.rename(columns={"value": gene})
    notes, left_out = [], {}
    miss_by = missing_mask(tidy[by])
    if miss_by.any():
        k = int(miss_by.sum())
        left_out[by] = k
        notes.append(f"{k} sample{'s' if k > 1 else ''} with a missing {by} {'were' if k > 1 else 'was'} left out "
                     f"(clinical table, {row_list(np.sort(crow[miss_by]))}).")
    miss_v = ~np.isfinite(tidy[gene].to_numpy(float)) & ~miss_by
    if miss_v.any():
        left_out[str(gene)] = int(miss_v.sum())
        notes.append(_missing_note(gene, tidy["sample"][miss_v].tolist()))
    keep = ~(miss_by | miss_v)
    tidy, crow = tidy[keep].reset_index(drop=True), crow[keep]
    tidy[by] = [label_text(x) for x in tidy[by].tolist()]  # labels as written: '01' stays '01'

    present = list(dict.fromkeys(tidy[by]))
    if order:
        levels, _ = check_order(order, present, option="order", column=by, file=csrc)
    else:
        levels = sorted(present)
    if contrast:
        a, _, b = contrast.partition(":")
        la, lb = [x.strip() for x in a.split(",")], [x.strip() for x in b.split(",")]
        for lv in la + lb:
            check_level(lv, levels, option="contrast level", column=by, file=csrc)
        name_a, name_b = "/".join(la), "/".join(lb)
        sel = tidy[by].isin(la + lb).to_numpy()
        tidy, crow = tidy[sel], crow[sel]
        tidy = tidy.assign(**{by: np.where(tidy[by].isin(la), name_a, name_b)})
        _check_levels(tidy, by, [name_a, name_b], crow, csrc)
        _check_varies(tidy[gene], gene, expr, src)
        res = compare(tidy, value=gene, group=by, control=name_a, test="welch", order=[name_a, name_b],
                      source=csrc)
        trend = None
    else:
        _check_levels(tidy, by, levels, crow, csrc)
        _check_varies(tidy[gene], gene, expr, src)
        res = compare(tidy, value=gene, group=by, test=test, order=levels, source=csrc,
                      posthoc="tukey" if test == "anova" else ("games-howell" if test in ("welch-anova",) else
                                                               ("dunn" if test == "kruskal" else None)))
        # linear trend across the ordered levels: slope of expression on the level index (OLS t test)
        score = tidy[by].map({lv: i for i, lv in enumerate(levels)}).to_numpy(float)
        lr = stats.linregress(score, tidy[gene].to_numpy(float))
        trend = {"term": f"{by} (trend)", "statistic": float(lr.slope / lr.stderr), "df_num": np.nan,
                 "df_den": float(len(tidy) - 2), "p_value": float(lr.pvalue),
                 "method": f"test for linear trend across {', '.join(levels)} (slope {lr.slope:.4g} per level, t)"}
    meta = dict(res.meta)
    meta["plot_kind"] = "violin"
    meta["notes"] = meta.get("notes", []) + ([f"{unmatched} expression samples (e.g. normals) have no clinical row and were not used."] if unmatched else []) + notes
    meta["rows_left_out"] = left_out
    om = res.omnibus
    if trend is not None:
        om = pd.concat([om, pd.DataFrame([trend])], ignore_index=True)
    return dataclasses.replace(res, omnibus=om, meta=meta)


def _check_levels(tidy, by, levels, crow, csrc):
    """Every level analysed needs 2 samples; at least 2 levels. Errors name the clinical file, column and rows."""
    counts = tidy[by].value_counts()
    if len(levels) < 2:
        raise AssayDataError(f"column {by!r} has {len(levels)} level{'s' if len(levels) != 1 else ''} with data "
                             f"({', '.join(map(repr, levels))}); nothing to compare", file=csrc, column=by)
    for lv in levels:
        n = int(counts.get(lv, 0))
        if n < 2:
            rows = np.sort(crow[(tidy[by] == lv).to_numpy()])
            where = f" ({row_list(rows)})" if rows.size else ""
            raise AssayDataError(f"column {by!r}: level {lv!r} has {n} sample{'s' if n != 1 else ''} with an "
                                 f"expression value{where}; each level needs at least 2 (merge levels with "
                                 "contrast, e.g. 'I,II:III,IV')", file=csrc, column=by,
                                 rows=(rows + 1).tolist())


def _check_unique_genes(names, pos, idcol, src):
    """Gene ids correlated must be unique (as R's row names): a repeated id is an error naming it and its rows."""
    seen: dict[str, list[int]] = {}
    for n, p in zip(names, pos):
        seen.setdefault(n, []).append(int(p))
    dup = {n: p for n, p in seen.items() if len(p) > 1}
    if dup:
        n, p = next(iter(dup.items()))
        more = f" ({len(dup) - 1} more id{'s' if len(dup) > 2 else ''} repeated)" if len(dup) > 1 else ""
        raise AssayDataError(f"column {idcol!r}: gene id {n!r} appears in {len(p)} rows ({row_list(p)}){more}; gene ids "
                             "must be unique (R refuses duplicate row names too): remove the duplicates or make "
                             "the ids unique", file=src, column=str(idcol), rows=[q + 1 for q in p])


def coexpression(expr: pd.DataFrame | ExpressionMatrix, *, gene: str, genes: Sequence[str] | None = None, method: str = "spearman",
                 clinical=None, covariates: Sequence[str] = (), id_col: str | None = None, tumour_only: bool = True,
                 log2p1: bool = False, exact: bool = False) -> CoexpressionResult:
    """Correlation of one gene with a list (``genes``) or every other gene of a genes x samples table.

    ``expr`` is a genes x samples DataFrame (first column the gene ids), or an ``ExpressionMatrix`` from
    :func:`read_matrix` (Zarr, HDF5, Parquet read lazily as a dask array): then the correlations are computed chunk
    by chunk with memory bounded by the chunk, and give the same table as the in-memory path."""
    import pandas as pd
    from statsmodels.stats.multitest import multipletests

    from ._matrix import ExpressionMatrix

    if isinstance(expr, ExpressionMatrix):
        return _coexpression_matrix(expr, gene=gene, genes=genes, method=method, clinical=clinical,
                                    covariates=covariates, tumour_only=tumour_only, log2p1=log2p1, exact=exact)
    src = _src(expr)
    x = gene_vector(expr, gene, log2p1=log2p1, src=src)
    qpos = gene_row(expr, gene, src=src)
    idcol = expr.columns[0]
    ids = expr[idcol].astype(str)
    samples, which = _correlation_samples(list(x.index), tumour_only)
    not_query = np.arange(len(ids)) != qpos
    if genes:
        missing = [g for g in genes if g not in set(ids)]
        if missing:
            raise AssayDataError(f"gene(s) {', '.join(map(repr, missing[:5]))} not in column {idcol!r}", file=src,
                                 column=idcol)
        sel = ids.isin([str(g) for g in genes]).to_numpy() & not_query
    else:
        sel = not_query
    pos = np.flatnonzero(sel)
    if pos.size == 0:
        raise AssayDataError(f"no gene to correlate {gene!r} with (column {idcol!r})", file=src, column=idcol)
    _check_unique_genes(ids.to_numpy()[pos], pos, idcol, src)
    col_of = {str(c): c for c in expr.columns[1:]}
    M = expression_values(expr, pos, [col_of[s] for s in samples], src=src)
    if log2p1:
        low = np.argwhere(M < -1)
        if low.size:
            i, j = low[0]
            _log2p1(np.array([M[i, j]]), ids.iloc[pos[i]], pos[i], [samples[j]], src)
        M = np.log2(M + 1)
    names = ids.to_numpy()[pos].tolist()
    xv = x.loc[samples].to_numpy(float)
    cov = None
    notes: list[str] = []
    left_out: dict[str, int] = {}
    if covariates and method == "kendall":
        raise AssayDataError("a partial Kendall correlation is not offered (ppcor's definition is not a partial "
                             "correlation of residuals, and pingouin has none); use --method spearman or pearson "
                             "with --covariates")
    if covariates:
        if clinical is None:
            raise AssayDataError("covariates need the clinical table")
        tidy, _ = join_clinical(x.loc[samples], clinical, id_col=id_col, src=src, clinical_src=_src(clinical))
        tidy = tidy.set_index("sample")
        absent = [s for s in samples if s not in tidy.index]
        if absent:
            raise AssayDataError(f"{len(absent)} expression sample(s) used for the correlation have no row in the "
                                 f"clinical table ({', '.join(absent[:3])}{' ...' if len(absent) > 3 else ''}); "
                                 "covariates need every sample", file=_src(clinical))
        tidy = tidy.loc[samples]
        parts = []
        for c in covariates:
            if c not in tidy.columns or c in ("sample", "value"):
                raise AssayDataError(f"covariate column {c!r} is not in the clinical table", file=_src(clinical),
                                     column=c)
            raw = tidy[c]
            miss = missing_mask(raw)
            if miss.any():  # those samples are left out of the partial correlations (complete cases)
                left_out[str(c)] = int(miss.sum())
            num = pd.to_numeric(raw.where(~miss), errors="coerce")
            if (num.notna().to_numpy() | miss).all():
                parts.append(num.to_numpy(float)[:, None])
            else:  # categorical: one indicator per level after the first; missing cells stay missing
                labels = pd.Series([label_text(v) for v in raw.tolist()])[~miss]
                dummies = pd.get_dummies(labels, drop_first=True).to_numpy(float)
                block = np.full((len(raw), dummies.shape[1]), np.nan)
                block[~miss] = dummies
                parts.append(block)
        cov = np.hstack(parts)
        if left_out:
            k = int((~np.all(np.isfinite(cov), axis=1)).sum())
            notes.append(f"{k} sample{'s' if k > 1 else ''} with a missing covariate "
                         f"({', '.join(f'{c}: {n}' for c, n in left_out.items())}) {'were' if k > 1 else 'was'} left "
                         "out of the partial correlations.")
    res = correlate_one(xv, M, names, method=method, covariates=cov, exact=exact)
    ok = res.p_value.notna()
    res["q_value"] = np.nan
    res.loc[ok, "q_value"] = multipletests(res.loc[ok, "p_value"], method="fdr_bh")[1]
    res = res[["gene", "n", "r", "p_value", "q_value", "method"]].sort_values("p_value", kind="stable").reset_index(drop=True)
    values = pd.DataFrame(M.T, columns=names)
    meta = {"analysis": "coexpression", "gene": gene, "method_name": method, "samples": which, "n": int(len(samples)),
            "covariates": list(covariates), "_x": xv, "_values": values, "notes": notes, "rows_left_out": left_out}
    return CoexpressionResult(table=res, meta=meta)
