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
  with a warning. Replicates crossed with the groups (each experiment measured every group) are blocks;
  when ``by`` varies between replicates and ``group`` within them (or the reverse), or blocks lack a level of
  ``by``, the replicate is a random effect (split-plot / mixed ANOVA) instead of a block aliased with ``by``;
- mixed models (REML as lme4, Satterthwaite df as lmerTest) and count models honour the post tests they can
  (dunnett, sidak, holm-sidak, bonferroni, holm, bh, none, omnibus) and refuse the others by name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names of the annotations only
    import pandas as pd

    from ._result import ComparisonResult

import warnings
from collections.abc import Sequence

import numpy as np

from .._validate import (
    check_choice,
    check_columns,
    check_level,
    check_numeric,
    check_order,
    label_text,
    label_values,
    missing_mask,
    renamed_keywords,
    row_list,
)
from ..errors import AssayDataError, AssayWarning
from . import _oneway, _twogroup

__all__ = ["compare"]

TWO_GROUP = {"welch": _twogroup.welch_t, "student": _twogroup.student_t, "paired": _twogroup.paired_t,
             "ratio-paired": _twogroup.ratio_paired_t, "mann-whitney": _twogroup.mann_whitney,
             "wilcoxon": _twogroup.wilcoxon_signed_rank}
SEVERAL = {"anova": _oneway.anova_oneway, "welch-anova": _oneway.welch_anova,
           "brown-forsythe": _oneway.brown_forsythe_anova, "kruskal": _oneway.kruskal}
POSTHOC = ("dunnett", "tukey", "sidak", "holm-sidak", "bonferroni", "holm", "bh", "games-howell", "dunn", "none",
           "omnibus")
COUNT_MODELS = ("poisson", "negbin")
TESTS = ("auto", *TWO_GROUP, *SEVERAL, *COUNT_MODELS)
LEVELS = ("auto", "replicate", "mixed", "cell")
COMPARISON_COLUMNS = ["group1", "group2", "within", "estimate", "se", "statistic", "df", "p_value", "p_adjusted",
                      "ci_low", "ci_high", "ci_level", "method", "adjustment"]


#: all-pairs post tests (k (k - 1) / 2 comparisons) are refused above this many groups. Measured with
#: benchmarks/bench_posthoc_scale.py (3 rows per group, 2 shared cores): at 100 groups (4,950 pairs) Tukey takes
#: 0.4 s and Games-Howell 2.5 s; at 200 groups (19,900 pairs) 0.8 s and 9 s, and a 19,900-row table is no longer
#: read by anyone (nor drawn); 10,000 groups would be 50 million pairs. Comparisons with a control (Dunnett,
#: k - 1: 1.4 s at 10,000 groups) and the omnibus test alone have no such limit.
MAX_ALL_PAIRS_GROUPS = 100

#: values of larger magnitude are refused: variances square them and Welch's degrees of freedom square the
#: variances again (x^4 must stay below the largest double, 1.8e308).
VALUE_LIMIT = 1e75


_missing = missing_mask
_label_text = label_text
_labels = label_values


def _levels(arr):
    return list(dict.fromkeys(arr.tolist()))


def _leave_out_missing(df, columns):
    """Rows with a missing entry in a used column are left out. Returns (kept row positions, {column: count},
    the note) -- the note names the first rows (1-based data rows) per column."""
    keep = np.ones(len(df), dtype=bool)
    counts, parts = {}, []
    for col in columns:
        miss = np.flatnonzero(_missing(df[col]))
        if miss.size:
            counts[col] = int(miss.size)
            parts.append(f"missing {col} ({row_list(miss)})")
            keep[miss] = False
    note = None
    if counts:
        left = int((~keep).sum())
        note = f"{left} row{'s' if left != 1 else ''} left out: {'; '.join(parts)}."
    return np.flatnonzero(keep), counts, note


