"""Bad cohort inputs (issue 10): duplicated gene ids, values read as text (a decimal-comma table), a bad expression
cell, missing clinical values and level orders. Each is an AssayDataError naming the file, the column and the rows,
or rows left out and counted; never a crash, an empty result or a level called 'nan'."""

import numpy as np
import pandas as pd
import pytest

from assaystats import datasets
from assaystats.cli import main
from assaystats.correlates import coexpression, expression_by, tumour_vs_normal
from assaystats.errors import AssayDataError
from tests._cli import assert_one_line_error


@pytest.fixture(scope="module")
def cohort():
    return datasets.load("lihc_expression"), datasets.load("lihc_clinical")


def _copy(df, text=False):
    d = df.copy()
    if text:
        c = d.columns[1:]
        d[c] = d[c].astype(object)
    d.attrs = {"source": "expr.tsv"} if "gene_id" in d.columns else {"source": "clin.csv"}
    return d


def test_a_duplicated_gene_id_is_named_with_its_rows(cohort):
    expr, _ = cohort
    e = _copy(expr)
    e.loc[5, "gene_id"] = e.loc[6, "gene_id"]
    dup = e.loc[6, "gene_id"]
    with pytest.raises(AssayDataError) as err:
        coexpression(e, gene="ZFAS1")
    msg = str(err.value)
    assert msg.startswith("expr.tsv: column 'gene_id'") and f"gene id {dup!r} appears in 2 rows (rows 6, 7)" in msg
    assert err.value.rows == [6, 7]
    # a duplicate outside the genes asked for does not matter
    res = coexpression(e, gene="ZFAS1", genes=["EPCAM", "CD24"])
    assert set(res.table.gene) == {"EPCAM", "CD24"}


def test_the_command_stops_on_a_duplicated_gene_id(cohort, tmp_path, capsys):
    expr, _ = cohort
    e = expr.copy()
    e.loc[5, "gene_id"] = e.loc[6, "gene_id"]
    f = tmp_path / "expr.tsv"
    e.to_csv(f, sep="\t", index=False)
    out = tmp_path / "o"
    code = main(["correlate", str(f), "--gene", "ZFAS1", "--out", str(out)])
    assert_one_line_error(capsys, code, out, f, "'gene_id'", "rows 6, 7")


def test_a_decimal_comma_table_is_an_error_not_an_empty_result(cohort):
    expr, _ = cohort
    c = expr.columns[1:]
    e = pd.concat([expr[["gene_id"]], expr[c].map(lambda v: f"{v:.3f}".replace(".", ","))], axis=1)
    e.attrs["source"] = "expr.tsv"
    for call in (lambda: coexpression(e, gene="ZFAS1"), lambda: tumour_vs_normal(e, gene="ZFAS1"),
                 lambda: expression_by(e, _copy(cohort[1]), gene="ZFAS1", by="stage")):
        with pytest.raises(AssayDataError) as err:
            call()
        msg = str(err.value)
        assert msg.startswith(f"expr.tsv: column {c[0]!r}") and "row 1: '" in msg and "gene ZFAS1" in msg
        assert "decimal commas" in msg and err.value.column == c[0] and err.value.rows == [1]


def test_text_in_the_genes_correlated_names_sample_and_genes(cohort):
    expr, _ = cohort
    e = _copy(expr, text=True)
    col = e.columns[4]
    e.loc[[1, 2, 3], col] = ["1,5", "high", "2,25"]
    with pytest.raises(AssayDataError) as err:
        coexpression(e, gene="ZFAS1")
    msg = str(err.value)
    assert msg.startswith(f"expr.tsv: column {col!r} has 3 expression values")
    assert "rows 2: '1,5', 3: 'high', 4: '2,25'" in msg and "genes EPCAM, CD24" in msg
    assert err.value.rows == [2, 3, 4]


def test_a_bad_expression_cell_names_the_expression_file(cohort):
    expr, clin = cohort
    e = _copy(expr, text=True)
    col = e.columns[3]
    e.loc[0, col] = "1,5"  # row 1 is ZFAS1
    for call in (lambda: expression_by(e, _copy(clin), gene="ZFAS1", by="stage"),
                 lambda: tumour_vs_normal(e, gene="ZFAS1")):
        with pytest.raises(AssayDataError) as err:
            call()
        msg = str(err.value)
        assert msg.startswith(f"expr.tsv: column {col!r} has 1 expression value") and "row 1: '1,5'" in msg
        assert "clin.csv" not in msg and err.value.rows == [1]


