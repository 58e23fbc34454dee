"""Two-way designs (group x by) and repeated measures (subjects crossed with groups), with post tests on the
pooled error of the fitted linear model (statsmodels OLS and anova_lm)."""

from __future__ import annotations

from itertools import combinations

import numpy as np
from scipy import stats

from ._assumptions import check_assumptions
from ._oneway import family_tests

__all__ = ["two_way", "repeated_measures"]


def _ols(formula, frame):
    import statsmodels.formula.api as smf

    return smf.ols(formula, data=frame).fit()


def _contrast_rows(cells, pairs, mse, df, method, ctrl, alternative, ci_level, within):
    """pairs of (group1, group2) of cell (mean, n) with pooled MSE; method dunnett / tukey / adjust name. The
    family's table and critical value are computed once; the comparisons are arrays."""
    if not pairs:
        return []
    g1 = [a for a, _ in pairs]
    g2 = [c for _, c in pairs]
    m1 = np.array([cells[a][0] for a in g1])
    m2 = np.array([cells[c][0] for c in g2])
    n1 = np.array([cells[a][1] for a in g1], float)
    n2 = np.array([cells[c][1] for c in g2], float)
    est = m1 - m2
    se = np.sqrt(mse * (1 / n1 + 1 / n2))
    fam = family_tests(est, se, df, method, lam=np.sqrt(n1 / (n1 + n2)), k=len(set(g1) | set(g2)),
                       level=ci_level, alternative=alternative)
    name = {"dunnett": "Dunnett (pooled error)", "tukey": "Tukey-Kramer (pooled error)"}.get(method,
                                                                                            "t test (pooled error)")
    t, p, pa, lo, hi, adjustment = est / se, fam["p"], fam["p_adjusted"], fam["ci_low"], fam["ci_high"], \
        fam["adjustment"]
    return [_row(a, c, within, e, s_, t_, df, p_, pa_, l_, h_, name, adjustment, ci_level)
            for a, c, e, s_, t_, p_, pa_, l_, h_ in zip(g1, g2, est, se, t, p, pa, lo, hi)]


def _check_posthoc(ph, design):
    from ..errors import AssayDataError

    if ph in ("games-howell", "dunn"):
        raise AssayDataError(f"posthoc {ph!r} is for one-way designs of independent groups; with {design} the post "
                             "tests use the pooled error of the model: use tukey, dunnett (with a control), sidak, "
                             "holm-sidak, bonferroni, holm, bh, none or omnibus")


def _row(g1, g2, within, est, se, t, df, p, pa, lo, hi, method, adjustment, ci_level):
    return {"group1": g1, "group2": g2, "within": within, "estimate": float(est), "se": float(se),
            "statistic": float(t), "df": float(df), "p_value": float(p), "p_adjusted": float(pa),
            "ci_low": float(lo), "ci_high": float(hi), "ci_level": ci_level, "method": method,
            "adjustment": adjustment}


def two_way(frame, levels, by_levels, ctrl, posthoc, alternative, ci_level, anova_type, paired, notes):
    import pandas as pd
    import statsmodels.api as sm

    f = frame.copy()
    block = " + C(p, Sum)" if paired else ""
    if anova_type == 3:
        model = _ols("y ~ C(g, Sum) * C(b, Sum)" + block, f)
    else:
        model = _ols("y ~ C(g) * C(b)" + block, f)
    tab = sm.stats.anova_lm(model, typ=anova_type)
    names = {"C(g)": "group", "C(b)": "by", "C(g):C(b)": "group:by", "C(g, Sum)": "group", "C(b, Sum)": "by",
             "C(g, Sum):C(b, Sum)": "group:by", "Intercept": "(Intercept)", "Residual": "Residuals",
             "C(p, Sum)": "block"}
    df_res = float(model.df_resid)
    omnibus = []
    for term, row in tab.iterrows():
        name = names.get(term, term)
        if name == "Residuals":
            continue
        omnibus.append({"term": name, "statistic": float(row["F"]), "df_num": float(row["df"]), "df_den": df_res,
                        "p_value": float(row["PR(>F)"]),
                        "method": f"two-way ANOVA, type {'I' * anova_type} SS" + (" with replicates as blocks" if paired
                                                                                  else ""),
                        "ss": float(row["sum_sq"])})
    mse = float(model.mse_resid)
    ph = posthoc or ("dunnett" if ctrl else ("tukey" if len(levels) > 2 else "sidak"))
    _check_posthoc(ph, "a second factor (by)")
    comps = []
    stats_of = f.groupby(["b", "g"], sort=False)["y"].agg(["mean", "size"])
    for bl in by_levels if ph != "omnibus" else []:
        cells = {lev: (float(stats_of.loc[(bl, lev), "mean"]), int(stats_of.loc[(bl, lev), "size"]))
                 for lev in levels}
        pairs = ([(g, ctrl) for g in levels if g != ctrl] if ph == "dunnett"
                 else [(b_, a) for a, b_ in combinations(levels, 2)])
        comps += _contrast_rows(cells, pairs, mse, df_res, ph, ctrl, alternative, ci_level, bl)
    if ph != "omnibus":
        notes.append(f"Simple effects of the group within each level of the second factor use the pooled error of "
                     f"the two-way model (MSE {mse:.4g} on {df_res:g} df); adjustment '{ph}' within each level.")
    return {"omnibus": pd.DataFrame(omnibus), "comparisons": pd.DataFrame(comps), "method": omnibus[0]["method"],
            "posthoc": ph, "assumptions": check_assumptions(model.resid.to_numpy(),
                                                             [g_.y.to_numpy() for _, g_ in f.groupby(["g", "b"])])}


