"""The bad-input contract, by design rather than case by case (issue 10).

Each sub-command's valid example input is mutated the way real files go wrong (Excel and R exports, stray spaces,
R's "NA", numeric-looking ids, huge numbers, broken rows, odd characters in names) and run through the command.
Every case must end in exit 0 (with the rows it used, or a stated note when rows were left out) or in exit 2 with
one line that names the file; never exit 1, never a traceback, never an input changed, never a file left behind.
Seeded (derandomized) so that CI runs the same cases every time: 7 sub-commands x 30 = 210 cases.
"""

import csv
import hashlib
import io
import json
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assaystats.cli import main

from .._cli import PROGRESS

N_CASES = 30


def _csv(rows, delim=","):
    buf = io.StringIO()
    csv.writer(buf, delimiter=delim, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def _bases():
    rng = np.random.default_rng(7)
    dose = [["line", "dose", "resp"]]
    for line, ic in (("Huh7-P", 3.0), ("Huh7-R", 12.0)):
        for d in (0, 0.3, 1, 3, 10, 30, 100):
            for _ in range(2):
                dose.append([line, f"{d}", f"{100 / (1 + (d / ic) ** 1.2) + rng.normal(0, 3):.2f}"])
    comp = [["sirna", "experiment", "colonies"]]
    for g, m in (("siCtrl", 100), ("siZFAS1#1", 60), ("siZFAS1#2", 70)):
        for e in ("1", "2", "3", "4"):
            comp.append([g, e, f"{m + rng.normal(0, 8):.1f}"])
    qpcr = [["sample", "group", "gene", "ct"]]
    for g, shift in (("siCtrl", 0.0), ("siZFAS1", 2.0)):
        for s in range(3):
            for gene, base in (("GAPDH", 18.0), ("ZFAS1", 26.0)):
                for _ in range(2):
                    qpcr.append([f"{g}-{s + 1}", g, gene, f"{base + (shift if gene == 'ZFAS1' else 0) + rng.normal(0, .2):.2f}"])
    paired = [["gene", "patient", "tissue", "expr"]]
    for gene in ("NOTCH1", "NOTCH2", "HES1"):
        for p in range(6):
            for t, d in (("normal", 0.0), ("tumour", 1.0)):
                paired.append([gene, f"P{p + 1:02d}", t, f"{5 + d + rng.normal(0, .5):.3f}"])
    surv = [["patient", "time", "status", "group", "age"]]
    for i in range(40):
        g = "high" if i % 2 else "low"
        t = rng.exponential(30 if g == "low" else 15)
        surv.append([f"TCGA-{i:03d}", f"{t:.1f}", str(int(rng.random() < .7)), g, str(int(rng.integers(40, 80)))])
    x = rng.normal(size=12)
    barcodes = [f"TCGA-AB-{j:04d}-01A" for j in range(8)] + [f"TCGA-AB-{j:04d}-11A" for j in range(4)]
    expr = [["gene"] + barcodes]
    for k, gene in enumerate(("ZFAS1", "EPCAM", "CD133", "SOX2", "NANOG")):
        vals = x * (1 - k * 0.2) + rng.normal(0, .5, 12) + 5 + np.r_[np.ones(8), np.zeros(4)]
        expr.append([gene] + [f"{v:.3f}" for v in vals])
    return {
        "doseresponse": (dose, ["--dose", "dose", "--response", "resp", "--group", "line"], {"line"},
                         {"line", "dose", "resp"}),
        "compare": (comp, ["--value", "colonies", "--group", "sirna", "--control", "siCtrl", "--replicate",
                           "experiment"], {"sirna", "experiment"}, {"sirna", "experiment", "colonies"}),
        "qpcr": (qpcr, ["--reference-gene", "GAPDH", "--control", "siCtrl"], {"sample", "group", "gene"},
                 {"sample", "group", "gene", "ct"}),
        "paired-genes": (paired, ["--gene", "gene", "--value", "expr", "--subject", "patient", "--group", "tissue",
                                  "--control", "normal"], {"gene", "patient", "tissue"},
                         {"gene", "patient", "tissue", "expr"}),
        "survival": (surv, ["--time", "time", "--event", "status", "--group", "group", "--covariates", "age"],
                     {"group"}, {"time", "status", "group", "age"}),
        "correlate": (expr, ["--gene", "ZFAS1"], {"gene"}, None),
        "expression": (expr, ["--gene", "ZFAS1", "--by", "tissue"], {"gene"}, None),
    }


BASES = _bases()
NA = ["", "NA", "NaN", "nan", "#N/A"]


def _mutate(rows, kind, r: random.Random):
    """(text, what) for one mutation of a table given as rows of strings (header first)."""
    rows = [list(x) for x in rows]
    i = r.randrange(1, len(rows))
    j = r.randrange(len(rows[0]))
    cell = rows[i][j]
    what = {"kind": kind, "row": i, "col": rows[0][j]}
    if kind == "na":
        rows[i][j] = r.choice(NA)
    elif kind == "spaces":
        rows[i][j] = r.choice([" ", "  ", "\t"]) + cell + r.choice(["", " "])
    elif kind == "zero_id":
        rows[i][j] = "0" + cell if cell[:1].isdigit() else cell + ".10"
    elif kind == "case":
        rows[i][j] = cell.swapcase()
    elif kind == "huge":
        rows[i][j] = r.choice(["1e308", "-1e308", "inf", "-inf", "1e200", "Infinity"])
    elif kind == "text":
        rows[i][j] = r.choice(["abc", "1,5", "5 uM", "n/a", "<0.1", "TRUE", "-"])
    elif kind == "weird_name":
        rows[i][j] = cell + r.choice(["$^$x", "_{a}", "\\n", "<b>x</b>", "é", "%s", "{0}"])
    elif kind == "long_name":
        rows[i][j] = cell + "x" * r.choice([300, 5000])
    elif kind == "drop_col":
        rows = [row[:j] + row[j + 1:] for row in rows]
    elif kind == "dup_header":
        rows[0][j] = rows[0][(j + 1) % len(rows[0])]
    elif kind == "drop_rows":
        rows = rows[:r.randrange(1, 4)]
    elif kind == "duplicate_rows":
        rows = rows + rows[1:r.randrange(2, len(rows))]
    elif kind == "extra_field":
        return _csv(rows[:i]) + ",".join(rows[i]) + ",extra\n" + _csv(rows[i + 1:]), what
    elif kind == "open_quote":
        return _csv(rows[:i]) + '"' + ",".join(rows[i]) + "\n" + _csv(rows[i + 1:]), what
    elif kind == "semicolon_comma":
        return _csv([[c.replace(".", ",") if c.replace(".", "").replace("-", "").isdigit() else c for c in row]
                     for row in rows], ";"), what
    elif kind == "empty":
        return r.choice(["", "\n", _csv(rows[:1])]), what
    elif kind == "crlf_bom":
        return "\ufeff" + _csv(rows).replace("\n", "\r\n"), what
    return _csv(rows), what


KINDS = ["na", "spaces", "zero_id", "case", "huge", "text", "weird_name", "long_name", "drop_col", "dup_header",
         "drop_rows", "duplicate_rows", "extra_field", "open_quote", "semicolon_comma", "empty", "crlf_bom"]


EXCEL_SAFE = {"na", "spaces", "zero_id", "case", "huge", "text", "weird_name", "drop_col", "dup_header",
              "duplicate_rows"}


def _excel_value(v: str):
    """A cell as Excel stores it after typing: numbers become numbers (so '01' typed as text stays text only when
    it has a leading zero or other non-number characters, as in a real sheet formatted as text)."""
    try:
        f = float(v)
    except ValueError:
        return v
    if v.strip() != v or (v.startswith("0") and len(v) > 1 and not v.startswith("0.")):
        return v  # a leading zero or spaces: Excel keeps it only as text
    return f if f == f and abs(f) != float("inf") else v


def _digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file()}


