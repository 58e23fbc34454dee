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
  range 2^-(ddCt +- sd), which is not a confidence interval, and no p value; with efficiencies the same table is
  efficiency-corrected (Pfaffl 2001, several reference genes by the geometric mean of their quantities): every
  branch that gives a fold change uses the efficiencies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names of the annotations only
    import pandas as pd

    from ._qpcr_result import QpcrResult

import os
from collections.abc import Mapping, Sequence

import numpy as np

from .._validate import (
    NA_MARKERS,
    check_columns,
    check_level,
    label_column,
    label_text,
    renamed_keywords,
    row_list,
)
from ..errors import AssayDataError

__all__ = ["qpcr", "standard_curve", "genorm_m", "read_efficiency", "NONDETECT", "CT_MAX"]

NONDETECT = {"undetermined", "no ct", "noct", "n/a", "na", "nan", "", "-", "no amp", "noamp", "nd"}
#: the largest Ct accepted: qPCR runs have at most 40-50 cycles; a larger number is a typo or another unit
CT_MAX = 50.0
#: an amplification factor E (2 = 100 % efficiency) is accepted between these; a percentage between 30 and 130 %
AMP_RANGE = (1.3, 2.3)


def standard_curve(data, *, amount: str, ct: str, gene: str | None = None, source: str | None = None):
    """Ct = intercept + slope log10(amount) per gene: slope, intercept, R^2, amplification factor
    E = 10^(-1/slope) and efficiency % = (E - 1) x 100.

    ``amount`` must be positive numbers; ``ct`` Cts (0-50) or non-detects, which are left out of the fit (as the
    dilutions below the limit of detection are); each gene needs at least 3 points with a Ct."""
    import pandas as pd
    from scipy import stats

    src = source or (data.attrs.get("source") if hasattr(data, "attrs") else None)
    check_columns(data, [amount, ct, gene], file=src)
    df = data.reset_index(drop=True)
    amt = _positive_numbers(df[amount], amount, src, what="amount")
    cts, nd = _parse_ct(df[ct], ct, src, "exclude")
    labels = _label_column(df, gene, src, "gene") if gene else np.array(["all"] * len(df), dtype=object)
    rows = []
    for g in dict.fromkeys(labels):
        idx = np.flatnonzero(labels == g)
        x = np.log10(amt[idx])
        y = cts[idx]
        ok = ~nd[idx]
        if ok.sum() < 3 or np.unique(x[ok]).size < 2:
            raise AssayDataError(f"standard curve of {g!r} needs at least 3 Cts at 2 or more amounts; it has "
                                 f"{int(ok.sum())} Ct(s) at {np.unique(x[ok]).size} amount(s) ({row_list(idx)})",
                                 file=src, column=ct, rows=(idx[:3] + 1).tolist())
        fit = stats.linregress(x[ok], y[ok])
        E = 10 ** (-1 / fit.slope) if fit.slope < 0 else np.nan
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


_label_text = label_text


def _label_column(df, col, src, what: str) -> np.ndarray:
    return label_column(df, col, file=src, what=what)


def _positive_numbers(raw, col, src, *, what: str) -> np.ndarray:
    import pandas as pd

    values = pd.to_numeric(raw, errors="coerce").to_numpy(float)
    bad = np.flatnonzero(~np.isfinite(values) | ~(values > 0))
    if bad.size:
        raise AssayDataError(f"column {col!r} has {bad.size} {what}{'s' if bad.size > 1 else ''} that "
                             f"{'are' if bad.size > 1 else 'is'} not a positive number "
                             f"({row_list(bad, raw.iloc[bad].tolist())}); expected positive numbers",
                             file=src, column=col, rows=(bad + 1).tolist())
    return values


