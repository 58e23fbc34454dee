"""Table schemas of each analysis, generated from a real run on the bundled example data, so that every column the
code writes is listed (a column added to the code appears here at the next build; a meaning missing from
``docs/_columns.py`` shows as a build warning).

    python docs/gen_schemas.py doseresponse   # print one analysis's section
"""

from __future__ import annotations

import logging
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for p in (str(ROOT), str(ROOT / "docs")):
    if p not in sys.path:
        sys.path.insert(0, p)

from _columns import meaning

log = logging.getLogger("mkdocs.plugins.assaystats_docs")


def _doseresponse():
    from assaystats import datasets, doseresponse

    df = datasets.load("sorafenib_ic50")
    return (("assaystats.doseresponse.fit(datasets.load('sorafenib_ic50'), dose='dose_uM', response='viability', "
            "group='line', replicate='experiment', compare=[('Huh7-R', 'Huh7-P'), ('Hep3B-R', 'Hep3B-P')], "
            "dose_unit='uM')"),
            doseresponse.fit(df, dose="dose_uM", response="viability", group="line", replicate="experiment",
                             compare=[("Huh7-R", "Huh7-P"), ("Hep3B-R", "Hep3B-P")], dose_unit="uM"))


def _screens():
    from assaystats import datasets, doseresponse

    df = datasets.load("sorafenib_ic50")
    return (("assaystats.doseresponse.fit_many(datasets.load('sorafenib_ic50'), dose='dose_uM', "
            "response='viability', curve=['line', 'experiment'])"),
            doseresponse.fit_many(df, dose="dose_uM", response="viability", curve=["line", "experiment"]))


def _compare():
    from assaystats import assays, datasets

    df = datasets.load("zfas1_colonies")
    return (("assaystats.assays.compare(datasets.load('zfas1_colonies'), value='colonies', group='sirna', "
            "control='siCtrl', replicate='experiment')"),
            assays.compare(df, value="colonies", group="sirna", control="siCtrl", replicate="experiment"))


def _qpcr():
    from assaystats import assays, datasets

    return (("assaystats.assays.qpcr(datasets.load('zfas1_qpcr'), reference_genes=['GAPDH', 'ACTB'], "
            "control='siCtrl')"),
            assays.qpcr(datasets.load("zfas1_qpcr"), reference_genes=["GAPDH", "ACTB"], control="siCtrl"))


def _nanostring():
    from assaystats import assays, datasets

    rcc = datasets.path("nanostring_skmel") if hasattr(datasets, "path") else None
    design = datasets.load("nanostring_skmel")
    if rcc is None:
        raise RuntimeError("datasets.path is not available")
    folder = Path(rcc)
    folder = folder if folder.is_dir() else folder.parent
    return (("assaystats.assays.nanostring(RCC folder of 'nanostring_skmel', design=datasets.load('nanostring_skmel'), "
            "group='Treatment', control='DMSO', by='BRAFGenotype')"),
            assays.nanostring(sorted(folder.glob("*.RCC")), design=design, group="Treatment", control="DMSO",
                              by="BRAFGenotype"))


def _paired_genes():
    from assaystats import assays, datasets

    df = datasets.load("notch_tumour_normal")
    cols = list(df.columns)
    return (f"assaystats.assays.paired_genes(datasets.load('notch_tumour_normal'), ...) (columns {cols})",
            _paired_call(assays, df))


def _paired_call(assays, df):
    cols = {c.lower(): c for c in df.columns}
    gene = cols.get("gene")
    value = next(c for c in df.columns if c.lower() in ("log2_expression", "value", "expression", "log2expr"))
    subject = next(c for c in df.columns if c.lower() in ("patient", "subject", "pair", "case"))
    group = next(c for c in df.columns if c.lower() in ("tissue", "group", "sample_type", "type"))
    levels = [str(v) for v in df[group].unique()]
    control = next((v for v in levels if v.lower().startswith("normal")), levels[0])
    return assays.paired_genes(df, gene=gene, value=value, subject=subject, group=group, control=control)


def _survival():
    from assaystats import datasets, survival

    df = datasets.load("lihc_cohort")
    return (("assaystats.survival.analyze(datasets.load('lihc_cohort'), time='os_months', event='os_event', "
            "expression='ZFAS1', cutoff='median', covariates=['age'])"),
            survival.analyze(df, time="os_months", event="os_event", expression="ZFAS1", cutoff="median",
                             covariates=["age"]))