@pytest.mark.parametrize("command", sorted(BASES))
@settings(max_examples=N_CASES, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(kind=st.sampled_from(KINDS), seed=st.integers(0, 2**16))
def test_mutated_inputs_keep_the_contract(command, kind, seed, tmp_path_factory, capsys):
    rows, argv, labels, used = BASES[command]
    text, what = _mutate(rows, kind, random.Random(seed))
    work = tmp_path_factory.mktemp("fuzz")
    inp = work / "input.csv"
    inp.write_text(text, encoding="utf-8")
    if kind in EXCEL_SAFE and seed % 3 == 0:  # the same mutation saved from Excel (numbers typed as numbers)
        import pandas as pd

        table = list(csv.reader(io.StringIO(text)))
        if table:
            inp.unlink()
            inp = work / "input.xlsx"
            cells = [[_excel_value(v) for v in row] for row in table]
            pd.DataFrame(cells).to_excel(inp, index=False, header=False)
    before = _digest(work)
    out = work / "out"
    capsys.readouterr()
    code = main([command, str(inp), *argv, "--out", str(out), "--quiet"])
    cap = capsys.readouterr()
    err = [ln for ln in cap.err.strip().splitlines() if ln and not PROGRESS.match(ln)]
    context = (command, what, text[:300], cap.err[-600:])
    assert code in (0, 2), context
    assert "Traceback" not in cap.err and "internal error" not in cap.err, context
    assert _digest(work) == before or out.exists(), context  # the input is never changed
    assert {p.name for p in work.iterdir()} <= {inp.name, "out"}, context  # nothing left behind
    if code == 2:
        assert len(err) == 1 and err[0].startswith("assaystats: error:"), context
        assert not out.exists(), context
        assert str(inp) in err[0] or "--" in err[0], context  # names the file (or the option at fault)
        return
    assert (out / "report.html").exists(), context
    prov = json.loads((out / "provenance.json").read_text())
    notes = " ".join(prov.get("notes", []))
    left = any(prov.get("rows_left_out") or [{}])
    if kind == "na" and used is not None and what["col"] in used:
        assert left or "left out" in notes or "missing" in notes or "non-detect" in notes.lower() \
            or "undetermined" in notes.lower(), context
    if kind == "spaces" and what["col"] in labels:
        assert "spaces removed" in notes, context