def _check_magnitude(y, column, src):
    big = np.flatnonzero(np.abs(y) > VALUE_LIMIT)
    if big.size:
        raise AssayDataError(
            f"column {column!r} has {big.size} value{'s' if big.size > 1 else ''} too large to analyse "
            f"({row_list(big, [f'{v:g}' for v in y[big[:3]]])}); expected finite numbers small enough to square "
            f"(magnitude below {VALUE_LIMIT:g}): rescale the unit (e.g. divide by 1e6)",
            file=src, column=column, rows=(big[:3] + 1).tolist())


def _check_all_pairs(ph, ctrl, levels, n_within, group, src):
    from ._oneway import all_pairs

    k = len(levels)
    if k <= MAX_ALL_PAIRS_GROUPS or not all_pairs(ph, ctrl):
        return
    pairs = k * (k - 1) // 2 * n_within
    cmax = MAX_ALL_PAIRS_GROUPS
    within = f" within each of {n_within} levels of the second factor" if n_within > 1 else ""
    raise AssayDataError(
        f"column {group!r} has {k:,} groups: the all-pairs post test {ph!r} would make {pairs:,} comparisons"
        f"{within}; all-pairs post tests are limited to {cmax} groups ({cmax * (cmax - 1) // 2:,} pairs). Name a "
        f"control (--control NAME) for Dunnett's comparisons with it ({k - 1:,} comparisons), or use --posthoc "
        "omnibus for the omnibus test alone", file=src, column=group)


def _check_control(control, levels, group, src) -> str:
    ctrl = _label_text(control)
    if ctrl in levels:
        return ctrl
    if any(lv.strip().casefold() == ctrl.strip().casefold() for lv in levels):
        check_level(ctrl, levels, option="control", column=group, file=src)  # names both spellings
    shown = ", ".join(map(repr, levels[:12])) + (f" and {len(levels) - 12} more" if len(levels) > 12 else "")
    raise AssayDataError(f"control {control!r} is not a level of column {group!r} (levels: {shown})", file=src,
                         column=group)


