"""survival.analyze (issue 10): overall curve, ci_level, event_value matching, bad times, order and reference,
missing values. Values are checked against R in test_reference_options.py; these are the behaviours and errors."""

import math

import numpy as np
import pandas as pd
import pytest

from assaystats.errors import AssayDataError
from assaystats.survival import analyze
from tests._cli import assert_one_line_error
from tests._reference import REFERENCE
from tests.survival.test_behaviour import GOOD, run


@pytest.fixture
def good():
    return pd.read_csv(pd.io.common.StringIO(GOOD))


@pytest.fixture(scope="module")
def lung():
    return pd.read_csv(REFERENCE / "survival" / "lung.csv")


# -- one curve without a group -------------------------------------------------------------------------------

def test_overall_curve_reports_plots_and_serialises(good):
    res = analyze(good, time="time", event="event", times=[10])
    assert list(res.groups.group) == ["all"] and res.groups.n.iloc[0] == 8
    assert res.logrank is None and res.cox is None and "logrank" not in res.tables()
    assert set(res.risk_table.group) == {"all"}
    grouped = analyze(good, time="time", event="event", group="grp")
    assert list(res.groups.columns) == list(grouped.groups.columns)  # fixed schema; log-rank columns are NaN
    assert res.groups[["observed", "expected"]].isna().all().all()
    s = res.summary()
    assert "all: n = 8, 6 events, median" in s and "log-rank" not in s
    assert "Log-rank" not in res.methods() and "Cox" not in res.methods()
    ax = res.plot()
    assert "median" in ax.get_legend().get_title().get_text()
    assert set(res.figures()) == {"kaplan_meier"}
    res.figures()["kaplan_meier"]()
    d = res.to_dict()
    assert "logrank" not in d["tables"] and res.to_markdown().startswith("## Survival")


def test_overall_with_covariates_is_cox_on_covariates(good):
    res = analyze(good, time="time", event="event", covariates=["age"])
    assert list(res.cox.term) == ["age"] and res.logrank is None
    assert res.hr_label() == ""  # a covariate is not the curve's label
    assert list(res.ph_test.term) == ["age", "GLOBAL"]
    res.plot()


def test_reference_or_order_without_group_is_an_error(good):
    with pytest.raises(AssayDataError, match="need --group or --expression"):
        analyze(good, time="time", event="event", control="A")
    with pytest.raises(AssayDataError, match="need --group or --expression"):
        analyze(good, time="time", event="event", order=["A", "B"])


def test_group_and_expression_together_is_an_error(good):
    with pytest.raises(AssayDataError, match="not both"):
        analyze(good, time="time", event="event", group="grp", expression="age")


# -- ci_level ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("bad", [0, 1, 95, -0.5, "0.9", True, float("nan")])
def test_ci_level_must_lie_between_0_and_1(good, bad):
    with pytest.raises(AssayDataError, match="ci_level must be a number between 0 and 1"):
        analyze(good, time="time", event="event", group="grp", ci_level=bad)


def test_ci_level_narrows_every_interval(lung):
    kw = {"time": "time", "event": "status", "event_value": 2, "group": "sex", "covariates": ["age"],
          "times": [365]}
    a, b = analyze(lung, **kw), analyze(lung, ci_level=0.8, **kw)
    assert (b.curves.ci_high - b.curves.ci_low <= a.curves.ci_high - a.curves.ci_low + 1e-15).all()
    assert (b.cox.hr_ci_high < a.cox.hr_ci_high).all() and (b.cox.hr_ci_low > a.cox.hr_ci_low).all()
    assert (b.survival_at.ci_high < a.survival_at.ci_high).all()
    assert "80% CI" in b.summary()


@pytest.mark.parametrize("times", [[float("inf")], [-1], ["soon"]])
def test_times_must_be_finite_and_nonnegative(good, times):
    with pytest.raises(AssayDataError, match="times .* must be finite numbers >= 0"):
        analyze(good, time="time", event="event", group="grp", times=times)


# -- event_value -------------------------------------------------------------------------------------------

