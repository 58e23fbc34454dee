"""NanoString nCounter mRNA panels: QC, normalisation, differential expression.

Normalisation (mRNA probes only) follows NanoString's published gene-expression data analysis guidelines as
NanoStringNorm (Waggott et al. 2012) implements them; tests/reference/nanostring/ checks it against
NanoStringNorm 1.2.1.1 (its own 'none' and 'mean.2sd' background modes; 'threshold' as its steps around a base-R
thresholding) and against an independent base-R implementation. It has not been compared with nSolver's output.
1. positive controls: factor_i = mean_j(geomean POS_j) / geomean POS_i (all six positives);
2. background: mean + 2 SD of the positive-normalised negative controls of each sample; Endogenous and
   Housekeeping counts below it are raised to it ('threshold', default), or it is subtracted and what falls below
   0 is 0 ('subtract', NanoStringNorm's Background = 'mean.2sd'), or 'none';
3. housekeeping: factor_i = mean_j(geomean HK_j) / geomean HK_i.
Counts below 1 (zeros): a geometric mean counts them as 1, and normalised counts below 1 are set to 1 before the
log2 (both NanoStringNorm's rule), so a zero is log2 = 0, never log2(0).
The reference of both factors is the cohort mean, or fixed values (``reference``) so that one sample can be
normalised alone against an earlier run.

QC flags (the thresholds NanoString's guidelines recommend): imaging FOV counted / FOV count < 0.75; binding
density outside 0.1-2.25; positive-control linearity R^2 < 0.95 (log2 counts vs log2 concentration); limit of
detection: POS_E not above mean + 2 SD of the negatives; positive factor outside 0.3-3; housekeeping factor
outside 0.1-10.

Differential expression (Welch t per gene) leaves a gene untested in a comparison, with a note, when it is at or
below the background in every sample of both groups (with 'threshold' or 'subtract' its values are then made of
background and housekeeping factors alone), or when neither group varies (R's t.test has no p value there, and
NanoStringNorm gives none); BH q values are over the genes tested.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names of the annotations only
    from ._nanostring_result import NanoStringResult

import re
from collections.abc import Mapping, Sequence

import numpy as np

from .._validate import check_columns, check_level, label_text, missing_mask, row_list
from ..errors import AssayDataError

__all__ = ["nanostring", "normalize_rcc"]

MRNA = ("Endogenous", "Housekeeping", "Positive", "Negative")


#: counts below this are taken as this in geometric means and before the log2 (NanoStringNorm's rule)
COUNT_FLOOR = 1.0


def _geomean(x) -> float:
    """Geometric mean with counts below 1 counted as 1 (NanoStringNorm's get.geo.mean): one zero positive control
    or housekeeping count must not scale its lane by ~1e50."""
    x = np.asarray(x, float)
    return float(np.exp(np.mean(np.log(np.maximum(x, COUNT_FLOOR))))) if x.size else np.nan


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
                file=_path(r))


def _path(r) -> str:
    return str(r.get("path") or r["file"])


def _lane_key(r):
    """What identifies one measured lane: the cartridge and lane, and every count of the Code_Summary."""
    la = r.get("lane_attributes", {})
    cs = r["code_summary"]
    return (la.get("CartridgeID", ""), la.get("ID", ""), tuple(cs.Name), tuple(int(c) for c in cs.Count))


def _check_unique_rcc(rccs):
    """Every RCC is one sample, keyed by its file name: the same file given twice, two files of the same name
    (from different folders) or two files with the same lane and identical counts (a copy) are errors naming both."""
    by_name: dict[str, dict] = {}
    by_lane: dict[tuple, dict] = {}
    for r in rccs:
        name = r["file"]
        if name in by_name:
            a, b = _path(by_name[name]), _path(r)
            what = "the same RCC file is given twice" if a == b else f"two RCC files have the same name {name!r}"
            raise AssayDataError(f"{what} ({a!r} and {b!r}); samples are identified by their file name, so each "
                                 "sample must be given once", file=b)
        by_name[name] = r
        key = _lane_key(r)
        if key in by_lane:
            a, b = _path(by_lane[key]), _path(r)
            raise AssayDataError(f"{b!r} is a copy of {a!r} (same cartridge {key[0]!r}, lane {key[1]!r} and identical "
                                 "counts for every probe): the same sample would be counted twice; give it once",
                                 file=b)
        by_lane[key] = r


def normalize_rcc(rccs: Sequence[dict], *, background: str = "threshold",
                  reference: Mapping[str, float] | None = None):
    """QC table and normalised long table from parsed RCC dicts (see ``assaystats.io.read_rcc``)."""
    import pandas as pd

    if background not in ("threshold", "subtract", "none"):
        raise AssayDataError(f"background must be threshold, subtract or none; got {background!r}")
    _check_unique_rcc(rccs)
    _check_codeset(rccs)
    samples = [r["file"] for r in rccs]
    cs = {r["file"]: r["code_summary"] for r in rccs}
    for r in rccs:
        classes = set(r["code_summary"].CodeClass)
        for need in ("Positive", "Negative", "Housekeeping", "Endogenous"):
            if need not in classes:
                raise AssayDataError(f"no {need} probes in the Code_Summary", file=_path(r))

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
        elif background == "subtract":  # NanoStringNorm floors at 0; the log2 below floors at 1
            adj[genes.to_numpy()] = np.maximum(adj[genes.to_numpy()] - bg[s], 0.0)
        mrna["bgadj"] = adj
        mrna["at_background"] = genes.to_numpy() & (mrna["posnorm"].to_numpy(float) <= bg[s])
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
    out["log2_normalized"] = np.log2(np.maximum(out.normalized, COUNT_FLOOR))
    out = out.rename(columns={"CodeClass": "code_class", "Name": "gene", "Accession": "accession", "Count": "raw"})
    out = out[["sample", "code_class", "gene", "accession", "raw", "posnorm", "bgadj", "normalized", "log2_normalized",
               "at_background"]]
    return qcdf, out, {"ref_positive": ref_pos, "ref_housekeeping": ref_hk}


def nanostring(rccs: Sequence, *, design=None, group: str | None = None, control: str | None = None,
               by: str | None = None, background: str = "threshold", reference: Mapping[str, float] | None = None,
               ci_level: float = 0.95) -> NanoStringResult:
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
    stability = genorm_m(np.log2(np.maximum(hk, COUNT_FLOOR))) if hk.shape[1] >= 2 and hk.shape[0] >= 2 else None
    if stability is not None:
        cv = (hk.std(ddof=1) / hk.mean()).rename("cv")
        stability = stability.merge(cv.reset_index().rename(columns={"index": "gene"}), on="gene", how="left")
    diff = None
    notes: list[str] = []
    left_out: dict[str, int] = {}
    if design is not None:
        if group is None:
            raise AssayDataError("a design table needs --group (the column naming the conditions)",
                                 file=design.attrs.get("source") if hasattr(design, "attrs") else None)
        des, d_notes, left_out = _match_design(design, parsed, group, by)
        notes += d_notes
        norm = norm.merge(des, on="sample", how="left")
        diff, de_notes = _differential(norm, des, group, control, by, ci_level, background=background,
                                       src=design.attrs.get("source") if hasattr(design, "attrs") else None)
        notes += de_notes
    meta = {"analysis": "nanostring", "background": background, "reference": dict(reference or {}),
            "ref_positive": refs["ref_positive"], "ref_housekeeping": refs["ref_housekeeping"], "group": group,
            "control": control, "by": by, "n": len(parsed), "n_samples": len(parsed),
            "genes": int((norm.code_class == "Endogenous").sum() / len(parsed)), "notes": notes,
            "ci_level": ci_level, "codeset": parsed[0]["sample_attributes"].get("GeneRLF", ""),
            "rows_left_out": left_out}
    return NanoStringResult(table=qc, meta=meta, normalized=norm, differential=diff, stability=stability)


def _design_key(design):
    for cand in ("file", "File", "FILE", "RCC", "rcc", "filename", "FileName", "Filename"):
        if cand in design.columns:
            return cand
    return None


def _match_design(design, parsed, group, by):
    """One design row per RCC file, matched by a file-name column (``file``, ``RCC``, ``filename``) or by the
    sample ID inside the RCC files (column ``sample``, else the first column). Every RCC file needs exactly one
    row; design rows that name no RCC file given are left out with a note; empty cells in ``group``/``by`` are
    errors naming the rows. Returns (sample -> group [, by] table, notes, rows left out)."""
    import pandas as pd


    src = design.attrs.get("source") if hasattr(design, "attrs") else None
    check_columns(design, [group, by], file=src)
    d = design.reset_index(drop=True)
    files = {r["file"]: r for r in parsed}
    key = _design_key(d)
    if key is not None:
        raw = d[key]
        empty = np.flatnonzero(missing_mask(raw))
        if empty.size:
            raise AssayDataError(f"column {key!r} has {empty.size} empty cell{'s' if empty.size > 1 else ''} "
                                 f"({row_list(empty)}); every design row names an RCC file", file=src, column=key,
                                 rows=(empty + 1).tolist())
        names = np.array([str(v).replace("\\", "/").split("/")[-1].strip() for v in raw.tolist()], dtype=object)
        what = "RCC file"
    else:
        key = "sample" if "sample" in d.columns else str(d.columns[0])
        raw = d[key]
        ids: dict[str, list[str]] = {}
        for r in parsed:
            ids.setdefault(r["sample_attributes"].get("ID", ""), []).append(r["file"])
        shared = {i: f for i, f in ids.items() if len(f) > 1}
        if shared:
            i, f = next(iter(shared.items()))
            raise AssayDataError(f"the design table has no file column (file, RCC or filename), and the sample ID "
                                 f"{i!r} inside the RCC files is shared by {len(f)} files ({', '.join(f[:3])}); "
                                 "add a column 'file' naming each RCC file", file=src)
        empty = np.flatnonzero(missing_mask(raw))
        if empty.size:
            raise AssayDataError(f"column {key!r} has {empty.size} empty sample ID{'s' if empty.size > 1 else ''} "
                                 f"({row_list(empty)})", file=src, column=key, rows=(empty + 1).tolist())
        to_file = {i: f[0] for i, f in ids.items()}
        ident = np.array([label_text(v) for v in raw.tolist()], dtype=object)
        names = np.array([to_file.get(i, "") for i in ident], dtype=object)
        what = "sample ID"
    shown = names if what == "RCC file" else ident
    # each RCC file: exactly one row
    seen: dict[str, int] = {}
    for i, n in enumerate(names):
        if n and n in seen:
            raise AssayDataError(f"column {key!r}: {what} {shown[i]!r} has two design rows (rows {seen[n] + 1} and "
                                 f"{i + 1}); give one row per RCC file", file=src, column=key,
                                 rows=[seen[n] + 1, i + 1])
        if n:
            seen[n] = i
    missing = [_path(files[f]) for f in files if f not in seen]
    if missing:
        hint = ""
        if what == "RCC file":
            low = {str(n).casefold(): str(n) for n in names if n}
            near = [(f, low[f.casefold()]) for f in files if f not in seen and f.casefold() in low]
            if near:
                hint = f" (row value {near[0][1]!r} differs from file {near[0][0]!r} only in case; names match exactly)"
        else:
            hint = " (the sample IDs are read from the <Sample_Attributes> ID line of each RCC file)"
        raise AssayDataError(f"column {key!r} of the design table has no row for {len(missing)} RCC file"
                             f"{'s' if len(missing) > 1 else ''} ({', '.join(missing[:3])}"
                             f"{f' and {len(missing) - 3} more' if len(missing) > 3 else ''}){hint}; every RCC file "
                             "needs a design row", file=src, column=key)
    unused = np.flatnonzero(~np.isin(names, list(files)))
    notes, left_out = [], {}
    if unused.size:
        vals = [shown[i] for i in unused]
        notes.append(f"{unused.size} design row{'s' if unused.size > 1 else ''} name{'s' if unused.size == 1 else ''} "
                     f"no RCC file given and {'were' if unused.size > 1 else 'was'} left out "
                     f"(column {key!r}, {row_list(unused, vals)}).")
        left_out[key] = int(unused.size)
    used = np.flatnonzero(np.isin(names, list(files)))
    out = pd.DataFrame({"sample": names[used]})
    for col in [group] + ([by] if by else []):
        vals = d[col].iloc[used]
        empty = used[missing_mask(vals)]
        if empty.size:
            raise AssayDataError(f"column {col!r} has {empty.size} empty cell{'s' if empty.size > 1 else ''} for RCC "
                                 f"files given ({row_list(empty)}); every RCC file needs a value", file=src,
                                 column=col, rows=(empty + 1).tolist())
        out[col] = [label_text(v) for v in vals.tolist()]
    return out, notes, left_out


def _differential(norm, des, group, control, by, ci_level, *, background="threshold", src=None):
    import warnings

    import pandas as pd
    from scipy import stats
    from statsmodels.stats.multitest import multipletests


    endo = norm[norm.code_class == "Endogenous"]
    levels = list(dict.fromkeys(des[group]))
    if control is None:
        control = levels[0]
    control = check_level(label_text(control), levels, option="control", column=group, file=src)
    strata = list(dict.fromkeys(des[by])) if by else [None]
    rows, notes = [], []
    eps = np.finfo(float).eps
    for st in strata:
        sub = endo if st is None else endo[endo[by] == st]
        wide = sub.pivot_table(index="gene", columns="sample", values="log2_normalized", sort=False)
        at_bg = sub.pivot_table(index="gene", columns="sample", values="at_background", aggfunc="all",
                                sort=False).reindex(index=wide.index, columns=wide.columns).astype(bool)
        samp_group = des.set_index("sample")[group]
        for lev in levels:
            if lev == control:
                continue
            a = [s for s in wide.columns if samp_group[s] == lev]
            c = [s for s in wide.columns if samp_group[s] == control]
            if len(a) < 2 or len(c) < 2:
                continue
            A, C = wide[a].to_numpy(float), wide[c].to_numpy(float)
            mA, mC = A.mean(axis=1), C.mean(axis=1)
            se = np.sqrt(A.var(axis=1, ddof=1) / len(a) + C.var(axis=1, ddof=1) / len(c))
            # R's t.test: no test when the standard error vanishes next to the means ("data are essentially
            # constant") or is 0/0; NanoStringNorm then reports no p value
            flat = ~(se > 10 * eps * np.maximum(np.abs(mA), np.abs(mC)))
            below = (at_bg[a + c].to_numpy().all(axis=1) if background != "none"
                     else np.zeros(len(wide), dtype=bool))
            tested = ~below & ~flat
            n_g = len(wide)
            p = np.full(n_g, np.nan)
            tstat, df, lo, hi = (np.full(n_g, np.nan) for _ in range(4))
            if tested.any():
                with np.errstate(all="ignore"), warnings.catch_warnings():
                    # one group may be constant (e.g. every sample floored at 1 count): Welch's t is defined,
                    # and scipy's precision-loss warning for that group's variance is expected
                    warnings.filterwarnings("ignore", message="Precision loss", category=RuntimeWarning)
                    res = stats.ttest_ind(A[tested], C[tested], axis=1, equal_var=False)
                    ci = res.confidence_interval(confidence_level=ci_level)
                p[tested], tstat[tested], df[tested] = res.pvalue, res.statistic, res.df
                lo[tested], hi[tested] = ci.low, ci.high
            block = pd.DataFrame({"gene": wide.index, "group": lev, "reference": control,
                                  "log2fc": np.where(tested, mA - mC, np.nan), "p_value": p,
                                  "statistic": tstat, "df": df, "ci_low": lo, "ci_high": hi,
                                  "mean_group": mA, "mean_reference": mC,
                                  "n_group": len(a), "n_reference": len(c), "within": "" if st is None else st})
            ok = block.p_value.notna()
            block["q_value"] = np.nan
            if ok.any():
                block.loc[ok, "q_value"] = multipletests(block.loc[ok, "p_value"], method="fdr_bh")[1]
            block["method"] = np.where(
                tested, "Welch t on log2 normalised counts; BH across the genes tested",
                np.where(below, "not tested: at or below the background in every sample",
                         "not tested: no variation within either group"))
            block["tested"] = tested
            rows.append(block)
            if (~tested).any():
                where = f" within {st}" if st is not None else ""
                parts = []
                for mask, why in ((below, "at or below the background in every sample"),
                                  (~below & flat, "no variation within either group")):
                    if mask.any():
                        names = list(wide.index[mask])
                        parts.append(f"{int(mask.sum())} {why} ({', '.join(map(str, names[:6]))}"
                                     + (f" and {len(names) - 6} more" if len(names) > 6 else "") + ")")
                notes.append(f"{lev} vs {control}{where}: {int((~tested).sum())} of {n_g} genes not tested: "
                             + "; ".join(parts) + f". Their log2FC, p and q are empty; BH q values are over the "
                             f"{int(tested.sum())} genes tested.")
    if not rows:
        counts = des.groupby(([by] if by else []) + [group], sort=False).size()
        shown = ", ".join(f"{'/'.join(map(str, k)) if isinstance(k, tuple) else k}: {n}" for k, n in counts.items())
        raise AssayDataError(f"no comparison with {control!r} has at least 2 RCC files in both groups (column "
                             f"{group!r}{f', within {by!r}' if by else ''}; files per group: {shown})", file=src,
                             column=group)
    cols = ["gene", "group", "reference", "log2fc", "p_value", "q_value", "within", "statistic", "df", "ci_low",
            "ci_high", "mean_group", "mean_reference", "n_group", "n_reference", "method", "tested"]
    return pd.concat(rows, ignore_index=True)[cols], notes
