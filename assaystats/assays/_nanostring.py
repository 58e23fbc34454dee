"""NanoString nCounter mRNA panels: QC, nSolver-style normalisation, differential expression.

Normalisation (nSolver's definitions, mRNA probes only):
1. positive controls: factor_i = mean_j(geomean POS_j) / geomean POS_i (all six positives);
2. background: mean + 2 SD of the positive-normalised negative controls of each sample; counts below it are
   set to it ('threshold', default) or it is subtracted with a floor of 1 ('subtract'), or 'none';
3. housekeeping: factor_i = mean_j(geomean HK_j) / geomean HK_i.
The reference of both factors is the cohort mean, or fixed values (``reference``) so that one sample can be
normalised alone against an earlier run.

QC flags (nSolver defaults): imaging FOV counted / FOV count < 0.75; binding density outside 0.1-2.25;
positive-control linearity R^2 < 0.95 (log2 counts vs log2 concentration); limit of detection: POS_E not above
mean + 2 SD of the negatives; positive factor outside 0.3-3; housekeeping factor outside 0.1-10.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np

from ..errors import AssayDataError

__all__ = ["nanostring", "normalize_rcc"]

MRNA = ("Endogenous", "Housekeeping", "Positive", "Negative")


def _geomean(x) -> float:
    x = np.asarray(x, float)
    return float(np.exp(np.mean(np.log(np.maximum(x, 1e-300))))) if x.size else np.nan


def _conc(name: str) -> float:
    m = re.search(r"\(([\d.]+)\)", name)
    return float(m.group(1)) if m else np.nan


def _check_codeset(rccs):
    first = rccs[0]
    probes0 = set(zip(first["code_summary"].CodeClass, first["code_summary"].Name))
    rlf0 = first["sample_attributes"].get("GeneRLF", "")
    for r in rccs[1:]:
        rlf = r["sample_attributes"].get("GeneRLF", "")
        probes = set(zip(r["code_summary"].CodeClass, r["code_summary"].Name))
        if rlf != rlf0 or probes != probes0:
            diff = sorted(n for _c, n in probes ^ probes0)[:3]
            raise AssayDataError(
                f"CodeSet differs from {first['file']!r} (GeneRLF {rlf!r} vs {rlf0!r}; "
                f"{len(probes ^ probes0)} probes differ, e.g. {', '.join(diff)}); analyse one CodeSet at a time",
                file=r["path"])


def normalize_rcc(rccs: Sequence[dict], *, background: str = "threshold",
                  reference: Mapping[str, float] | None = None):
    """QC table and normalised long table from parsed RCC dicts (see ``assaystats.io.read_rcc``)."""
    import pandas as pd

    if background not in ("threshold", "subtract", "none"):
        raise AssayDataError(f"background must be threshold, subtract or none; got {background!r}")
    _check_codeset(rccs)
    samples = [r["file"] for r in rccs]
    if len(set(samples)) != len(samples):
        raise AssayDataError("two RCC files have the same name")
    cs = {r["file"]: r["code_summary"] for r in rccs}
    for r in rccs:
        classes = set(r["code_summary"].CodeClass)
        for need in ("Positive", "Negative", "Housekeeping", "Endogenous"):
            if need not in classes:
                raise AssayDataError(f"no {need} probes in the Code_Summary", file=r["path"])

    pos_gm = {s: _geomean(cs[s].loc[cs[s].CodeClass == "Positive", "Count"]) for s in samples}
    ref_pos = float(reference["positive"]) if reference and "positive" in reference else float(np.mean(list(pos_gm.values())))
    pos_factor = {s: ref_pos / pos_gm[s] for s in samples}
    long = []
    qc = []
    hk_gm = {}
    bg = {}
    for r in rccs:
        s = r["file"]
        c = cs[s]
        mrna = c[c.CodeClass.isin(MRNA)].copy()
        mrna["posnorm"] = mrna.Count * pos_factor[s]
        neg = mrna.loc[mrna.CodeClass == "Negative", "posnorm"].to_numpy(float)
        bg[s] = float(neg.mean() + 2 * neg.std(ddof=1))
        genes = mrna.CodeClass.isin(["Endogenous", "Housekeeping"])
        adj = mrna["posnorm"].to_numpy(float).copy()
        if background == "threshold":
            adj[genes.to_numpy()] = np.maximum(adj[genes.to_numpy()], bg[s])
        elif background == "subtract":
            adj[genes.to_numpy()] = np.maximum(adj[genes.to_numpy()] - bg[s], 1.0)
        mrna["bgadj"] = adj
        hk_gm[s] = _geomean(mrna.loc[mrna.CodeClass == "Housekeeping", "bgadj"])
        mrna["sample"] = s
        long.append(mrna)
        la = r["lane_attributes"]
        pos = c[c.CodeClass == "Positive"]
        conc = pos.Name.map(_conc).to_numpy(float)
        ok = np.isfinite(conc) & (conc > 0) & (pos.Count.to_numpy() > 0)
        r2 = float(np.corrcoef(np.log2(conc[ok]), np.log2(pos.Count.to_numpy(float)[ok]))[0, 1] ** 2) if ok.sum() > 2 else np.nan
        raw_neg = c.loc[c.CodeClass == "Negative", "Count"].to_numpy(float)
        pos_e = pos.loc[pos.Name.str.startswith("POS_E"), "Count"]
        lod_ok = bool(pos_e.size and pos_e.iloc[0] > raw_neg.mean() + 2 * raw_neg.std(ddof=1))
        fov_count = float(la.get("FovCount", "nan") or "nan")
        fov_counted = float(la.get("FovCounted", "nan") or "nan")
        qc.append({"sample": r["sample_attributes"].get("ID", s), "file": s, "pos_factor": pos_factor[s],
                   "fov_ratio": fov_counted / fov_count if fov_count else np.nan,
                   "binding_density": float(la.get("BindingDensity", "nan") or "nan"), "pos_r2": r2,
                   "lod_ok": lod_ok, "background": bg[s], "pos_geomean": pos_gm[s]})
    ref_hk = float(reference["housekeeping"]) if reference and "housekeeping" in reference else float(np.mean(list(hk_gm.values())))
    qcdf = pd.DataFrame(qc)
    qcdf.insert(3, "hk_factor", [ref_hk / hk_gm[s] for s in qcdf.file])
    qcdf["hk_geomean"] = [hk_gm[s] for s in qcdf.file]
    flags = []
    for q in qcdf.itertuples(index=False):
        f = []
        if q.fov_ratio < 0.75:
            f.append("imaging")
        if not 0.1 <= q.binding_density <= 2.25:
            f.append("binding_density")
        if q.pos_r2 < 0.95:
            f.append("positive_linearity")
        if not q.lod_ok:
            f.append("limit_of_detection")
        if not 0.3 <= q.pos_factor <= 3:
            f.append("positive_factor")
        if not 0.1 <= q.hk_factor <= 10:
            f.append("housekeeping_factor")
        flags.append(";".join(f) if f else "ok")
    qcdf["flags"] = flags
    first = ["sample", "file", "pos_factor", "hk_factor", "fov_ratio", "binding_density", "pos_r2", "flags"]
    qcdf = qcdf[first + [c for c in qcdf.columns if c not in first]]
    out = pd.concat(long, ignore_index=True)
    hkf = dict(zip(qcdf.file, qcdf.hk_factor))
    out["normalized"] = out.bgadj * out["sample"].map(hkf)
    out.loc[out.CodeClass.isin(["Positive", "Negative"]), "normalized"] = out.posnorm
    out["log2_normalized"] = np.log2(np.maximum(out.normalized, 1e-300))
    out = out.rename(columns={"CodeClass": "code_class", "Name": "gene", "Accession": "accession", "Count": "raw"})
    out = out[["sample", "code_class", "gene", "accession", "raw", "posnorm", "bgadj", "normalized", "log2_normalized"]]
    return qcdf, out, {"ref_positive": ref_pos, "ref_housekeeping": ref_hk}


def nanostring(rccs: Sequence, *, design=None, group: str | None = None, control: str | None = None,
               by: str | None = None, background: str = "threshold", reference: Mapping[str, float] | None = None,
               ci_level: float = 0.95):
    """QC, normalisation and (with a design) differential expression of nCounter RCC files.

    rccs : paths or parsed dicts (``io.read_rcc``).
    design : DataFrame with one row per RCC, matched by a ``file`` column (file name) or by the sample ID; it
        holds ``group`` (and ``by`` for stratified comparisons, e.g. cell line).
    """

    from ..io import read_rcc
    from ._nanostring_result import NanoStringResult
    from ._qpcr import genorm_m

    parsed = [r if isinstance(r, dict) else read_rcc(r) for r in rccs]
    if not parsed:
        raise AssayDataError("no RCC files given")
    qc, norm, refs = normalize_rcc(parsed, background=background, reference=reference)
    hk = norm[norm.code_class == "Housekeeping"].pivot_table(index="sample", columns="gene", values="posnorm")
    stability = genorm_m(np.log2(hk)) if hk.shape[1] >= 2 and hk.shape[0] >= 2 else None
    if stability is not None:
        cv = (hk.std(ddof=1) / hk.mean()).rename("cv")
        stability = stability.merge(cv.reset_index().rename(columns={"index": "gene"}), on="gene", how="left")
    diff = None
    notes = []
    if design is not None:
        if group is None:
            raise AssayDataError("a design table needs --group (the column naming the conditions)")
        des = _match_design(design, parsed, group, by)
        norm = norm.merge(des, on="sample", how="left")
        diff = _differential(norm, des, group, control, by, ci_level)
    meta = {"analysis": "nanostring", "background": background, "reference": dict(reference or {}),
            "ref_positive": refs["ref_positive"], "ref_housekeeping": refs["ref_housekeeping"], "group": group,
            "control": control, "by": by, "n": len(parsed), "n_samples": len(parsed),
            "genes": int((norm.code_class == "Endogenous").sum() / len(parsed)), "notes": notes,
            "ci_level": ci_level, "codeset": parsed[0]["sample_attributes"].get("GeneRLF", "")}
    return NanoStringResult(table=qc, meta=meta, normalized=norm, differential=diff, stability=stability)


def _match_design(design, parsed, group, by):

    d = design.copy()
    for col in [group, by]:
        if col and col not in d.columns:
            raise AssayDataError(f"design table has no column {col!r} (columns: {', '.join(map(str, d.columns))})",
                                 column=col)
    files = {r["file"]: r for r in parsed}
    key = None
    for cand in ("file", "File", "RCC", "rcc", "filename"):
        if cand in d.columns:
            key = cand
            break
    if key is not None:
        d["sample"] = d[key].astype(str).map(lambda x: x.split("/")[-1])
        missing = sorted(set(files) - set(d["sample"]))
        if missing:
            raise AssayDataError(f"design table has no row for RCC file(s) {', '.join(missing[:3])} (column {key!r})",
                                 column=key)
    else:
        idcol = "sample" if "sample" in d.columns else d.columns[0]
        ids = {r["sample_attributes"].get("ID", ""): r["file"] for r in parsed}
        if len(ids) < len(parsed):
            raise AssayDataError("sample IDs inside the RCC files are not unique; match the design by a 'file' column")
        d["sample"] = d[idcol].astype(str).map(ids)
        if d["sample"].isna().any():
            raise AssayDataError(f"design rows do not match RCC sample IDs in column {idcol!r}", column=idcol)
    cols = ["sample", group] + ([by] if by else [])
    out = d[cols].copy()
    out[group] = out[group].astype(str)
    if by:
        out[by] = out[by].astype(str)
    return out[out["sample"].isin(files)]


def _differential(norm, des, group, control, by, ci_level):
    import pandas as pd
    from scipy import stats
    from statsmodels.stats.multitest import multipletests

    endo = norm[norm.code_class == "Endogenous"]
    levels = list(dict.fromkeys(des[group]))
    if control is None:
        control = levels[0]
    if control not in levels:
        raise AssayDataError(f"control {control!r} is not a level of {group!r} (levels: {', '.join(map(repr, levels))})",
                             column=group)
    strata = list(dict.fromkeys(des[by])) if by else [None]
    rows = []
    for st in strata:
        sub = endo if st is None else endo[endo[by] == st]
        wide = sub.pivot_table(index="gene", columns="sample", values="log2_normalized", sort=False)
        samp_group = des.set_index("sample")[group]
        for lev in levels:
            if lev == control:
                continue
            a = [s for s in wide.columns if samp_group[s] == lev]
            c = [s for s in wide.columns if samp_group[s] == control]
            if len(a) < 2 or len(c) < 2:
                continue
            A, C = wide[a].to_numpy(float), wide[c].to_numpy(float)
            with np.errstate(all="ignore"):
                res = stats.ttest_ind(A, C, axis=1, equal_var=False)
                ci = res.confidence_interval(confidence_level=ci_level)
            block = pd.DataFrame({"gene": wide.index, "group": lev, "reference": control,
                                  "log2fc": A.mean(axis=1) - C.mean(axis=1), "p_value": res.pvalue,
                                  "statistic": res.statistic, "df": res.df, "ci_low": ci.low, "ci_high": ci.high,
                                  "mean_group": A.mean(axis=1), "mean_reference": C.mean(axis=1),
                                  "n_group": len(a), "n_reference": len(c), "within": "" if st is None else st})
            ok = block.p_value.notna()
            block["q_value"] = np.nan
            block.loc[ok, "q_value"] = multipletests(block.loc[ok, "p_value"], method="fdr_bh")[1]
            block["method"] = "Welch t on log2 normalised counts; BH across genes"
            rows.append(block)
    if not rows:
        raise AssayDataError("no comparison has at least 2 samples in both groups")
    cols = ["gene", "group", "reference", "log2fc", "p_value", "q_value", "within", "statistic", "df", "ci_low",
            "ci_high", "mean_group", "mean_reference", "n_group", "n_reference", "method"]
    return pd.concat(rows, ignore_index=True)[cols]