def _cutpoints():
    from assaystats import datasets, survival

    df = datasets.load("lihc_cohort")
    return (("assaystats.survival.analyze(datasets.load('lihc_cohort'), time='os_months', event='os_event', "
            "expression='ZFAS1', cutoff='optimal', covariates=['stage', 'age'])"),
            survival.analyze(df, time="os_months", event="os_event", expression="ZFAS1", cutoff="optimal",
                             covariates=["stage", "age"]))


def _cohort_expression():
    from assaystats import correlates, datasets

    expr, clin = datasets.load("lihc_expression"), datasets.load("lihc_clinical")
    return (("assaystats.correlates.expression_by(datasets.load('lihc_expression'), datasets.load('lihc_clinical'), "
            "gene='ZFAS1', by='stage', order=['I', 'II', 'III', 'IV'])"),
            correlates.expression_by(expr, clin, gene="ZFAS1", by="stage", order=["I", "II", "III", "IV"]))


def _coexpression():
    from assaystats import correlates, datasets

    expr = datasets.load("lihc_expression")
    return ("assaystats.correlates.coexpression(datasets.load('lihc_expression'), gene='ZFAS1')",
            correlates.coexpression(expr, gene="ZFAS1"))


#: analysis page -> the call whose tables it documents
RUNS = {
    "analyses/doseresponse.md": _doseresponse,
    "analyses/screens.md": _screens,
    "analyses/compare.md": _compare,
    "analyses/qpcr.md": _qpcr,
    "analyses/nanostring.md": _nanostring,
    "analyses/paired_genes.md": _paired_genes,
    "analyses/survival.md": _survival,
    "analyses/cutpoints.md": _cutpoints,
    "analyses/cohort_expression.md": _cohort_expression,
    "analyses/coexpression.md": _coexpression,
}


def _dtype(s) -> str:
    k = s.dtype.kind
    return {"f": "number", "i": "integer", "u": "integer", "b": "true/false", "M": "date"}.get(k, "text")


def render(page: str) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        call, res = RUNS[page]()
    return _schema(call, res, page)


def _schema(call: str, res, page: str) -> str:
    out = ["## Table schemas (generated)", "",
           (f"Generated at build time from a run of `{call}`: every table of the Result (`res.tables()`, written by "
           "the command as `OUT/tables/NAME.csv`), every column in order, its kind and its meaning. Column names never "
           "change with options; numbers are unrounded."), ""]
    missing = []
    for name, df in res.tables().items():
        if df is None:
            continue
        out += [f"### `{name}`", "", f"{len(df)} rows in this run.", "", "| column | kind | meaning |",
                "|---|---|---|"]
        for col in df.columns:
            m = meaning(page, name, str(col))
            if not m:
                missing.append(f"{name}.{col}")
                m = "(no description yet)"
            out.append(f"| `{col}` | {_dtype(df[col])} | {m} |")
        out.append("")
    if missing:
        log.info("columns without a description on %s: %s", page, ", ".join(missing))
    return "\n".join(out)


def render_all() -> dict[str, str]:
    out = {}
    for page in RUNS:
        try:
            out[page] = render(page)
        except Exception as exc:  # noqa: BLE001 - a failing example run must not hide the site; it is a build warning
            log.warning("table schemas of %s could not be generated: %s: %s", page, type(exc).__name__, exc)
    return out


if __name__ == "__main__":
    names = sys.argv[1:] or [p.split("/")[1][:-3] for p in RUNS]
    for n in names:
        print(render(f"analyses/{n}.md"))


# -- figures --------------------------------------------------------------------------------------------------------

