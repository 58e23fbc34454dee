"""Partial correlation given covariates against R's ppcor 1.1 (pcor.test: every variable ranked for Spearman,
-cov2cor(solve(cov)), t on n - 2 - k df; tests/reference/correlates/make_reference_partial.R on R's airquality,
complete rows; 17 significant digits) and against pingouin's partial_corr.
Tolerances (relative), against ppcor: R_REL for r (measured 2.5e-15), P_REL for p values (measured 1.6e-13);
against pingouin 1e-10 and 1e-8 (not an R reference; kept as they were)."""

import pandas as pd
import pingouin as pg
import pytest

from assaystats.correlates import coexpression, correlate_one
from tests._reference import REFERENCE, Reference

ref = Reference("correlates/reference_partial.csv")
R_REL = 2e-14
P_REL = 1e-12
GENES = ["Ozone", "Month", "Day"]


@pytest.fixture(scope="module")
def aq():
    return pd.read_csv(REFERENCE / "correlates" / "airquality.csv")


@pytest.mark.parametrize("method", ["spearman", "pearson"])
def test_partial_matches_ppcor_definition(aq, method):
    res = correlate_one(aq.Temp, aq[GENES].T.to_numpy(), GENES, method=method,
                        covariates=aq[["Wind", "Solar.R"]].to_numpy()).set_index("gene")
    case = f"partial_{method}_wind_solar"
    for g in GENES:
        assert res.loc[g, "r"] == pytest.approx(ref(case, "r", g), rel=R_REL)
        assert res.loc[g, "p_value"] == pytest.approx(ref(case, "p", g), rel=P_REL)
        assert res.loc[g, "n"] == ref(case, "n", g)
    one = correlate_one(aq.Temp, aq[["Ozone"]].T.to_numpy(), ["Ozone"], method=method,
                        covariates=aq[["Wind"]].to_numpy()).iloc[0]
    assert one.r == pytest.approx(ref(f"partial_{method}_wind", "r", "Ozone"), rel=R_REL)
    assert one.p_value == pytest.approx(ref(f"partial_{method}_wind", "p", "Ozone"), rel=P_REL)


def test_partial_spearman_ranks_the_covariates(aq):
    """The issue's case: Temp with Ozone given Wind and Solar.R is 0.6682 (every variable ranked), not 0.6578
    (covariates left unranked, the old result)."""
    r = correlate_one(aq.Temp, aq[["Ozone"]].T.to_numpy(), ["Ozone"], method="spearman",
                      covariates=aq[["Wind", "Solar.R"]].to_numpy()).iloc[0]
    assert round(r.r, 4) == 0.6682
    assert "every variable ranked" in r.method and "n - 2 - k df" in r.method


@pytest.mark.parametrize("method", ["spearman", "pearson"])
@pytest.mark.parametrize("covar", [["Wind", "Solar.R"], ["Wind"], ["Solar.R", "Wind", "Day"]])
def test_partial_matches_pingouin(aq, method, covar):
    got = correlate_one(aq.Temp, aq[["Ozone"]].T.to_numpy(), ["Ozone"], method=method,
                        covariates=aq[covar].to_numpy()).iloc[0]
    want = pg.partial_corr(aq, x="Temp", y="Ozone", covar=covar, method=method)
    assert got.r == pytest.approx(want.r.iloc[0], rel=1e-10)
    assert got.p_value == pytest.approx(want["p_val"].iloc[0], rel=1e-8)  # both on n - 2 - k df
    assert got.n == want.n.iloc[0]


def _tables(aq):
    expr = aq.set_index("sample")[["Temp"] + GENES].T.rename_axis("gene_id").reset_index()
    clin = aq[["sample", "Wind", "Solar.R", "Month"]].assign(month=lambda d: "m" + d.Month.astype(str))
    return expr, clin


def test_coexpression_partial_spearman_numeric_covariates(aq):
    expr, clin = _tables(aq)
    res = coexpression(expr, gene="Temp", genes=GENES, method="spearman", clinical=clin,
                       covariates=["Wind", "Solar.R"]).table.set_index("gene")
    for g in GENES:
        assert res.loc[g, "r"] == pytest.approx(ref("partial_spearman_wind_solar", "r", g), rel=R_REL)
        assert res.loc[g, "p_value"] == pytest.approx(ref("partial_spearman_wind_solar", "p", g), rel=P_REL)


def test_coexpression_partial_spearman_categorical_covariate(aq):
    """Month as a categorical covariate (text levels): one indicator per level after the first, ranked as ppcor
    ranks every column; 5 covariate columns with Wind, so the t test has n - 2 - 5 df."""
    expr, clin = _tables(aq)
    res = coexpression(expr, gene="Temp", genes=["Ozone"], method="spearman", clinical=clin,
                       covariates=["Wind", "month"]).table.iloc[0]
    assert res.r == pytest.approx(ref("partial_spearman_wind_month", "r", "Ozone"), rel=R_REL)
    assert res.p_value == pytest.approx(ref("partial_spearman_wind_month", "p", "Ozone"), rel=P_REL)
    assert "adjusted for 5 covariate columns" in res.method
