"""Count GLMs and many-gene paired tests against R (tests/reference/assays_extra/make_reference_extra.R):
glm(poisson), MASS::glm.nb, anova LR tests, t.test(paired), wilcox.test(paired), p.adjust(BH).

Tolerances, ten times what is achieved (in brackets) with two named floors:
- ``RTOL`` = 5e-11: R's values are written with 12 significant digits, whose rounding alone leaves up to 5e-12
  (estimates, rate ratios, LR statistics, dispersion, theta, the paired tests: 1e-12 to 8.8e-12).
- Poisson SEs 5.5e-6, Wald intervals 2.3e-6 and tiny p values 4.5e-4 (5.5e-7, 2.3e-7, 4.6e-5 for p ~ 1e-11): R's glm
  stops at its default epsilon 1e-8 on the deviance (we iterate to 1e-12), so its working weights, hence SEs,
  are off by ~1e-7; the estimates (group log means) are exact either way. warpbreaks (no closed form): estimates
  1e-10 (1.1e-11), SEs 1.9e-5 (1.9e-6), intervals 2.2e-6 (2.3e-7).
- Negative binomial (glm.nb at epsilon 1e-12): SEs, intervals and the LR p at ``RTOL`` (2e-12 to 3.3e-12); Wald p
  5e-10 (4.7e-11 on p ~ 1e-9).
"""

from pathlib import Path

import pandas as pd
import pytest

from assaystats.assays import compare, paired_genes
from tests._reference import Reference

REF = Path(__file__).resolve().parents[1] / "reference" / "assays_extra"


ref = Reference("assays_extra/reference_extra.csv")


RTOL = 5e-11
#: per model: tolerance for (estimate and rate ratio, SE, Wald interval, Wald p)
TOL = {"poisson": (RTOL, 5.5e-6, 2.3e-6, 4.5e-4), "negbin": (RTOL, RTOL, RTOL, 5e-10)}


@pytest.mark.parametrize("test,case", [("poisson", "is_poisson"), ("negbin", "is_negbin")])
def test_insect_sprays_rate_ratios(test, case):
    d = pd.read_csv(REF / "InsectSprays.csv")
    # posthoc='none': the unadjusted Wald intervals of R's confint.default (the default, Holm, widens them to the
    # Bonferroni level, as every post-test family of compare does)
    res = compare(d, value="count", group="spray", control="A", test=test, posthoc="none")
    comp = res.table.set_index("group1")
    t_est, t_se, t_ci, t_p = TOL[test]
    for s in "BCDEF":
        assert comp.loc[s, "log_rate_ratio"] == pytest.approx(ref(case, "estimate", s), rel=t_est)
        assert comp.loc[s, "se"] == pytest.approx(ref(case, "se", s), rel=t_se)
        assert comp.loc[s, "estimate"] == pytest.approx(ref(case, "rate_ratio", s), rel=t_est)
        assert comp.loc[s, "ci_low"] == pytest.approx(ref(case, "rr_lower", s), rel=t_ci)
        assert comp.loc[s, "ci_high"] == pytest.approx(ref(case, "rr_upper", s), rel=t_ci)
        assert comp.loc[s, "p_value"] == pytest.approx(ref(case, "p", s), rel=t_p, abs=1e-300)
    om = res.omnibus.iloc[0]
    term = "spray"
    assert om.statistic == pytest.approx(ref(case, "lr_stat", term), rel=RTOL)
    assert om.df_num == ref(case, "df", term)
    if test == "poisson":
        assert om.p_value == pytest.approx(ref(case, "p", term), rel=RTOL)
        assert om.dispersion == pytest.approx(ref(case, "dispersion"), rel=RTOL)
        assert not res.assumptions.passed.iloc[0]  # 1.51 > 1.5: overdispersion flagged, model kept
    else:
        assert om.theta == pytest.approx(ref(case, "theta"), rel=RTOL)
        # R's anova.negbin gives 1 - pchisq() = 0 (underflow); p_upper is the upper tail (1.23e-21)
        assert om.p_value == pytest.approx(ref(case, "p_upper", term), rel=RTOL)


def test_warpbreaks_poisson_with_crossed_block():
    d = pd.read_csv(REF / "warpbreaks.csv")
    # wool is crossed with tension (each wool holds every tension), so it enters as a block
    res = compare(d, value="breaks", group="tension", control="L", test="poisson", replicate="wool",
                  posthoc="none")
    comp = res.table.set_index("group1")
    for t in ("M", "H"):
        assert comp.loc[t, "log_rate_ratio"] == pytest.approx(ref("wb_poisson", "estimate", t), rel=1e-10)
        assert comp.loc[t, "se"] == pytest.approx(ref("wb_poisson", "se", t), rel=1.9e-5)
        assert comp.loc[t, "ci_low"] == pytest.approx(ref("wb_poisson", "rr_lower", t), rel=2.2e-6)
    assert res.omnibus.statistic.iloc[0] == pytest.approx(ref("wb_poisson", "lr_stat", "tension"), rel=RTOL)
    assert "block" in res.table.method.iloc[0]


def test_paired_genes_tumour_vs_normal():
    d = pd.read_csv(REF / "paired_genes.csv")
    res = paired_genes(d, gene="gene", value="expression", subject="patient", group="tissue", control="normal")
    t = res.table.set_index("gene")
    assert len(t) == 20
    for g in t.index:
        assert t.loc[g, "mean_diff"] == pytest.approx(ref("pg_paired", "estimate", g), rel=RTOL, abs=1e-12)
        assert t.loc[g, "t"] == pytest.approx(ref("pg_paired", "t", g), rel=RTOL, abs=1e-12)
        assert t.loc[g, "ci_low"] == pytest.approx(ref("pg_paired", "lower", g), rel=RTOL)
        assert t.loc[g, "p_t"] == pytest.approx(ref("pg_paired", "p", g), rel=RTOL)
        assert t.loc[g, "q_t"] == pytest.approx(ref("pg_paired", "q_t", g), rel=RTOL)
        assert t.loc[g, "wilcoxon_v"] == ref("pg_paired", "w_stat", g)
        assert t.loc[g, "p_w"] == pytest.approx(ref("pg_paired", "w_p", g), rel=RTOL)
        assert t.loc[g, "q_w"] == pytest.approx(ref("pg_paired", "q_w", g), rel=RTOL)
    # planted truth: G01-G05 up (+1.5), G06-G08 down (-1.0), the rest null; BH at 5% allows a false discovery
    sig = t[t.q_t < 0.05]
    assert {"G01", "G02", "G03", "G04", "G05"} <= set(sig[sig.mean_diff > 0].index)
    false = set(sig.index) - {f"G0{i}" for i in range(1, 9)}
    assert len(false) <= 2
