"""``assaystats.assays.compare``: the right group comparison for a tidy table, replicate-aware.

Decision rules (all stated in the Result's meta and methods paragraph; never switched silently):

- two groups: Welch t (R's default) unless ``test`` says otherwise; paired t when ``pair`` is given or when
  every replicate holds both groups;
- three or more groups: one-way ANOVA with Dunnett's test against ``control`` or Tukey-Kramer for all pairs
  (Prism's defaults);
- ``by``: two-way ANOVA with interaction, then simple effects of ``group`` within each level of ``by`` using
  the pooled error of the two-way model;
- ``replicate`` (experiment, mouse, plate): the unit of analysis is the replicate mean (default), or a mixed
  model with the replicate as a random effect (``level='mixed'``); cell-level n only with ``level='cell'``,
  with a warning. Replicates crossed with the groups (each experiment measured every group) are blocks.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from .._validate import check_choice, check_columns, check_numeric, row_list
from ..errors import AssayDataError, AssayWarning
from . import _oneway, _twogroup

__all__ = ["compare"]

TWO_GROUP = {"welch": _twogroup.welch_t, "student": _twogroup.student_t, "paired": _twogroup.paired_t,
             "ratio-paired": _twogroup.ratio_paired_t, "mann-whitney": _twogroup.mann_whitney,
             "wilcoxon": _twogroup.wilcoxon_signed_rank}
SEVERAL = {"anova": _oneway.anova_oneway, "welch-anova": _oneway.welch_anova,
           "brown-forsythe": _oneway.brown_forsythe_anova, "kruskal": _oneway.kruskal}
POSTHOC = ("dunnett", "tukey", "sidak", "holm-sidak", "bonferroni", "holm", "bh", "games-howell", "dunn", "none")
COUNT_MODELS = ("poisson", "negbin")
TESTS = ("auto", *TWO_GROUP, *SEVERAL, *COUNT_MODELS)
LEVELS = ("auto", "replicate", "mixed", "cell")


def _labels(df, col, src):
    raw = df[col]
    miss = np.flatnonzero(raw.isna().to_numpy() | (raw.astype(str).str.strip() == "").to_numpy())
    if miss.size:
        raise AssayDataError(f"column {col!r} has {miss.size} empty label(s) ({row_list(miss)})", file=src,
                             column=col, rows=(miss + 1).tolist())
    out = []
    for v in raw.tolist():
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        out.append(str(v))
    return np.array(out, dtype=object)


def _levels(arr, order=None):
    seen = list(dict.fromkeys(arr.tolist()))
    if order:
        return [o for o in order if o in seen] + [s for s in seen if s not in order]
    return seen


def compare(data, *, value: str, group: str, control: str | None = None, by: str | None = None,
            replicate: str | None = None, pair: str | None = None, test: str = "auto",
            posthoc: str | None = None, alternative: str = "two-sided", ci_level: float = 0.95,
            level: str = "auto", anova_type: int = 2, order: Sequence[str] | None = None, error: str = "sem",
            source: str | None = None):
    """Compare a measured value between groups.

    Parameters
    ----------
    data : DataFrame, one row per observation (cell, well, animal).
    value, group : the measured column and the grouping column.
    control : the control level (Dunnett; also the reference of two-group estimates, group - control).
    by : a second factor (two-way ANOVA and simple effects of ``group`` within each level of ``by``).
    replicate : the independent unit (experiment, animal). Default analysis on replicate means.
    pair : subject id for paired / repeated measures designs without a replicate column.
    test : 'auto' or one of welch, student, paired, ratio-paired, mann-whitney, wilcoxon, anova, welch-anova,
        brown-forsythe, kruskal; for counts 'poisson' or 'negbin' (GLM, rate ratios vs the control).
    posthoc : dunnett, tukey, sidak, holm-sidak, bonferroni, holm, bh, games-howell, dunn, none.
    level : 'auto' (replicate means when ``replicate`` is given), 'replicate', 'mixed' or 'cell'.
    anova_type : 2 or 3 (type III uses sum-to-zero coding) for two-way designs.
    error : what the figure's error bars show: 'sem', 'sd' or 'ci'.
    """
    import pandas as pd

    from ._result import ComparisonResult

    src = source or (data.attrs.get("source") if hasattr(data, "attrs") else None)
    check_choice("test", test, TESTS)
    if posthoc is not None:
        check_choice("posthoc", posthoc, POSTHOC)
    check_choice("alternative", alternative, ("two-sided", "greater", "less"))
    check_choice("level", level, LEVELS)
    check_choice("anova_type", anova_type, (2, 3))
    check_choice("error", error, ("sem", "sd", "ci"))
    if not isinstance(data, pd.DataFrame):
        raise AssayDataError("data must be a pandas DataFrame")
    check_columns(data, [value, group, by, replicate, pair], file=src)
    df = data.reset_index(drop=True)
    y = check_numeric(df, value, file=src)
    g = _labels(df, group, src)
    b = _labels(df, by, src) if by else None
    r = _labels(df, replicate, src) if replicate else None
    pr = _labels(df, pair, src) if pair else None
    levels = _levels(g, order)
    if control is not None and str(control) not in levels:
        raise AssayDataError(f"control {control!r} is not a level of column {group!r} (levels: "
                             f"{', '.join(map(repr, levels))})", file=src, column=group)
    if len(levels) < 2:
        raise AssayDataError(f"column {group!r} has a single level ({levels[0]!r}); nothing to compare", file=src,
                             column=group)
    ctrl = str(control) if control is not None else None
    by_levels = _levels(b) if b is not None else [None]
    notes: list[str] = []

    # -- the unit of analysis ------------------------------------------------------------------------
    design = "independent"
    unit = "observation"
    if r is not None:
        design = _replicate_design(g, b, r, src, replicate, group)
        if level in ("auto", "replicate"):
            unit = f"{replicate} mean"
        elif level == "cell":
            unit = "observation"
            warnings.warn(f"level='cell' treats every row as independent although {replicate!r} groups them; "
                          "p values will be too small if replicates differ", AssayWarning, stacklevel=2)
            notes.append(f"Rows were analysed as independent observations on request (level='cell'), ignoring "
                         f"{replicate!r}; this overstates the evidence when replicates differ.")
        else:
            unit = f"observation ({replicate} as random effect)"
    elif pr is not None:
        design = "crossed"

    frame = pd.DataFrame({"y": y, "g": g, "b": b if b is not None else "", "r": r if r is not None else "",
                          "p": pr if pr is not None else ""})
    if test in COUNT_MODELS:
        if by is not None:
            raise AssayDataError("count models with a second factor (--by) are not supported yet")
        if design == "nested":
            raise AssayDataError(f"count models with replicates nested in groups ({replicate!r}) are not supported "
                                 "yet; analyse replicate means (test='auto') or use level='mixed'")
        if r is not None:
            frame["p"] = frame["r"]
            unit = f"observation ({replicate} as block)"
        from ._glm import glm_compare

        out = glm_compare(frame, levels, ctrl, test, ci_level, block=design == "crossed")
        frame["n_obs"] = 1
        desc = _descriptives(frame, levels, [None], ci_level, False)
        meta = {"analysis": "compare", "value": value, "group": group, "control": ctrl, "by": None,
                "replicate": replicate, "pair": pair, "test": test, "posthoc": "holm", "alternative": "two-sided",
                "ci_level": ci_level, "level": level, "unit": unit, "design": design, "anova_type": None,
                "method": out["method"], "groups": levels, "by_levels": None, "n_rows": int(len(df)),
                "n_units": int(len(frame)), "notes": notes, "error": error, "source": src, "n": int(len(df))}
        return ComparisonResult(table=out["comparisons"], meta=meta, omnibus=out["omnibus"], descriptives=desc,
                                assumptions=out["assumptions"],
                                units=frame.rename(columns={"y": value, "g": group, "b": "by",
                                                            "r": replicate or "replicate"}))
    raw_obs = frame.rename(columns={"y": value, "g": group, "b": by or "by", "r": replicate or "replicate"}).drop(
        columns=["p"])
    if r is not None and level in ("auto", "replicate"):
        frame = frame.groupby(["g", "b", "r"], sort=False, as_index=False).agg(y=("y", "mean"), n_obs=("y", "size"))
        frame["p"] = frame["r"]
    elif pr is not None:
        frame["n_obs"] = 1
    else:
        frame["n_obs"] = 1
        if r is not None:
            frame["p"] = frame["r"]

    # -- checks per group -------------------------------------------------------------------------
    for bl in by_levels:
        for lev in levels:
            sel = (frame.g == lev) & ((frame.b == bl) if bl is not None else True)
            n = int(sel.sum())
            where = f"group {lev!r}" + (f" within {by} = {bl!r}" if bl is not None else "")
            if n < 2:
                rows = np.flatnonzero((g == lev) & ((b == bl) if bl is not None else True))
                unit_txt = f"{replicate} " if (r is not None and level in ('auto', 'replicate')) else ""
                raise AssayDataError(f"column {value!r}: {where} has {n} {unit_txt}observation"
                                     f"{'s' if n != 1 else ''} ({row_list(rows)}); each group needs at least 2",
                                     file=src, column=value, rows=(rows[:3] + 1).tolist())
    if np.ptp(y) == 0:
        raise AssayDataError(f"column {value!r} has no variation (every value is {y[0]:g}); nothing to test",
                             file=src, column=value)

    paired = design == "crossed" and level != "cell"
    if level == "mixed" and r is not None:
        from ._mixed import mixed_compare

        result_tables = mixed_compare(frame, levels, ctrl, posthoc, ci_level, design)
        method_test = result_tables["method"]
    elif by is None:
        result_tables = _one_factor(frame, levels, ctrl, test, posthoc, alternative, ci_level, paired, notes)
        method_test = result_tables["method"]
    else:
        from ._twoway import two_way

        result_tables = two_way(frame, levels, by_levels, ctrl, posthoc, alternative, ci_level, anova_type,
                                paired, notes)
        method_test = result_tables["method"]

    desc = _descriptives(frame, levels, by_levels, ci_level, by is not None)
    meta = {"analysis": "compare", "value": value, "group": group, "control": ctrl, "by": by,
            "replicate": replicate, "pair": pair, "test": test, "posthoc": result_tables.get("posthoc"),
            "alternative": alternative, "ci_level": ci_level, "level": level, "unit": unit, "design": design,
            "anova_type": anova_type if by else None, "method": method_test, "groups": levels,
            "by_levels": by_levels if by else None, "n_rows": int(len(df)), "n_units": int(len(frame)),
            "notes": notes + result_tables.get("notes", []), "error": error, "source": src, "n": int(len(df))}
    return ComparisonResult(table=result_tables["comparisons"], meta=meta, omnibus=result_tables["omnibus"],
                            descriptives=desc, assumptions=result_tables["assumptions"],
                            units=frame.rename(columns={"y": value, "g": group, "b": by or "by",
                                                        "r": replicate or "replicate"}), observations=raw_obs)


def _replicate_design(g, b, r, src, replicate, group) -> str:
    """'nested' (each replicate in one group), 'crossed' (replicates hold several groups: blocks); a
    replicate id appearing in two groups while the others are nested is an error (a labelling mistake)."""
    import pandas as pd

    t = pd.DataFrame({"g": g, "r": r})
    per = t.groupby("r", sort=False)["g"].nunique()
    k = len(set(g))
    nested = per == 1
    if nested.all():
        return "nested"
    if nested.mean() >= 0.5:
        bad = per[~nested].index[0]
        rows = np.flatnonzero(r == bad)
        groups = sorted(set(np.asarray(g)[rows]))
        raise AssayDataError(f"column {replicate!r}: replicate {bad!r} appears in {len(groups)} groups of "
                             f"{group!r} ({', '.join(map(repr, groups))}; {row_list(rows)}) while most replicates "
                             "belong to one group; give each replicate a unique id, or use the same ids in every "
                             "group for a blocked design", file=src, column=replicate, rows=(rows[:3] + 1).tolist())
    del k
    return "crossed"


def _samples(frame, levels, bl=None):
    sub = frame if bl is None else frame[frame.b == bl]
    return {lev: sub.loc[sub.g == lev, "y"].to_numpy(float) for lev in levels}


def _one_factor(frame, levels, ctrl, test, posthoc, alternative, ci_level, paired, notes):
    import pandas as pd

    from ._assumptions import check_assumptions

    samples = _samples(frame, levels)
    k = len(levels)
    omnibus, comps = [], []
    if k == 2:
        a, c = (levels[1], levels[0]) if ctrl is None else ([lv for lv in levels if lv != ctrl][0], ctrl)
        name = test
        if name == "auto":
            name = "paired" if paired else "welch"
        if name in ("paired", "ratio-paired", "wilcoxon"):
            if not paired:
                raise AssayDataError(f"the {name} test needs a pair (or crossed replicate) column")
            x, yv = _paired_arrays(frame, a, c)
            res = TWO_GROUP[name](x, yv, level=ci_level, alternative=alternative)
            res["n1"] = res["n2"] = len(x)
        elif name in TWO_GROUP:
            res = TWO_GROUP[name](samples[a], samples[c], level=ci_level, alternative=alternative)
            res["n1"], res["n2"] = samples[a].size, samples[c].size
        else:
            raise AssayDataError(f"test {name!r} is for three or more groups; two groups were given")
        comps.append({"group1": a, "group2": c, "within": "", **{k_: res[k_] for k_ in (
            "estimate", "se", "statistic", "df", "p_value")}, "p_adjusted": res["p_value"],
            "ci_low": res["ci_low"], "ci_high": res["ci_high"], "ci_level": ci_level, "method": res["method"],
            "adjustment": "none", "effect_size": res["effect_size"], "effect_size_name": res["effect_size_name"],
            "hedges_g": res["hedges_g"], "n1": res["n1"], "n2": res["n2"]})
        omnibus.append({"term": "group", "statistic": res["statistic"], "df_num": 1 if res["df"] == res["df"] else np.nan,
                        "df_den": res["df"], "p_value": res["p_value"], "method": res["method"]})
        method = res["method"]
        ph = None
        if paired:
            resid = _paired_residuals(frame, a, c)
        else:
            resid = np.concatenate([samples[a] - samples[a].mean(), samples[c] - samples[c].mean()])
    else:
        name = test
        if name == "auto":
            name = "anova"
        if name in TWO_GROUP:
            raise AssayDataError(f"test {name!r} compares two groups; {k} were given (use anova, welch-anova, "
                                 "brown-forsythe or kruskal)")
        if paired:
            from ._twoway import repeated_measures

            out = repeated_measures(frame, levels, ctrl, posthoc, alternative, ci_level)
            out["assumptions"] = check_assumptions(out.pop("residuals"), None)
            return out
        om = SEVERAL[name](list(samples.values()))
        omnibus.append(om)
        ph = posthoc or ("dunnett" if ctrl else "tukey")
        if name == "kruskal" and ph not in ("dunn", "none"):
            notes.append("Post tests after Kruskal-Wallis should be rank based; use posthoc='dunn'.")
        if name in ("welch-anova", "brown-forsythe") and ph not in ("games-howell", "none"):
            notes.append("With unequal variances, Games-Howell post tests match the Welch/Brown-Forsythe ANOVA.")
        if ph == "dunnett" and ctrl is None:
            raise AssayDataError("Dunnett's test needs a control level (--control)")
        # posthoc 'none' = pooled-error t tests without adjustment (Fisher's LSD)
        for row in _oneway.posthoc(samples, ph, control=ctrl, level=ci_level, alternative=alternative):
            comps.append({**row, "within": "", "ci_level": ci_level})
        method = om["method"]
        resid = np.concatenate([s - s.mean() for s in samples.values()])
    cols = ["group1", "group2", "within", "estimate", "se", "statistic", "df", "p_value", "p_adjusted", "ci_low",
            "ci_high", "ci_level", "method", "adjustment"]
    comp = pd.DataFrame(comps)
    for c_ in cols:
        if c_ not in comp:
            comp[c_] = np.nan
    comp = comp[cols + [c_ for c_ in comp.columns if c_ not in cols]]
    var_groups = None if paired else list(samples.values())
    return {"omnibus": pd.DataFrame(omnibus), "comparisons": comp, "method": method, "posthoc": ph,
            "assumptions": check_assumptions(resid, var_groups)}


def _paired_arrays(frame, a, c):
    wide = frame[frame.g.isin([a, c])].pivot_table(index="p", columns="g", values="y", aggfunc="mean")
    wide = wide.dropna()
    if len(wide) < 2:
        raise AssayDataError(f"fewer than 2 complete pairs of {a!r} and {c!r}")
    return wide[a].to_numpy(float), wide[c].to_numpy(float)


def _paired_residuals(frame, a, c):
    x, y = _paired_arrays(frame, a, c)
    d = x - y
    return d - d.mean()


def _descriptives(frame, levels, by_levels, ci_level, has_by):
    import pandas as pd
    from scipy import stats

    rows = []
    for bl in by_levels:
        for lev in levels:
            v = frame.loc[(frame.g == lev) & ((frame.b == bl) if bl is not None else True), "y"].to_numpy(float)
            n = v.size
            m = v.mean()
            sd = v.std(ddof=1) if n > 1 else np.nan
            sem = sd / np.sqrt(n) if n > 1 else np.nan
            tq = stats.t.ppf(0.5 + ci_level / 2, n - 1) if n > 1 else np.nan
            rows.append({"group": lev, "within": bl if has_by else "", "n": n, "mean": m, "sd": sd, "sem": sem,
                         "ci_low": m - tq * sem, "ci_high": m + tq * sem, "median": float(np.median(v)),
                         "min": float(v.min()), "max": float(v.max()), "ci_level": ci_level})
    return pd.DataFrame(rows)