@renamed_keywords(pair="subject")
def compare(data: pd.DataFrame, *, value: str, group: str, control: str | None = None, by: str | None = None,
            replicate: str | None = None, subject: str | None = None, test: str = "auto",
            posthoc: str | None = None, alternative: str = "two-sided", ci_level: float = 0.95,
            level: str = "auto", anova_type: int = 2, order: Sequence[str] | None = None, error: str = "sem",
            source: str | None = None) -> ComparisonResult:
    """Compare a measured value between groups.

    Parameters
    ----------
    data : DataFrame, one row per observation (cell, well, animal).
    value, group : the measured column and the grouping column.
    control : the control level (Dunnett; also the reference of two-group estimates, group - control).
    by : a second factor (two-way ANOVA and simple effects of ``group`` within each level of ``by``).
    replicate : the independent unit (experiment, animal). Default analysis on replicate means.
    subject : subject id for paired / repeated measures designs without a replicate column (``pair=`` is its
        deprecated name).
    test : 'auto' or one of welch, student, paired, ratio-paired, mann-whitney, wilcoxon, anova, welch-anova,
        brown-forsythe, kruskal; for counts 'poisson' or 'negbin' (GLM, rate ratios vs the control).
    posthoc : dunnett, tukey, sidak, holm-sidak, bonferroni, holm, bh, games-howell, dunn, none (pooled-error t
        tests without adjustment, Fisher's LSD) or omnibus (the omnibus test alone, no post tests). All-pairs post
        tests are refused above MAX_ALL_PAIRS_GROUPS groups (comparisons with a control have no limit). Mixed
        (``level='mixed'``, incomplete subjects, split-plot) and count models offer dunnett, sidak, holm-sidak,
        bonferroni, holm (their default), bh, none and omnibus, comparing each group with the control (or the
        first group); another choice is an AssayDataError naming these.
    level : 'auto' (replicate means when ``replicate`` is given), 'replicate', 'mixed' (REML mixed model with
        Satterthwaite df; variance components and REML log-likelihood in ``meta``) or 'cell'.
    anova_type : 2 or 3 (type III uses sum-to-zero coding) for two-way designs.
    order : the levels of ``group`` in the order of tables and figures; every level exactly once (checked with
        ``check_order``: a level differing only in case, an absent level or an unlisted one is an error).
    error : what the figure's error bars show: 'sem', 'sd' or 'ci'.
    source : the file name used in error messages (default: ``data.attrs['source']``).

    Rows with a missing entry (NaN, None, '', 'NA', '#N/A' ...) in a used column (value, group, by, replicate,
    pair) are left out and counted: ``meta['rows_left_out']`` (column -> rows) and a sentence in
    ``meta['notes']``. Values must be finite and below VALUE_LIMIT in magnitude.
    """
    pair = subject
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
    if order is not None and (isinstance(order, str) or not isinstance(order, Sequence)):
        raise AssayDataError(f"order must be a list of the levels of {group!r}; got {order!r}")
    full = data.reset_index(drop=True)
    used = list(dict.fromkeys(c for c in (value, group, by, replicate, pair) if c is not None))
    keep, left_out, left_note = _leave_out_missing(full, used)
    vals = full[[value]].copy()
    vals[value] = vals[value].mask(_missing(vals[value]))
    y_all = check_numeric(vals, value, file=src, allow_missing=True)
    _check_magnitude(np.where(np.isnan(y_all), 0.0, y_all), value, src)
    if keep.size == 0:
        raise AssayDataError(f"no rows to analyse: every row misses a value in {', '.join(map(repr, used))}",
                             file=src, column=used[0])
    df = full.iloc[keep].reset_index(drop=True)
    y = y_all[keep]
    g = _labels(df[group])
    b = _labels(df[by]) if by else None
    r = _labels(df[replicate]) if replicate else None
    pr = _labels(df[pair]) if pair else None
    present = _levels(g)
    if order is not None:
        levels, _ = check_order([_label_text(o) for o in order], present, option="order", column=group, file=src)
    else:
        levels = present
    ctrl = _check_control(control, levels, group, src) if control is not None else None
    if len(levels) < 2:
        raise AssayDataError(f"column {group!r} has a single level ({levels[0]!r}); nothing to compare", file=src,
                             column=group)
    by_levels = _levels(b) if b is not None else [None]
    if test not in COUNT_MODELS and not (level == "mixed" and r is not None) and len(levels) > 2:
        _check_all_pairs(posthoc or ("dunnett" if ctrl else "tukey"), ctrl, levels, len(by_levels), group, src)
    notes: list[str] = [left_note] if left_note else []

    # -- the unit of analysis ------------------------------------------------------------------------
    design = "independent"
    unit = "observation"
    if r is not None:
        design = _replicate_design(g, r, src, replicate, group, keep)
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

        out = glm_compare(frame, levels, ctrl, test, ci_level, block=design == "crossed",
                          posthoc=posthoc or "holm", alternative=alternative)
        frame["n_obs"] = 1
        desc = _descriptives(frame, levels, [None], ci_level, False)
        meta = {"analysis": "compare", "value": value, "group": group, "control": ctrl, "by": None,
                "replicate": replicate, "pair": pair, "test": test, "posthoc": out["posthoc"], "alternative": alternative,
                "ci_level": ci_level, "level": level, "unit": unit, "design": design, "anova_type": None,
                "method": out["method"], "groups": levels, "by_levels": None, "n_rows": int(len(df)),
                "n_units": int(len(frame)), "notes": notes, "error": error, "source": src, "n": int(len(df)),
                "rows_left_out": left_out, "n_rows_input": int(len(full))}
        return ComparisonResult(table=out["comparisons"], meta=meta, omnibus=out["omnibus"], descriptives=desc,
                                assumptions=out["assumptions"],
                                units=_public_units(frame, value, group, None, replicate))
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
    sizes = frame.groupby(["b", "g"], sort=False).size().to_dict()
    for bl in by_levels:
        for lev in levels:
            n = int(sizes.get((bl if bl is not None else "", lev), 0))
            if n < 2:
                where = f"group {lev!r}" + (f" within {by} = {bl!r}" if bl is not None else "")
                rows = keep[np.flatnonzero((g == lev) & ((b == bl) if bl is not None else True))]
                unit_txt = f"{replicate} " if (r is not None and level in ('auto', 'replicate')) else ""
                raise AssayDataError(f"column {value!r}: {where} has {n} {unit_txt}observation"
                                     f"{'s' if n != 1 else ''} ({row_list(rows)}); each group needs at least 2",
                                     file=src, column=value, rows=(rows[:3] + 1).tolist())
    if np.ptp(y) == 0:
        raise AssayDataError(f"column {value!r} has no variation (every value is {y[0]:g}); nothing to test",
                             file=src, column=value)

    paired = design == "crossed" and level != "cell"
    split = _split_plot(frame, by is not None and level != "cell" and (r is not None or pr is not None),
                        r is not None)
    if split:
        design = "split-plot"
        what = replicate or pair
        between, within = (by, group) if split == "by between" else (group, by)
        if split == "incomplete":
            notes.append(f"Some {what} units lack a level of {by!r}: {what} is a random effect (a mixed model "
                         "uses every unit instead of a block model that needs every level in every block).")
        else:
            notes.append(f"{between!r} varies between {what} units and {within!r} within them (a split-plot "
                         f"design): {what} is a random effect, so {between!r} is tested against the variation "
                         f"between {what} units and {within!r} within them (a mixed ANOVA).")
    if (level == "mixed" and r is not None) or split:
        from ._mixed import mixed_compare

        if split and r is None:
            frame["r"] = frame["p"]
        result_tables = mixed_compare(frame, levels, ctrl, posthoc if posthoc is not None or not split else
                                      ("dunnett" if ctrl else "holm"), ci_level,
                                      "crossed" if design in ("crossed", "split-plot") else design,
                                      tuple(by_levels), alternative=alternative, unit_label=_unit_label(
                                          replicate or pair), anova_type=anova_type)
        method_test = result_tables["method"]
    elif by is None:
        result_tables = _one_factor(frame, levels, ctrl, test, posthoc, alternative, ci_level, paired, notes)
        method_test = result_tables["method"]
    else:
        from ._twoway import two_way

        result_tables = two_way(frame, levels, by_levels, ctrl, posthoc, alternative, ci_level, anova_type,
                                paired, notes)
        method_test = result_tables["method"]

    if not len(result_tables["comparisons"].columns):
        result_tables["comparisons"] = pd.DataFrame(columns=COMPARISON_COLUMNS)
    if len(levels) > 2 or by is not None:
        result_tables["omnibus"] = _with_anova_effect_sizes(result_tables["omnibus"], ci_level, len(frame))
    power_line = _power_line(result_tables, frame, levels, by, paired, alternative)
    desc = _descriptives(frame, levels, by_levels, ci_level, by is not None)
    meta = {"analysis": "compare", "value": value, "group": group, "control": ctrl, "by": by,
            "replicate": replicate, "pair": pair, "test": test, "posthoc": result_tables.get("posthoc"),
            "alternative": alternative, "ci_level": ci_level, "level": level, "unit": unit, "design": design,
            "anova_type": anova_type if by else None, "method": method_test, "groups": levels,
            "by_levels": by_levels if by else None, "n_rows": int(len(df)), "n_units": int(len(frame)),
            "notes": notes + result_tables.get("notes", []), "error": error, "source": src, "n": int(len(df)),
            "rows_left_out": left_out, "n_rows_input": int(len(full))}
    if power_line:
        meta["power"] = power_line
    if "variance_components" in result_tables:
        meta.update(variance_components=result_tables["variance_components"],
                    reml_loglik=result_tables["reml_loglik"], df_method="Satterthwaite")
    return ComparisonResult(table=result_tables["comparisons"], meta=meta, omnibus=result_tables["omnibus"],
                            descriptives=desc, assumptions=result_tables["assumptions"],
                            units=_public_units(frame, value, group, by, replicate), observations=raw_obs)


