"""Relative quantification of qPCR data: Livak 2^-ddCt, Pfaffl with efficiencies, several reference genes.

Conventions (all stated in the Result):
- quantities are Q = E^-Ct with E the amplification factor (2 = 100 % efficiency); several reference genes
  are combined by the geometric mean of their quantities (the mean of -Ct log2 E), as geNorm/qbase do;
- technical replicates (wells of one sample and gene) are averaged before anything else: the biological
  sample is the unit; a spread above ``spread_limit`` cycles (SD) is flagged;
- non-detects ('Undetermined', 'No Ct', empty) follow ``undetermined``: 'exclude' (dropped, counted) or a
  number (set to that cycle and flagged);
- with biological replicates, statistics are on the per-sample log2 normalised quantities (= -dCt for E = 2),
  through the group-comparison engine (Welch t for two groups; ANOVA + Dunnett against the calibrator for
  more); fold changes and intervals are back-transformed; knockdown % = (1 - fold change) x 100;
- with technical replicates only (one sample per group), the fold change comes with the User Bulletin #2
  range 2^-(ddCt +- sd), which is not a confidence interval, and no p value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .._validate import check_columns, row_list
from ..errors import AssayDataError

__all__ = ["qpcr", "standard_curve", "genorm_m", "NONDETECT"]

NONDETECT = {"undetermined", "no ct", "noct", "n/a", "na", "nan", "", "-", "no amp", "noamp", "nd"}


def standard_curve(data, *, amount: str, ct: str, gene: str | None = None):
    """Ct = intercept + slope log10(amount) per gene: slope, intercept, R^2, amplification factor
    E = 10^(-1/slope) and efficiency % = (E - 1) x 100."""
    import pandas as pd
    from scipy import stats

    check_columns(data, [amount, ct, gene])
    rows = []
    for g, sub in (data.groupby(gene, sort=False) if gene else [("all", data)]):
        x = np.log10(pd.to_numeric(sub[amount]).to_numpy(float))
        y = pd.to_numeric(sub[ct], errors="coerce").to_numpy(float)
        ok = np.isfinite(x) & np.isfinite(y)
        if ok.sum() < 3:
            raise AssayDataError(f"standard curve of {g!r} needs at least 3 numeric points", column=ct)
        fit = stats.linregress(x[ok], y[ok])
        E = 10 ** (-1 / fit.slope)
        rows.append({"gene": str(g), "slope": fit.slope, "intercept": fit.intercept, "r_squared": fit.rvalue**2,
                     "amplification": E, "efficiency_pct": (E - 1) * 100, "n": int(ok.sum())})
    return pd.DataFrame(rows)


def genorm_m(log2q):
    """geNorm M (Vandesompele 2002) from a samples x genes table of log2 quantities (-Ct log2 E):
    M_j = mean over k != j of the SD over samples of log2(Q_j / Q_k). Lower is more stable."""
    import pandas as pd

    genes = list(log2q.columns)
    out = []
    for j in genes:
        v = [float(np.std(log2q[j] - log2q[k], ddof=1)) for k in genes if k != j]
        out.append({"gene": j, "genorm_m": float(np.mean(v)), "n_samples": int(log2q.shape[0])})
    return pd.DataFrame(out).sort_values("genorm_m", kind="stable").reset_index(drop=True)


def _parse_ct(raw, col, src, undetermined):
    import pandas as pd

    values = pd.to_numeric(raw, errors="coerce").to_numpy(float)
    text = raw.astype(str).str.strip().str.lower()
    nd = np.isnan(values) & (text.isin(NONDETECT) | raw.isna()).to_numpy()
    bad = np.flatnonzero(np.isnan(values) & ~nd)
    if bad.size:
        raise AssayDataError(f"column {col!r} has {bad.size} value(s) that are neither a Ct nor a non-detect "
                             f"({row_list(bad, raw.iloc[bad].tolist())}); expected numbers or 'Undetermined'",
                             file=src, column=col, rows=(bad + 1).tolist())
    neg = np.flatnonzero(values <= 0)
    if neg.size:
        raise AssayDataError(f"column {col!r} has Ct values <= 0 ({row_list(neg)})", file=src, column=col,
                             rows=(neg + 1).tolist())
    if undetermined == "exclude":
        return values, nd
    values = values.copy()
    values[nd] = float(undetermined)
    return values, nd


def _amplification(efficiency, genes) -> dict[str, float]:
    out = {g: 2.0 for g in genes}
    if efficiency is None:
        return out
    for g, e in dict(efficiency).items():
        e = float(e)
        if e > 3:  # given in percent
            e = 1 + e / 100
        if not 1.3 <= e <= 2.3:
            raise AssayDataError(f"amplification factor of {g!r} is {e:g}; expected 1.3-2.3 (2 = 100 % efficiency) "
                                 "or a percentage")
        out[str(g)] = e
    return out


def qpcr(data, *, ct: str = "ct", gene: str = "gene", sample: str = "sample", group: str = "group",
         reference_genes: Sequence[str], calibrator: str, efficiency: Mapping[str, float] | None = None,
         undetermined: str | float = "exclude", spread_limit: float = 0.5, ci_level: float = 0.95,
         test: str = "auto", source: str | None = None):
    """Relative expression of every target gene in every group against ``calibrator``.

    Parameters
    ----------
    data : long table of wells: sample, group, gene, Ct (technical replicates as separate rows).
    reference_genes : one or more reference (housekeeping) genes.
    calibrator : the group everything is expressed relative to (e.g. siCtrl, parental).
    efficiency : gene -> amplification factor (2 = 100 %) or efficiency in percent; default 2 for all (Livak).
    undetermined : 'exclude' or a cycle number to substitute for non-detects (flagged either way).
    spread_limit : SD of technical-replicate Ct above which a sample/gene is flagged.
    test : passed to ``compare`` for the per-gene statistics ('auto': Welch t / ANOVA + Dunnett).
    """
    import pandas as pd

    from ._compare import compare
    from ._qpcr_result import QpcrResult

    src = source or (data.attrs.get("source") if hasattr(data, "attrs") else None)
    check_columns(data, [ct, gene, sample, group], file=src)
    if undetermined != "exclude":
        try:
            undetermined = float(undetermined)
        except (TypeError, ValueError):
            raise AssayDataError(f"undetermined must be 'exclude' or a cycle number; got {undetermined!r}") from None
    df = data.reset_index(drop=True)
    cts, nd = _parse_ct(df[ct], ct, src, undetermined)
    wells = pd.DataFrame({"sample": df[sample].astype(str).to_numpy(), "group": df[group].astype(str).to_numpy(),
                          "gene": df[gene].astype(str).to_numpy(), "ct": cts, "nondetect": nd})
    refs = [str(r) for r in reference_genes]
    if not refs:
        raise AssayDataError("give at least one reference gene")
    genes_present = list(dict.fromkeys(wells.gene))
    for r in refs:
        if r not in genes_present:
            raise AssayDataError(f"reference gene {r!r} is not in column {gene!r} (genes: "
                                 f"{', '.join(map(repr, genes_present[:10]))})", file=src, column=gene)
    groups = list(dict.fromkeys(wells.group))
    if str(calibrator) not in groups:
        raise AssayDataError(f"calibrator {calibrator!r} is not a level of column {group!r} (levels: "
                             f"{', '.join(map(repr, groups))})", file=src, column=group)
    per_sample = wells.groupby("sample", sort=False)["group"].nunique()
    if (per_sample > 1).any():
        bad = per_sample[per_sample > 1].index[0]
        rows = np.flatnonzero(wells["sample"].to_numpy() == bad)
        raise AssayDataError(f"column {group!r}: sample {bad!r} is labelled with {per_sample[bad]} groups "
                             f"({row_list(rows)}); a sample belongs to one group", file=src, column=group,
                             rows=(rows[:3] + 1).tolist())
    targets = [g for g in genes_present if g not in refs]
    if not targets:
        raise AssayDataError("no target gene: every gene is a reference gene")
    amp = _amplification(efficiency, genes_present)
    notes = []
    n_nd = int(nd.sum())
    if n_nd:
        notes.append(f"{n_nd} non-detect well(s) were " + ("excluded" if undetermined == "exclude"
                                                            else f"set to Ct {undetermined:g}") + " (flagged).")

    used = wells[~(wells.nondetect & (undetermined == "exclude"))]
    tech = used.groupby(["sample", "group", "gene"], sort=False).agg(
        ct_mean=("ct", "mean"), ct_sd=("ct", "std"), n_wells=("ct", "size")).reset_index()
    ndcount = wells.groupby(["sample", "gene"], sort=False)["nondetect"].sum()
    tech["n_nondetect"] = [int(ndcount.get((s, g), 0)) for s, g in zip(tech["sample"], tech["gene"])]
    tech["flag"] = np.where(tech.ct_sd > spread_limit, "ct_spread", "ok")
    tech.loc[tech.n_nondetect > 0, "flag"] = np.where(tech.loc[tech.n_nondetect > 0, "flag"] == "ok",
                                                      "nondetect", "ct_spread;nondetect")
    tech["log2q"] = -tech.ct_mean * tech.gene.map(lambda g: np.log2(amp[g]))

    wide = tech.pivot_table(index=["sample", "group"], columns="gene", values="log2q", aggfunc="first")
    n_bio = wide.reset_index().groupby("group")["sample"].nunique()
    technical_only = bool((n_bio < 2).any())
    stability = None
    if len(refs) >= 2:
        complete = wide[refs].dropna()
        if len(complete) >= 2:
            stability = genorm_m(complete)

    rows, sample_rows = [], []
    if technical_only:
        rows = _bulletin(tech, targets, refs, groups, str(calibrator), amp, ci_level)
        notes.append("Each group has a single biological sample: fold changes come with the User Bulletin #2 "
                     "range 2^-(ddCt +- sd of the technical wells), which is not a confidence interval; no test.")
    else:
        ref_log2 = wide[refs].mean(axis=1)
        ref_ct = tech[tech.gene.isin(refs)].pivot_table(index="sample", columns="gene", values="ct_mean").mean(axis=1)
        for tg in targets:
            if tg not in wide:
                continue
            nrq = (wide[tg] - ref_log2).rename("log2_nrq").reset_index()
            nrq["gene"] = tg
            tct = tech[tech.gene == tg].set_index("sample")["ct_mean"]
            nrq["delta_ct"] = [tct.get(s, np.nan) - ref_ct.get(s, np.nan) for s in nrq["sample"]]
            dropped = nrq[nrq.log2_nrq.isna()]
            if len(dropped):
                notes.append(f"{tg}: {len(dropped)} sample(s) without a usable Ct for the target or a reference "
                             f"gene were left out ({', '.join(dropped['sample'].astype(str)[:5])}).")
            nrq = nrq.dropna(subset=["log2_nrq"])
            sample_rows.append(nrq)
            res = compare(nrq, value="log2_nrq", group="group", control=str(calibrator), test=test,
                          ci_level=ci_level)
            cal = nrq[nrq.group == str(calibrator)]
            cal_dct = float(cal.delta_ct.mean())
            comp = res.table.set_index("group1")
            for gname in groups:
                sub = nrq[nrq.group == gname]
                if gname == str(calibrator):
                    est, lo, hi, p, pa, meth = 0.0, np.nan, np.nan, np.nan, np.nan, "calibrator"
                else:
                    c = comp.loc[gname]
                    est, lo, hi, p, pa, meth = (c.estimate, c.ci_low, c.ci_high, c.p_value, c.p_adjusted,
                                                f"{c.method}; {c.adjustment}")
                fc = 2.0**est
                rows.append({"group": gname, "gene": tg, "delta_ct": float(sub.delta_ct.mean()),
                             "delta_delta_ct": float(sub.delta_ct.mean() - cal_dct), "fold_change": fc,
                             "ci_low": 2.0**lo, "ci_high": 2.0**hi, "p_value": p, "knockdown_pct": (1 - fc) * 100,
                             "p_adjusted": pa, "log2_fold_change": est, "n": int(len(sub)), "interval": "confidence",
                             "ci_level": ci_level, "method": meth})
    table = pd.DataFrame(rows)
    # a gene panel is a family: Benjamini-Hochberg q values across target genes, within each group
    table["q_value"] = np.nan
    if len(table) and table.p_adjusted.notna().any():
        from statsmodels.stats.multitest import multipletests

        for gname, idx in table.groupby("group").groups.items():
            p = table.loc[idx, "p_adjusted"]
            ok = p.notna()
            if ok.sum():
                table.loc[p[ok].index, "q_value"] = multipletests(p[ok].to_numpy(float), method="fdr_bh")[1]
    samples = pd.concat(sample_rows, ignore_index=True) if sample_rows else pd.DataFrame()
    meta = {"analysis": "qpcr", "reference_genes": refs, "calibrator": str(calibrator), "targets": targets,
            "amplification": amp, "method": "Pfaffl (efficiency-corrected)" if efficiency else "Livak (2^-ddCt)",
            "undetermined": undetermined, "spread_limit": spread_limit, "ci_level": ci_level,
            "technical_only": technical_only, "n_nondetect": n_nd, "notes": notes, "source": src,
            "n": int(len(df)), "groups": groups}
    return QpcrResult(table=table, meta=meta, technical=tech, samples=samples, stability=stability)


def _bulletin(tech, targets, refs, groups, cal, amp, ci_level):
    """ABI User Bulletin #2: group means of Ct over wells, dCt sd = sqrt(sd_t^2 + sd_ref^2)."""
    from scipy import stats  # noqa: F401

    rows = []
    stats_g = {}
    for g in groups:
        for gene in targets + refs:
            sub = tech[(tech.group == g) & (tech.gene == gene)]
            stats_g[(g, gene)] = sub
    # with one sample per group, the wells of that sample carry the spread
    for tg in targets:
        dct = {}
        for g in groups:
            t = tech[(tech.group == g) & (tech.gene == tg)]
            r = tech[(tech.group == g) & (tech.gene.isin(refs))]
            if t.empty or r.empty:
                continue
            mean_t = float(np.average(t.ct_mean, weights=t.n_wells))
            mean_r = float(r.groupby("gene").ct_mean.mean().mean())
            sd_t = float(t.ct_sd.fillna(0).iloc[0]) if len(t) == 1 else float(t.ct_mean.std(ddof=1))
            sd_r = float(np.sqrt(np.mean(r.ct_sd.fillna(0) ** 2)))
            dct[g] = (mean_t - mean_r, float(np.hypot(sd_t, sd_r)))
        for g, (d, sd) in dct.items():
            if cal not in dct:
                continue
            ddct = d - dct[cal][0]
            fc = 2.0 ** (-ddct)
            lo, hi = (2.0 ** (-(ddct + sd)), 2.0 ** (-(ddct - sd))) if g != cal else (np.nan, np.nan)
            rows.append({"group": g, "gene": tg, "delta_ct": d, "delta_delta_ct": ddct, "fold_change": fc,
                         "ci_low": lo, "ci_high": hi, "p_value": np.nan, "knockdown_pct": (1 - fc) * 100,
                         "p_adjusted": np.nan, "log2_fold_change": -ddct, "n": 1, "interval": "range (+- 1 sd)",
                         "ci_level": np.nan, "method": "comparative Ct (User Bulletin #2), technical replicates only"})
    return rows