def render_figures(page: str, res, write) -> str:
    """Draw every figure of the Result (``res.figures()``), hand each PNG to ``write(relpath, bytes)`` and return the
    Markdown that shows them."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figs = res.figures()
    if not figs:
        return ""
    stem = page.split("/")[1][:-3]
    out = ["## Figures (generated)", "",
           ("Drawn from the same run by the Result's `figures()` (the command writes each as `OUT/figures/NAME.png` "
           "and `.svg`; `res.plot(ax=...)` draws the first on your own Axes)."), ""]
    for name, make in figs.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fig = make()
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=72)
            plt.close(fig)
        write(f"analyses/figures/{stem}_{name}.png", buf.getvalue())
        out += [f"### `{name}`", "", f"![{name}](figures/{stem}_{name}.png)", ""]
    return "\n".join(out)


# -- bad input ------------------------------------------------------------------------------------------------------

def _bad_inputs(tmp: Path) -> dict[str, list[tuple[str, list[str]]]]:
    """page -> [(what is wrong, argv of the command)], inputs written into ``tmp``."""
    from assaystats import datasets

    def csv(name, df):
        p = tmp / name
        df.to_csv(p, index=False)
        return str(p)

    sor = datasets.load("sorafenib_ic50")
    bad_dose = sor.copy().astype({"dose_uM": object})
    bad_dose.loc[[3, 8, 11], "dose_uM"] = ["n/a", "5 uM", "?"]
    col = datasets.load("zfas1_colonies")
    qp = datasets.load("zfas1_qpcr")
    bad_ct = qp.copy().astype({"ct": object})
    bad_ct.loc[[2, 5], "ct"] = ["abc", "3O.1"]
    notch = datasets.load("notch_tumour_normal")
    coh = datasets.load("lihc_cohort")
    words = coh.copy().astype({"os_event": object})
    words["os_event"] = words["os_event"].map({1: "dead", 0: "alive"})
    neg = coh.copy()
    neg.loc[[4, 9], "os_months"] = -1.0
    expr_txt = coh.copy().astype({"ZFAS1": object})
    expr_txt.loc[[1], "ZFAS1"] = "high"
    out = str(tmp / "out")
    dr = ["doseresponse", "--dose", "dose_uM", "--response", "viability", "--group", "line", "--out", out]
    study = tmp / "study.toml"
    study.write_text('[[analysis]]\nkind = "doseresponce"\ninput = "example:sorafenib_ic50"\n', encoding="utf-8")
    notmtx = tmp / "not_a_10x_folder"
    notmtx.mkdir(exist_ok=True)
    return {
        "analyses/doseresponse.md": [
            ("non-numeric doses", [dr[0], csv("doses.csv", bad_dose), *dr[1:]]),
            ("a column that is not in the table", [dr[0], "example:sorafenib_ic50", "--dose", "dose_uM", "--response",
                                                   "viabilty", "--group", "line", "--out", out]),
            ("a pair naming a group that does not exist", [dr[0], "example:sorafenib_ic50", *dr[1:],
                                                           "--pairs", "Huh7-R:Huh7"]),
        ],
        "analyses/screens.md": [],
        "analyses/compare.md": [
            ("a control named only up to case", ["compare", csv("colonies.csv", col), "--value", "colonies",
                                                 "--group", "sirna", "--control", "sictrl", "--out", out]),
            ("a value column that is text", ["compare", "example:zfas1_colonies", "--value", "sirna", "--group",
                                             "experiment", "--out", out]),
        ],
        "analyses/qpcr.md": [
            ("Ct values that are not numbers", ["qpcr", csv("ct.csv", bad_ct), "--reference-gene", "GAPDH,ACTB",
                                                "--control", "siCtrl", "--out", out]),
            ("a reference gene that is not in the table", ["qpcr", "example:zfas1_qpcr", "--reference-gene", "GADPH",
                                                           "--control", "siCtrl", "--out", out]),
        ],
        "analyses/nanostring.md": [
            ("a file that is not an RCC file", ["nanostring", csv("not_rcc.RCC", col), "--group", "Treatment",
                                                "--control", "DMSO", "--out", out]),
        ],
        "analyses/paired_genes.md": [
            ("a control level that does not exist", ["paired-genes", csv("notch.csv", notch), "--gene", "gene",
                                                     "--value", "log2_expression", "--subject", "patient", "--group",
                                                     "tissue", "--control", "healthy", "--out", out]),
        ],
        "analyses/survival.md": [
            ("events coded as words without --event-value", ["survival", csv("words.csv", words), "--time",
                                                             "os_months", "--event", "os_event", "--group", "stage",
                                                             "--out", out]),
            ("negative follow-up times", ["survival", csv("neg.csv", neg), "--time", "os_months", "--event",
                                          "os_event", "--group", "stage", "--out", out]),
        ],
        "analyses/cutpoints.md": [
            ("an expression column with text", ["survival", csv("expr_txt.csv", expr_txt), "--time", "os_months",
                                                "--event", "os_event", "--expression", "ZFAS1", "--cutoff",
                                                "optimal", "--out", out]),
        ],
        "analyses/cohort_expression.md": [
            ("a gene that is not in the expression table", ["expression", "example:lihc_expression", "--clinical",
                                                            "example:lihc_clinical", "--gene", "ZFAS2", "--by",
                                                            "stage", "--out", out]),
        ],
        "analyses/coexpression.md": [
            ("a gene that is not in the expression table", ["correlate", "example:lihc_expression", "--gene", "ZFAS2",
                                                            "--out", out]),
        ],
        "analyses/study.md": [
            ("an analysis kind that does not exist", ["run", str(study), "--out", out]),
        ],
        "analyses/scrna.md": [
            ("a folder without a 10x matrix", ["scrna", "--sample", f"P={notmtx}", "--sample", f"R={notmtx}",
                                               "--reference", "P", "--out", out]),
        ],
    }


def render_errors(page: str, cases: list[tuple[str, list[str]]], tmp: Path) -> str:
    import contextlib
    import io

    from assaystats.cli import main

    if not cases:
        return ""
    out = ["## Bad input (generated)", "",
           ("What the command prints (one line on stderr, exit code 2, nothing written) when these broken inputs are "
           "given; the Python function raises `assaystats.errors.AssayDataError` with the same message. The inputs "
           "are copies of the bundled data with the fault put in."), "", "| input | exit | message |", "|---|---|---|"]
    for what, argv in cases:
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                code = main(argv)
            except SystemExit as exc:  # argparse usage errors
                code = exc.code
        msg = " ".join(err.getvalue().replace(str(tmp) + "/", "").split())
        if code == 0:
            log.warning("bad-input example of %s (%s) did not fail", page, what)
        out.append(f"| {what} | {code} | `{msg.replace('|', '/')}` |")
    out.append("")
    return "\n".join(out)


def render_options(page: str) -> str:
    import gen_cli

    cmd = {"analyses/doseresponse.md": "doseresponse", "analyses/compare.md": "compare", "analyses/qpcr.md": "qpcr",
           "analyses/nanostring.md": "nanostring", "analyses/paired_genes.md": "paired-genes",
           "analyses/survival.md": "survival", "analyses/cutpoints.md": "survival",
           "analyses/cohort_expression.md": "expression", "analyses/coexpression.md": "correlate",
           "analyses/study.md": "run", "analyses/scrna.md": "scrna", "analyses/screens.md": "screen"}.get(page)
    subs = gen_cli.subcommands()
    if cmd not in subs:
        return (f"## Options\n\nThe `assaystats {cmd}` sub-command is not in the parser yet; see the "
                "[command reference](../reference/cli.md).\n") if cmd else ""
    rows = [r for r in (gen_cli._option_row(a) for a in subs[cmd]._actions) if r]
    return "\n".join(["## Options (generated)", "",
                      (f"From `assaystats {cmd} --help` (the [command reference](../reference/cli.md#{cmd}) has the "
                      "usage and examples). The Python keyword of each option is its name with underscores "
                      "(`--control` / `control=`)."), "", "| option | meaning |", "|---|---|", *rows, ""])


PAGES = ["analyses/doseresponse.md", "analyses/screens.md", "analyses/compare.md", "analyses/qpcr.md",
         "analyses/nanostring.md", "analyses/paired_genes.md", "analyses/survival.md", "analyses/cutpoints.md",
         "analyses/cohort_expression.md", "analyses/coexpression.md", "analyses/scrna.md", "analyses/study.md"]


def generate_all(write) -> dict[str, str]:
    """{analysis page: generated Markdown to append}; figures go through ``write(relpath, bytes)``."""
    import tempfile

    out = {}
    with tempfile.TemporaryDirectory(prefix="assaystats-docs-") as d:
        tmp = Path(d)
        errors = _bad_inputs(tmp)
        for page in PAGES:
            parts = [render_options(page)]
            if page in RUNS:
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        call, res = RUNS[page]()
                    parts.append(_schema(call, res, page))
                    parts.append(render_figures(page, res, write))
                except Exception as exc:  # noqa: BLE001 - reported as a build warning (fails the strict build)
                    log.warning("the example run of %s failed: %s: %s", page, type(exc).__name__, exc)
            parts.append(render_errors(page, errors.get(page, []), tmp))
            out[page] = "\n\n".join(p for p in parts if p)
    return out