def _public_units(frame, value, group, by, replicate):
    """The analysed units under the user's column names: the internal pairing copy (``p``) is dropped, and the
    second-factor column only appears when there is a second factor."""
    units = frame.drop(columns=[c for c in ("p",) if c in frame.columns])
    if by is None:
        units = units.drop(columns=[c for c in ("b",) if c in units.columns])
    if replicate is None:
        units = units.drop(columns=[c for c in ("r",) if c in units.columns and units[c].isna().all()])
    return units.rename(columns={"y": value, "g": group, "b": by or "by", "r": replicate or "replicate"})


def _with_anova_effect_sizes(omnibus, ci_level, n):
    """Partial eta squared (with effectsize's one-sided interval) and partial omega squared beside every F test."""
    from ._oneway import anova_effect_sizes

    if omnibus is None or not len(omnibus):
        return omnibus
    rows = []
    for r in omnibus.itertuples(index=False):
        m = str(r.method).lower()
        is_f = ("anova" in m or "f test" in m or "wald f" in m) and "kruskal" not in m
        rows.append(anova_effect_sizes(r.statistic, r.df_num, r.df_den, ci_level,
                                       None if "mixed" in m or "welch" in m or "brown" in m else n) if is_f else
                    anova_effect_sizes(np.nan, np.nan, np.nan))
    import pandas as pd

    return pd.concat([omnibus.reset_index(drop=True), pd.DataFrame(rows)], axis=1)


