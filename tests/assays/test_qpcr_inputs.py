"""qPCR bad inputs (issue 10): Cts outside 0-50, empty labels, errors that named the internal column 'log2_nrq',
efficiencies as '95%' or not numbers, efficiency tables and mappings missing genes. Each is an AssayDataError
naming the file, the column and the rows (or the gene); labels such as '01' stay text."""

import io

import numpy as np
import pandas as pd
import pytest

from assaystats.assays import qpcr, read_efficiency, standard_curve
from assaystats.assays._qpcr import amplification_factor
from assaystats.cli import main
from assaystats.errors import AssayDataError
from tests._cli import assert_one_line_error


def wells(n=6, genes=("R", "T"), source="wells.csv"):
    """Two groups of 3 biological samples, 2 technical wells each; T varies between samples."""
    rows = []
    for i in range(n):
        for g in genes:
            for w in range(2):
                ct = 20 + (g != "R") * (5 + 0.07 * i * i) + 0.1 * i + 0.05 * w
                rows.append({"sample": f"s{i}", "group": "A" if i < n // 2 else "B", "gene": g, "ct": ct})
    d = pd.DataFrame(rows)
    d.attrs["source"] = source
    return d


def run(d, **kw):
    kw.setdefault("reference_genes", ["R"])
    kw.setdefault("control", "A")
    return qpcr(d, **kw)


@pytest.mark.parametrize("value", [np.inf, "inf", -np.inf, 55.0, 1e308, 0.0, -3.0])
def test_a_ct_outside_0_50_names_the_row(value):
    d = wells()
    d["ct"] = d["ct"].astype(object)
    d.loc[6, "ct"] = value
    with pytest.raises(AssayDataError) as e:
        run(d)
    msg = str(e.value)
    assert msg.startswith("wells.csv: column 'ct' has 1 Ct value outside 0-50 cycles (row 7: ")
    assert e.value.column == "ct" and e.value.rows == [7]


def test_the_command_names_the_file_for_an_infinite_ct(tmp_path, capsys):
    f = tmp_path / "q.csv"
    d = wells()
    d["ct"] = d["ct"].astype(object)
    d.loc[2, "ct"] = "inf"
    d.to_csv(f, index=False)
    out = tmp_path / "o"
    code = main(["qpcr", str(f), "--reference-gene", "R", "--control", "A", "--out", str(out)])
    assert_one_line_error(capsys, code, out, f, "column 'ct'", "row 3: 'inf'", "0-50")


def test_nondetect_words_stay_nondetects():
    d = wells()
    d["ct"] = d["ct"].astype(object)
    d.loc[6, "ct"] = "Undetermined"
    d.loc[7, "ct"] = np.nan
    res = run(d)
    assert res.meta["n_nondetect"] == 2


@pytest.mark.parametrize("col", ["sample", "gene", "group"])
@pytest.mark.parametrize("empty", [np.nan, "", "NA"])
def test_an_empty_label_is_an_error_not_a_sample_called_nan(col, empty):
    d = wells()
    d.loc[4, col] = empty
    with pytest.raises(AssayDataError) as e:
        run(d)
    assert str(e.value) == f"wells.csv: column {col!r} has 1 empty {col} cell (row 5); every row needs a {col}"
    assert e.value.rows == [5]


def test_labels_stay_text():
    d = wells()
    d["sample"] = d["sample"].map({"s0": "01", "s1": "1", "s2": "1.0", "s3": "001", "s4": "1.10", "s5": "1.1"})
    res = run(d)
    assert set(res.samples["sample"]) == {"01", "1", "1.0", "001", "1.10", "1.1"}
    assert res.table.set_index("group").loc["B", "n"] == 3


def test_a_group_left_with_one_sample_names_the_ct_column_not_log2_nrq():
    d = wells()
    d["ct"] = d["ct"].astype(object)
    d.loc[(d["sample"].isin(["s3", "s4"])) & (d.gene == "T"), "ct"] = "Undetermined"
    with pytest.raises(AssayDataError) as e:
        run(d)
    msg = str(e.value)
    assert "log2_nrq" not in msg and msg.startswith("wells.csv: gene 'T': group 'B' of column 'group' has 1 biological")
    assert "4 of its 6 wells of 'T' are non-detects" in msg and "rows 15, 16, 19 and 3 more" in msg
    assert "undetermined=" in msg and e.value.column == "ct" and e.value.rows == [15, 16, 19]
    # counting the non-detects as cycle 40 makes the analysis possible
    assert run(d, undetermined=40).table.set_index("group").loc["B", "n"] == 3


def test_a_target_never_detected_names_the_gene():
    d = wells(genes=("R", "T", "U"))
    d["ct"] = d["ct"].astype(object)
    d.loc[d.gene == "U", "ct"] = "Undetermined"
    with pytest.raises(AssayDataError, match=r"^wells.csv: gene 'U': group 'A' .* has 0 biological samples"):
        run(d)


def test_no_variation_names_the_gene_and_rows():
    d = wells()
    d.loc[d.gene == "T", "ct"] = d.loc[d.gene == "R", "ct"].to_numpy() + 5
    with pytest.raises(AssayDataError) as e:
        run(d)
    msg = str(e.value)
    assert "log2_nrq" not in msg and msg.startswith("wells.csv: gene 'T': every sample has the same quantity")
    assert e.value.column == "ct" and e.value.rows == [3, 4, 7]


@pytest.mark.parametrize("given", ["95%", " 95 % ", 95, "95", 1.95, "1.95"])
def test_efficiency_forms(given):
    assert amplification_factor(given) == pytest.approx(1.95)
    base = run(wells(), efficiency={"R": 1.95, "T": 1.95})
    res = run(wells(), efficiency={"R": given, "T": "95%"})
    assert res.table.fold_change.iloc[1] == pytest.approx(base.table.fold_change.iloc[1], rel=1e-12)
    assert res.meta["amplification"] == {"R": pytest.approx(1.95), "T": pytest.approx(1.95)}


@pytest.mark.parametrize("given,needle", [
    (0.95, ("0.95 is neither an amplification factor 1.3-2.3 (2 = 100 % efficiency) nor a percentage 30-130 % "
            "(a fraction? write 95% or 1.95)")),
    ("abc", "'abc' is not a number"),
    ("95 pct", "'95 pct' is not a number"),
    ("150%", "'150%' is outside 30-130 %"),
    (2.6, "2.6 is neither"),
    (np.nan, "it is empty"),
    (None, "None is not a number"),
])
def test_efficiency_errors_name_the_gene(given, needle):
    with pytest.raises(AssayDataError) as e:
        run(wells(), efficiency={"R": 2.0, "T": given})
    assert str(e.value).startswith("efficiency of 'T': ") and needle in str(e.value)


def test_an_efficiency_mapping_missing_a_gene():
    with pytest.raises(AssayDataError, match=r"the efficiencies lack target gene 'T'; give an efficiency for every"):
        run(wells(), efficiency={"R": 1.9})
    with pytest.raises(AssayDataError, match=r"lack reference gene 'R' and target gene 'T'"):
        run(wells(genes=("R", "T")), efficiency={"X": 1.9})
    with pytest.raises(AssayDataError, match=r"case or spaces differ: 't' for 'T'"):
        run(wells(), efficiency={"R": 1.9, "t": 1.9})
    res = run(wells(), efficiency={"R": 1.9, "T": 1.9, "GAPDH": 2.0})
    assert any("not in the data were not used: GAPDH" in n for n in res.meta["notes"])


def _table(text, name="eff.csv"):
    d = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""])
    d.attrs["source"] = name
    return d


