"""A patient counts once on each side of tumour vs normal, whatever aliquots the table holds."""

import numpy as np

from assaystats import correlates, datasets


def test_duplicate_normal_aliquot_counts_once():
    expr = datasets.load("lihc_expression")
    normals = [c for c in expr.columns[1:] if c[13:15] == "11"]
    base = correlates.tumour_vs_normal(expr, gene="ZFAS1")
    dup = expr.copy()
    twin = normals[0][:15] + "B"  # the same patient's second normal vial
    dup[twin] = dup[normals[0]] + 5.0  # a value that would move the normal mean if it were counted
    res = correlates.tumour_vs_normal(dup, gene="ZFAS1")
    assert correlates.one_normal_per_patient(list(dup.columns[1:])).count(normals[0]) == 1
    assert twin not in correlates.one_normal_per_patient(list(dup.columns[1:]))
    np.testing.assert_allclose(res.table["estimate"].to_numpy(), base.table["estimate"].to_numpy(), rtol=1e-12)
    assert any("1 further normal aliquot left out" in n for n in res.meta["notes"])