@pytest.fixture
def deadalive(lung):
    d = lung[["time", "status", "sex", "age"]].copy()
    d["vital"] = np.where(d.status == 2, "Dead", "Alive")
    return d


def test_event_value_differing_in_case_names_both(deadalive):
    with pytest.raises(AssayDataError) as e:
        analyze(deadalive, time="time", event="vital", event_value="dead", group="sex")
    msg = str(e.value)
    assert "'dead'" in msg and "'Dead'" in msg and "'vital'" in msg and "case or spaces" in msg
    with pytest.raises(AssayDataError, match="'Dead'"):
        analyze(deadalive, time="time", event="vital", event_value=" Dead", group="sex")


def test_event_value_matching_nothing_lists_the_values(deadalive, lung):
    with pytest.raises(AssayDataError, match=r"'Deceased' is not a value of column 'vital'; the values are "
                                             r"'Dead', 'Alive'"):
        analyze(deadalive, time="time", event="vital", event_value="Deceased", group="sex")
    with pytest.raises(AssayDataError, match=r"--event-value '3' is not a value of column 'status'; the values "
                                             r"are 1, 2"):
        analyze(lung, time="time", event="status", event_value="3", group="sex")


def test_event_value_text_equals_numeric_coding(deadalive):
    a = analyze(deadalive, time="time", event="vital", event_value="Dead", group="sex")
    b = analyze(deadalive, time="time", event="status", event_value="2", group="sex")  # as the CLI passes it
    c = analyze(deadalive.assign(status=deadalive.status.astype(float)), time="time", event="status",
                event_value=2, group="sex")
    for r in (b, c):
        pd.testing.assert_frame_equal(a.groups, r.groups)
    assert a.meta["notes"] == [("Event: vital = Dead (165 rows); every other value was counted as censored: "
                                "63 rows ('Alive': 63).")]


def test_event_value_counts_other_codes_as_censored_and_says_so(good):
    d = good.assign(event=["dead", "dead", "alive", "dead", "dead", "lost", "dead", "alive"])
    res = analyze(d, time="time", event="event", event_value="dead", group="grp")
    assert res.groups.events.sum() == 5
    assert "every other value was counted as censored: 3 rows ('alive': 2, 'lost': 1)" in res.meta["notes"][0]


def test_event_without_event_value_must_be_0_1(good):
    d = good.assign(event=["Dead", "Dead", "Alive", "Dead", "Dead", "Alive", "Dead", "Dead"])
    with pytest.raises(AssayDataError) as e:
        analyze(d, time="time", event="event", group="grp")
    msg = str(e.value)
    assert "0/1" in msg and "'Alive', 'Dead'" in msg and "rows 1: 'Dead', 2: 'Dead', 3: 'Alive' and 5 more" in msg
    assert "--event-value" in msg and e.value.rows == [1, 2, 3, 4, 5, 6, 7, 8]


def test_event_true_false_and_booleans(good):
    a = analyze(good, time="time", event="event", group="grp")
    b = analyze(good.assign(event=good.event.astype(bool)), time="time", event="event", group="grp")
    c = analyze(good.assign(event=good.event.map({1: "TRUE", 0: "false"})), time="time", event="event", group="grp")
    pd.testing.assert_frame_equal(a.groups, b.groups)
    pd.testing.assert_frame_equal(a.groups, c.groups)


# -- times -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [np.inf, -np.inf, "inf", "Inf"])
def test_infinite_time_is_an_error_naming_column_and_rows(good, value):
    d = good.astype({"time": object})
    d.loc[[2, 5], "time"] = value
    with pytest.raises(AssayDataError, match=r"column 'time' has infinite times \(rows 3: .*, 6: .*\)") as e:
        analyze(d, time="time", event="event", group="grp")
    assert e.value.column == "time" and e.value.rows == [3, 6]


def test_infinite_time_on_the_command_line_exits_2(tmp_path, capsys):
    code, out, f = run(tmp_path, GOOD.replace("12,0,A", "inf,0,A"), "--group", "grp")
    assert_one_line_error(capsys, code, out, f, "'time'", "infinite", "row 3")


