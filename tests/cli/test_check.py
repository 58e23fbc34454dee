"""``assaystats check STUDY.toml``: every input and option validated, no analysis run, nothing written.

For each bad study the check exits 2 with the same one-line error as ``run`` (which is also checked here), and
neither leaves anything behind."""

import os
import tomllib
from pathlib import Path

import pytest

from assaystats.cli import main

STUDY = Path(__file__).resolve().parents[2] / "examples" / "paper" / "study.toml"

BAD = {
    "unknown_option": 'kind="compare"\ninput="example:zfas1_colonies"\nvalue="colonies"\ngroup="sirna"\ncolour="red"',
    "missing_file": 'kind="compare"\ninput="nope.csv"\nvalue="colonies"\ngroup="sirna"',
    "missing_column": 'kind="compare"\ninput="example:zfas1_colonies"\nvalue="colony"\ngroup="sirna"',
    "control_case": 'kind="compare"\ninput="example:zfas1_colonies"\nvalue="colonies"\ngroup="sirna"\ncontrol="sictrl"',
    "order_level": 'kind="compare"\ninput="example:zfas1_colonies"\nvalue="colonies"\ngroup="sirna"\norder="siCtrl,siX"',
    "text_in_numbers": 'kind="compare"\ninput="example:zfas1_colonies"\nvalue="sirna"\ngroup="experiment"',
    "reference_gene": 'kind="qpcr"\ninput="example:zfas1_qpcr"\nreference_gene="GAPDHX"\ncontrol="siCtrl"',
    "gene_absent": 'kind="correlate"\ninput="example:lihc_expression"\ngene="ZFAS9"',
    "stage_order": 'kind="expression"\ninput="example:lihc_expression"\nclinical="example:lihc_clinical"\n'
                   'gene="ZFAS1"\nby="stage"\norder="I,II,III,V"',
    "event_value": 'kind="survival"\ninput="example:lihc_cohort"\ntime="os_months"\nevent="os_event"\n'
                   'event_value="dead"',
    "scrna_sample": 'kind="scrna"\nsamples={P="example:scrna_sim/P", R="nowhere/R"}\nreference="P"',
    "bad_choice": 'kind="compare"\ninput="example:zfas1_colonies"\nvalue="colonies"\ngroup="sirna"\ntest="magic"',
}


def test_paper_study_is_ready(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["check", str(STUDY)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert sum(line.startswith("ok  analysis") for line in out) == len(tomllib.loads(STUDY.read_text())["analysis"])
    assert "ready to run" in out[-1] and os.listdir(tmp_path) == []


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_study_same_error_as_run(case, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    study = tmp_path / f"{case}.toml"
    study.write_text("[[analysis]]\n" + BAD[case] + "\n")
    assert main(["check", str(study)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("assaystats: error: ") and str(study) in err[0]
    assert "analysis 1" in err[0] and "Traceback" not in err[0]
    assert sorted(os.listdir(tmp_path)) == [study.name]
    if case in ("scrna_sample",):
        pytest.importorskip("scanpy")
    assert main(["run", str(study), "--out", str(tmp_path / "o"), "--quiet"]) == 2
    run_err = capsys.readouterr().err.strip().splitlines()
    assert run_err == err
    assert sorted(os.listdir(tmp_path)) == [study.name]
