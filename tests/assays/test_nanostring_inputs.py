"""NanoString bad inputs (issue 10): a sample given twice and design tables that do not match the RCC files are
errors naming the files, the design file, its column and rows; never a silent drop or a group called 'nan'."""

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from assaystats.assays import nanostring
from assaystats.cli import main
from assaystats.errors import AssayDataError
from assaystats.io import read_rcc
from tests._cli import assert_one_line_error

DATA = Path(__file__).resolve().parents[2] / "data" / "nanostring_skmel"
FILES = sorted(DATA.glob("*.RCC"))
ONE = "SKMEL2-DMSO-8h-R1_04.RCC"


@pytest.fixture(scope="module")
def rccs():
    return [read_rcc(f) for f in FILES]


@pytest.fixture
def pheno():
    d = pd.read_csv(DATA / "3D_SolidTumor_PhenoData.csv")
    d.attrs["source"] = "pheno.csv"
    return d


def test_the_same_file_twice(rccs):
    with pytest.raises(AssayDataError) as e:
        nanostring(rccs + [read_rcc(DATA / ONE)])
    msg = str(e.value)
    assert "the same RCC file is given twice" in msg and str(DATA / ONE) in msg and e.value.file == str(DATA / ONE)


def test_two_files_with_one_name_name_both_paths(rccs, tmp_path):
    other = tmp_path / "run2"
    other.mkdir()
    shutil.copy(DATA / ONE, other / ONE)
    with pytest.raises(AssayDataError) as e:
        nanostring(rccs + [read_rcc(other / ONE)])
    msg = str(e.value)
    assert f"two RCC files have the same name {ONE!r}" in msg
    assert str(DATA / ONE) in msg and str(other / ONE) in msg and e.value.file == str(other / ONE)


def test_a_copy_under_another_name_is_the_same_sample(rccs, tmp_path):
    shutil.copy(DATA / ONE, tmp_path / "renamed.RCC")
    with pytest.raises(AssayDataError) as e:
        nanostring(rccs + [read_rcc(tmp_path / "renamed.RCC")])
    msg = str(e.value)
    assert "renamed.RCC" in msg and f"is a copy of {str(DATA / ONE)!r}" in msg and "lane '4'" in msg


def test_the_command_names_the_duplicate(tmp_path, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    for d in (a, b):
        d.mkdir()
    for f in FILES[:4]:
        shutil.copy(f, a / f.name)
    shutil.copy(FILES[0], b / FILES[0].name)
    out = tmp_path / "o"
    code = main(["nanostring", str(a), str(b), "--out", str(out)])
    assert_one_line_error(capsys, code, out, b / FILES[0].name, "two RCC files have the same name", str(a / FILES[0].name))


def test_an_rcc_file_without_a_design_row(rccs, pheno):
    with pytest.raises(AssayDataError) as e:
        nanostring(rccs, design=pheno.drop(index=4), group="Treatment", control="DMSO")
    msg = str(e.value)
    assert msg.startswith("pheno.csv: column 'RCC' of the design table has no row for 1 RCC file")
    assert str(FILES[4]) in msg and e.value.column == "RCC"


def test_a_design_row_differing_in_case(rccs, pheno):
    pheno.loc[0, "RCC"] = ONE.replace(".RCC", ".rcc")
    with pytest.raises(AssayDataError, match=r"pheno.csv: .*differs from file 'SKMEL2-DMSO-8h-R1_04.RCC' only in case"):
        nanostring(rccs, design=pheno, group="Treatment", control="DMSO")


def test_two_design_rows_for_one_file(rccs, pheno):
    d = pd.concat([pheno, pheno.iloc[[2]]], ignore_index=True)
    d.attrs["source"] = "pheno.csv"
    with pytest.raises(AssayDataError) as e:
        nanostring(rccs, design=d, group="Treatment", control="DMSO")
    assert "pheno.csv: column 'RCC'" in str(e.value) and "rows 3 and 13" in str(e.value)
    assert e.value.rows == [3, 13]


def test_design_rows_without_an_rcc_file_are_left_out_and_counted(pheno):
    res = nanostring(FILES[:6], design=pheno, group="Treatment", control="DMSO")
    assert res.meta["rows_left_out"] == {"RCC": 6}
    note = next(n for n in res.meta["notes"] if "design rows" in n)
    assert "6 design rows name no RCC file given" in note and "rows 7: 'SKMEL28-DMSO-8h-R1_04.RCC'" in note
    assert set(res.differential.group) == {"VEM"} and note in res.summary()


def test_an_empty_group_cell_is_not_a_group_called_nan(rccs, pheno):
    pheno.loc[3, "Treatment"] = np.nan
    with pytest.raises(AssayDataError) as e:
        nanostring(rccs, design=pheno, group="Treatment", control="DMSO")
    assert "pheno.csv: column 'Treatment' has 1 empty cell" in str(e.value) and "(row 4)" in str(e.value)
    assert e.value.rows == [4]


def test_design_column_and_control_errors_name_the_design_file(rccs, pheno):
    with pytest.raises(AssayDataError, match=r"^pheno.csv: column 'Treat' not found"):
        nanostring(rccs, design=pheno, group="Treat", control="DMSO")
    with pytest.raises(AssayDataError, match=r"^pheno.csv: control 'dmso' .* 'DMSO', which differs only in case"):
        nanostring(rccs, design=pheno, group="Treatment", control="dmso")
    with pytest.raises(AssayDataError, match=r"^pheno.csv: no comparison .*DMSO: 3, VEM: 1"):
        nanostring(FILES[:4], design=pheno, group="Treatment", control="DMSO")


def _with_ids(tmp_path, ids):
    out = []
    for f, new in zip(FILES, ids):
        text = f.read_text()
        old = next(line for line in text.splitlines() if line.startswith("ID,"))  # the sample ID comes first
        p = tmp_path / f.name
        p.write_text(text.replace(old, f"ID,{new}", 1))
        out.append(p)
    return out


def test_matching_by_sample_id(tmp_path, pheno):
    ids = [f"S{i:02d}" for i in range(len(FILES))]
    files = _with_ids(tmp_path, ids)
    design = pd.DataFrame({"sample": ids, "Treatment": pheno.Treatment, "line": pheno.BRAFGenotype})
    design.attrs["source"] = "ids.csv"
    res = nanostring(files, design=design.iloc[::-1], group="Treatment", control="DMSO", by="line")
    assert len(res.differential) > 0
    # an ID without a row, and a row whose ID matches no RCC file
    bad = design.copy()
    bad.loc[0, "sample"] = "S99"
    with pytest.raises(AssayDataError) as e:
        nanostring(files, design=bad, group="Treatment", control="DMSO")
    msg = str(e.value)
    assert msg.startswith("ids.csv: column 'sample' of the design table has no row for 1 RCC file")
    assert str(files[0]) in msg and "Sample_Attributes" in msg
    res = nanostring(files[1:], design=bad, group="Treatment", control="DMSO")
    assert res.meta["rows_left_out"] == {"sample": 1} and any("row 1: 'S99'" in n for n in res.meta["notes"])


def test_shared_sample_ids_need_a_file_column(rccs, pheno):
    d = pheno.rename(columns={"RCC": "sample"})
    d.attrs["source"] = "pheno.csv"
    with pytest.raises(AssayDataError, match=r"^pheno.csv: .*sample ID 'SKMEL2-DMSO-8hr' .* shared by 3 files"):
        nanostring(rccs, design=d, group="Treatment", control="DMSO")
