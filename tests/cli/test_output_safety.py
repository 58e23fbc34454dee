"""--out and --force never delete or replace anything that assaystats did not write (issue 10).

The rules live in ``assaystats.io.check_output`` / ``output_dir``; these tests drive them through the command."""

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from assaystats import _commands
from assaystats.cli import main

from .._cli import assert_one_line_error

DATA = "sirna,colonies\n" + "".join(f"{g},{v}\n" for g, vs in
                                    [("siCtrl", (100, 104, 98)), ("siZFAS1", (60, 58, 65))] for v in vs)


def compare(inp, out, *extra):
    return main(["compare", str(inp), "--value", "colonies", "--group", "sirna", "--out", str(out), *extra])


def _table(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    f = folder / "data.csv"
    f.write_text(DATA)
    return f


def _leftovers(parent: Path):
    return sorted(p.name for p in parent.iterdir() if ".tmp-" in p.name or ".old-" in p.name)


def test_force_never_replaces_the_folder_holding_the_input(tmp_path, capsys):
    exp = tmp_path / "experiment1"
    f = _table(exp)
    (exp / "notes.txt").write_text("mine")
    code = compare(f, exp, "--force")
    err = capsys.readouterr().err
    assert code == 2 and "holds the input" in err and str(exp) in err
    assert f.read_text() == DATA and (exp / "notes.txt").read_text() == "mine"
    assert _leftovers(tmp_path) == []


def test_force_refuses_a_folder_assaystats_did_not_write(tmp_path, capsys):
    f = _table(tmp_path / "in")
    out = tmp_path / "results"
    (out / "raw").mkdir(parents=True)
    (out / "my_notes.txt").write_text("notes")
    (out / "raw" / "plate1.csv").write_text("x")
    code = compare(f, out, "--force")
    err = capsys.readouterr().err
    assert code == 2 and "not written by assaystats" in err
    assert (out / "my_notes.txt").read_text() == "notes" and (out / "raw" / "plate1.csv").exists()


def test_force_replaces_our_own_output_and_only_that(tmp_path, capsys):
    f = _table(tmp_path / "in")
    out = tmp_path / "results"
    assert compare(f, out) == 0
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["written_by"] == "assaystats output folder"
    assert "report.html" in prov["files"] and "tables/comparisons.csv" in prov["files"]
    stamp = (out / "provenance.json").stat().st_mtime_ns
    assert compare(f, out, "--force") == 0  # our own folder, nothing else in it: replaced
    assert (out / "provenance.json").stat().st_mtime_ns != stamp
    # a user's file added to our output: --force now refuses, and names it
    (out / "figures" / "annotated.png").write_bytes(b"user")
    capsys.readouterr()
    code = compare(f, out, "--force")
    err = capsys.readouterr().err
    assert code == 2 and "figures/annotated.png" in err
    assert (out / "figures" / "annotated.png").read_bytes() == b"user"
    assert _leftovers(tmp_path) == []


def test_without_force_an_existing_folder_is_kept(tmp_path, capsys):
    f = _table(tmp_path / "in")
    out = tmp_path / "results"
    out.mkdir()
    code = compare(f, out)
    assert_one_line_error(capsys, code, tmp_path / "absent", None, "exists", "--force")
    assert out.exists() and list(out.iterdir()) == []


def test_a_folder_that_appears_during_the_run_is_left_alone(tmp_path, capsys, monkeypatch):
    """The check holds at the final rename: another run (or a user) creating --out meanwhile keeps its folder, and
    the finished result is kept beside it under a new name (exit 3, the message says where)."""
    f = _table(tmp_path / "in")
    out = tmp_path / "results"
    real = _commands._write_outputs

    def racing(tmp, *a, **k):
        monkeypatch.setattr(_commands, "_write_outputs", real)  # the other run writes normally
        assert main(["compare", str(f), "--value", "colonies", "--group", "sirna", "--out", str(out)]) == 0
        real(tmp, *a, **k)

    monkeypatch.setattr(_commands, "_write_outputs", racing)
    code = compare(f, out)
    err = capsys.readouterr().err
    assert code == 3 and f"{out}-2" in err, err
    assert (out / "report.html").exists() and (tmp_path / "results-2" / "report.html").exists()
    assert _leftovers(tmp_path) == []


def test_a_user_folder_that_appears_during_a_forced_run_is_left_alone(tmp_path, capsys, monkeypatch):
    f = _table(tmp_path / "in")
    out = tmp_path / "results"
    assert compare(f, out) == 0
    real = _commands._write_outputs

    def user_adds_a_file(tmp, *a, **k):
        (out / "later.txt").write_text("mine")
        real(tmp, *a, **k)

    monkeypatch.setattr(_commands, "_write_outputs", user_adds_a_file)
    code = compare(f, out, "--force")
    assert code == 3
    assert (out / "later.txt").read_text() == "mine" and (tmp_path / "results-2" / "report.html").exists()


@pytest.mark.parametrize("spec", [".", "..", "./"])
def test_out_that_is_or_holds_the_current_folder(tmp_path, capsys, monkeypatch, spec):
    f = _table(tmp_path / "a" / "in")
    monkeypatch.chdir(tmp_path / "a")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    code = compare(f, spec, "--force")
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "current folder" in err[0]
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_out_under_a_file_is_a_clear_error(tmp_path, capsys):
    f = _table(tmp_path / "in")
    code = compare(f, f / "results")
    err = capsys.readouterr().err
    assert code == 2 and "not a folder" in err


def test_output_folder_follows_the_umask(tmp_path, capsys):
    f = _table(tmp_path / "in")
    old = os.umask(0o022)
    try:
        assert compare(f, tmp_path / "results") == 0
    finally:
        os.umask(old)
    assert (tmp_path / "results").stat().st_mode & 0o777 == 0o755


def test_sigterm_cleans_up_like_ctrl_c(tmp_path):
    """A run killed with SIGTERM while it writes exits 143 and leaves neither --out nor a temporary folder."""
    f = _table(tmp_path / "in")
    out = tmp_path / "results"
    ready = tmp_path / "ready"
    script = textwrap.dedent(f"""
        import pathlib, sys, time
        from assaystats import _commands
        from assaystats.cli import main
        def slow(tmp, *a, **k):
            (tmp / "partial.txt").write_text("x")
            pathlib.Path({str(ready)!r}).write_text("1")
            time.sleep(60)
        _commands._write_outputs = slow
        sys.exit(main(["compare", {str(f)!r}, "--value", "colonies", "--group", "sirna", "--out", {str(out)!r}]))
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE, text=True)
    for _ in range(600):
        if ready.exists() or proc.poll() is not None:
            break
        import time

        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert "Traceback" not in err and "terminated" in err
    assert not out.exists() and _leftovers(tmp_path) == []


def test_two_concurrent_runs_never_replace_each_other(tmp_path):
    """Two processes writing the same --out at once: one result lands at --out, the other is refused (exit 2,
    --out existed at its start) or kept beside it (exit 3); nothing is deleted."""
    f = _table(tmp_path / "in")
    out = tmp_path / "results"
    cmd = [sys.executable, "-m", "assaystats.cli", "compare", str(f), "--value", "colonies", "--group", "sirna",
           "--out", str(out), "--quiet"]
    procs = [subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    errs = " ".join(p.communicate(timeout=300)[1] for p in procs)
    codes = sorted(p.returncode for p in procs)
    assert codes in ([0, 2], [0, 3]), (codes, errs)
    assert (out / "report.html").exists()
    if codes == [0, 3]:
        assert (tmp_path / "results-2" / "report.html").exists() and "results-2" in errs
    assert _leftovers(tmp_path) == []


def test_out_may_not_hold_an_input_a_study_names(tmp_path, capsys):
    data = tmp_path / "project" / "data"
    f = _table(data)
    study = tmp_path / "study.toml"
    study.write_text(f'[[analysis]]\nkind = "compare"\ninput = "{f}"\nvalue = "colonies"\ngroup = "sirna"\n')
    code = main(["run", str(study), "--out", str(tmp_path / "project"), "--force"])
    err = capsys.readouterr().err
    assert code == 2 and "holds the input" in err and f.read_text() == DATA