def _parse_ct(raw, col, src, undetermined):
    """Cts as floats and a non-detect mask. Non-detect words and empty cells are non-detects; any other text, and
    any number outside 0-50 cycles (including infinity), is an error naming the rows."""
    import pandas as pd

    values = pd.to_numeric(raw, errors="coerce").to_numpy(float)
    text = raw.astype(str).str.strip().str.lower()
    nd = np.isnan(values) & (text.isin(NONDETECT) | raw.isna()).to_numpy()
    bad = np.flatnonzero(np.isnan(values) & ~nd)
    if bad.size:
        raise AssayDataError(f"column {col!r} has {bad.size} value(s) that are neither a Ct nor a non-detect "
                             f"({row_list(bad, raw.iloc[bad].tolist())}); expected numbers or 'Undetermined'",
                             file=src, column=col, rows=(bad + 1).tolist())
    out = np.flatnonzero(~nd & ~((values > 0) & (values <= CT_MAX)))
    if out.size:
        raise AssayDataError(f"column {col!r} has {out.size} Ct value{'s' if out.size > 1 else ''} outside 0-"
                             f"{CT_MAX:g} cycles ({row_list(out, raw.iloc[out].tolist())}); a Ct is a cycle number "
                             "above 0 and at most 50 (write non-detects as 'Undetermined')", file=src, column=col,
                             rows=(out + 1).tolist())
    if undetermined == "exclude":
        return values, nd
    values = values.copy()
    values[nd] = float(undetermined)
    return values, nd


def amplification_factor(value) -> float:
    """One efficiency as an amplification factor E (2 = 100 %).

    Accepted: an amplification factor 1.3-2.3 (``1.95``), a percentage 30-130 as a number (``95``: any number
    above 3 is read as percent, as before) or as text with a percent sign (``'95%'``). A number that is neither
    (0.95: a fraction? 2.6, 150) or text that is not a number raises ValueError with the reason (callers add the
    gene, file and row)."""
    lo, hi = AMP_RANGE
    pct = (f"{(lo - 1) * 100:g}-{(hi - 1) * 100:g} %")
    if isinstance(value, (bool, np.bool_)) or value is None:
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, str):
        text = value.strip()
        if text.endswith("%"):
            try:
                p = float(text[:-1].strip())
            except ValueError:
                raise ValueError(f"{value!r} is not a number") from None
            if not np.isfinite(p) or not (lo - 1) * 100 <= p <= (hi - 1) * 100:
                raise ValueError(f"{value!r} is outside {pct}")
            return 1.0 + p / 100.0
        if text.strip().lower() in {m.lower() for m in NA_MARKERS}:
            raise ValueError("it is empty")
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"{value!r} is not a number") from None
    try:
        e = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{value!r} is not a number") from None
    if np.isnan(e):
        raise ValueError("it is empty")
    if not np.isfinite(e):
        raise ValueError(f"{e!r} is not a finite number")
    if e > 3:  # given in percent
        if not (lo - 1) * 100 <= e <= (hi - 1) * 100:
            raise ValueError(f"{e:g} read as a percentage gives an amplification factor of {1 + e / 100:g}; "
                             f"expected {lo:g}-{hi:g} (2 = 100 % efficiency) or {pct}")
        return 1.0 + e / 100.0
    if not lo <= e <= hi:
        hint = f" (a fraction? write {e * 100:g}% or {1 + e:g})" if 0.3 <= e <= 1.3 else ""
        raise ValueError(f"{e:g} is neither an amplification factor {lo:g}-{hi:g} (2 = 100 % efficiency) nor a "
                         f"percentage {pct}{hint}")
    return e