def _power_line(result_tables, frame, levels, by, paired, alternative):
    """For a t test or one-way ANOVA that was not significant: the effect this design could detect with 80% power
    (two-sided alpha 0.05), for planning the next experiment (never the 'observed power' of the data)."""
    from ._oneway import power_anova
    from ._twogroup import power_ttest

    if by is not None or "variance_components" in result_tables:
        return None
    om = result_tables["omnibus"]
    if om is None or not len(om) or not (om.p_value.iloc[0] >= 0.05):
        return None
    method = str(om.method.iloc[0]).lower()
    counts = frame.groupby("g")["y"].size()
    alt = {"two-sided": "two-sided", "greater": "greater", "less": "less"}[alternative]
    if len(levels) == 2 and (" t" in f" {method}" or method.startswith(("welch t", "student t", "paired t"))):
        if "ratio" in method or "mann" in method or "wilcoxon" in method:
            return None
        if paired:
            n = int(counts.min())
            d = power_ttest(n=n, power=0.8, contrast="paired", alternative=alt)
            return (f"Power: with {n} pairs, this design detects a standardised difference d_z of {d:.2f} with 80% "
                    "power (alpha 0.05); a smaller true effect may have been missed (assaystats.assays.power_ttest "
                    "plans the n for the next experiment).")
        n1, n2 = int(counts[levels[0]]), int(counts[levels[1]])
        d = power_ttest(n=n1, n2=n2, power=0.8, alternative=alt) if n1 != n2 else power_ttest(
            n=n1, power=0.8, alternative=alt)
        return (f"Power: with n = {n1} and {n2}, this design detects a standardised difference (Cohen d) of {d:.2f} "
                "with 80% power (alpha 0.05); a smaller true effect may have been missed "
                "(assaystats.assays.power_ttest plans the n for the next experiment).")
    if len(levels) > 2 and method == "one-way anova":
        n = float(counts.mean())
        eta = power_anova(k=len(levels), n=n, power=0.8)
        return (f"Power: with {len(levels)} groups of {n:g} on average, this design detects an effect of eta squared "
                f"{eta:.2f} (Cohen f {np.sqrt(eta / (1 - eta)):.2f}) with 80% power (alpha 0.05); a smaller true "
                "effect may have been missed (assaystats.assays.power_anova plans the n for the next experiment).")
    return None


