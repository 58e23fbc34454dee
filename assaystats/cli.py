"""The ``assaystats`` command. ``main(argv)`` is importable and testable; it returns the exit code.

Exit codes: 0 success; 2 bad input or usage (one line on stderr, no traceback, no output folder left
behind); 1 an unexpected internal error (one line; ``--debug`` shows the traceback).

Heavy libraries are imported inside the sub-command handlers so that ``assaystats --help`` is fast.
"""

from __future__ import annotations

import argparse
import sys
import time

from ._version import __version__
from .errors import AssayDataError, OutputExistsError

PROG = "assaystats"

DOSERESPONSE_EXAMPLE = """\
examples:
  assaystats doseresponse example:sorafenib_ic50 --dose dose_uM --response viability \\
      --group line --replicate experiment --pairs Huh7-R:Huh7-P,Hep3B-R:Hep3B-P --dose-unit uM \\
      --out ic50_report
  assaystats doseresponse plate.csv --dose conc --response signal --group drug \\
      --normalize vehicle --fix top=100,bottom=0 --out results --force

INPUT is a CSV/TSV/Excel file with one row per well, or example:NAME for a bundled data set
(see 'assaystats datasets'). Writes OUT/report.html, OUT/tables/{fits,parameters,effective_doses,
comparisons}.csv (+ replicate_fits, replicate_comparisons with --replicate), OUT/figures/*.png|svg and
OUT/provenance.json. The Hill slope is negative on a falling curve (Prism's sign; drc's b = -hill).
"""


COMPARE_EXAMPLE = """\
examples:
  assaystats compare example:zfas1_colonies --value colonies --group sirna --control siCtrl \\
      --replicate experiment --out colonies_report
  assaystats compare example:zfas1_viability --value viability --group sirna --by sorafenib_uM \\
      --control siCtrl --replicate experiment --out viability_report

Writes OUT/tables/omnibus.csv (term, statistic, df_num, df_den, p_value, method), OUT/tables/comparisons.csv
(group1, group2, within, estimate, se, statistic, df, p_value, p_adjusted, ci_low, ci_high, ci_level, method,
adjustment), descriptives.csv, assumptions.csv, figures and OUT/report.html.
"""


QPCR_EXAMPLE = """\
examples:
  assaystats qpcr example:zfas1_qpcr --reference-gene GAPDH,ACTB --calibrator siCtrl --out qpcr_report
  assaystats qpcr wells.csv --ct Cq --reference-gene GAPDH --calibrator parental --efficiency curve.csv \\
      --undetermined 40 --out qpcr_report

INPUT has one row per well: sample, group, gene, ct ('Undetermined' allowed). Writes
OUT/tables/relative_expression.csv (group, gene, delta_ct, delta_delta_ct, fold_change, ci_low, ci_high, p_value,
knockdown_pct, ...), qpcr_samples.csv, qpcr_technical.csv, reference_stability.csv, figures and OUT/report.html.
"""


NANOSTRING_EXAMPLE = """\
examples:
  assaystats nanostring ../shared/data/nanostring-skmel --design pheno.csv --group Treatment \\
      --control DMSO --by BRAFGenotype --out nanostring_report

Writes OUT/tables/qc.csv (sample, file, pos_factor, hk_factor, fov_ratio, binding_density, pos_r2, flags),
normalized.csv, differential.csv (gene, group, reference, log2fc, p_value, q_value, ...),
housekeeping_stability.csv, figures and OUT/report.html.
"""


