"""Every bad input of the dose-response command: exit code 2, one line on stderr naming the file, the
column and the rows, no traceback, and no output folder left behind."""

from pathlib import Path

from assaystats.cli import main

GOOD = "line,dose,resp\n" + "".join(
    f"A,{d},{v}\n" for d, v in [(0, 100), (0, 98), (1, 95), (1, 93), (3, 70), (3, 72), (10, 30), (10, 33),
                                (30, 10), (30, 12)])


def run(tmp_path, text: str | bytes, *extra, name="in.csv", columns=("--dose", "dose", "--response", "resp")):
    f = tmp_path / name
    if isinstance(text, bytes):
        f.write_bytes(text)
    else:
        f.write_text(text)
    out = tmp_path / "out"
    code = main(["doseresponse", str(f), *columns, "--out", str(out), *extra])
    return code, out, f


def check_error(capsys, code, out, f, *needles):
    err = capsys.readouterr().err
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert lines[0].startswith("assaystats: error:")
    assert str(f) in lines[0]
    for n in needles:
        assert n in lines[0], (n, lines[0])
    assert not out.exists()
    # no temporary folders left next to the output either
    assert not [p for p in Path(out).parent.iterdir() if p.name.startswith(".out.")]
    return lines[0]


def test_good_input_runs(tmp_path, capsys):
    code, out, _ = run(tmp_path, GOOD)
    assert code == 0, capsys.readouterr().err
    assert (out / "report.html").exists()


def test_missing_column(tmp_path, capsys):
    code, out, f = run(tmp_path, GOOD, columns=("--dose", "conc", "--response", "resp"))
    check_error(capsys, code, out, f, "'conc'", "not found", "'dose'")


def test_missing_column_suggests_case(tmp_path, capsys):
    code, out, f = run(tmp_path, GOOD, columns=("--dose", "Dose", "--response", "resp"))
    check_error(capsys, code, out, f, "did you mean 'dose'")


def test_non_numeric_dose(tmp_path, capsys):
    text = GOOD.replace("A,1,95", "A,1 uM,95").replace("A,10,30", "A,n/a,30")
    code, out, f = run(tmp_path, text)
    check_error(capsys, code, out, f, "'dose'", "2 non-numeric", "rows 3: '1 uM', 7: 'n/a'")


def test_negative_dose(tmp_path, capsys):
    code, out, f = run(tmp_path, GOOD.replace("A,3,70", "A,-3,70"))
    check_error(capsys, code, out, f, "'dose'", "negative", "row 5")


def test_missing_response_leaves_the_row_out_and_counts_it(tmp_path, capsys):
    """An empty well (or NA, #N/A) is left out as R's na.omit and Prism's blank cells do, and counted (issue 10)."""
    import json

    import pandas as pd

    for marker in ("", "NA", "#N/A"):
        code, out, f = run(tmp_path, GOOD.replace("A,3,72", f"A,3,{marker}"), "--force", "--quiet")
        assert code == 0, capsys.readouterr().err
        prov = json.loads((out / "provenance.json").read_text())
        assert prov["rows_left_out"] == [{"resp": 1}] and "1 row left out: missing resp (row 6)" in prov["notes"][0]
        assert pd.read_csv(out / "tables" / "fits.csv").n[0] == 9
        assert "1 row left out" in (out / "report.html").read_text()
    code, out, f = run(tmp_path, GOOD.replace("A,3,72", "A,,72").replace("A,3,70", "A,3,"), "--force", "--quiet")
    prov = json.loads((out / "provenance.json").read_text())
    assert code == 0 and prov["rows_left_out"] == [{"dose": 1, "resp": 1}]
    # a curve that becomes too small still names the table's own rows
    text = "line,dose,resp\nA,0,100\nA,,98\nA,1,95\nA,3,\nA,10,30\n"
    code, out, f = run(tmp_path / "x" if (tmp_path / "x").mkdir() is None else tmp_path, text)
    err = capsys.readouterr().err
    assert code == 2 and "row" in err


def test_one_dose_only(tmp_path, capsys):
    text = "line,dose,resp\n" + "".join(f"A,5,{v}\n" for v in (90, 80, 85, 70, 75, 60))
    code, out, f = run(tmp_path, text)
    check_error(capsys, code, out, f, "only one distinct dose", "'dose'", "rows 1, 2, 3")