def repeated_measures(frame, levels, ctrl, posthoc, alternative, ci_level):
    """Subjects (pairs / crossed replicates) as blocks: additive model y ~ group + subject when complete,
    otherwise a mixed model with the subject as a random intercept (no subject is dropped)."""
    import pandas as pd

    wide = frame.pivot_table(index="p", columns="g", values="y", aggfunc="mean")
    complete = wide.notna().all(axis=1).all()
    if not complete:
        from ._mixed import mixed_compare

        out = mixed_compare(frame.assign(r=frame.p), levels, ctrl, posthoc, ci_level, "crossed",
                            alternative=alternative, unit_label="subject")
        out["notes"] = out.get("notes", []) + [
            "Some subjects lack a group: a mixed model (subject as random intercept) uses every observation "
            "instead of dropping incomplete subjects."]
        return out
    long = wide.stack().rename("y").reset_index()
    model = _ols("y ~ C(g) + C(p)", long)
    import statsmodels.api as sm

    tab = sm.stats.anova_lm(model, typ=2)
    row = tab.loc["C(g)"]
    df_res = float(model.df_resid)
    omnibus = [{"term": "group", "statistic": float(row["F"]), "df_num": float(row["df"]), "df_den": df_res,
                "p_value": float(row["PR(>F)"]), "method": "repeated-measures ANOVA (subjects as blocks)",
                "ss": float(row["sum_sq"]), **_sphericity_corrections(long, float(row["F"]), float(row["df"]),
                                                                      df_res)}]
    mse = float(model.mse_resid)
    n = len(wide)
    cells = {lev: (float(wide[lev].mean()), n) for lev in levels}
    ph = posthoc or ("dunnett" if ctrl else "tukey")
    _check_posthoc(ph, "subjects as blocks (pair or crossed replicates)")
    pairs = ([(g, ctrl) for g in levels if g != ctrl] if ph == "dunnett"
             else [(b_, a) for a, b_ in combinations(levels, 2)])
    comps = _contrast_rows(cells, pairs, mse, df_res, ph, ctrl, alternative, ci_level, "") if ph != "omnibus" else []
    return {"omnibus": pd.DataFrame(omnibus), "comparisons": pd.DataFrame(comps), "method": omnibus[0]["method"],
            "posthoc": ph, "residuals": model.resid.to_numpy(), "sphericity": omnibus[0].get("mauchly_W")}


def _sphericity_corrections(long, F, df1, df2) -> dict:
    """Mauchly's test and the Greenhouse-Geisser / Huynh-Feldt corrected p values of a complete one-way
    repeated-measures ANOVA with three or more conditions (pingouin's sphericity and epsilon; equal to R car's
    Anova on the multivariate lm, as afex and ez report them; Huynh-Feldt's epsilon is capped at 1 as car does for
    its p value)."""
    if df1 < 2:
        return {}
    import pingouin as pg

    d = long.rename(columns={"g": "condition", "p": "subject", "y": "value"})
    sph = pg.sphericity(d, dv="value", within="condition", subject="subject")
    gg = float(pg.epsilon(d, dv="value", within="condition", subject="subject", correction="gg"))
    hf = min(1.0, float(pg.epsilon(d, dv="value", within="condition", subject="subject", correction="hf")))
    return {"mauchly_W": float(sph.W), "mauchly_p": float(sph.pval), "eps_gg": gg,
            "p_gg": float(stats.f.sf(F, gg * df1, gg * df2)), "eps_hf": hf,
            "p_hf": float(stats.f.sf(F, hf * df1, hf * df2))}