def test_missing_expression_cells_are_left_out_and_counted(cohort):
    expr, clin = cohort
    e = _copy(expr, text=True)
    e.loc[0, e.columns[3]] = "NA"
    e.loc[0, e.columns[5]] = np.nan
    res = expression_by(e, _copy(clin), gene="ZFAS1", by="stage")
    assert res.meta["rows_left_out"] == {"ZFAS1": 2}
    assert any("2 samples without a ZFAS1 value" in n and e.columns[3] in n for n in res.meta["notes"])
    assert res.meta["n"] == 298


def test_missing_clinical_levels_are_left_out_and_counted(cohort):
    expr, clin = cohort
    c = _copy(clin)
    c.loc[[0, 2, 4], "stage"] = np.nan
    c.loc[7, "stage"] = "NA"
    res = expression_by(expr, c, gene="ZFAS1", by="stage")
    assert res.meta["rows_left_out"] == {"stage": 4}
    assert any("4 samples with a missing stage were left out (clinical table, rows 1, 3, 5 and 1 more)" in n
               for n in res.meta["notes"])
    assert set(res.table.group1) | set(res.table.group2) == {"I", "II", "III", "IV"}
    assert "nan" not in set(res.table.group1) and res.meta["n"] == 300 - 4


def test_order_is_checked(cohort):
    expr, clin = cohort
    c = _copy(clin)
    with pytest.raises(AssayDataError, match=r"^clin.csv: order level 'i' .* the data have 'I', which differs only "
                                             r"in case"):
        expression_by(expr, c, gene="ZFAS1", by="stage", order=["i", "II", "III", "IV"])
    with pytest.raises(AssayDataError, match=r"^clin.csv: order does not list 'IV', present in column 'stage'"):
        expression_by(expr, c, gene="ZFAS1", by="stage", order=["I", "II", "III"])
    with pytest.raises(AssayDataError, match=r"^clin.csv: order level 'V' is not a value of column 'stage'"):
        expression_by(expr, c, gene="ZFAS1", by="stage", order=["I", "II", "III", "IV", "V"])
    with pytest.raises(AssayDataError, match=r"^clin.csv: contrast level 'iv' .* differs only in case"):
        expression_by(expr, c, gene="ZFAS1", by="stage", contrast="I,II:III,iv")
    res = expression_by(expr, c, gene="ZFAS1", by="stage", order=["IV", "III", "II", "I"])
    assert "across IV, III, II, I" in res.omnibus.method.iloc[-1]


def test_a_level_with_one_sample_names_the_clinical_rows(cohort):
    expr, clin = cohort
    c = _copy(clin)
    c.loc[c.stage == "IV", "stage"] = "III"
    c.loc[9, "stage"] = "IV"
    with pytest.raises(AssayDataError) as err:
        expression_by(expr, c, gene="ZFAS1", by="stage")
    assert str(err.value).startswith("clin.csv: column 'stage': level 'IV' has 1 sample") and "(row 10)" in str(err.value)


def test_clinical_labels_stay_text(cohort):
    """Grades written '01', '1' and '1.0' are three levels, never merged into 1."""
    expr, clin = cohort
    c = _copy(clin)
    c["grade"] = np.array(["01", "1", "1.0"])[np.arange(len(c)) % 3]
    res = expression_by(expr, c, gene="ZFAS1", by="grade", order=["01", "1", "1.0"])
    assert set(res.table.group1) | set(res.table.group2) == {"01", "1", "1.0"}


def test_missing_covariates_are_left_out_and_counted(cohort):
    expr, clin = cohort
    c = _copy(clin)
    c.loc[:5, "age"] = np.nan
    res = coexpression(expr, gene="ZFAS1", genes=["EPCAM", "CD24"], clinical=c, covariates=["age"], method="pearson")
    assert res.meta["rows_left_out"] == {"age": 6} and "6 samples with a missing covariate" in res.meta["notes"][0]
    assert (res.table.n == 300 - 6).all()
