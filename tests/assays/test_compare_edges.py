"""compare() edges from issue 10: values too large to square, the order of groups, the control's spelling, user
text in figure labels, and rows with missing values."""

import io
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from assaystats.assays import compare
from assaystats.assays._compare import VALUE_LIMIT
from assaystats.errors import AssayDataError


def table(seed=1, groups="ABCD", n=5):
    rng = np.random.default_rng(seed)
    k = len(groups)
    return pd.DataFrame({"g": np.repeat(list(groups), n),
                         "y": rng.normal(10, 2, k * n) + np.repeat(np.arange(k, dtype=float), n),
                         "rep": np.tile([f"e{i}" for i in range(n)], k)})


# -- values whose squares overflow ------------------------------------------------------------------------------

@pytest.mark.parametrize("big", [1e308, -1e308, 1e200, 1e100, -2 * VALUE_LIMIT])
def test_values_too_large_to_square_are_named(big):
    """1e308 overflowed inside statsmodels; 1e100 squares, but Welch's df squares the variances (1e400)."""
    d = table()
    d.loc[[6, 13], "y"] = big
    for kw in ({}, {"test": "welch-anova", "posthoc": "games-howell"}):
        with pytest.raises(AssayDataError) as e:
            compare(d, value="y", group="g", source="plate.csv", **kw)
        msg = str(e.value)
        assert msg.startswith("plate.csv: column 'y' has 2 values too large to analyse (rows 7: ")
        assert ", 14: " in msg and "rescale the unit" in msg
        assert e.value.column == "y" and e.value.rows == [7, 14] and e.value.file == "plate.csv"
    if abs(big) < 1e150:  # the shared check_numeric refuses beyond 1e150; compare's own bound is stricter
        assert f"small enough to square (magnitude below {VALUE_LIMIT:g})" in msg


def test_large_values_through_the_command(tmp_path, capsys):
    from assaystats.cli import main
    from tests._cli import assert_one_line_error

    f = tmp_path / "in.csv"
    d = table()
    d.loc[2, "y"] = 1e308
    d.to_csv(f, index=False)
    out = tmp_path / "out"
    code = main(["compare", str(f), "--value", "y", "--group", "g", "--out", str(out)])
    assert_one_line_error(capsys, code, out, f, "'y'", "too large", "row 3", "rescale")


@pytest.mark.parametrize("kw", [{}, {"control": "A"}, {"test": "welch-anova", "posthoc": "games-howell"},
                                {"test": "kruskal", "posthoc": "dunn"}, {"replicate": "rep"},
                                {"subject": "rep", "control": "A"}])
def test_large_ordinary_values_work_and_p_values_follow_a_rescaling(kw):
    """1e6 (a plain large unit) works; p values do not change when the unit is rescaled, up to just below
    VALUE_LIMIT (Welch's df squares the variances: x^4 stays finite)."""
    d = table()
    ref = compare(d, value="y", group="g", **kw)
    for scale in (1e6, VALUE_LIMIT / 100):
        res = compare(d.assign(y=d.y * scale), value="y", group="g", **kw)
        np.testing.assert_allclose(res.table.p_adjusted, ref.table.p_adjusted, rtol=1e-9, atol=1e-14)
        np.testing.assert_allclose(res.omnibus.p_value, ref.omnibus.p_value, rtol=1e-9, atol=1e-14)
        if kw.get("posthoc") != "dunn":  # Dunn's estimate is a mean-rank difference
            np.testing.assert_allclose(res.table.estimate, ref.table.estimate * scale, rtol=1e-9)


# -- order= and control= ---------------------------------------------------------------------------------------

def test_order_sets_groups_in_tables_and_figures():
    d = table()
    res = compare(d, value="y", group="g", order=["C", "A", "D", "B"])
    assert res.meta["groups"] == ["C", "A", "D", "B"]
    assert res.descriptives.group.tolist() == ["C", "A", "D", "B"]
    # Tukey pairs follow the order: later level minus earlier level
    assert list(zip(res.table.group1, res.table.group2))[:3] == [("A", "C"), ("D", "C"), ("B", "C")]
    fig = res.figures()["compare_y"]()
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["C", "A", "D", "B"]
    # the same statistics as without an order (only the arrangement changes)
    plain = compare(d, value="y", group="g").table.set_index(["group1", "group2"])
    for r in res.table.itertuples(index=False):
        key = (r.group1, r.group2) if (r.group1, r.group2) in plain.index else (r.group2, r.group1)
        assert abs(plain.loc[key, "estimate"]) == pytest.approx(abs(r.estimate), rel=1e-12)
        assert plain.loc[key, "p_adjusted"] == pytest.approx(r.p_adjusted, abs=1e-12)