def test_text_time_is_an_error(good):
    d = good.astype({"time": object})
    d.loc[3, "time"] = "3 months"
    with pytest.raises(AssayDataError, match=r"column 'time' has non-numeric times \(row 4: '3 months'\)"):
        analyze(d, time="time", event="event", group="grp")


@pytest.mark.parametrize("marker", [np.nan, None, "NA", "", " ", "#N/A", "NaN"])
def test_missing_time_is_left_out_and_counted(good, marker):
    d = good.astype({"time": object})
    d.loc[2, "time"] = marker
    res = analyze(d, time="time", event="event", group="grp")
    assert res.meta["n"] == 7 and res.meta["n_dropped"] == 1 and res.meta["rows_left_out"] == {"time": 1}
    assert res.meta["notes"][0] == "1 row left out for missing values (as R's na.omit): missing time in 1 row (row 3)."


# -- order and reference -----------------------------------------------------------------------------------

@pytest.fixture
def staged(lung):
    d = lung[["time", "status", "age"]].copy()
    d["stage"] = np.array(["I", "II", "III"])[np.arange(len(d)) % 3]
    return d


def test_order_sets_the_levels(staged):
    res = analyze(staged, time="time", event="status", event_value=2, group="stage", order=["III", "II", "I"])
    assert res.meta["levels"] == ["III", "II", "I"] and res.meta["reference"] == "III"
    assert list(res.groups.group) == ["III", "II", "I"]


def test_order_differing_in_case_is_an_error(staged):
    with pytest.raises(AssayDataError) as e:
        analyze(staged, time="time", event="status", event_value=2, group="stage", order=["I", "II", "iii"])
    assert "'iii'" in str(e.value) and "'III'" in str(e.value) and "case" in str(e.value)


def test_order_must_list_every_level(staged):
    with pytest.raises(AssayDataError, match=r"--order does not list 'III', present in column 'stage'"):
        analyze(staged, time="time", event="status", event_value=2, group="stage", order=["I", "II"])


def test_order_level_left_without_rows_by_missing_values_is_noted(staged):
    d = staged.astype({"age": object})
    d.loc[d.stage == "III", "age"] = "NA"
    res = analyze(d, time="time", event="status", event_value=2, group="stage", order=["I", "II", "III"],
                  covariates=["age"])
    assert res.meta["levels"] == ["I", "II"] and res.meta["rows_left_out"] == {"age": 76}
    assert any("'III'" in n and "no rows left" in n for n in res.meta["notes"])


def test_order_of_a_numeric_group(lung):
    d = lung[lung["ph.ecog"].notna() & (lung["ph.ecog"] < 3)]
    res = analyze(d, time="time", event="status", event_value=2, group="ph.ecog", order=["2", "1", "0"])
    assert res.meta["levels"] == ["2", "1", "0"]
    with pytest.raises(AssayDataError, match="'2.0' is not a value"):
        analyze(d, time="time", event="status", event_value=2, group="ph.ecog", order=["2.0", "1", "0"])


def test_order_for_an_expression_split(lung):
    res = analyze(lung, time="time", event="status", event_value=2, expression="age", order=["high", "low"])
    assert res.meta["levels"] == ["high", "low"] and res.meta["reference"] == "low"
    with pytest.raises(AssayDataError, match="'High'"):
        analyze(lung, time="time", event="status", event_value=2, expression="age", order=["High", "low"])


def test_reference_is_matched_exactly(staged, lung):
    res = analyze(staged, time="time", event="status", event_value=2, group="stage", control="II")
    assert list(res.cox.term) == ["I vs II", "III vs II"]
    with pytest.raises(AssayDataError) as e:
        analyze(staged, time="time", event="status", event_value=2, group="stage", control="ii")
    assert "--control 'ii'" in str(e.value) and "'II'" in str(e.value) and "case" in str(e.value)
    with pytest.raises(AssayDataError, match=r"--control 'IV' is not a value of column 'stage'; the values are "
                                             r"'I', 'II', 'III'"):
        analyze(staged, time="time", event="status", event_value=2, group="stage", control="IV")
    assert analyze(lung, time="time", event="status", event_value=2, group="sex", control=2.0).meta[
        "reference"] == "2"
    with pytest.raises(AssayDataError, match="--control 'Low'"):
        analyze(lung, time="time", event="status", event_value=2, expression="age", control="Low")


