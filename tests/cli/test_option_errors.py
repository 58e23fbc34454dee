"""Remaining error paths of the command: each exits 2 with one line naming what is wrong and writes nothing."""

import pytest

from assaystats.cli import main
from tests._cli import assert_one_line_error


@pytest.mark.parametrize("argv,file_,needles", [
    (["datasets", "--describe", "nope"], None, ["no bundled data set 'nope'"]),
    (["expression", "example:lihc_expression", "--gene", "ZFAS1", "--by", "stage"], None, ["--clinical is needed"]),
    (["survival", "example:lihc_cohort", "--time", "os_months", "--event", "os_event", "--expression", "ZFAS1",
      "--times", "12,a year"], None, ["--times expects numbers"]),
    (["survival", "example:lihc_cohort", "--time", "os_months", "--event", "os_event", "--expression", "ZFAS1",
      "--cutoff", "highest"], None, ["unknown cutoff 'highest'"]),
    (["doseresponse", "example:sorafenib_ic50", "--dose", "dose_uM", "--response", "viability", "--group", "line",
      "--pairs", "Huh7-R/Huh7-P"], None, ["--pairs expects GROUP:CONTROL"]),
    (["doseresponse", "example:sorafenib_ic50", "--dose", "dose_uM", "--response", "viability", "--group", "line",
      "--fix", "top=high"], None, ["--fix value for 'top'"]),
    (["scrna", "--sample", "P", "--reference", "P"], None, ["--sample expects LABEL=PATH"]),
])
def test_option_errors(tmp_path, capsys, argv, file_, needles):
    out = tmp_path / "out"
    code = main(argv + ([] if argv[0] == "datasets" else ["--out", str(out)]))
    assert_one_line_error(capsys, code, out, file_, *needles)


def test_efficiency_file_errors(tmp_path, capsys):
    eff = tmp_path / "eff.csv"
    eff.write_text("target,slope\nGAPDH,-3.3\n")
    out = tmp_path / "out"
    code = main(["qpcr", "example:zfas1_qpcr", "--reference-gene", "GAPDH", "--calibrator", "siCtrl",
                 "--efficiency", str(eff), "--out", str(out)])
    assert_one_line_error(capsys, code, out, eff, "'gene' column")
    eff.write_text("gene,efficiency\nGAPDH,400\n")
    code = main(["qpcr", "example:zfas1_qpcr", "--reference-gene", "GAPDH", "--calibrator", "siCtrl",
                 "--efficiency", str(eff), "--out", str(out)])
    assert_one_line_error(capsys, code, out, None, "amplification factor of 'GAPDH'")


def test_nanostring_folder_without_rcc(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    out = tmp_path / "out"
    code = main(["nanostring", str(empty), "--out", str(out)])
    assert_one_line_error(capsys, code, out, empty, "no .RCC files")