def test_read_efficiency_gene_efficiency_table():
    assert read_efficiency(_table("Gene,Efficiency\nR,95%\nT,1.9\nU,101\n")) == {
        "R": pytest.approx(1.95), "T": 1.9, "U": pytest.approx(2.01)}
    with pytest.raises(AssayDataError) as e:
        read_efficiency(_table("gene,efficiency\nR,1.9\nT,abc\n"))
    assert str(e.value).startswith("eff.csv: column 'efficiency', row 2: efficiency of 'T': 'abc' is not a number")
    assert e.value.column == "efficiency" and e.value.rows == [2]
    with pytest.raises(AssayDataError, match=r"^eff.csv: column 'efficiency', row 1: efficiency of 'R': it is empty"):
        read_efficiency(_table("gene,efficiency\nR,\nT,1.9\n"))
    with pytest.raises(AssayDataError, match=r"^eff.csv: column 'gene' has 1 empty gene cell \(row 2\)"):
        read_efficiency(_table("gene,efficiency\nR,1.9\n,1.9\n"))
    with pytest.raises(AssayDataError, match=r"^eff.csv: column 'gene': gene 'R' appears twice \(rows 1 and 3\)"):
        read_efficiency(_table("gene,efficiency\nR,1.9\nT,1.9\nR,2.0\n"))
    with pytest.raises(AssayDataError, match=r"^eff.csv: the efficiency table needs a 'gene' column"):
        read_efficiency(_table("target,slope\nR,-3.3\n"))
    with pytest.raises(AssayDataError, match=r"^eff.csv: the efficiency table needs columns gene,efficiency or "
                                             r"gene,amount,ct; it has 'gene', 'slope'"):
        read_efficiency(_table("gene,slope\nR,-3.3\n"))


