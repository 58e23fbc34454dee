"""Cohort analyses: tumour vs normal, expression by stage / grade, co-expression."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy import stats

from .._result import Result, format_number, format_p
from ..errors import AssayDataError
from ._coexpr import correlate_one
from ._cohort import gene_vector, join_clinical, one_tumour_per_patient, parse_barcode

__all__ = ["coexpression", "expression_by", "tumour_vs_normal", "CoexpressionResult"]


def _src(df):
    return df.attrs.get("source") if hasattr(df, "attrs") else None


def tumour_vs_normal(expr, *, gene: str, log2p1: bool = False):
    """Tumour vs normal from TCGA barcodes: Welch t on all tumours vs all normals (one primary tumour per
    patient), and the paired t test on patients with both."""
    import pandas as pd

    from ..assays import compare

    v = gene_vector(expr, gene, log2p1=log2p1, src=_src(expr))
    info = {s: parse_barcode(s) for s in v.index}
    tumours = one_tumour_per_patient(v.index)
    normals = [s for s, b in info.items() if b["kind"] == "normal"]
    if not tumours or not normals:
        raise AssayDataError("tumour vs normal needs TCGA barcodes with tumour (01-09) and normal (10-19) samples",
                             file=_src(expr))
    tidy = pd.DataFrame({"sample": tumours + normals, gene: v.loc[tumours + normals].to_numpy(),
                         "tissue": ["tumour"] * len(tumours) + ["normal"] * len(normals),
                         "patient": [info[s]["patient"] for s in tumours + normals]})
    unpaired = compare(tidy, value=gene, group="tissue", control="normal", order=["normal", "tumour"])
    both = tidy.groupby("patient").tissue.nunique()
    matched = tidy[tidy.patient.isin(both[both == 2].index)]
    rows = [unpaired.table.assign(within="all samples")]
    notes = [f"{len(tumours)} tumours (one primary tumour per patient: lowest sample-type code, then vial) and "
             f"{len(normals)} normals."]
    if matched.patient.nunique() >= 3:
        paired = compare(matched, value=gene, group="tissue", control="normal", pair="patient")
        rows.append(paired.table.assign(within=f"matched pairs (n = {matched.patient.nunique()})"))
    table = pd.concat(rows, ignore_index=True)
    meta = dict(unpaired.meta)
    meta.update(notes=meta.get("notes", []) + notes, plot_kind="violin")
    return dataclasses.replace(unpaired, table=table, meta=meta)


def expression_by(expr, clinical, *, gene: str, by: str, order: Sequence[str] | None = None,
                  id_col: str | None = None, test: str = "anova", contrast: str | None = None,
                  log2p1: bool = False):
    """Expression of ``gene`` across levels of a clinical column (stage, grade): one-way ANOVA (as GEPIA's stage
    plot) or Welch / Kruskal-Wallis, plus a test for linear trend across the ordered levels; ``contrast``
    'I,II:III,IV' compares merged levels (Welch t)."""
    import pandas as pd

    from ..assays import compare

    v = gene_vector(expr, gene, log2p1=log2p1, src=_src(expr))
    tidy, unmatched = join_clinical(v, clinical, id_col=id_col, src=_src(expr), clinical_src=_src(clinical))
    if by not in tidy.columns:
        raise AssayDataError(f"column {by!r} is not in the clinical table", file=_src(clinical), column=by)
    tidy = tidy[tidy[by].notna() & (tidy[by].astype(str).str.strip() != "")].rename(columns={"value": gene})
    tidy[by] = tidy[by].astype(str)
    levels = list(order) if order else sorted(tidy[by].unique())
    tidy = tidy[tidy[by].isin(levels)]
    if contrast:
        a, _, b = contrast.partition(":")
        la, lb = [x.strip() for x in a.split(",")], [x.strip() for x in b.split(",")]
        for lv in la + lb:
            if lv not in levels:
                raise AssayDataError(f"contrast level {lv!r} is not a level of {by!r} ({', '.join(levels)})", column=by)
        name_a, name_b = "/".join(la), "/".join(lb)
        tidy = tidy[tidy[by].isin(la + lb)].assign(**{by: lambda d: np.where(d[by].isin(la), name_a, name_b)})
        res = compare(tidy, value=gene, group=by, control=name_a, test="welch", order=[name_a, name_b])
        trend = None
    else:
        res = compare(tidy, value=gene, group=by, test=test, order=levels,
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
    meta["notes"] = meta.get("notes", []) + ([f"{unmatched} expression samples (e.g. normals) have no clinical row and were not used."] if unmatched else [])
    om = res.omnibus
    if trend is not None:
        om = pd.concat([om, pd.DataFrame([trend])], ignore_index=True)
    return dataclasses.replace(res, omnibus=om, meta=meta)


@dataclass(frozen=True)
class CoexpressionResult(Result):
    title: ClassVar[str] = "Co-expression"

    def tables(self):
        return {"coexpression": self.table}

    def plot(self, ax=None, top: int = 20):
        """Ranked bar of r for the strongest correlations (filled: q < 0.05)."""
        import matplotlib.pyplot as plt

        t = self.table.reindex(self.table.r.abs().sort_values(ascending=False).index).head(top)[::-1]
        if ax is None:
            _, ax = plt.subplots(figsize=(5, 0.25 * len(t) + 1.2))
        colors = ["C3" if q < 0.05 else "0.7" for q in t.q_value]
        ax.barh(range(len(t)), t.r, color=colors)
        ax.set_yticks(range(len(t)))
        ax.set_yticklabels(t.gene, fontsize=7)
        ax.axvline(0, color="k", lw=0.8)
        ax.set_xlabel(f"{self.meta['method_name']} r with {self.meta['gene']} (red: q < 0.05)")
        return ax

    def plot_pair(self, gene2: str, ax=None):
        import matplotlib.pyplot as plt

        x, Y = self.meta["_x"], self.meta["_values"]
        y = Y[gene2]
        if ax is None:
            _, ax = plt.subplots(figsize=(3.6, 3.4))
        ax.scatter(x, y, s=8, alpha=0.6)
        r = self.table.set_index("gene").loc[gene2]
        ax.set_xlabel(self.meta["gene"])
        ax.set_ylabel(gene2)
        ax.set_title(f"r = {r.r:.3f}, q = {format_p(r.q_value)} (n = {r.n})", fontsize=8)
        return ax

    def figures(self):
        def bar():
            import matplotlib.pyplot as plt

            fig, ax = plt.subplots(figsize=(5.5, 0.25 * min(20, len(self.table)) + 1.5))
            self.plot(ax=ax)
            fig.tight_layout()
            return fig

        figs = {"coexpression_ranked": bar}
        top = self.table.reindex(self.table.r.abs().sort_values(ascending=False).index).gene.head(4).tolist()
        if top:
            def scatter():
                import matplotlib.pyplot as plt

                fig, axes = plt.subplots(1, len(top), figsize=(3.2 * len(top), 3.2))
                for ax, g in zip(np.atleast_1d(axes), top):
                    self.plot_pair(g, ax=ax)
                fig.tight_layout()
                return fig
            figs["coexpression_scatter"] = scatter
        return figs

    def to_dict(self):
        d = super().to_dict()
        d["meta"].pop("_x", None)
        d["meta"].pop("_values", None)
        return d

    def summary(self):
        t = self.table
        m = self.meta
        sig = t[t.q_value < 0.05]
        lines = [f"{m['gene']} against {len(t)} genes ({m['method_name']}, {m['samples']}): {int((sig.r > 0).sum())} "
                 f"positive and {int((sig.r < 0).sum())} negative correlations at q < 0.05 (BH)."]
        for r in t.reindex(t.r.abs().sort_values(ascending=False).index).head(8).itertuples(index=False):
            lines.append(f"- {r.gene}: r = {format_number(r.r, 3)}, p {format_p(r.p_value)}, q {format_p(r.q_value)}, "
                         f"n = {r.n}.")
        return "\n".join(lines)

    def methods(self):
        return (f"Correlation of {self.meta['gene']} with each gene: {self.table.method.iloc[0]}; pairwise-complete "
                "samples (n per pair in the table); Benjamini-Hochberg q values across the genes tested.")


def coexpression(expr, *, gene: str, genes: Sequence[str] | None = None, method: str = "spearman",
                 clinical=None, covariates: Sequence[str] = (), id_col: str | None = None, tumour_only: bool = True,
                 log2p1: bool = False, exact: bool = False) -> CoexpressionResult:
    """Correlation of one gene with a list (``genes``) or every other gene of a genes x samples table."""
    import pandas as pd
    from statsmodels.stats.multitest import multipletests

    src = _src(expr)
    x = gene_vector(expr, gene, log2p1=log2p1, src=src)
    idcol = expr.columns[0]
    ids = expr[idcol].astype(str)
    samples = list(x.index)
    kinds = [parse_barcode(s)["kind"] for s in samples]
    which = "all samples"
    if tumour_only and any(k == "tumour" for k in kinds) and any(k == "normal" for k in kinds):
        samples = one_tumour_per_patient(samples)
        which = "tumour samples (one per patient)"
    if genes:
        missing = [g for g in genes if g not in set(ids)]
        if missing:
            raise AssayDataError(f"gene(s) {', '.join(map(repr, missing[:5]))} not in column {idcol!r}", file=src,
                                 column=idcol)
        sel = ids.isin(list(genes)) & (ids != str(gene))
    else:
        sel = ids != str(gene)
    M = expr.loc[sel.to_numpy(), samples].apply(pd.to_numeric, errors="coerce").to_numpy(float)
    if log2p1:
        M = np.log2(M + 1)
    names = ids[sel].tolist()
    xv = x.loc[samples].to_numpy(float)
    cov = None
    if covariates:
        if clinical is None:
            raise AssayDataError("covariates need the clinical table")
        tidy, _ = join_clinical(x.loc[samples], clinical, id_col=id_col, src=src, clinical_src=_src(clinical))
        tidy = tidy.set_index("sample").loc[samples]
        parts = []
        for c in covariates:
            col = pd.to_numeric(tidy[c], errors="coerce")
            if col.notna().all():
                parts.append(col.to_numpy(float)[:, None])
            else:
                parts.append(pd.get_dummies(tidy[c].astype(str), drop_first=True).to_numpy(float))
        cov = np.hstack(parts)
    res = correlate_one(xv, M, names, method=method, covariates=cov, exact=exact)
    ok = res.p_value.notna()
    res["q_value"] = np.nan
    res.loc[ok, "q_value"] = multipletests(res.loc[ok, "p_value"], method="fdr_bh")[1]
    res = res[["gene", "n", "r", "p_value", "q_value", "method"]].sort_values("p_value", kind="stable").reset_index(drop=True)
    values = pd.DataFrame(M.T, columns=names)
    meta = {"analysis": "coexpression", "gene": gene, "method_name": method, "samples": which, "n": int(len(samples)),
            "covariates": list(covariates), "_x": xv, "_values": values}
    return CoexpressionResult(table=res, meta=meta)