def test_order_with_numeric_labels():
    d = table().assign(g=lambda x: x.g.map({"A": 1, "B": 2, "C": 3, "D": 4}))
    res = compare(d, value="y", group="g", order=[4, 3, 2, 1])
    assert res.meta["groups"] == ["4", "3", "2", "1"]


def test_order_level_differing_in_case_names_both():
    with pytest.raises(AssayDataError) as e:
        compare(table(), value="y", group="g", order=["a", "B", "C", "D"], source="s.csv")
    assert "'a'" in str(e.value) and "'A'" in str(e.value) and "case" in str(e.value)
    assert e.value.file == "s.csv" and e.value.column == "g"


def test_order_not_listing_levels_names_them():
    with pytest.raises(AssayDataError) as e:
        compare(table(), value="y", group="g", order=["A", "B"])
    assert "'C', 'D'" in str(e.value) and "does not list" in str(e.value)


def test_order_level_absent_and_duplicates():
    with pytest.raises(AssayDataError, match="'E' is not a value of column 'g'"):
        compare(table(), value="y", group="g", order=["A", "B", "C", "D", "E"])
    with pytest.raises(AssayDataError, match="more than once"):
        compare(table(), value="y", group="g", order=["A", "B", "B", "C", "D"])
    with pytest.raises(AssayDataError, match="list of the levels"):
        compare(table(), value="y", group="g", order="A,B,C,D")


def test_control_differing_in_case_names_both():
    d = table(groups=["siCtrl", "siZFAS1", "siB"])
    with pytest.raises(AssayDataError) as e:
        compare(d, value="y", group="g", control="sictrl")
    msg = str(e.value)
    assert "'sictrl'" in msg and "'siCtrl'" in msg and "case" in msg
    res = compare(d, value="y", group="g", control="siCtrl")
    assert set(res.table.group2) == {"siCtrl"}


def test_absent_control_lists_levels():
    with pytest.raises(AssayDataError, match=r"control 'X' is not a level of column 'g' \(levels: 'A', 'B'"):
        compare(table(), value="y", group="g", control="X")


# -- figure labels are user text --------------------------------------------------------------------------------

def _render_all(res):
    import matplotlib.pyplot as plt

    sizes = {}
    for name, make in res.figures().items():
        fig = make()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        labels = [t.get_text() for ax in fig.axes for t in ax.get_xticklabels() + ax.texts]
        labels += [ax.get_ylabel() for ax in fig.axes] + [ax.get_title() for ax in fig.axes]
        labels += [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]
        plt.close(fig)
        sizes[name] = (buf.getbuffer().nbytes, max(len(s) for s in labels))
    return sizes


@pytest.mark.parametrize("kw", [{}, {"replicate": "rep"}, {"control": "ctrl"}])
def test_figures_draw_dollar_and_huge_group_names(kw):
    huge = "siRNA_" + "x" * 100_000
    d = table(groups=["ctrl", "si$ZFAS1^$x", huge], n=4)
    d["rep"] = d["rep"].replace({"e0": "$e^0$"})
    res = compare(d, value="y", group="g", **kw)
    assert huge in res.table.group1.tolist() + res.table.group2.tolist()  # the table keeps the full name
    sizes = _render_all(res)
    assert set(sizes) == ({"compare_y", "superplot_y"} if "replicate" in kw else {"compare_y"})
    for nbytes, longest in sizes.values():
        assert nbytes > 1000
        assert longest < 200  # short labels: a 100,000-character name is not laid out


def test_plot_on_a_users_axes_outside_the_figure_factory():
    import matplotlib.pyplot as plt

    d = table(groups=["ctrl", "si$ZFAS1^$x"], n=4)
    fig, ax = plt.subplots()
    compare(d, value="y", group="g").plot(ax=ax)
    fig.savefig(io.BytesIO(), format="png")
    assert "si$ZFAS1^$x" in [t.get_text() for t in ax.get_xticklabels()]
    plt.close(fig)


# -- missing values -------------------------------------------------------------------------------------------

