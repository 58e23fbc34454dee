"""compare(): bad inputs (exit 2, one line naming file, column, rows), design detection, example data."""

import json

import pandas as pd
import pytest

from assaystats import datasets
from assaystats.assays import compare
from assaystats.cli import main
from assaystats.errors import AssayDataError
from tests._cli import assert_one_line_error

GOOD = "grp,rep,val\n" + "".join(f"{g},r{i},{v}\n" for g, vals in (("A", (5.1, 4.8, 5.5)), ("B", (6.2, 6.8, 6.1)),
                                                                   ("C", (4.0, 4.4, 3.9)))
                                 for i, v in enumerate(vals))


def run(tmp_path, text, *extra):
    f = tmp_path / "in.csv"
    f.write_text(text)
    out = tmp_path / "out"
    code = main(["compare", str(f), "--value", "val", "--group", "grp", "--out", str(out), *extra])
    return code, out, f



def test_good(tmp_path, capsys):
    code, out, _ = run(tmp_path, GOOD, "--control", "A")
    assert code == 0
    comp = pd.read_csv(out / "tables" / "comparisons.csv")
    assert list(comp.columns[:14]) == ["group1", "group2", "within", "estimate", "se", "statistic", "df", "p_value",
                                       "p_adjusted", "ci_low", "ci_high", "ci_level", "method", "adjustment"]
    om = pd.read_csv(out / "tables" / "omnibus.csv")
    assert list(om.columns[:6]) == ["term", "statistic", "df_num", "df_den", "p_value", "method"]


def test_control_level_missing(tmp_path, capsys):
    code, out, f = run(tmp_path, GOOD, "--control", "Ctrl")
    assert_one_line_error(capsys, code, out, f, "'Ctrl'", "'grp'", "levels: 'A', 'B', 'C'")


def test_one_observation_in_a_group(tmp_path, capsys):
    code, out, f = run(tmp_path, GOOD + "D,r9,5.0\n")
    assert_one_line_error(capsys, code, out, f, "group 'D'", "1 observation", "'val'", "row 10")


def test_all_values_equal(tmp_path, capsys):
    text = "grp,val\n" + "".join(f"{g},3.0\n" for g in "AABB")
    code, out, f = run(tmp_path, text)
    assert_one_line_error(capsys, code, out, f, "'val'", "no variation")


def test_replicate_nested_in_two_groups(tmp_path, capsys):
    text = "grp,rep,val\n" + "".join(f"{g},{r},{v}\n" for g, r, v in [
        ("A", "m1", 1.0), ("A", "m1", 1.2), ("A", "m2", 1.1), ("A", "m3", 0.9), ("B", "m4", 2.0), ("B", "m5", 2.2),
        ("B", "m1", 2.1), ("B", "m6", 1.9)])
    code, out, f = run(tmp_path, text, "--replicate", "rep")
    assert_one_line_error(capsys, code, out, f, "'rep'", "replicate 'm1' appears in 2 groups", "rows 1, 2, 7")


def test_non_numeric_and_missing_values(tmp_path, capsys):
    code, out, f = run(tmp_path, GOOD.replace("B,r1,6.8", "B,r1,high"))
    assert_one_line_error(capsys, code, out, f, "'val'", "non-numeric", "row 5: 'high'")
    # a missing value leaves its row out, counted (issue 10; see test_compare_edges.py for the API)
    code, out, f = run(tmp_path, GOOD.replace("B,r1,6.8", "B,r1,"))
    assert code == 0
    import json

    prov = json.loads((out / "provenance.json").read_text())
    assert prov["rows_left_out"] == [{"val": 1}] and "row 5" in " ".join(prov["notes"])


def test_dunnett_needs_control():
    d = pd.read_csv(pd.io.common.StringIO(GOOD))
    with pytest.raises(AssayDataError, match="control"):
        compare(d, value="val", group="grp", posthoc="dunnett")
    with pytest.raises(AssayDataError, match="two groups"):
        compare(d, value="val", group="grp", test="welch")


def test_paired_with_missing_subject_uses_mixed_model():
    """One subject lacks a group: a mixed model on every observation (not the paired test on complete subjects),
    and it is lmerTest's: lmer(value ~ group + (1 | subject)) with Satterthwaite df (reference_mixed.csv, case
    mx_incomplete; tolerances as in test_reference_mixed.py, ten times what is achieved)."""
    from pathlib import Path

    from tests._reference import Reference

    ref = Reference("assays/reference_mixed.csv")
    d = pd.read_csv(Path(__file__).resolve().parents[1] / "reference" / "assays" / "mixed_incomplete.csv")
    assert d.groupby("subject").size().min() < 3  # s0 lacks C
    res = compare(d, value="value", group="group", subject="subject", control="A")
    assert res.table.method.str.contains("mixed model").all()
    assert res.meta["n_units"] == len(d)
    assert any("instead of dropping" in n for n in res.meta["notes"])
    c = res.table.set_index("group1")
    for g in ("B", "C"):
        term = f"{g} - A"
        assert c.loc[g, "estimate"] == pytest.approx(ref("mx_incomplete", "estimate", term), rel=3.5e-10)
        assert c.loc[g, "se"] == pytest.approx(ref("mx_incomplete", "se", term), rel=5e-9)
        assert c.loc[g, "df"] == pytest.approx(ref("mx_incomplete", "df_satterthwaite", term), rel=1.7e-6)
        assert c.loc[g, "p_value"] == pytest.approx(ref("mx_incomplete", "p_satterthwaite", term), rel=4.5e-6)
    # the paired t on the 7 complete subjects would differ
    complete = d[d.subject != "s0"]
    paired = compare(complete[complete.group.isin(["A", "B"])], value="value", group="group", subject="subject",
                     control="A").table.iloc[0]
    assert paired.method.startswith("paired") and paired.df == 6
    assert abs(paired.estimate - c.loc["B", "estimate"]) > 1e-6


def test_example_colonies_recover_truth():
    truth = json.loads((datasets.path("zfas1_colonies").parent / "truth.json").read_text())
    d = datasets.load("zfas1_colonies")
    res = compare(d, value="colonies", group="sirna", control="siCtrl", replicate="experiment")
    assert res.meta["unit"] == "experiment mean" and res.meta["design"] == "crossed"
    r = res.table.set_index("group1").loc["siZFAS1"]
    true_diff = truth["colonies_mean"]["siZFAS1"] - truth["colonies_mean"]["siCtrl"]
    assert r.ci_low <= true_diff <= r.ci_high
    assert r.p_adjusted < 0.01
    assert res.table.set_index("group1").loc["Untreated"].p_adjusted > 0.05


def test_example_viability_two_way_interaction():
    d = datasets.load("zfas1_viability")
    res = compare(d, value="viability", group="sirna", by="sorafenib_uM", control="siCtrl", replicate="experiment")
    om = res.omnibus.set_index("term")
    assert om.loc["group:by", "p_value"] < 0.001
    c = res.table.set_index("within")
    assert c.loc["10", "estimate"] < c.loc["5", "estimate"] < 0
    assert c.loc["10", "p_adjusted"] < 0.001
