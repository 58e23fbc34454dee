"""Survival: bad inputs (exit 2, one line naming file, column, rows; nothing written) and behaviours."""

import numpy as np
import pandas as pd
import pytest

from assaystats.cli import main
from assaystats.survival import analyze
from tests._cli import assert_one_line_error
from tests._reference import REFERENCE

GOOD = "time,event,grp,age\n" + "".join(
    f"{t},{e},{g},{a}\n" for t, e, g, a in [(5, 1, "A", 50), (8, 1, "A", 61), (12, 0, "A", 55), (3, 1, "A", 70),
                                           (4, 1, "B", 40), (20, 0, "B", 48), (15, 1, "B", 66), (25, 1, "B", 52)])


def run(tmp_path, text, *extra):
    f = tmp_path / "s.csv"
    f.write_text(text)
    out = tmp_path / "o"
    code = main(["survival", str(f), "--time", "time", "--event", "event", "--out", str(out), *extra])
    return code, out, f



def test_good(tmp_path):
    code, out, _ = run(tmp_path, GOOD, "--group", "grp")
    assert code == 0 and (out / "tables" / "cox.csv").exists() and (out / "figures" / "kaplan_meier.png").exists()


def test_negative_time(tmp_path, capsys):
    code, out, f = run(tmp_path, GOOD.replace("12,0,A", "-12,0,A"), "--group", "grp")
    assert_one_line_error(capsys, code, out, f, "'time'", "negative", "row 3")


def test_missing_time_is_dropped_and_counted(tmp_path):
    d = pd.read_csv(pd.io.common.StringIO(GOOD.replace("12,0,A", ",0,A")))
    res = analyze(d, time="time", event="event", group="grp")
    assert res.meta["n_dropped"] == 1 and res.meta["n"] == 7
    assert "row 3" in res.summary()


def test_event_with_three_values(tmp_path, capsys):
    code, out, f = run(tmp_path, GOOD.replace("5,1,A", "5,2,A"), "--group", "grp")
    assert_one_line_error(capsys, code, out, f, "'event'", "0/1", "'2'", "--event-value")


def test_group_without_events(tmp_path, capsys):
    text = GOOD.replace("4,1,B", "4,0,B").replace("15,1,B", "15,0,B").replace("25,1,B", "25,0,B")
    code, out, f = run(tmp_path, text, "--group", "grp")
    assert_one_line_error(capsys, code, out, f, "'grp'", "group 'B' has no events", "rows 5, 6, 7")


def test_constant_covariate(tmp_path, capsys):
    text = "time,event,grp,age\n" + "".join(l.rsplit(",", 1)[0] + ",60\n" for l in GOOD.splitlines()[1:])
    code, out, f = run(tmp_path, text, "--group", "grp", "--covariates", "age")
    assert_one_line_error(capsys, code, out, f, "'age'", "constant")


def test_separation_is_an_error_not_nan():
    d = pd.DataFrame({"time": [1, 2, 3, 4, 10, 11, 12, 13], "event": [1, 1, 1, 1, 1, 1, 1, 0],
                      "x": [5, 6, 7, 8, 1, 2, 3, 4.0]})
    d["grp"] = np.where(d.x > 4.5, "hi", "lo")
    from assaystats.errors import AssayDataError

    # every 'hi' dies before every 'lo': monotone likelihood
    with pytest.raises(AssayDataError, match="separates the events"):
        analyze(d, time="time", event="event", group="grp")


def test_expression_cut_rules_and_labels():
    lung = pd.read_csv(REFERENCE / "survival" / "lung.csv")
    for rule in ("median", "tertile", "quartile", "p25", "60"):
        res = analyze(lung, time="time", event="status", event_value=2, expression="age", cutoff=rule)
        assert set(res.groups.group) == {"low", "high"}
        assert res.cox.term.iloc[0] == "high vs low"  # direction stated with its reference
        assert "per SD" in res.continuous.term.iloc[1]
    q = analyze(lung, time="time", event="status", event_value=2, expression="age", cutoff="quartile")
    assert q.meta["n"] < len(lung) and "middle half" in q.meta["rule"]