def _unit_label(name) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in str(name)) or "replicate"


def _split_plot(frame, possible: bool, by_replicate: bool) -> str:
    """Whether ``by`` and ``group`` are on different strata of the replicate (or subject) unit: ``by`` constant
    within every unit while ``group`` varies within units, or the reverse (a split-plot / mixed design: one
    factor between units, the other within). Blocks that hold every ``by`` level are the two-way block model."""
    if not possible:
        return ""
    unit = frame["r"] if by_replicate else frame["p"]
    t = frame.assign(u=unit)
    by_per = t.groupby("u", sort=False)["b"].nunique()
    g_per = t.groupby("u", sort=False)["g"].nunique()
    n_b = t["b"].nunique()
    if by_per.max() == 1 and g_per.max() > 1:
        return "by between"    # by between units, group within
    if g_per.max() == 1 and by_per.max() > 1:
        return "group between"  # group between units, by within
    if by_per.min() < n_b and g_per.max() > 1:
        return "incomplete"    # blocks missing a level of by: a mixed model uses them all
    return ""


def _replicate_design(g, r, src, replicate, group, rows_in) -> str:
    """'nested' (each replicate in one group), 'crossed' (replicates hold several groups: blocks); a
    replicate id appearing in two groups while the others are nested is an error (a labelling mistake).
    ``rows_in``: the input row of each analysed row (for messages)."""
    import pandas as pd

    t = pd.DataFrame({"g": g, "r": r})
    per = t.groupby("r", sort=False)["g"].nunique()
    nested = per == 1
    if nested.all():
        return "nested"
    if nested.mean() >= 0.5:
        bad = per[~nested].index[0]
        at = np.flatnonzero(r == bad)
        groups = sorted(set(np.asarray(g)[at]))
        rows = rows_in[at]
        raise AssayDataError(f"column {replicate!r}: replicate {bad!r} appears in {len(groups)} groups of "
                             f"{group!r} ({', '.join(map(repr, groups))}; {row_list(rows)}) while most replicates "
                             "belong to one group; give each replicate a unique id, or use the same ids in every "
                             "group for a blocked design", file=src, column=replicate, rows=(rows[:3] + 1).tolist())
    return "crossed"


def _samples(frame, levels, bl=None):
    sub = frame if bl is None else frame[frame.b == bl]
    by_g = {k_: v.to_numpy(float) for k_, v in sub.groupby("g", sort=False)["y"]}
    return {lev: by_g.get(lev, np.empty(0)) for lev in levels}


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
            "effect_size_ci_low": res["effect_size_ci_low"], "effect_size_ci_high": res["effect_size_ci_high"],
            "hedges_g": res["hedges_g"], "hedges_g_ci_low": res["hedges_g_ci_low"],
            "hedges_g_ci_high": res["hedges_g_ci_high"], "n1": res["n1"], "n2": res["n2"]})
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
            if "residuals" in out:  # complete subjects (OLS); the mixed model for incomplete ones has its check
                out["assumptions"] = check_assumptions(out.pop("residuals"), None)
                om0 = out["omnibus"].iloc[0]
                if out.pop("sphericity", None) is not None:
                    ok = bool(om0.mauchly_p >= 0.05)
                    out["assumptions"] = pd.concat([out["assumptions"], pd.DataFrame([{
                        "check": "sphericity", "test": "Mauchly", "statistic": om0.mauchly_W, "df_num": np.nan,
                        "df_den": np.nan, "p_value": om0.mauchly_p, "passed": ok,
                        "note": "" if ok else "variances of the differences between conditions differ: read the "
                        f"Greenhouse-Geisser corrected p (p_gg {om0.p_gg:.3g}) in the omnibus table; the uncorrected "
                        "test was kept"}])], ignore_index=True)
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
        # posthoc 'none' = pooled-error t tests without adjustment (Fisher's LSD); 'omnibus' = no post tests
        if ph != "omnibus":
            comps = _oneway.posthoc(samples, ph, control=ctrl, level=ci_level, alternative=alternative).assign(
                within="", ci_level=ci_level)
            comps = _pair_effect_sizes(comps, samples, ci_level, rank=name == "kruskal", notes=notes)
        method = om["method"]
        resid = np.concatenate([s - s.mean() for s in samples.values()])
    cols = COMPARISON_COLUMNS
    comp = comps if isinstance(comps, pd.DataFrame) else pd.DataFrame(comps)
    for c_ in cols:
        if c_ not in comp:
            comp[c_] = np.nan
    comp = comp[cols + [c_ for c_ in comp.columns if c_ not in cols]]
    var_groups = None if paired else list(samples.values())
    return {"omnibus": pd.DataFrame(omnibus), "comparisons": comp, "method": method, "posthoc": ph,
            "assumptions": check_assumptions(resid, var_groups)}


