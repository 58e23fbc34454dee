"""Labels and missing values read as the user meant, and every unreadable file a one-line exit 2 (issue 10)."""

import pandas as pd
import pytest

from assaystats.cli import main
from assaystats.errors import AssayDataError
from assaystats.io import read_table

from .._cli import assert_one_line_error


def _compare(capsys, f, out, *extra):
    code = main(["compare", str(f), "--value", "v", "--group", "g", "--out", str(out), "--quiet", *extra])
    return code


# -- labels are text ---------------------------------------------------------------------------------

@pytest.mark.parametrize("a,b", [("01", "1"), ("1.1", "1.10"), ("1e3", "1000"), ("007", "7.0")])
def test_numeric_looking_labels_stay_distinct(tmp_path, a, b):
    f = tmp_path / "t.csv"
    f.write_text("g,v\n" + "".join(f"{g},{v}\n" for g, v in [(a, 1), (a, 2), (a, 3), (b, 5), (b, 6), (b, 7)]))
    t = read_table(f, labels=["g"])
    assert t["g"].tolist() == [a] * 3 + [b] * 3
    assert pd.api.types.is_numeric_dtype(t["v"])
    out = tmp_path / "out"
    assert main(["compare", str(f), "--value", "v", "--group", "g", "--out", str(out), "--quiet"]) == 0
    comp = pd.read_csv(out / "tables" / "comparisons.csv", dtype=str)
    assert {comp.group1[0], comp.group2[0]} == {a, b}


def test_replicate_ids_that_look_alike_are_nine_experiments(tmp_path):
    ids = ["1", "01", "1.1", "1.10", "2", "02", "3", "03", "3.0"]
    rows = [(r, g, 10 + k + (3 + k % 3 if g == "B" else 0)) for k, r in enumerate(ids) for g in "AB"]
    f = tmp_path / "t.csv"
    f.write_text("exp,g,v\n" + "".join(f"{r},{g},{v}\n" for r, g, v in rows))
    out = tmp_path / "out"
    assert main(["compare", str(f), "--value", "v", "--group", "g", "--replicate", "exp", "--out", str(out),
                 "--quiet"]) == 0
    desc = pd.read_csv(out / "tables" / "descriptives.csv")
    assert set(desc["n"]) == {9}, desc


def test_spaces_around_labels_are_removed_and_noted(tmp_path):
    f = tmp_path / "t.csv"
    f.write_text("g,v\nsiCtrl,1\nsiCtrl ,2\n siCtrl,3\nsiZ,6\nsiZ,7\nsiZ ,8\n")
    t = read_table(f, labels=["g"])
    assert sorted(set(t["g"])) == ["siCtrl", "siZ"]
    assert t.attrs["notes"] == ["column 'g': leading or trailing spaces removed from 2 values"] or \
        "spaces removed from 3 values" in t.attrs["notes"][0]
    out = tmp_path / "out"
    assert main(["compare", str(f), "--value", "v", "--group", "g", "--out", str(out), "--quiet"]) == 0
    comp = pd.read_csv(out / "tables" / "comparisons.csv")
    assert len(comp) == 1  # two groups, not four
    html = (out / "report.html").read_text()
    assert html.count("spaces removed") == 1  # in the summary or the notes on the data, once
    import json

    prov = json.loads((out / "provenance.json").read_text())
    assert any("spaces removed" in n for n in prov["notes"])


# -- missing values --------------------------------------------------------------------------------------

@pytest.mark.parametrize("marker", ["", "NA", "NaN", "nan", "#N/A"])
def test_missing_markers_are_missing_in_every_column(tmp_path, marker):
    f = tmp_path / "t.csv"
    f.write_text(f"g,age,v\nA,50,1\nA,{marker},2\n{marker},61,3\nB,70,4\n")
    t = read_table(f, labels=["g"])
    assert t["g"].isna().tolist() == [False, False, True, False]
    assert pd.api.types.is_float_dtype(t["age"]) and t["age"].isna().tolist() == [False, True, False, False]


def test_excel_reads_labels_as_shown_and_markers_as_missing(tmp_path):
    f = tmp_path / "t.xlsx"
    pd.DataFrame({"g": [1, 1, "01", "01"], "age": [50, "NA", 60, "#N/A"], "v": [1.0, 2.0, 3.0, 4.0]}) \
        .to_excel(f, index=False)
    t = read_table(f, labels=["g"])
    assert t["g"].tolist() == ["1", "1", "01", "01"]
    assert pd.api.types.is_numeric_dtype(t["age"]) and t["age"].isna().sum() == 2


# -- decimal commas ------------------------------------------------------------------------------------------