def test_rows_with_missing_values_are_left_out_and_counted():
    d = table()
    d["y"] = d["y"].astype(object)
    d.loc[[3, 8], "y"] = [np.nan, "NA"]
    d.loc[[0, 11, 17], "g"] = [np.nan, "", "#N/A"]
    res = compare(d, value="y", group="g")
    assert res.meta["rows_left_out"] == {"y": 2, "g": 3}
    assert res.meta["n_rows"] == len(d) - 5 and res.meta["n_rows_input"] == len(d)
    assert "5 rows left out: missing y (rows 4, 9); missing g (rows 1, 12, 18)." in res.meta["notes"]
    assert res.meta["groups"] == ["A", "B", "C", "D"]
    assert not {"nan", "", "NA", "#N/A"} & set(res.descriptives.group)
    assert res.descriptives.n.tolist() == [3, 4, 4, 4]
    assert "rows left out" in res.summary()
    # the statistics are those of the complete rows
    keep = d.drop(index=[0, 3, 8, 11, 17])
    ref = stats.f_oneway(*[keep.y[keep.g == lv].astype(float) for lv in "ABCD"])
    assert res.omnibus.p_value.iloc[0] == pytest.approx(ref.pvalue, rel=4e-14)  # scipy: 4.2e-15 achieved


def test_missing_values_in_other_used_columns_and_unused_ones():
    d = table()
    d.loc[2, "rep"] = None
    d["note"] = np.nan  # not used: ignored
    res = compare(d, value="y", group="g", replicate="rep")
    assert res.meta["rows_left_out"] == {"rep": 1}
    assert any(n.startswith("1 row left out: missing rep (row 3)") for n in res.meta["notes"])
    clean = compare(table(), value="y", group="g")
    assert clean.meta["rows_left_out"] == {} and not any("left out" in n for n in clean.meta["notes"])


def test_errors_after_leaving_rows_out_name_the_input_rows():
    d = pd.DataFrame({"g": ["A", "A", "B", "B", None, "B", "C", "C"], "y": [1.0, 2, np.nan, 3, 4, 5, 6, np.nan]})
    with pytest.raises(AssayDataError, match=r"group 'C' has 1 observation \(row 7\)"):
        compare(d, value="y", group="g")


def test_every_row_missing_is_an_error():
    d = pd.DataFrame({"g": ["A", "B", None], "y": [np.nan, None, 1.0]})
    with pytest.raises(AssayDataError, match="no rows to analyse"):
        compare(d, value="y", group="g")


def test_missing_values_through_the_command(tmp_path, capsys):
    from assaystats.cli import main

    f = tmp_path / "in.csv"
    text = "grp,val\n" + "".join(f"{g},{v}\n" for g, v in [("A", 5.1), ("A", 4.8), ("A", ""), ("B", 6.2),
                                                          ("B", 6.8), ("", 6.1), ("B", 6.0)])
    f.write_text(text)
    out = tmp_path / "out"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # few residuals: assumption checks may warn in scipy
        code = main(["compare", str(f), "--value", "val", "--group", "grp", "--out", str(out)])
    assert code == 0
    desc = pd.read_csv(out / "tables" / "descriptives.csv")
    assert desc.group.tolist() == ["A", "B"] and desc.n.tolist() == [2, 3]
    assert "2 rows left out" in (out / "report.html").read_text()


# -- post tests that need independent groups ----------------------------------------------------------------------

@pytest.mark.parametrize("kw", [{"by": "b", "posthoc": "games-howell"}, {"by": "b", "posthoc": "dunn"},
                                {"subject": "rep", "posthoc": "games-howell"}])
def test_one_way_post_tests_with_blocks_or_a_second_factor_are_refused(kw):
    """These ran into a KeyError (exit 1, 'internal error') before."""
    d = table(groups="ABC", n=8).assign(b=lambda x: np.tile(["x", "y"], len(x) // 2),
                                        rep=lambda x: np.tile(np.repeat([f"s{i}" for i in range(4)], 2), 3))
    with pytest.raises(AssayDataError, match=f"posthoc '{kw['posthoc']}' is for one-way designs"):
        compare(d, value="y", group="g", **kw)


def test_omnibus_only_with_a_second_factor():
    d = table(groups="ABC", n=8).assign(b=lambda x: np.tile(["x", "y"], len(x) // 2))
    res = compare(d, value="y", group="g", by="b", posthoc="omnibus")
    full = compare(d, value="y", group="g", by="b")
    assert len(res.table) == 0 and len(full.table) == 6
    np.testing.assert_allclose(res.omnibus.p_value, full.omnibus.p_value, rtol=1e-12)
    _render_all(res)