def _amplification(efficiency, genes, refs) -> tuple[dict[str, float], list[str]]:
    """gene -> amplification factor for every gene analysed (2 without ``efficiency``); notes."""
    out = {g: 2.0 for g in genes}
    if efficiency is None:
        return out, []
    given: dict[str, float] = {}
    for g, e in dict(efficiency).items():
        try:
            given[_label_text(g)] = amplification_factor(e)
        except ValueError as exc:
            raise AssayDataError(f"efficiency of {_label_text(g)!r}: {exc}; expected an amplification factor "
                                 f"of {_label_text(g)!r} (1.95), a percentage (95) or '95%'") from None
    missing = [g for g in genes if g not in given]
    if missing:
        kinds = []
        for kind, names in (("reference", [g for g in missing if g in refs]),
                            ("target", [g for g in missing if g not in refs])):
            if names:
                kinds.append(f"{kind} gene{'s' if len(names) > 1 else ''} {', '.join(map(repr, names[:8]))}"
                             + (f" and {len(names) - 8} more" if len(names) > 8 else ""))
        near = [f"{k!r} for {g!r}" for g in missing for k in given if k.strip().casefold() == g.strip().casefold()]
        hint = f" (case or spaces differ: {', '.join(near[:3])})" if near else ""
        raise AssayDataError(f"the efficiencies lack {' and '.join(kinds)}{hint}; give an efficiency for every gene "
                             "analysed, or none (Livak, 2 = 100 % for all)")
    out = {g: given[g] for g in genes}
    extra = [g for g in given if g not in out]
    notes = [f"Efficiencies given for gene(s) not in the data were not used: {', '.join(extra[:8])}"
             + (f" and {len(extra) - 8} more." if len(extra) > 8 else ".")] if extra else []
    return out, notes


def read_efficiency(table, *, file: str | None = None) -> dict[str, float]:
    """Validate an efficiency table and return gene -> amplification factor E (2 = 100 % efficiency).

    ``table`` is a DataFrame (or a path read with ``assaystats.io.read_table``) with either columns
    ``gene,efficiency`` (amplification factors such as 1.95, percentages such as 95 or '95%') or a standard
    curve ``gene,amount,ct`` (a dilution series per gene; E = 10^(-1/slope)). Column names are matched without
    regard to case. Every problem raises AssayDataError naming ``file`` (default: the table's ``attrs['source']``),
    the column and the rows: a missing column, an empty or repeated gene, an efficiency that is not a number or
    out of range (1.3-2.3, or 30-130 %), a non-positive amount, a Ct that is not a Ct, a curve with fewer than 3
    points or whose efficiency is out of range."""
    if isinstance(table, (str, os.PathLike)):
        from ..io import read_table

        file = file or str(table)
        table = read_table(table)
    src = file or (table.attrs.get("source") if hasattr(table, "attrs") else None)
    cols = {str(c).strip().lower(): c for c in table.columns}
    if "gene" not in cols:
        raise AssayDataError("the efficiency table needs a 'gene' column (with 'efficiency', or 'amount' and 'ct'); "
                             f"it has {', '.join(repr(str(c)) for c in table.columns)}", file=src)
    gcol = cols["gene"]
    df = table.reset_index(drop=True)
    genes = _label_column(df, gcol, src, "gene")
    if "efficiency" in cols:
        ecol = cols["efficiency"]
        seen: dict[str, int] = {}
        for i, g in enumerate(genes):
            if g in seen:
                raise AssayDataError(f"column {str(gcol)!r}: gene {g!r} appears twice (rows {seen[g] + 1} and "
                                     f"{i + 1}); give one efficiency per gene", file=src, column=str(gcol),
                                     rows=[seen[g] + 1, i + 1])
            seen[g] = i
        out = {}
        for i, (g, e) in enumerate(zip(genes, df[ecol].tolist())):
            try:
                out[g] = amplification_factor(e)
            except ValueError as exc:
                raise AssayDataError(f"column {str(ecol)!r}, row {i + 1}: efficiency of {g!r}: {exc}; expected an "
                                     f"amplification factor of {g!r} (1.95), a percentage (95) or '95%'",
                                     file=src, column=str(ecol), rows=[i + 1]) from None
        return out
    if "amount" in cols and "ct" in cols:
        frame = df.assign(**{str(gcol): genes})
        curve = standard_curve(frame, amount=cols["amount"], ct=cols["ct"], gene=gcol, source=src)
        lo, hi = AMP_RANGE
        out = {}
        for r in curve.itertuples(index=False):
            rows = np.flatnonzero(genes == r.gene)
            if not (np.isfinite(r.amplification) and lo <= r.amplification <= hi):
                raise AssayDataError(f"column {str(cols['ct'])!r}: the standard curve of {r.gene!r} ({row_list(rows)}) "
                                     f"has slope {r.slope:.3g}, an amplification factor of {r.amplification:.3g}; "
                                     f"expected {lo:g}-{hi:g} (slope about -3.3 for 100 % efficiency). Check the "
                                     "amounts (a dilution series, not log values) and the Cts",
                                     file=src, column=str(cols["ct"]), rows=(rows[:3] + 1).tolist())
            out[r.gene] = float(r.amplification)
        return out
    raise AssayDataError("the efficiency table needs columns gene,efficiency or gene,amount,ct; it has "
                         f"{', '.join(repr(str(c)) for c in table.columns)}", file=src)