def test_decimal_comma_table_gives_the_same_result_as_decimal_points(tmp_path):
    rows = [("A", 1.5), ("A", 2.25), ("A", 1.75), ("B", 3.5), ("B", 4.0), ("B", 3.25)]
    dot = tmp_path / "dot.csv"
    dot.write_text("g,v\n" + "".join(f"{g},{v}\n" for g, v in rows))
    comma = tmp_path / "comma.csv"
    comma.write_text("g;v\n" + "".join(f"{g};{str(v).replace('.', ',')}\n" for g, v in rows))
    assert read_table(comma)["v"].tolist() == [v for _, v in rows]
    assert main(["compare", str(dot), "--value", "v", "--group", "g", "--out", str(tmp_path / "o1"), "--quiet"]) == 0
    assert main(["compare", str(comma), "--value", "v", "--group", "g", "--out", str(tmp_path / "o2"),
                 "--quiet"]) == 0
    a = pd.read_csv(tmp_path / "o1" / "tables" / "comparisons.csv")
    b = pd.read_csv(tmp_path / "o2" / "tables" / "comparisons.csv")
    pd.testing.assert_frame_equal(a, b)


def test_decimal_comma_expression_table_is_read_by_correlate(tmp_path):
    import numpy as np

    rng = np.random.default_rng(1)
    x = rng.normal(size=20)
    genes = {"ZFAS1": x, "G1": x + rng.normal(scale=0.5, size=20), "G2": rng.normal(size=20)}
    head = "gene;" + ";".join(f"S{i}" for i in range(20)) + "\n"
    body = "".join(k + ";" + ";".join(f"{v:.4f}".replace(".", ",") for v in vals) + "\n" for k, vals in genes.items())
    f = tmp_path / "expr.csv"
    f.write_text(head + body)
    out = tmp_path / "o"
    assert main(["correlate", str(f), "--gene", "ZFAS1", "--out", str(out), "--quiet"]) == 0
    res = pd.read_csv(out / "tables" / "coexpression.csv")
    assert len(res) == 2 and res.set_index("gene").loc["G1", "r"] > 0.5


# -- files that are not tables -------------------------------------------------------------------------

@pytest.mark.parametrize("name,content,needle", [
    ("t.csv", "g,v\nA,1\nA,2,3\nB,4\n", "cannot be read as a table"),
    ("t.csv", 'g,v\nA,1\n"B,2\nB,3\n', "cannot be read as a table"),
    ("t.xlsx", "g,v\nA,1\nB,2\n", "not an Excel workbook"),
    ("t.xls", "g,v\nA,1\nB,2\n", "not an Excel 97-2003 workbook"),
    ("t.csv", b"PK\x03\x04binary", "Excel workbook saved under a text name"),
])
def test_unreadable_files_are_one_line_errors(tmp_path, capsys, name, content, needle):
    f = tmp_path / name
    f.write_bytes(content if isinstance(content, bytes) else content.encode())
    out = tmp_path / "out"
    assert_one_line_error(capsys, _compare(capsys, f, out), out, f, needle)


def test_missing_sheet_and_duplicated_excel_header(tmp_path, capsys):
    f = tmp_path / "t.xlsx"
    with pd.ExcelWriter(f) as xw:
        pd.DataFrame({"g": ["A", "B"], "v": [1, 2]}).to_excel(xw, sheet_name="Plate 1", index=False)
    out = tmp_path / "out"
    code = _compare(capsys, f, out, "--sheet", "plate 1")
    assert_one_line_error(capsys, code, out, f, "no sheet 'plate 1'", "did you mean 'Plate 1'")
    dup = tmp_path / "dup.xlsx"
    pd.DataFrame([["g", "v", "v"], ["A", 1, 2], ["B", 3, 4]]).to_excel(dup, index=False, header=False)
    with pytest.raises(AssayDataError, match="'v' appears twice"):
        read_table(dup)
    code = _compare(capsys, dup, out)
    assert_one_line_error(capsys, code, out, dup, "appears twice")


def test_study_path_that_is_a_folder(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["run", str(tmp_path), "--out", str(out)])
    assert_one_line_error(capsys, code, out, tmp_path, "is a folder")


def test_study_option_with_a_wrong_type(tmp_path, capsys):
    s = tmp_path / "s.toml"
    s.write_text('[[analysis]]\nkind = "compare"\ninput = "example:zfas1_colonies"\nvalue = "colonies"\n'
                 'group = "sirna"\nci_level = "high"\n')
    out = tmp_path / "out"
    code = main(["run", str(s), "--out", str(out)])
    assert_one_line_error(capsys, code, out, s, "analysis 1 (compare)", "--ci-level", "'high'")
    s.write_text('[[analysis]]\nkind = "compare"\ninput = "example:zfas1_colonies"\nvalue = "colonies"\n'
                 'group = "sirna"\ncolour = "red"\n')
    code = main(["run", str(s), "--out", str(out)])
    assert_one_line_error(capsys, code, out, s, "unknown option 'colour'")