# -- missing values and the type of a covariate --------------------------------------------------------------

@pytest.mark.parametrize("marker", ["NA", np.nan, "", "#N/A"])
def test_numeric_covariate_with_one_missing_value_stays_numeric(lung, marker):
    d = lung[["time", "status", "sex", "age"]].astype({"age": object})
    d.loc[3, "age"] = marker
    res = analyze(d, time="time", event="status", event_value=2, group="sex", covariates=["age"])
    assert list(res.cox.term) == ["2 vs 1", "age"]
    assert res.meta["rows_left_out"] == {"age": 1} and res.meta["n"] == 227
    assert res.meta["notes"][0] == "1 row left out for missing values (as R's na.omit): missing age in 1 row (row 4)."
    full = analyze(d.drop(index=3), time="time", event="status", event_value=2, group="sex", covariates=["age"])
    pd.testing.assert_frame_equal(res.cox, full.cox)


def test_numeric_covariate_with_a_text_value_is_an_error(lung):
    d = lung[["time", "status", "sex", "age"]].astype({"age": object})
    d.loc[[4, 9], "age"] = ["unknown", "."]
    with pytest.raises(AssayDataError, match=r"column 'age' holds numbers but 2 values that are not a number "
                                             r"\(rows 5: 'unknown', 10: '.'\)") as e:
        analyze(d, time="time", event="status", event_value=2, group="sex", covariates=["age"])
    assert e.value.rows == [5, 10]


def test_text_covariate_is_categorical_and_one_level_is_an_error(staged):
    res = analyze(staged, time="time", event="status", event_value=2, covariates=["stage"])
    assert list(res.cox.term) == ["stage: II vs I", "stage: III vs I"]
    with pytest.raises(AssayDataError, match="covariate 'stage' has one value"):
        analyze(staged.assign(stage="I"), time="time", event="status", event_value=2, covariates=["stage"])


def test_missing_values_in_every_used_column_are_counted_per_column(lung):
    d = lung[["time", "status", "sex", "age"]].astype(object)
    d.loc[0, "status"] = "NA"
    d.loc[1, "sex"] = np.nan
    d.loc[[1, 2], "age"] = ["", "#N/A"]
    res = analyze(d, time="time", event="status", event_value=2, group="sex", covariates=["age"])
    assert res.meta["rows_left_out"] == {"status": 1, "sex": 1, "age": 2}
    assert res.meta["n_dropped"] == 3 and res.meta["n"] == 225
    assert res.meta["notes"][0] == ("3 rows left out for missing values (as R's na.omit): missing status in 1 row "
                                    "(row 1); missing sex in 1 row (row 2); missing age in 2 rows (rows 2, 3).")
    assert "status 1, sex 1, age 2" in res.methods()
    full = analyze(lung.drop(index=[0, 1, 2]), time="time", event="status", event_value=2, group="sex",
                   covariates=["age"])
    pd.testing.assert_frame_equal(res.cox, full.cox)


def test_missing_expression_is_left_out(lung):
    d = lung.astype({"age": object})
    d.loc[0, "age"] = "NA"
    res = analyze(d, time="time", event="status", event_value=2, expression="age")
    assert res.meta["rows_left_out"] == {"age": 1} and res.meta["n"] == 227


def test_covariate_named_like_an_internal_column(good):
    # a user's column called 'event' or 'time' next to other time/event columns must not replace them
    d = good.rename(columns={"time": "os", "event": "os_event"}).assign(event=good.age, time=good.age)
    a = analyze(d, time="os", event="os_event", group="grp", covariates=["event"])
    b = analyze(good, time="time", event="event", group="grp", covariates=["age"])
    assert a.cox.coef.iloc[1] == pytest.approx(b.cox.coef.iloc[1], rel=1e-12)
    assert not math.isnan(a.groups["median"].iloc[0])