@renamed_keywords(calibrator="control")
def qpcr(data: pd.DataFrame, *, ct: str = "ct", gene: str = "gene", sample: str = "sample", group: str = "group",
         reference_genes: Sequence[str], control: str, efficiency: Mapping[str, float] | None = None,
         undetermined: str | float = "exclude", spread_limit: float = 0.5, ci_level: float = 0.95,
         test: str = "auto", source: str | None = None) -> QpcrResult:
    """Relative expression of every target gene in every group against ``calibrator``.

    Parameters
    ----------
    data : long table of wells: sample, group, gene, Ct (technical replicates as separate rows).
    reference_genes : one or more reference (housekeeping) genes.
    control : the group everything is expressed relative to, the calibrator (e.g. siCtrl, parental);
        ``calibrator=`` is its deprecated name.
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
        if not 0 < undetermined <= CT_MAX:
            raise AssayDataError(f"undetermined must be 'exclude' or a cycle number above 0 and at most "
                                 f"{CT_MAX:g}; got {undetermined:g}")
    df = data.reset_index(drop=True)
    labels = {col: _label_column(df, col, src, what) for col, what in ((sample, "sample"), (group, "group"),
                                                                        (gene, "gene"))}
    cts, nd = _parse_ct(df[ct], ct, src, undetermined)
    wells = pd.DataFrame({"sample": labels[sample], "group": labels[group], "gene": labels[gene], "ct": cts,
                          "nondetect": nd})
    refs = [_label_text(r) for r in reference_genes]
    if not refs:
        raise AssayDataError("give at least one reference gene")
    genes_present = list(dict.fromkeys(wells.gene))
    for r in refs:
        check_level(r, genes_present, option="reference gene", column=gene, file=src)
    groups = list(dict.fromkeys(wells.group))
    calibrator = check_level(_label_text(control), groups, option="--control", column=group, file=src)
    per_sample = wells.groupby("sample", sort=False)["group"].nunique()
    if (per_sample > 1).any():
        bad = per_sample[per_sample > 1].index[0]
        rows = np.flatnonzero(wells["sample"].to_numpy() == bad)
        raise AssayDataError(f"column {group!r}: sample {bad!r} is labelled with {per_sample[bad]} groups "
                             f"({row_list(rows)}); a sample belongs to one group", file=src, column=group,
                             rows=(rows[:3] + 1).tolist())
    targets = [g for g in genes_present if g not in refs]
    if not targets:
        raise AssayDataError(f"no target gene: every gene in column {gene!r} is a reference gene", file=src,
                             column=gene)
    amp, amp_notes = _amplification(efficiency, genes_present, refs)
    notes = list(amp_notes)
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
        rows, b_notes = _bulletin(tech, targets, refs, groups, str(calibrator), amp, pfaffl=bool(efficiency))
        notes += b_notes
        notes.append("Each group has a single biological sample: fold changes come with the User Bulletin #2 "
                     + ("range 2^(log2 ratio +- sd), the sd of the technical wells' Cts weighted by log2 E of each "
                        "gene (the efficiencies are used, as in every branch)" if efficiency else
                        "range 2^-(ddCt +- sd of the technical wells)")
                     + ", which is not a confidence interval; no test.")
    else:
        # a sample lacking any reference gene is left out (skipna=False): normalising it to the other reference
        # genes would put it on another scale than the rest of its group
        ref_log2 = wide[refs].mean(axis=1, skipna=False)
        ref_ct = (tech[tech.gene.isin(refs)].pivot_table(index="sample", columns="gene", values="ct_mean")
                  .reindex(columns=refs).mean(axis=1, skipna=False))
        for tg in targets:
            target = wide[tg] if tg in wide else pd.Series(np.nan, index=wide.index)
            nrq = (target - ref_log2).rename("log2_nrq").reset_index()
            nrq["gene"] = tg
            tct = tech[tech.gene == tg].set_index("sample")["ct_mean"]
            nrq["delta_ct"] = [tct.get(s, np.nan) - ref_ct.get(s, np.nan) for s in nrq["sample"]]
            dropped = nrq[nrq.log2_nrq.isna()]
            if len(dropped):
                notes.append(f"{tg}: {len(dropped)} sample(s) without a usable Ct for the target or a reference "
                             f"gene were left out ({', '.join(dropped['sample'].astype(str)[:5])}).")
            nrq = nrq.dropna(subset=["log2_nrq"])
            _check_target(nrq, wells, tg, refs, groups, undetermined, src=src, ct=ct, group=group, gene=gene)
            sample_rows.append(nrq)
            try:
                res = compare(nrq, value="log2_nrq", group="group", control=str(calibrator), test=test,
                              ci_level=ci_level)
            except AssayDataError as exc:  # name the user's columns, never the internal 'log2_nrq'
                detail = exc.detail.replace("column 'log2_nrq'", f"the log2 normalised quantities of {tg!r}")
                detail = detail.replace("'log2_nrq'", f"the log2 normalised quantities of {tg!r}")
                detail = detail.replace("column 'group'", f"column {group!r}")
                rows_ = np.flatnonzero((wells.gene == tg).to_numpy())
                raise AssayDataError(f"gene {tg!r} (Cts in column {ct!r}, {row_list(rows_)}): {detail}",
                                     file=src, column=ct, rows=(rows_[:3] + 1).tolist()) from None
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


def _check_target(nrq, wells, tg, refs, groups, undetermined, *, src, ct, group, gene):
    """Before the statistics of one target gene: every group needs 2 biological samples with a usable Ct for
    the target and the reference genes, and the samples must vary. Errors name the user's columns and rows."""
    gene_arr = wells.gene.to_numpy()
    group_arr = wells.group.to_numpy()
    for g in groups:
        k = int((nrq.group == g).sum())
        if k >= 2:
            continue
        t_rows = np.flatnonzero((gene_arr == tg) & (group_arr == g))
        r_rows = np.flatnonzero(np.isin(gene_arr, refs) & (group_arr == g))
        n_samples = len(dict.fromkeys(wells.loc[t_rows, "sample"])) if t_rows.size else 0
        nd_t = int(wells.nondetect.to_numpy()[t_rows].sum())
        why = []
        if t_rows.size == 0:
            why.append(f"no well of {tg!r} in column {gene!r}")
        elif nd_t:
            why.append(f"{nd_t} of its {t_rows.size} wells of {tg!r} are non-detects")
        if r_rows.size == 0:
            why.append("no reference-gene wells")
        hint = ("; count non-detects as a cycle with undetermined= (e.g. 40), or leave the gene out"
                if nd_t and undetermined == "exclude" else "")
        shown = t_rows if t_rows.size else r_rows
        raise AssayDataError(f"gene {tg!r}: group {g!r} of column {group!r} has {k} biological sample"
                             f"{'s' if k != 1 else ''} with a usable Ct for {tg!r} and the reference gene(s) (of "
                             f"{n_samples} sample{'s' if n_samples != 1 else ''}"
                             + (f"; {', '.join(why)}" if why else "") + f"; {row_list(shown)}); each group needs at "
                             f"least 2{hint}", file=src, column=ct, rows=(shown[:3] + 1).tolist())
    v = nrq.log2_nrq.to_numpy(float)
    if v.size and np.ptp(v) == 0:
        t_rows = np.flatnonzero(gene_arr == tg)
        raise AssayDataError(f"gene {tg!r}: every sample has the same quantity relative to the reference gene(s) "
                             f"(log2 {v[0]:g}; {row_list(t_rows)}); there is no variation to test",
                             file=src, column=ct, rows=(t_rows[:3] + 1).tolist())