#: effect sizes of the pairs of a post test (each with a root-found interval) are computed up to this many pairs
MAX_EFFECT_SIZE_PAIRS = 500


def _pair_effect_sizes(comps, samples, ci_level, *, rank: bool, notes):
    """Each compared pair's effect size as R's effectsize gives it for the two groups alone: Cohen d and Hedges g
    (the pair's pooled SD, noncentral-t intervals) after ANOVA-type tests, the rank-biserial r after
    Kruskal-Wallis."""
    from ._twogroup import mann_whitney, student_t

    cols = ["effect_size", "effect_size_name", "effect_size_ci_low", "effect_size_ci_high", "hedges_g",
            "hedges_g_ci_low", "hedges_g_ci_high"]
    if len(comps) > MAX_EFFECT_SIZE_PAIRS:
        notes.append(f"Effect sizes of the {len(comps):,} pairs were not computed (limit "
                     f"{MAX_EFFECT_SIZE_PAIRS}); the omnibus effect size is in the omnibus table.")
        return comps
    rows = []
    for a, b in zip(comps.group1, comps.group2):
        r = (mann_whitney if rank else student_t)(samples[a], samples[b], level=ci_level)
        rows.append({c: r[c] for c in cols})
    import pandas as pd

    return pd.concat([comps.reset_index(drop=True), pd.DataFrame(rows, columns=cols)], axis=1)


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

    cells = {k_: v.to_numpy(float) for k_, v in frame.groupby(["b", "g"], sort=False)["y"]}
    rows = []
    for bl in by_levels:
        for lev in levels:
            v = cells.get((bl if bl is not None else "", lev), np.empty(0))
            n = v.size
            m = v.mean() if n else np.nan
            sd = v.std(ddof=1) if n > 1 else np.nan
            rows.append({"group": lev, "within": bl if has_by else "", "n": n, "mean": m, "sd": sd,
                         "sem": sd / np.sqrt(n) if n > 1 else np.nan, "median": float(np.median(v)) if n else np.nan,
                         "min": float(v.min()) if n else np.nan, "max": float(v.max()) if n else np.nan})
    out = pd.DataFrame(rows, columns=["group", "within", "n", "mean", "sd", "sem", "median", "min", "max"])
    nn = out["n"].to_numpy(float)
    with np.errstate(invalid="ignore"):
        tq = np.where(nn > 1, stats.t.ppf(0.5 + ci_level / 2, np.maximum(nn - 1, 1)), np.nan)
    out.insert(6, "ci_low", out["mean"] - tq * out["sem"])
    out.insert(7, "ci_high", out["mean"] + tq * out["sem"])
    out["ci_level"] = ci_level
    return out