def _curve_text(slopes=None):
    slopes = slopes or {"R": -3.32, "T": -3.4}
    return "gene,amount,ct\n" + "".join(f"{g},{a},{20 + s * np.log10(a):.4f}\n" for g, s in slopes.items()
                                         for a in (1, 0.1, 0.01, 0.001))


def test_read_efficiency_standard_curve(tmp_path):
    eff = read_efficiency(_table(_curve_text()))
    # the curve's Cts lie exactly on slopes -3.32 and -3.4 (to the 4 decimals written): the amplification factor
    # 10^(-1/slope) comes back to the last digit (achieved 0)
    assert eff == {"R": pytest.approx(10 ** (1 / 3.32), rel=1e-12), "T": pytest.approx(10 ** (1 / 3.4), rel=1e-12)}
    f = tmp_path / "curve.csv"
    f.write_text(_curve_text())
    assert read_efficiency(str(f)) == pytest.approx(eff)
    # a non-detect at the lowest amount is left out of the curve (3 points remain)
    assert read_efficiency(_table(_curve_text().replace("T,0.001,30.2000", "T,0.001,Undetermined")))["T"] == \
        pytest.approx(10 ** (1 / 3.4), rel=1e-12)
    with pytest.raises(AssayDataError) as e:
        read_efficiency(_table(_curve_text().replace("R,0.1,", "R,0,")))
    assert str(e.value).startswith("eff.csv: column 'amount' has 1 amount that is not a positive number (row 2: '0')")
    with pytest.raises(AssayDataError, match=r"^eff.csv: column 'ct' has 1 value\(s\) that are neither a Ct .*row 6"):
        read_efficiency(_table(_curve_text().replace("T,0.1,23.4000", "T,0.1,failed")))
    with pytest.raises(AssayDataError, match=r"^eff.csv: column 'ct': the standard curve of 'R' \(rows 1, 2, 3 and 1 "
                                             r"more\) has slope -1"):
        read_efficiency(_table(_curve_text({"R": -1.0})))
    two = _curve_text().replace("T,1,20.0000", "T,1,Undetermined").replace("T,0.1,23.4000", "T,0.1,Undetermined")
    with pytest.raises(AssayDataError, match=r"^eff.csv: standard curve of 'T' needs at least 3 Cts"):
        read_efficiency(_table(two))


def test_standard_curve_names_the_file():
    d = _table(_curve_text().replace("R,0.01,", "R,1 uM,"), name="dilutions.csv")
    with pytest.raises(AssayDataError, match=r"^dilutions.csv: column 'amount' .* \(row 3: '1 uM'\)"):
        standard_curve(d, amount="amount", ct="ct", gene="gene")


def test_technical_only_design_notes_groups_without_a_ct():
    d = wells(n=2)  # one biological sample per group
    d["ct"] = d["ct"].astype(object)
    d.loc[(d.group == "B") & (d.gene == "T"), "ct"] = "Undetermined"
    res = run(d)
    assert res.meta["technical_only"] and list(res.table.group) == ["A"]
    assert any("T: no usable Ct" in n and "'B'" in n for n in res.meta["notes"])


def test_undetermined_must_be_a_cycle():
    with pytest.raises(AssayDataError, match="undetermined must be 'exclude' or a cycle number above 0 and at most 50"):
        run(wells(), undetermined=400)


def test_paired_genes_labels_share_the_checks():
    """paired_genes uses the same label checks: an empty gene cell is an error, never a gene called 'nan'."""
    from assaystats.assays import paired_genes

    rng = np.random.default_rng(0)
    d = pd.DataFrame([{"gene": g, "patient": f"p{i}", "tissue": t, "value": rng.normal(5 + (t == "T"), 1)}
                      for g in ("G1", "G2") for i in range(5) for t in ("N", "T")])
    d.attrs["source"] = "pairs.csv"
    res = paired_genes(d, gene="gene", value="value", subject="patient", group="tissue", control="N")
    assert set(res.table.gene) == {"G1", "G2"}
    bad = d.copy()
    bad.loc[3, "gene"] = np.nan
    with pytest.raises(AssayDataError, match=r"^pairs.csv: column 'gene' has 1 empty gene cell \(row 4\)"):
        paired_genes(bad, gene="gene", value="value", subject="patient", group="tissue", control="N")
    with pytest.raises(AssayDataError, match=r"^pairs.csv: control 'n' .* the data have 'N'"):
        paired_genes(d, gene="gene", value="value", subject="patient", group="tissue", control="n")