def test_fewer_points_than_parameters(tmp_path, capsys):
    text = "line,dose,resp\nA,0,100\nA,1,80\nA,10,20\n"
    code, out, f = run(tmp_path, text)
    check_error(capsys, code, out, f, "3 observations", "4 parameters", "'resp'")


def test_group_with_no_variation(tmp_path, capsys):
    text = GOOD + "".join(f"B,{d},50\n" for d in (0, 0, 1, 1, 3, 3, 10, 10, 30, 30))
    code, out, f = run(tmp_path, text, "--group", "line")
    check_error(capsys, code, out, f, "group 'B'", "no variation", "'resp'", "rows 11, 12, 13")


def test_duplicated_header(tmp_path, capsys):
    text = GOOD.replace("line,dose,resp", "dose,dose,resp")
    code, out, f = run(tmp_path, text)
    check_error(capsys, code, out, f, "'dose' appears twice", "columns 1 and 2")


def test_empty_file(tmp_path, capsys):
    code, out, f = run(tmp_path, "")
    check_error(capsys, code, out, f, "empty")


def test_header_only(tmp_path, capsys):
    code, out, f = run(tmp_path, "line,dose,resp\n")
    check_error(capsys, code, out, f, "no data rows")


def test_non_utf8_file(tmp_path, capsys):
    data = GOOD.replace("A,", "\u00b5M,").encode("latin-1")
    code, out, f = run(tmp_path, data)
    check_error(capsys, code, out, f, "not UTF-8", "line 2")


def test_missing_file(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["doseresponse", str(tmp_path / "nope.csv"), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "file not found" in err and "Traceback" not in err and not out.exists()


def test_unknown_reference(tmp_path, capsys):
    code, out, f = run(tmp_path, GOOD, "--group", "line", "--control", "Z")
    check_error(capsys, code, out, f, "'Z'", "'line'", "the values are 'A'")
    code, out, f = run(tmp_path, GOOD, "--group", "line", "--reference", "a")  # the deprecated spelling too
    check_error(capsys, code, out, f, "--control 'a'", "'A'", "differs only in case")


def test_empty_group_label_leaves_the_row_out(tmp_path, capsys):
    """An empty label is a missing value: the row is left out and counted, never a group called '' or 'nan'."""
    import json

    code, out, f = run(tmp_path, GOOD.replace("A,30,10", ",30,10"), "--group", "line", "--quiet")
    assert code == 0
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["rows_left_out"] == [{"line": 1}] and "(row 9)" in prov["notes"][0]


def test_bad_option_values(tmp_path, capsys):
    code, out, f = run(tmp_path, GOOD, "--ed", "10,fifty")
    err = capsys.readouterr().err
    assert code == 2 and "--ed" in err and not out.exists()
    code, out, f = run(tmp_path, GOOD, "--fix", "top")
    err = capsys.readouterr().err
    assert code == 2 and "--fix" in err and not out.exists()
    code, out, f = run(tmp_path, GOOD, "--ed", "100")
    err = capsys.readouterr().err
    assert code == 2 and "between 0 and 100" in err and not out.exists()


def test_existing_output_is_kept_without_force(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    f = tmp_path / "in.csv"
    f.write_text(GOOD)
    code = main(["doseresponse", str(f), "--dose", "dose", "--response", "resp", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "--force" in err
    assert (out / "keep.txt").read_text() == "mine"
    code = main(["doseresponse", str(f), "--dose", "dose", "--response", "resp", "--out", str(out), "--force"])
    err = capsys.readouterr().err
    assert code == 2 and "not written by assaystats" in err  # --force replaces only our own output (issue 10)
    assert (out / "keep.txt").read_text() == "mine" and not (out / "report.html").exists()


def test_failure_during_writing_leaves_nothing(tmp_path, capsys, monkeypatch):
    """A crash after the analysis (here: while writing the report) leaves no output folder."""
    import assaystats.report._html as html

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(html, "build_report", boom)
    monkeypatch.setattr("assaystats.report.build_report", boom)
    f = tmp_path / "in.csv"
    f.write_text(GOOD)
    out = tmp_path / "out"
    code = main(["doseresponse", str(f), "--dose", "dose", "--response", "resp", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 1 and "internal error" in err and "Traceback" not in err
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [f]