SURVIVAL_EXAMPLE = """\
examples:
  assaystats survival example:lihc_cohort --time os_months --event os_event --expression ZFAS1 \\
      --cutoff median --covariates age --time-unit months --out os_report
  assaystats survival lung.csv --time time --event status --event-value 2 --group sex --out lung_report

Writes OUT/tables/groups.csv (group, n, events, median, median_ci_low, median_ci_high, ...), logrank.csv
(statistic, df, p_value, method), cox.csv (term, coef, se, hr, hr_ci_low, hr_ci_high, z, p_value), risk_table.csv
(group, time, n_at_risk, events, censored), ph_test.csv, and for --cutoff optimal cutpoint.csv (cutpoint,
statistic, p_value, method, n_low, n_high, naive_p_value).
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG, description="Statistics of cancer-biology bench assays: dose-response, group "
                "comparisons, survival; numbers equal to R's, one self-contained report.",
                epilog="Run 'assaystats SUBCOMMAND --help' for the options and an example of each.")
    p.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = p.add_subparsers(dest="command", metavar="SUBCOMMAND", parser_class=_Parser)

    d = sub.add_parser("doseresponse", help="fit dose-response curves, IC50s and compare groups",
                       description="Fit dose-response curves per group (drc LL.4 by default), report IC50s, "
                       "effective doses, IC50 ratios with delta and Fieller intervals and the F test of a shared "
                       "log IC50; with --replicate, also compare per-experiment IC50s.",
                       epilog=DOSERESPONSE_EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    d.add_argument("input", metavar="INPUT", help="table file (CSV/TSV/Excel) or example:NAME")
    _common_out(d)
    d.add_argument("--dose", default="dose", help="dose column, concentrations >= 0 (default: dose)")
    d.add_argument("--response", default="response", help="response column (default: response)")
    d.add_argument("--group", help="column naming each curve (cell line, treatment)")
    d.add_argument("--replicate", help="column naming the independent experiment (biological replicate)")
    d.add_argument("--model", default="ll4", choices=["ll4", "ll3", "ll5", "w1", "w2"],
                   help="ll4 (default; drc LL.4, Prism variable slope), ll3 (bottom 0), ll5, w1, w2")
    d.add_argument("--reference", help="group the others are compared with (default: first in the file)")
    d.add_argument("--compare", default="reference", choices=["reference", "pairwise", "none"],
                   help="comparisons: each group vs the reference (default), all pairs, or none")
    d.add_argument("--pairs", default="",
                   help="explicit comparisons GROUP:REFERENCE separated by commas, e.g. "
                   "Huh7-R:Huh7-P,Hep3B-R:Hep3B-P (overrides --compare)")
    d.add_argument("--p-adjust", default="holm",
                   choices=["holm", "bonferroni", "sidak", "holm-sidak", "fdr_bh", "none"],
                   help="multiplicity correction across comparisons (default: holm)")
    d.add_argument("--ed", default="10,50,90", help="effective-dose levels in percent (default: 10,50,90)")
    d.add_argument("--cov", default="jtj", choices=["jtj", "hessian"],
                   help="covariance: jtj (Prism, R nls; default) or hessian (drc)")
    d.add_argument("--interval", default="delta", choices=["delta", "profile"],
                   help="confidence intervals: delta method (default) or profile likelihood")
    d.add_argument("--ci-scale", default="log", choices=["log", "linear"],
                   help="delta intervals of doses on the log scale (default, Prism) or linear (drc)")
    d.add_argument("--ci-level", type=float, default=0.95, help="confidence level (default: 0.95)")
    d.add_argument("--fix", default="", help="fixed parameters, e.g. top=100,bottom=0 (hill, bottom, top, e, f)")
    d.add_argument("--share", default="", help="parameters shared by all groups in a global fit, e.g. hill")
    d.add_argument("--normalize", choices=["vehicle"],
                   help="express responses as %% of the vehicle (dose 0) mean of each curve and replicate")
    d.add_argument("--blank", type=float, help="background signal subtracted before normalising")
    d.add_argument("--abs-response", type=float,
                   help="response level of the absolute IC50 (default: 50 if normalised, else half the "
                   "fitted vehicle plateau)")
    d.add_argument("--points", default="mean", choices=["mean", "all"],
                   help="figure points: mean +- SEM per dose (default) or every well")
    d.add_argument("--model-selection", action="store_true",
                   help="also fit ll4, ll3, ll5, w1 and w2 and tabulate AIC, BIC and the lack-of-fit test")
    d.add_argument("--dose-unit", default="", help="unit shown in the report, e.g. uM")
    d.add_argument("--sheet", default=None, help="Excel sheet name (default: the first)")
    d.set_defaults(handler=_run_doseresponse)

    c = sub.add_parser("compare", help="compare a measured value between groups (t, ANOVA, post tests, two-way)",
                       description="Compare a value between groups with the right test for the design: Welch t or "
                       "paired t for two groups, one-way ANOVA with Dunnett (vs --control) or Tukey post tests, two-way "
                       "ANOVA with simple effects (--by); with --replicate the unit is the replicate mean (blocks when "
                       "every replicate holds every group).",
                       epilog=COMPARE_EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    c.add_argument("input", metavar="INPUT", help="table file (CSV/TSV/Excel) or example:NAME")
    _common_out(c)
    c.add_argument("--value", required=True, help="the measured column")
    c.add_argument("--group", required=True, help="the grouping column")
    c.add_argument("--control", help="control level (Dunnett; estimates are group - control)")
    c.add_argument("--by", help="a second factor: two-way ANOVA and simple effects within each of its levels")
    c.add_argument("--replicate", help="independent unit (experiment, animal): analysis on replicate means")
    c.add_argument("--pair", help="subject column for paired / repeated-measures designs")
    c.add_argument("--test", default="auto", choices=["auto", "welch", "student", "paired", "ratio-paired",
                                                       "mann-whitney", "wilcoxon", "anova", "welch-anova",
                                                       "brown-forsythe", "kruskal", "poisson", "negbin"],
                   help="test (default auto: Welch/paired t for two groups, ANOVA for more; poisson/negbin for counts)")
    c.add_argument("--posthoc", choices=["dunnett", "tukey", "sidak", "holm-sidak", "bonferroni", "holm", "bh",
                                         "games-howell", "dunn", "none"],
                   help="post test (default: dunnett with --control, else tukey)")
    c.add_argument("--alternative", default="two-sided", choices=["two-sided", "greater", "less"])
    c.add_argument("--level", default="auto", choices=["auto", "replicate", "mixed", "cell"],
                   help="with --replicate: replicate means (auto), a mixed model, or cells as n (warns)")
    c.add_argument("--anova-type", type=int, default=2, choices=[2, 3], help="sums of squares for two-way (2)")
    c.add_argument("--error", default="sem", choices=["sem", "sd", "ci"], help="error bars of the figure")
    c.add_argument("--ci-level", type=float, default=0.95)
    c.add_argument("--sheet", default=None, help="Excel sheet name (default: the first)")
    c.set_defaults(handler=_run_compare)

    q = sub.add_parser("qpcr", help="relative expression from qPCR Ct values (2^-ddCt, Pfaffl)",
                       description="Relative quantification of qPCR wells: technical replicates averaged per "
                       "biological sample, normalised to one or more reference genes, expressed against a calibrator "
                       "group, tested on per-sample dCt (Welch t / ANOVA + Dunnett), with fold-change intervals, "
                       "knockdown %% and geNorm M of the reference genes.",
                       epilog=QPCR_EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    q.add_argument("input", metavar="INPUT", help="long table of wells (CSV/TSV/Excel) or example:NAME")
    _common_out(q)
    q.add_argument("--reference-gene", required=True, help="reference gene(s), comma separated, e.g. GAPDH,ACTB")
    q.add_argument("--calibrator", required=True, help="the group everything is relative to, e.g. siCtrl")
    q.add_argument("--efficiency", metavar="FILE",
                   help="table with columns gene,efficiency (percent or amplification factor), or a standard "
                   "curve gene,amount,ct (efficiencies are then estimated)")
    q.add_argument("--ct", default="ct", help="Ct column (default: ct)")
    q.add_argument("--gene", default="gene", help="gene column (default: gene)")
    q.add_argument("--sample", default="sample", help="biological sample column (default: sample)")
    q.add_argument("--group", default="group", help="group column (default: group)")
    q.add_argument("--undetermined", default="exclude",
                   help="non-detects: 'exclude' (default) or a cycle number to substitute, e.g. 40")
    q.add_argument("--spread-limit", type=float, default=0.5, help="flag technical Ct SD above this (0.5)")
    q.add_argument("--ci-level", type=float, default=0.95)
    q.set_defaults(handler=_run_qpcr)

    n = sub.add_parser("nanostring", help="NanoString nCounter RCC files: QC, normalisation, differential expression",
                       description="Read RCC files (or a folder of them), flag QC problems, normalise as nSolver "
                       "(positive controls, background, housekeeping genes) and, with a design table, test each gene "
                       "between groups (Welch t on log2 counts, BH q values).",
                       epilog=NANOSTRING_EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    n.add_argument("input", metavar="RCC", nargs="+", help="RCC files or folders holding them")
    _common_out(n)
    n.add_argument("--design", metavar="CSV", help="one row per RCC: a 'file' column (or the sample ID) and groups")
    n.add_argument("--group", help="design column with the condition (e.g. Treatment)")
    n.add_argument("--control", help="reference level of --group (default: the first)")
    n.add_argument("--by", help="design column to stratify by (e.g. cell line): comparisons within each level")
    n.add_argument("--background", default="threshold", choices=["threshold", "subtract", "none"],
                   help="negative-control background: threshold (default), subtract, none")
    n.add_argument("--reference-positive", type=float,
                   help="fixed positive-control geometric mean to normalise against (single samples)")
    n.add_argument("--reference-housekeeping", type=float,
                   help="fixed housekeeping geometric mean to normalise against (single samples)")
    n.set_defaults(handler=_run_nanostring)

    pgp = sub.add_parser("paired-genes", help="many genes in paired samples (tumour vs matched normal)",
                         description="Paired t and Wilcoxon signed-rank test per gene with BH q values across genes.",
                         epilog="example:\n  assaystats paired-genes example:notch_tumour_normal --gene gene --value "
                         "log2_expression \\\n      --pair patient --group tissue --control normal --out notch_report",
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    pgp.add_argument("input", metavar="INPUT", help="long table (gene, value, pair id, group) or example:NAME")
    _common_out(pgp)
    pgp.add_argument("--gene", required=True)
    pgp.add_argument("--value", required=True)
    pgp.add_argument("--pair", required=True, help="pair id (patient)")
    pgp.add_argument("--group", required=True, help="two-level column (tissue)")
    pgp.add_argument("--control", required=True, help="the reference level (normal)")
    pgp.add_argument("--ci-level", type=float, default=0.95)
    pgp.set_defaults(handler=_run_paired_genes)

    sv = sub.add_parser("survival", help="Kaplan-Meier, log-rank and Cox by a group or a gene's expression",
                        description="Survival by a grouping column or by a numeric column (expression) split by a "
                        "rule; Kaplan-Meier with number-at-risk table, log-rank, Cox (with covariates), the "
                        "proportional-hazards check, and for --cutoff optimal the maximally selected log-rank "
                        "statistic with a corrected p value.",
                        epilog=SURVIVAL_EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    sv.add_argument("input", metavar="INPUT", help="table (one row per patient) or example:NAME")
    _common_out(sv)
    sv.add_argument("--time", required=True, help="follow-up time column")
    sv.add_argument("--event", required=True, help="event column (0/1 or true/false)")
    sv.add_argument("--event-value", help="value of --event that means the event (e.g. 2 for survival::lung)")
    grp = sv.add_mutually_exclusive_group(required=True)
    grp.add_argument("--group", help="grouping column")
    grp.add_argument("--expression", help="numeric column to split (gene expression)")
    sv.add_argument("--cutoff", default="median",
                    help="median (default), tertile, quartile, optimal, pNN (percentile) or a value")
    sv.add_argument("--covariates", default="", help="Cox covariates, comma separated (e.g. age,stage)")
    sv.add_argument("--reference", help="reference group of the hazard ratio (default: first, or 'low')")
    sv.add_argument("--order", default="", help="group order, comma separated (for the trend test)")
    sv.add_argument("--conf-type", default="log", choices=["log", "log-log", "plain"],
                    help="Kaplan-Meier interval type (default log, as R)")
    sv.add_argument("--ties", default="efron", choices=["efron", "breslow"])
    sv.add_argument("--times", default="", help="report survival at these times, e.g. 12,36,60")
    sv.add_argument("--rmst", type=float, help="horizon of the restricted mean survival time")
    sv.add_argument("--min-prop", type=float, default=0.1, help="optimal cut: minimum proportion per side (0.1)")
    sv.add_argument("--time-unit", default="", choices=["", "days", "months", "years", "weeks"])
    sv.set_defaults(handler=_run_survival)

    co = sub.add_parser("correlate", help="co-expression of one gene with a list, a gene set or every gene",
                        description="Correlate one gene with others in a genes x samples table (UCSC Xena / GDC "
                        "layout): Spearman (default), Pearson or Kendall, BH q values, n per pair; with TCGA barcodes "
                        "only tumours (one per patient) are used.",
                        epilog="example:\n  assaystats correlate example:lihc_expression --gene ZFAS1 --out coexpr",
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    co.add_argument("input", metavar="INPUT", help="genes x samples table (first column gene id) or example:NAME")
    _common_out(co)
    co.add_argument("--gene", required=True)
    gg = co.add_mutually_exclusive_group()
    gg.add_argument("--genes", help="genes to correlate with, comma separated (default: every gene)")
    gg.add_argument("--gene-set", metavar="FILE", help="a gene list (one per line) or a GMT file")
    co.add_argument("--method", default="spearman", choices=["spearman", "pearson", "kendall"])
    co.add_argument("--exact", action="store_true",
                    help="Spearman: R's exact / AS 89 p value (untied pairs) instead of the t approximation")
    co.add_argument("--clinical", help="clinical table for --covariates (partial correlation)")
    co.add_argument("--covariates", default="", help="clinical columns to adjust for (partial correlation)")
    co.add_argument("--id", help="sample id column of the clinical table (default: 'sample')")
    co.add_argument("--log2", action="store_true", help="transform values to log2(x + 1) first")
    co.set_defaults(handler=_run_correlate)

    ex = sub.add_parser("expression", help="a gene's expression by a clinical variable (stage, grade) or tumour vs normal",
                        description="Expression of one gene across the levels of a clinical column (one-way ANOVA as "
                        "GEPIA, or Welch / Kruskal-Wallis, with a trend test and Tukey post tests), a merged contrast "
                        "(--contrast I,II:III,IV), or tumour vs normal from TCGA barcodes (--by tissue).",
                        epilog="example:\n  assaystats expression example:lihc_expression --clinical CLINICAL.csv "
                        "--gene ZFAS1 --by stage --order I,II,III,IV --out stage",
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    ex.add_argument("input", metavar="INPUT", help="genes x samples table or example:NAME")
    _common_out(ex)
    ex.add_argument("--clinical", help="clinical table (needed unless --by tissue)")
    ex.add_argument("--gene", required=True)
    ex.add_argument("--by", required=True, help="clinical column, or 'tissue' for tumour vs normal")
    ex.add_argument("--order", default="", help="level order, comma separated")
    ex.add_argument("--id", help="sample id column of the clinical table (default: 'sample')")
    ex.add_argument("--test", default="anova", choices=["anova", "welch-anova", "kruskal"])
    ex.add_argument("--contrast", help="merged two-group contrast, e.g. I,II:III,IV")
    ex.add_argument("--log2", action="store_true", help="transform values to log2(x + 1) first")
    ex.set_defaults(handler=_run_expression)

    rn = sub.add_parser("run", help="run every analysis of a study file (TOML) into one report",
                        description="Run the analyses listed in a study file (TOML; see examples/study.toml) and "
                        "write one self-contained report with every panel, plus all tables and figures.",
                        epilog="example:\n  assaystats run examples/study.toml --out study_report",
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    rn.add_argument("input", metavar="STUDY.toml")
    _common_out(rn)
    rn.set_defaults(handler=_run_study)

    sr = sub.add_parser("scrna", help="single-cell comparison of two samples (10x): QC, embedding, DE, candidates",
                        description="Two samples (e.g. parental and resistant) from Cell Ranger folders to QC, "
                        "embedding (UMAP, t-SNE), Leiden clusters, cycle phase, gene-set scores, differential "
                        "expression and candidate reference cells that sit among the other sample's cells.",
                        epilog="example:\n  assaystats scrna --sample P=data/scrna_sim/P --sample R=data/scrna_sim/R "
                        "--reference P --out scrna_report\n  (or --example to use the bundled simulation)",
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    sr.add_argument("--sample", action="append", default=[], metavar="LABEL=PATH",
                    help="a sample: Cell Ranger folder, .h5, .h5ad or cells x genes CSV (give two)")
    sr.add_argument("--example", action="store_true", help="use the bundled simulation (P and R)")
    sr.add_argument("--reference", required=True, help="the sample whose cells are tested as candidates")
    _common_out(sr)
    sr.add_argument("--genes", metavar="FILE", help="gene sets (GMT or one gene per line); default: the study's sets")
    sr.add_argument("--seed", type=int, default=0)
    sr.add_argument("--neighbors", type=int, default=15)
    sr.add_argument("--resolution", type=float, default=1.0)
    sr.add_argument("--remove-doublets", action="store_true")
    sr.add_argument("--max-pct-mito", type=float, help="absolute limit on the mitochondrial percentage")
    sr.set_defaults(handler=_run_scrna)

    ds = sub.add_parser("datasets", help="list the bundled example data sets",
                        description="List the bundled example data sets (use them as INPUT with example:NAME).",
                        epilog="example:\n  assaystats datasets\n  assaystats datasets --describe ryegrass",
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    ds.add_argument("--describe", metavar="NAME", help="print the provenance note of one data set")
    ds.set_defaults(handler=_run_datasets)
    return p


def _common_out(parser):
    parser.add_argument("--out", required=True, metavar="DIR", help="output folder (must not exist unless --force)")
    parser.add_argument("--force", action="store_true", help="replace an existing output folder")
    parser.add_argument("--title", default=None, help="report title")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return int(args.handler(args) or 0)
    except (AssayDataError, OutputExistsError) as exc:
        print(f"{PROG}: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # pragma: no cover
        print(f"{PROG}: interrupted; no output written", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the CLI never shows a traceback unless asked
        if getattr(args, "debug", False):
            raise
        print(f"{PROG}: internal error: {type(exc).__name__}: {_one_line(exc)} (no output written; rerun with "
              "--debug for a traceback and please report it)", file=sys.stderr)
        return 1


def _one_line(exc) -> str:
    return " ".join(str(exc).split())


# -- helpers ------------------------------------------------------------------------------------------

def _resolve_input(spec: str) -> str:
    if spec.startswith("example:"):
        from .datasets import path

        return str(path(spec.split(":", 1)[1]))
    return spec


def _parse_levels(text: str) -> list[float]:
    out = []
    for part in [t for t in text.replace(";", ",").split(",") if t.strip()]:
        try:
            out.append(float(part))
        except ValueError:
            raise AssayDataError(f"--ed expects numbers separated by commas, e.g. 10,50,90; got {text!r}") from None
    if not out:
        raise AssayDataError("--ed needs at least one level")
    return out


def _parse_fix(text: str) -> dict[str, float]:
    out = {}
    for part in [t for t in text.split(",") if t.strip()]:
        if "=" not in part:
            raise AssayDataError(f"--fix expects NAME=VALUE pairs, e.g. top=100,bottom=0; got {part!r}")
        k, v = part.split("=", 1)
        try:
            out[k.strip().lower()] = float(v)
        except ValueError:
            raise AssayDataError(f"--fix value for {k.strip()!r} is not a number: {v!r}") from None
    return out


def _input_record(path, rows, label) -> dict:
    """Name, rows and SHA-256 of an input (a folder: the hash of its files' hashes in name order)."""
    import hashlib
    from pathlib import Path

    from .io import sha256

    p = Path(path)
    if p.is_dir():
        h = hashlib.sha256()
        for f in sorted(x for x in p.iterdir() if x.is_file()):
            h.update(f"{f.name}:{sha256(f)}\n".encode())
        digest = h.hexdigest()
    else:
        digest = sha256(p)
    return {"name": str(label), "rows": rows, "sha256": digest}


def _write_outputs(tmp, results, *, input_path, args, parameters, inputs=None):
    """Tables, figures (PNG+SVG), report and provenance into the temporary folder."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    from .io import write_json
    from .report import build_report, figure_to_png_bytes

    (tmp / "tables").mkdir()
    (tmp / "figures").mkdir()
    numbered = args.command == "run"  # a study: every file carries its analysis number
    pngs = {}
    used: set[str] = set()
    for i, res in enumerate(results, start=1):
        prefix = f"{i:02d}_" if numbered else ""
        for name, df in res.tables().items():
            if df is not None:
                fname = f"{prefix}{name}" if (numbered or name not in used) else f"{i:02d}_{name}"
                used.add(name)
                df.to_csv(tmp / "tables" / f"{fname}.csv", index=False)
        for name, make in res.figures().items():
            fig = make()
            png = figure_to_png_bytes(fig)
            pngs[(i - 1, name)] = png
            (tmp / "figures" / f"{prefix}{name}.png").write_bytes(png)
            fig.savefig(tmp / "figures" / f"{prefix}{name}.svg")
            plt.close(fig)

    records = [_input_record(p_, r.meta.get("n"), label) for (p_, r, label) in
               (inputs or [(input_path, results[0], args.input)])]
    digest = records[0]["sha256"]
    seen: dict = {}
    for k, rec in enumerate(records, start=1):  # one row per distinct input, listing the analyses that used it
        key = (rec["name"], rec["sha256"])
        if key in seen:
            seen[key]["analyses"] += f", {k}"
        else:
            seen[key] = {**rec, "analyses": str(k)}
    records = list(seen.values()) if len(results) > 1 else records
    title = args.title or f"assaystats {args.command}: {str(args.input).split('/')[-1]}"
    build_report(results, tmp / "report.html", title=title, inputs=records, figures=pngs, parameters=parameters)
    from ._result import versions

    write_json({"command": args.command, "argv": sys.argv[1:], "input": args.input, "input_path": input_path,
                "input_sha256": digest, "inputs": records, "parameters": parameters, "versions": versions(),
                "created_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "meta": [r.to_dict()["meta"] for r in results]}, tmp / "provenance.json")


def _write_run(args, results, input_path, inputs=None) -> None:
    """Write every output of a run into a temporary folder that becomes --out only when complete."""
    from .io import output_dir

    parameters = {k: (v if not isinstance(v, list) else [str(x) for x in v])
                  for k, v in vars(args).items() if k not in ("handler", "debug", "force", "out")}
    with output_dir(args.out, force=args.force) as tmp:
        _write_outputs(tmp, results, input_path=input_path, args=args, parameters=parameters, inputs=inputs)


def _check_out_free(args):
    from pathlib import Path

    out = Path(args.out)
    if out.exists() and not args.force:
        raise OutputExistsError(f"output folder {args.out!r} exists; use --force to replace it")


# -- sub-commands -------------------------------------------------------------------------------------

def _run_doseresponse(args) -> int:
    import warnings

    _check_out_free(args)
    input_path = _resolve_input(args.input)
    ed = _parse_levels(args.ed)
    fixed = _parse_fix(args.fix)
    share = [s.strip() for s in args.share.split(",") if s.strip()]
    compare = args.compare
    if args.pairs.strip():
        compare = []
        for part in [t for t in args.pairs.split(",") if t.strip()]:
            if part.count(":") != 1:
                raise AssayDataError(f"--pairs expects GROUP:REFERENCE items, e.g. Huh7-R:Huh7-P; got {part!r}")
            a, b = part.split(":")
            compare.append((a.strip(), b.strip()))

    from .doseresponse import fit
    from .errors import FitWarning
    from .io import read_table

    data = read_table(input_path, sheet=args.sheet if args.sheet is not None else 0)
    data.attrs["source"] = args.input
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", FitWarning)
        res = fit(data, dose=args.dose, response=args.response, group=args.group, replicate=args.replicate,
                  model=args.model, fixed=fixed, reference=args.reference, ed=ed, cov=args.cov,
                  interval_method=args.interval, ci_level=args.ci_level, ci_scale=args.ci_scale,
                  normalize=args.normalize, blank=args.blank, abs_response=args.abs_response,
                  compare=compare, p_adjust=args.p_adjust, share=share, dose_unit=args.dose_unit,
                  points=args.points, source=args.input)
        results = [res]
        if args.model_selection:
            from .doseresponse import compare_models

            results.append(compare_models(data, dose=args.dose, response=args.response, group=args.group,
                                          fixed=fixed))
    for w in caught:
        if issubclass(w.category, FitWarning):
            print(f"{PROG}: warning: {w.message}", file=sys.stderr)
    _write_run(args, results, input_path)
    print(f"{PROG}: wrote {args.out}/report.html ({len(res.fits)} curves)")
    return 0


def _run_compare(args) -> int:
    import warnings

    _check_out_free(args)
    input_path = _resolve_input(args.input)
    from .assays import compare
    from .errors import AssayWarning
    from .io import read_table

    data = read_table(input_path, sheet=args.sheet if args.sheet is not None else 0)
    data.attrs["source"] = args.input
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", AssayWarning)
        res = compare(data, value=args.value, group=args.group, control=args.control, by=args.by,
                      replicate=args.replicate, pair=args.pair, test=args.test, posthoc=args.posthoc,
                      alternative=args.alternative, ci_level=args.ci_level, level=args.level,
                      anova_type=args.anova_type, error=args.error, source=args.input)
    for w in caught:
        if issubclass(w.category, AssayWarning):
            print(f"{PROG}: warning: {w.message}", file=sys.stderr)
    _write_run(args, [res], input_path)
    print(f"{PROG}: wrote {args.out}/report.html ({len(res.table)} comparisons)")
    return 0


def _read_efficiency(path):
    from .assays import standard_curve
    from .io import read_table

    t = read_table(path)
    cols = {c.lower(): c for c in t.columns}
    if "gene" not in cols:
        raise AssayDataError("the efficiency table needs a 'gene' column", file=path)
    if "efficiency" in cols:
        return {str(g): float(e) for g, e in zip(t[cols["gene"]], t[cols["efficiency"]])}
    if "amount" in cols and "ct" in cols:
        curve = standard_curve(t, amount=cols["amount"], ct=cols["ct"], gene=cols["gene"])
        return dict(zip(curve.gene, curve.amplification))
    raise AssayDataError("the efficiency table needs columns gene,efficiency or gene,amount,ct", file=path)


def _run_qpcr(args) -> int:
    _check_out_free(args)
    input_path = _resolve_input(args.input)
    from .assays import qpcr
    from .io import read_table

    data = read_table(input_path)
    data.attrs["source"] = args.input
    eff = _read_efficiency(args.efficiency) if args.efficiency else None
    refs = [r.strip() for r in args.reference_gene.split(",") if r.strip()]
    res = qpcr(data, ct=args.ct, gene=args.gene, sample=args.sample, group=args.group, reference_genes=refs,
               calibrator=args.calibrator, efficiency=eff, undetermined=args.undetermined,
               spread_limit=args.spread_limit, ci_level=args.ci_level, source=args.input)
    _write_run(args, [res], input_path)
    print(f"{PROG}: wrote {args.out}/report.html ({len(res.meta['targets'])} target genes)")
    return 0


def _run_nanostring(args) -> int:
    from pathlib import Path

    _check_out_free(args)
    from .assays import nanostring
    from .io import read_rcc, read_table

    files = []
    for spec in args.input:
        p = Path(spec)
        if p.is_dir():
            found = sorted(p.glob("*.RCC")) + sorted(p.glob("*.rcc"))
            if not found:
                raise AssayDataError("folder holds no .RCC files", file=spec)
            files += found
        else:
            files.append(p)
    rccs = [read_rcc(f) for f in files]
    design = None
    if args.design:
        design = read_table(args.design)
        design.attrs["source"] = args.design
    ref = {}
    if args.reference_positive:
        ref["positive"] = args.reference_positive
    if args.reference_housekeeping:
        ref["housekeeping"] = args.reference_housekeeping
    res = nanostring(rccs, design=design, group=args.group, control=args.control, by=args.by,
                     background=args.background, reference=ref or None)
    args.input = f"{len(files)} RCC files"
    _write_run(args, [res], str(files[0]))
    print(f"{PROG}: wrote {args.out}/report.html ({len(files)} RCC files)")
    return 0


def _run_paired_genes(args) -> int:
    _check_out_free(args)
    input_path = _resolve_input(args.input)
    from .assays import paired_genes
    from .io import read_table

    data = read_table(input_path)
    res = paired_genes(data, gene=args.gene, value=args.value, pair=args.pair, group=args.group,
                       control=args.control, ci_level=args.ci_level, source=args.input)
    _write_run(args, [res], input_path)
    print(f"{PROG}: wrote {args.out}/report.html ({len(res.table)} genes)")
    return 0


def _run_survival(args) -> int:
    _check_out_free(args)
    input_path = _resolve_input(args.input)
    from .io import read_table
    from .survival import analyze

    data = read_table(input_path)
    try:
        times = [float(x) for x in args.times.split(",") if x.strip()]
    except ValueError:
        raise AssayDataError(f"--times expects numbers separated by commas; got {args.times!r}") from None
    res = analyze(data, time=args.time, event=args.event, event_value=args.event_value, group=args.group,
                  expression=args.expression, cutoff=args.cutoff,
                  covariates=[c.strip() for c in args.covariates.split(",") if c.strip()], reference=args.reference,
                  order=[o.strip() for o in args.order.split(",") if o.strip()] or None, conf_type=args.conf_type,
                  ties=args.ties, times=times, rmst_tau=args.rmst, minprop=args.min_prop, time_unit=args.time_unit,
                  source=args.input)
    _write_run(args, [res], input_path)
    print(f"{PROG}: wrote {args.out}/report.html ({len(res.table)} groups)")
    return 0


def _read_gene_set(path) -> list[str]:
    from pathlib import Path

    p = Path(path)
    if not p.exists():
        raise AssayDataError("file not found", file=str(path))
    genes = []
    for line in p.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = [x.strip() for x in line.replace(",", "\t").split("\t") if x.strip()]
        if not parts:
            continue
        genes += parts[2:] if p.suffix.lower() == ".gmt" else parts[:1]
    if not genes:
        raise AssayDataError("the gene set is empty", file=str(path))
    return list(dict.fromkeys(genes))


def _run_correlate(args) -> int:
    _check_out_free(args)
    input_path = _resolve_input(args.input)
    from .correlates import coexpression
    from .io import read_table

    expr = read_table(input_path)
    expr.attrs["source"] = args.input
    genes = [g.strip() for g in args.genes.split(",") if g.strip()] if args.genes else (
        _read_gene_set(args.gene_set) if args.gene_set else None)
    clinical = None
    if args.clinical:
        clinical = read_table(_resolve_input(args.clinical))
        clinical.attrs["source"] = args.clinical
    res = coexpression(expr, gene=args.gene, genes=genes, method=args.method, clinical=clinical,
                       covariates=[c.strip() for c in args.covariates.split(",") if c.strip()], id_col=args.id,
                       log2p1=args.log2, exact=args.exact)
    _write_run(args, [res], input_path)
    print(f"{PROG}: wrote {args.out}/report.html ({len(res.table)} genes)")
    return 0


def _run_expression(args) -> int:
    _check_out_free(args)
    input_path = _resolve_input(args.input)
    from .correlates import expression_by, tumour_vs_normal
    from .io import read_table

    expr = read_table(input_path)
    expr.attrs["source"] = args.input
    if args.by == "tissue":
        res = tumour_vs_normal(expr, gene=args.gene, log2p1=args.log2)
    else:
        if not args.clinical:
            raise AssayDataError("--clinical is needed with --by " + args.by)
        clinical = read_table(_resolve_input(args.clinical))
        clinical.attrs["source"] = args.clinical
        res = expression_by(expr, clinical, gene=args.gene, by=args.by,
                            order=[o.strip() for o in args.order.split(",") if o.strip()] or None, id_col=args.id,
                            test=args.test, contrast=args.contrast, log2p1=args.log2)
    _write_run(args, [res], input_path)
    print(f"{PROG}: wrote {args.out}/report.html")
    return 0


def _run_study(args) -> int:
    _check_out_free(args)
    from ._study import run_study

    title, runs = run_study(args.input)
    if args.title is None:
        args.title = title
    _write_run(args, [r for _p, r in runs], args.input,
               inputs=[(p_, r, p_.split("/")[-1]) for p_, r in runs])
    print(f"{PROG}: wrote {args.out}/report.html ({len(runs)} analyses)")
    return 0


def _run_scrna(args) -> int:
    _check_out_free(args)
    samples = {}
    if args.example:
        from .datasets import path as dpath

        base = dpath("scrna_sim").parent
        samples = {"P": str(base / "P"), "R": str(base / "R")}
    for spec in args.sample:
        if "=" not in spec:
            raise AssayDataError(f"--sample expects LABEL=PATH; got {spec!r}")
        label, path = spec.split("=", 1)
        if label in samples:
            raise AssayDataError(f"two samples have the label {label!r}")
        samples[label] = path
    try:
        from .scrna import run
    except ImportError:
        raise AssayDataError("the scrna command needs scanpy: pip install 'assaystats[scrna]'") from None
    res = run(samples, reference=args.reference, seed=args.seed, gene_sets=args.genes, n_neighbors=args.neighbors,
              resolution=args.resolution, remove_doublets=args.remove_doublets, max_pct_mito=args.max_pct_mito)
    args.input = ", ".join(f"{k}={v}" for k, v in samples.items())
    _write_run(args, [res], str(list(samples.values())[0]),
               inputs=[(p_, res, f"{k}: {p_}") for k, p_ in samples.items()])
    from pathlib import Path

    res.adata.write_h5ad(Path(args.out) / "adata.h5ad")
    print(f"{PROG}: wrote {args.out}/report.html ({res.meta['n_cells_passed']} cells)")
    return 0


def _run_datasets(args) -> int:
    from .datasets import describe, list_datasets

    if args.describe:
        print(describe(args.describe))
        return 0
    table = list_datasets()
    for r in table.itertuples(index=False):
        print(f"{r.name:16s} {r.kind:9s} {r.description}")
    print("\nUse as INPUT with example:NAME, e.g. assaystats doseresponse example:sorafenib_ic50 ...")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