def _bulletin(tech, targets, refs, groups, cal, amp, *, pfaffl: bool):
    """ABI User Bulletin #2 with the efficiencies of every gene (Pfaffl 2001; several reference genes by the
    geometric mean of their efficiency-weighted quantities, as qbase, Hellemans 2007).

    In log2 units a gene's mean Ct counts log2(E) per cycle (1 for E = 2), so for group g
    log2 ratio = -[(log2 E_t Ct_t,g - mean_r log2 E_r Ct_r,g) - (the same for the calibrator)]
    = log2(E_t^(Ct_t,cal - Ct_t,g) / geomean_r E_r^(Ct_r,cal - Ct_r,g)); with E = 2 for all, -ddCt.
    Its range is 2^(log2 ratio +- sd) with sd = sqrt(sd_t^2 + sd_r^2) of the efficiency-weighted Cts (the Bulletin's
    sd of dCt when E = 2). ``delta_ct``/``delta_delta_ct`` stay in plain cycles, as in the biological-replicate
    branch. Groups without a usable Ct for a target (or the reference genes) are left out of that target with a
    note."""
    rows, notes = [], []
    lg = {g: float(np.log2(e)) for g, e in amp.items()}
    method = ("efficiency-corrected comparative Ct (Pfaffl 2001; range as User Bulletin #2), technical replicates only"
              if pfaffl else "comparative Ct (User Bulletin #2), technical replicates only")
    # with one sample per group, the wells of that sample carry the spread
    for tg in targets:
        dct = {}
        missing = []
        for g in groups:
            t = tech[(tech.group == g) & (tech.gene == tg)]
            r = tech[(tech.group == g) & (tech.gene.isin(refs))]
            if t.empty or r.empty or set(r.gene) != set(refs):
                missing.append(g)
                continue
            mean_t = float(np.average(t.ct_mean, weights=t.n_wells))
            ref_means = r.groupby("gene").ct_mean.mean()
            mean_r = float(ref_means.mean())
            sd_t = float(t.ct_sd.fillna(0).iloc[0]) if len(t) == 1 else float(t.ct_mean.std(ddof=1))
            w_r = float(np.mean([lg[k] * m for k, m in ref_means.items()]))  # log2 of the geometric mean quantity
            sdw_r = float(np.sqrt(np.mean((r.gene.map(lg).to_numpy(float) * r.ct_sd.fillna(0).to_numpy(float)) ** 2)))
            dct[g] = (mean_t - mean_r, lg[tg] * mean_t - w_r, float(np.hypot(lg[tg] * sd_t, sdw_r)))
        if missing:
            notes.append(f"{tg}: no usable Ct for the target or every reference gene in group(s) "
                         f"{', '.join(map(repr, missing))}"
                         + ("; the gene has no fold change (the calibrator is among them)." if cal in missing
                            else "; those groups have no fold change for it."))
        for g, (d, dw, sd) in dct.items():
            if cal not in dct:
                continue
            ddct = d - dct[cal][0]
            l2 = -(dw - dct[cal][1])
            fc = 2.0 ** l2
            lo, hi = (2.0 ** (l2 - sd), 2.0 ** (l2 + sd)) if g != cal else (np.nan, np.nan)
            rows.append({"group": g, "gene": tg, "delta_ct": d, "delta_delta_ct": ddct, "fold_change": fc,
                         "ci_low": lo, "ci_high": hi, "p_value": np.nan, "knockdown_pct": (1 - fc) * 100,
                         "p_adjusted": np.nan, "log2_fold_change": l2, "n": 1, "interval": "range (+- 1 sd)",
                         "ci_level": np.nan, "method": method})
    return rows, notes