def test_empty_time_unit_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        main(["survival", "example:lihc_cohort", "--time", "os_months", "--event", "os_event",
              "--time-unit", "", "--out", str(tmp_path / "o")])
    assert e.value.code == 2 and "invalid choice" in capsys.readouterr().err


def test_replicate_ids_of_a_dose_response_stay_distinct(tmp_path):
    """'1', '01' and '001' are three experiments: the replicate-level IC50 test has n = 3 (it had n = 1)."""
    import numpy as np

    rng = np.random.default_rng(3)
    rows = ["line,dose,resp,exp"]
    for exp in ("1", "01", "001"):
        for line, ic in (("P", 2.0), ("R", 8.0)):
            ic_e = ic * np.exp(rng.normal(0, 0.1))
            for d in (0, 0.3, 1, 3, 10, 30, 100):
                rows.append(f"{line},{d},{100 / (1 + (d / ic_e) ** 1.1) + rng.normal(0, 2):.2f},{exp}")
    f = tmp_path / "ic50.csv"
    f.write_text("\n".join(rows) + "\n")
    out = tmp_path / "out"
    assert main(["doseresponse", str(f), "--dose", "dose", "--response", "resp", "--group", "line", "--replicate",
                 "exp", "--out", str(out), "--quiet"]) == 0
    reps = pd.read_csv(out / "tables" / "replicate_fits.csv", dtype={"replicate": str})
    assert sorted(set(reps.replicate)) == ["001", "01", "1"]
    comp = pd.read_csv(out / "tables" / "replicate_comparisons.csv")
    assert comp.n_group.iloc[0] == 3


@pytest.mark.parametrize("content,needle", [
    ("g,v\nA,1\nB,2\n".encode("utf-16"), "UTF-16"),
    (b"g,v\nA,1\x00\nB,2\n", "NUL bytes"),
])
def test_text_that_is_not_a_plain_table(tmp_path, capsys, content, needle):
    f = tmp_path / "t.csv"
    f.write_bytes(content)
    out = tmp_path / "out"
    assert_one_line_error(capsys, _compare(capsys, f, out), out, f, needle)


def test_sheet_number_out_of_range(tmp_path):
    f = tmp_path / "t.xlsx"
    pd.DataFrame({"g": ["A", "B"], "v": [1, 2]}).to_excel(f, index=False)
    with pytest.raises(AssayDataError, match="has no sheet number 3; it has 1"):
        read_table(f, sheet=2)


@pytest.mark.parametrize("line,needle", [('log2 = "yes"', "must be true or false"),
                                          ("method = true", "takes a value, not true/false"),
                                          ('method = { a = 1 }', "takes a value, not a table")])
def test_study_values_of_the_wrong_kind(tmp_path, capsys, line, needle):
    s = tmp_path / "s.toml"
    s.write_text(f'[[analysis]]\nkind = "correlate"\ninput = "example:lihc_expression"\ngene = "ZFAS1"\n{line}\n')
    out = tmp_path / "out"
    code = main(["run", str(s), "--out", str(out)])
    assert_one_line_error(capsys, code, out, s, "analysis 1 (correlate)", needle)


def test_required_options_that_have_an_old_spelling(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["paired-genes", "example:notch_tumour_normal", "--gene", "gene", "--value", "log2_expression",
                 "--group", "tissue", "--control", "normal", "--out", str(out)])
    assert_one_line_error(capsys, code, out, None, "required: --subject")
    code = main(["qpcr", "example:zfas1_qpcr", "--reference-gene", "GAPDH", "--out", str(out)])
    assert_one_line_error(capsys, code, out, None, "required: --control")


def test_labels_by_position_read_the_gene_id_column_as_text(tmp_path):
    f = tmp_path / "expr.tsv"
    f.write_text("gene_id\tS1\tS2\n01\t1.5\t2\n1\t3\t4\n")
    t = read_table(f, labels=[0])
    assert t["gene_id"].tolist() == ["01", "1"] and pd.api.types.is_numeric_dtype(t["S1"])


def test_gmt_with_an_empty_description_keeps_its_first_gene(tmp_path):
    """The command's gene-set reader dropped empty fields before taking genes from the third field on, so a GMT line
    with an empty description lost its first gene; both readers now use io.read_gmt."""
    from assaystats._commands import _read_gene_set
    from assaystats.io import read_gmt

    f = tmp_path / "sets.gmt"
    f.write_text("STEM\t\tEPCAM\tSOX2\nNOTCH\tcore genes\tNOTCH1\t\tHES1\n")
    assert read_gmt(f) == {"STEM": ["EPCAM", "SOX2"], "NOTCH": ["NOTCH1", "HES1"]}
    assert _read_gene_set(f) == ["EPCAM", "SOX2", "NOTCH1", "HES1"]
