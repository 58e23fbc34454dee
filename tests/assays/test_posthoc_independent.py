"""Games-Howell and Dunn against independent implementations (issue 11): pingouin's pairwise_gameshowell and
scikit-posthocs' posthoc_dunn, on R's PlantGrowth and InsectSprays and on an unbalanced, tied simulation.

Tolerances: 1e-10 relative for differences, standard errors, statistics and Welch df (closed forms); 1e-6 for
Games-Howell p values (pingouin evaluates scipy.stats.studentized_range by adaptive quadrature, we use the
tabulated studentized range of _dunnett); 1e-10 for Dunn's p (both the normal tail, Holm by multipletests).
pingouin's pairwise_gameshowell reports group1 - group2 in the order of its sorted levels; the sign is
aligned by pair.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from assaystats.assays import compare

pg = pytest.importorskip("pingouin")
sp = pytest.importorskip("scikit_posthocs")

REF = Path(__file__).resolve().parents[1] / "reference"


def _datasets():
    rng = np.random.default_rng(7)
    sim = pd.DataFrame({"group": np.repeat(["a", "b", "c", "d"], [5, 8, 11, 6]),
                        "value": np.round(np.r_[rng.normal(10, 1, 5), rng.normal(11, 3, 8), rng.normal(9, 0.5, 11),
                                                rng.normal(12, 2, 6)], 1)})  # rounding: ties for Dunn
    return {"PlantGrowth": (pd.read_csv(REF / "assays" / "PlantGrowth.csv"), "weight", "group"),
            "InsectSprays": (pd.read_csv(REF / "assays_extra" / "InsectSprays.csv"), "count", "spray"),
            "unbalanced": (sim, "value", "group")}


DATA = _datasets()


@pytest.mark.parametrize("name", list(DATA))
def test_games_howell_matches_pingouin(name):
    d, value, group = DATA[name]
    ours = compare(d, value=value, group=group, test="welch-anova", posthoc="games-howell").table
    theirs = pg.pairwise_gameshowell(data=d, dv=value, between=group)
    assert len(ours) == len(theirs)
    for r in theirs.itertuples(index=False):
        a, b = str(r.A), str(r.B)
        hit = ours[((ours.group1 == a) & (ours.group2 == b)) | ((ours.group1 == b) & (ours.group2 == a))]
        assert len(hit) == 1
        o = hit.iloc[0]
        sign = 1 if o.group1 == a else -1
        assert sign * o.estimate == pytest.approx(r.diff, rel=1e-10)
        assert o.se == pytest.approx(r.se, rel=1e-10)
        assert sign * o.statistic == pytest.approx(r.T, rel=1e-10)
        assert o.df == pytest.approx(r.df, rel=1e-10)
        assert o.p_adjusted == pytest.approx(r.pval, rel=1e-6, abs=1e-12)


@pytest.mark.parametrize("name", list(DATA))
@pytest.mark.parametrize("adjust", [None, "holm"])
def test_dunn_matches_scikit_posthocs(name, adjust):
    d, value, group = DATA[name]
    ours = compare(d, value=value, group=group, test="kruskal", posthoc="dunn").table
    theirs = sp.posthoc_dunn(d, val_col=value, group_col=group, p_adjust=adjust)
    theirs.index = theirs.index.astype(str)
    theirs.columns = theirs.columns.astype(str)
    for o in ours.itertuples(index=False):
        expected = theirs.loc[o.group1, o.group2]
        got = o.p_adjusted if adjust == "holm" else o.p_value
        assert got == pytest.approx(expected, rel=1e-10, abs=1e-300)
