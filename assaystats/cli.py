"""The ``assaystats`` command. ``main(argv)`` is importable and testable; it returns the exit code.

Exit codes: 0 success; 2 bad input or usage (one line on stderr, no traceback, no output folder left
behind); 3 finished, but ``--out`` appeared during the run (another run, a user's folder): it was left alone and
the result kept beside it under a new name, which the message gives; 1 an unexpected internal error (one line;
``--debug`` shows the traceback); 130 / 143 interrupted by SIGINT / SIGTERM (nothing written).

Heavy libraries are imported inside the sub-command handlers so that ``assaystats --help`` is fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass

from ._version import __version__
from .errors import AssayDataError, OutputExistsError

PROG = "assaystats"

DOSERESPONSE_EXAMPLE = """\
examples:
  assaystats doseresponse example:sorafenib_ic50 --dose dose_uM --response viability \
      --group line --replicate experiment --pairs Huh7-R:Huh7-P,Hep3B-R:Hep3B-P --dose-unit uM \
      --out ic50_report
  assaystats doseresponse example:ryegrass --dose conc --response rootl --model-selection --out ryegrass_report

INPUT is a CSV/TSV/Excel file with one row per well, or example:NAME for a bundled data set
(see 'assaystats datasets'). Writes OUT/report.html, OUT/tables/{fits,parameters,effective_doses,
comparisons}.csv (+ replicate_fits, replicate_comparisons with --replicate), OUT/figures/*.png|svg and
OUT/provenance.json. The Hill slope is negative on a falling curve in every model (Prism's sign; drc's b = -hill for
LL.x and W1, b = hill for W2).
"""


COMPARE_EXAMPLE = """\
examples:
  assaystats compare example:zfas1_colonies --value colonies --group sirna --control siCtrl \
      --replicate experiment --out colonies_report
  assaystats compare example:zfas1_viability --value viability --group sirna --by sorafenib_uM \
      --control siCtrl --replicate experiment --out viability_report

Writes OUT/tables/omnibus.csv (term, statistic, df_num, df_den, p_value, method), OUT/tables/comparisons.csv
(group1, group2, within, estimate, se, statistic, df, p_value, p_adjusted, ci_low, ci_high, ci_level, method,
adjustment), descriptives.csv, assumptions.csv, figures and OUT/report.html.
"""


QPCR_EXAMPLE = """\
examples:
  assaystats qpcr example:zfas1_qpcr --reference-gene GAPDH,ACTB --control siCtrl --out qpcr_report
  assaystats qpcr example:zfas1_qpcr --reference-gene GAPDH --control siCtrl --undetermined 40 \
      --out qpcr_gapdh_report

INPUT has one row per well: sample, group, gene, ct ('Undetermined' allowed). Writes
OUT/tables/relative_expression.csv (group, gene, delta_ct, delta_delta_ct, fold_change, ci_low, ci_high, p_value,
knockdown_pct, ...), qpcr_samples.csv, qpcr_technical.csv, reference_stability.csv, figures and OUT/report.html.
"""


NANOSTRING_EXAMPLE = """\
examples:
  assaystats nanostring example:nanostring_skmel --design example:nanostring_skmel --group Treatment \
      --control DMSO --by BRAFGenotype --out nanostring_report

RCC is one or more RCC files, folders holding them, or example:NAME (the bundled RCC folder). Writes
OUT/tables/qc.csv (sample, file, pos_factor, hk_factor, fov_ratio, binding_density, pos_r2, flags),
normalized.csv, differential.csv (gene, group, reference, log2fc, p_value, q_value, ...),
housekeeping_stability.csv, figures and OUT/report.html.
"""


SURVIVAL_EXAMPLE = """\
examples:
  assaystats survival example:lihc_cohort --time os_months --event os_event --expression ZFAS1 \
      --cutoff median --covariates age --time-unit months --out os_report
  assaystats survival example:lihc_cohort --time os_months --event os_event --group stage \
      --order I,II,III,IV --time-unit months --out os_by_stage
  assaystats survival example:lihc_cohort --time os_months --event os_event --time-unit months --out os_overall

Without --group or --expression: the overall Kaplan-Meier curve with its median. Writes OUT/tables/groups.csv
(group, n, events, median, median_ci_low, median_ci_high, ...), logrank.csv (statistic, df, p_value, method),
cox.csv (term, coef, se, hr, hr_ci_low, hr_ci_high, z, p_value), risk_table.csv (group, time, n_at_risk, events,
censored), ph_test.csv, and for --cutoff optimal cutpoint.csv (cutpoint, statistic, p_value, method, n_low,
n_high, naive_p_value).
"""


class _Parser(argparse.ArgumentParser):
    """Errors are one line and exit 2; in a study file (``raise_errors``) they raise AssayDataError instead."""

    raise_errors = False

    def error(self, message):
        if self.raise_errors:
            raise AssayDataError(message)
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


class _DeprecatedAlias(argparse.Action):
    """An old spelling of an option, kept for one release: works as the new one, with a note on stderr."""

    def __init__(self, option_strings, dest, new: str = "", **kw):
        self.new = new
        super().__init__(option_strings, dest, **kw)

    def __call__(self, parser, namespace, values, option_string=None):
        _deprecated(namespace, f"{option_string} is deprecated; use {self.new}")
        setattr(namespace, self.dest, values)


def _deprecated(namespace, note: str) -> None:
    """Deprecation notes are printed after a successful run, so that an error stays one line."""
    namespace._deprecations = [*getattr(namespace, "_deprecations", []), note]


def _alias(parser, old: str, new: str, dest: str, **kw):
    parser.add_argument(old, dest=dest, action=_DeprecatedAlias, new=new, help=argparse.SUPPRESS, **kw)


@dataclass(frozen=True)
class Subcommand:
    """One sub-command: its parser, its handler in ``_commands`` and the option names that name label columns
    (read as text). The parser, the command line and the study runner all use this one registry."""

    name: str
    add_arguments: Callable
    handler: str
    labels: tuple = ()
    study: bool = True  # can appear as a kind in a study file
    writes: bool = True  # writes an output folder (--out and the common options)


def _doseresponse_args(d):
    d.add_argument("input", metavar="INPUT", help="table file (CSV/TSV/Excel) or example:NAME")
    d.add_argument("--dose", default="dose", help="dose column, concentrations >= 0 (default: dose)")
    d.add_argument("--response", default="response", help="response column (default: response)")
    d.add_argument("--group", help="column naming each curve (cell line, treatment)")
    d.add_argument("--replicate", help="column naming the independent experiment (biological replicate)")
    d.add_argument("--model", default="ll4", choices=["ll4", "ll3", "ll5", "w1", "w2"],
                   help="ll4 (default; drc LL.4, Prism variable slope), ll3 (bottom 0), ll5, w1, w2")
    d.add_argument("--control", help="group the others are compared with (default: first in the file)")
    _alias(d, "--reference", "--control", "control")
    d.add_argument("--compare", default="reference", choices=["reference", "pairwise", "none"],
                   help="comparisons: each group vs the control (default), all pairs, or none")
    d.add_argument("--pairs", default="",
                   help="explicit comparisons GROUP:CONTROL separated by commas, e.g. "
                   "Huh7-R:Huh7-P,Hep3B-R:Hep3B-P (overrides --compare)")
    d.add_argument("--p-adjust", default="holm", action=_AdjustName, metavar="{holm,bonferroni,sidak,holm-sidak,bh,none}",
                   help="multiplicity correction across comparisons (default: holm; bh = Benjamini-Hochberg, the "
                   "name --posthoc uses; fdr_bh still accepted)")
    d.add_argument("--ed", default="10,50,90", help="effective-dose levels in percent (default: 10,50,90)")
    d.add_argument("--cov", default="jtj", choices=["jtj", "hessian"],
                   help="covariance: jtj (Prism, R nls; default) or hessian (drc)")
    d.add_argument("--interval", default="delta", choices=["delta", "profile"],
                   help="confidence intervals: delta method (default) or profile likelihood")
    d.add_argument("--ci-scale", default="log", choices=["log", "linear"],
                   help="delta intervals of doses on the log scale (default, Prism) or linear (drc)")
    d.add_argument("--ci-level", type=_level, default=0.95, help="confidence level (default: 0.95)")
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
    _sheet(d)


def _compare_args(c):
    c.add_argument("input", metavar="INPUT", help="table file (CSV/TSV/Excel) or example:NAME")
    c.add_argument("--value", required=True, help="the measured column")
    c.add_argument("--group", required=True, help="the grouping column")
    c.add_argument("--control", help="control level (Dunnett; estimates are group - control)")
    c.add_argument("--order", default="", help="group order in tables and figures, comma separated")
    c.add_argument("--by", help="a second factor: two-way ANOVA and simple effects within each of its levels")
    c.add_argument("--replicate", help="independent unit (experiment, animal): analysis on replicate means")
    c.add_argument("--subject", help="subject column for paired / repeated-measures designs (one id per subject)")
    _alias(c, "--pair", "--subject", "subject")
    c.add_argument("--test", default="auto", choices=["auto", "welch", "student", "paired", "ratio-paired",
                                                       "mann-whitney", "wilcoxon", "anova", "welch-anova",
                                                       "brown-forsythe", "kruskal", "poisson", "negbin"],
                   help="test (default auto: Welch/paired t for two groups, ANOVA for more; poisson/negbin for counts)")
    c.add_argument("--posthoc", choices=["dunnett", "tukey", "sidak", "holm-sidak", "bonferroni", "holm", "bh",
                                         "games-howell", "dunn", "none", "omnibus"],
                   help="post test (default: dunnett with --control, else tukey); none = all pairs without "
                   "adjustment (Fisher's LSD); omnibus = the omnibus test alone")
    c.add_argument("--alternative", default="two-sided", choices=["two-sided", "greater", "less"],
                   help="alternative hypothesis of two-group and control comparisons (default: two-sided)")
    c.add_argument("--level", default="auto", choices=["auto", "replicate", "mixed", "cell"],
                   help="with --replicate: replicate means (auto), a mixed model, or cells as n (warns)")
    c.add_argument("--anova-type", type=int, default=2, choices=[2, 3],
                   help="sums of squares of the two-way ANOVA: type 2 (default, car::Anova) or 3")
    c.add_argument("--error", default="sem", choices=["sem", "sd", "ci"],
                   help="error bars of the figure: SEM (default), SD or confidence interval")
    c.add_argument("--ci-level", type=_level, default=0.95, help="confidence level (default: 0.95)")
    _sheet(c)


def _qpcr_args(q):
    q.add_argument("input", metavar="INPUT", help="long table of wells (CSV/TSV/Excel) or example:NAME")
    q.add_argument("--reference-gene", required=True, help="reference gene(s), comma separated, e.g. GAPDH,ACTB")
    q.add_argument("--control", help="required: the group everything is relative to (the calibrator), "
                   "e.g. siCtrl")
    _alias(q, "--calibrator", "--control", "control")
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
    q.add_argument("--test", default="auto", choices=["auto", "welch", "student"],
                   help="test of per-sample dCt: auto (default: Welch t for two groups, ANOVA + Dunnett for more), "
                   "welch or student")
    q.add_argument("--ci-level", type=_level, default=0.95, help="confidence level (default: 0.95)")
    _sheet(q)


def _nanostring_args(n):
    n.add_argument("input", metavar="RCC", nargs="+", help="RCC files, folders holding them, or example:NAME")
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
    n.add_argument("--ci-level", type=_level, default=0.95, help="confidence level (default: 0.95)")


def _paired_genes_args(pgp):
    pgp.add_argument("input", metavar="INPUT", help="long table (gene, value, subject id, group) or example:NAME")
    pgp.add_argument("--gene", required=True, help="gene column")
    pgp.add_argument("--value", required=True, help="the measured column (e.g. log2 expression)")
    pgp.add_argument("--subject", help="required: subject id column (patient)")
    _alias(pgp, "--pair", "--subject", "subject")
    pgp.add_argument("--group", required=True, help="two-level column (tissue)")
    pgp.add_argument("--control", required=True, help="the reference level (normal)")
    pgp.add_argument("--ci-level", type=_level, default=0.95, help="confidence level (default: 0.95)")
    _sheet(pgp)


def _survival_args(sv):
    sv.add_argument("input", metavar="INPUT", help="table (one row per patient) or example:NAME")
    sv.add_argument("--time", required=True, help="follow-up time column")
    sv.add_argument("--event", required=True, help="event column (0/1 or true/false)")
    sv.add_argument("--event-value", help="value of --event that means the event (e.g. 2 for survival::lung)")
    grp = sv.add_mutually_exclusive_group()
    grp.add_argument("--group", help="grouping column (without --group or --expression: the overall curve)")
    grp.add_argument("--expression", help="numeric column to split (gene expression)")
    sv.add_argument("--cutoff", default="median",
                    help="median (default), tertile (bottom vs top third; also tertile-extremes), quartile (bottom vs "
                    "top quarter), optimal, pNN (percentile) or a value")
    sv.add_argument("--covariates", default="", help="Cox covariates, comma separated (e.g. age,stage)")
    sv.add_argument("--control", help="reference group of the hazard ratio (default: first, or 'low')")
    _alias(sv, "--reference", "--control", "control")
    sv.add_argument("--order", default="", help="group order, comma separated (for the trend test)")
    sv.add_argument("--conf-type", default="log", choices=["log", "log-log", "plain"],
                    help="Kaplan-Meier interval type (default log, as R)")
    sv.add_argument("--ci-level", type=_level, default=0.95, help="confidence level (default: 0.95)")
    sv.add_argument("--ties", default="efron", choices=["efron", "breslow"],
                    help="Cox handling of tied event times (default: efron, as R's coxph)")
    sv.add_argument("--times", default="", help="report survival at these times, e.g. 12,36,60")
    sv.add_argument("--rmst", type=float, help="horizon of the restricted mean survival time")
    sv.add_argument("--min-prop", type=float, default=0.1, help="optimal cut: minimum proportion per side (0.1)")
    sv.add_argument("--cv-folds", type=int, default=5,
                    help="optimal cut: folds of the cross-validated hazard ratio beside the naive one (default: 5)")
    sv.add_argument("--seed", type=int, default=0, help="seed of the cross-validation folds (default: 0)")
    sv.add_argument("--time-unit", choices=["days", "weeks", "months", "years"],
                    help="unit of --time, shown in the report and axes")
    _sheet(sv)


def _correlate_args(co):
    co.add_argument("input", metavar="INPUT", help="genes x samples table (first column gene id) or example:NAME; "
                    "a .zarr, .h5 or .parquet matrix is read chunk by chunk (needs the dask extra)")
    co.add_argument("--gene", required=True, help="the query gene")
    gg = co.add_mutually_exclusive_group()
    gg.add_argument("--genes", help="genes to correlate with, comma separated (default: every gene)")
    gg.add_argument("--gene-set", metavar="FILE", help="a gene list (one per line) or a GMT file")
    co.add_argument("--method", default="spearman", choices=["spearman", "pearson", "kendall"],
                    help="correlation (default: spearman)")
    co.add_argument("--exact", action="store_true",
                    help="Spearman: R's exact / AS 89 p value (untied pairs) instead of the t approximation")
    co.add_argument("--clinical", help="clinical table for --covariates (partial correlation)")
    co.add_argument("--covariates", default="", help="clinical columns to adjust for (partial correlation)")
    co.add_argument("--id", help="sample id column of the clinical table (default: 'sample')")
    co.add_argument("--log2", action="store_true", help="transform values to log2(x + 1) first")


def _expression_args(ex):
    ex.add_argument("input", metavar="INPUT", help="genes x samples table or example:NAME")
    ex.add_argument("--clinical", help="clinical table (needed unless --by tissue)")
    ex.add_argument("--gene", required=True, help="the gene")
    ex.add_argument("--by", required=True, help="clinical column, or 'tissue' for tumour vs normal")
    ex.add_argument("--order", default="", help="level order, comma separated")
    ex.add_argument("--id", help="sample id column of the clinical table (default: 'sample')")
    ex.add_argument("--test", default="anova", choices=["anova", "welch-anova", "kruskal"],
                    help="test across the levels (default: anova, as GEPIA)")
    ex.add_argument("--contrast", help="merged two-group contrast, e.g. I,II:III,IV")
    ex.add_argument("--log2", action="store_true", help="transform values to log2(x + 1) first")


SCREEN_EXAMPLE = """examples:
  assaystats screen example:screen_sim --dose dose_uM --response viability --curve compound,cell_line \\
      --replicate replicate --out screen_report
  assaystats screen example:screen_sim --dose dose_uM --response viability --curve compound,cell_line \\
      --cell-count cell_count --t0-count cell_count__time0 --control-count cell_count__ctrl --out screen_gr
  assaystats screen example:screen_sim --dose dose_uM --response viability --curve compound,cell_line \\
      --engine dask --workers 2 --out screen_dask

INPUT is one long table (CSV/TSV/Excel/Parquet), one row per well. Writes OUT/tables/curves.csv (one row per
curve: the single-curve fits table's columns plus r2, rmse, flat_f/flat_p, activity_area; Parquet too above
100,000 curves), gr_metrics.csv and gr_values.csv with --cell-count, flags.csv, the figures and OUT/report.html.
"""


def _screen_args(sc):
    sc.add_argument("input", metavar="INPUT", help="long table, one row per well (CSV/TSV/Excel/Parquet) or "
                    "example:NAME")
    sc.add_argument("--dose", default="dose", help="dose column, concentrations >= 0 (default: dose)")
    sc.add_argument("--response", help="response column (viability, %% of control); omit for GR metrics only")
    sc.add_argument("--curve", required=True, help="column(s) identifying a curve, comma separated (compound,"
                    "cell_line); the first two are the heatmap's rows and columns")
    sc.add_argument("--replicate", help="replicate column: duplicated (curve, dose, replicate) wells are flagged")
    sc.add_argument("--model", default="ll4", choices=["ll4", "ll3", "ll5", "w1", "w2"],
                    help="ll4 (default) or ll3 are fitted in one batch; the others curve by curve")
    sc.add_argument("--fix", default="", help="fixed parameters, e.g. top=100")
    sc.add_argument("--ci-level", type=float, default=0.95, help="confidence level (default: 0.95)")
    sc.add_argument("--unit-column", help="column holding each well's dose unit (curves mixing units are flagged)")
    sc.add_argument("--auc-window", help="common dose window LOW,HIGH of AUC and activity area (default: the "
                    "screen's lowest and highest positive dose)")
    sc.add_argument("--cell-count", help="cell count column at the end of treatment: GR metrics (Hafner 2016)")
    sc.add_argument("--t0-count", help="time-zero cell count column per well (else rows with --time 0)")
    sc.add_argument("--control-count", help="untreated control count column per well (else rows with dose 0)")
    sc.add_argument("--time", help="treatment time column (time-zero rows have 0)")
    sc.add_argument("--engine", default="numpy", choices=["numpy", "dask"],
                    help="numpy (default: in memory) or dask (partition by partition; CSV or Parquet input)")
    sc.add_argument("--scheduler", metavar="ADDRESS", help="with --engine dask: a running dask scheduler "
                    "(tcp://host:8786)")
    sc.add_argument("--workers", type=int, help="with --engine dask: start a local cluster of N worker processes")
    sc.add_argument("--partitions", type=int, help="with --engine dask: partitions of the screen (default: dask's "
                    "blocks of the input)")
    sc.add_argument("--sheet", default=None, help="Excel sheet name (default: the first)")


def _run_args(rn):
    rn.add_argument("input", metavar="STUDY.toml", help="the study file (TOML)")


def _scrna_args(sr):
    sr.add_argument("--sample", action="append", default=[], metavar="LABEL=PATH",
                    help="a sample: Cell Ranger folder, .h5, .h5ad or cells x genes CSV (give two, or one per culture "
                    "with --condition)")
    sr.add_argument("--example", action="store_true", help="use the bundled simulation (P and R)")
    sr.add_argument("--reference", required=True,
                    help="the sample (or condition, with --condition) whose cells are tested as candidates")
    sr.add_argument("--condition", action="append", default=[], metavar="LABEL=CONDITION",
                    help="replicate cultures: the condition of each sample (e.g. --condition P1=P --condition P2=P "
                    "--condition R1=R --condition R2=R); DE is then a pseudobulk DESeq2 test across cultures")
    sr.add_argument("--batch", choices=["harmony", "bbknn"],
                    help="correct for the libraries before neighbours (needs several per condition, and harmonypy "
                    "or bbknn installed)")
    sr.add_argument("--genes", metavar="FILE", help="gene sets (GMT or one gene per line); default: the study's sets")
    sr.add_argument("--highlight", help="genes drawn in the embedding, dot plot and scatter, comma separated "
                    "(default: genes of the gene sets)")
    sr.add_argument("--seed", type=int, default=0, help="random seed of every stochastic step (default: 0)")
    sr.add_argument("--neighbors", type=int, default=15, help="neighbours of the kNN graph (default: 15)")
    sr.add_argument("--resolution", type=float, default=1.0, help="Leiden resolution (default: 1.0)")
    sr.add_argument("--remove-doublets", action="store_true", help="remove the cells scrublet calls doublets")
    sr.add_argument("--max-pct-mito", type=float, help="absolute limit on the mitochondrial percentage")


def _datasets_args(ds):
    ds.add_argument("--describe", metavar="NAME", help="print the provenance note of one data set")


#: the registry: (Subcommand, help, description, epilog)
SUBCOMMANDS = (
    (Subcommand("doseresponse", _doseresponse_args, "_run_doseresponse", ("group", "replicate")),
     "fit dose-response curves, IC50s and compare groups",
     "Fit dose-response curves per group (drc LL.4 by default), report IC50s, effective doses, IC50 ratios with "
     "delta and Fieller intervals and the F test of a shared log IC50; with --replicate, also compare "
     "per-experiment IC50s.", DOSERESPONSE_EXAMPLE),
    (Subcommand("screen", _screen_args, "_run_screen", ("replicate",)),
     "a whole drug screen: every curve at once, GR metrics, flags",
     "Fit every dose-response curve of a screen at once (batched LL.4, the single-curve analysis' columns, "
     "censoring rules and flags), with an F test of each curve against a flat line, activity area and AUC over a "
     "common window, and GR metrics when cell counts are given; in memory or on a dask cluster.", SCREEN_EXAMPLE),
    (Subcommand("compare", _compare_args, "_run_compare", ("group", "replicate", "subject")),
     "compare a measured value between groups (t, ANOVA, post tests, two-way)",
     "Compare a value between groups with the right test for the design: Welch t or paired t for two groups, "
     "one-way ANOVA with Dunnett (vs --control) or Tukey post tests, two-way ANOVA with simple effects (--by); "
     "with --replicate the unit is the replicate mean (blocks when every replicate holds every group).",
     COMPARE_EXAMPLE),
    (Subcommand("qpcr", _qpcr_args, "_run_qpcr", ("gene", "sample", "group")),
     "relative expression from qPCR Ct values (2^-ddCt, Pfaffl)",
     "Relative quantification of qPCR wells: technical replicates averaged per biological sample, normalised to "
     "one or more reference genes, expressed against a control (calibrator) group, tested on per-sample dCt "
     "(Welch t / ANOVA + Dunnett), with fold-change intervals, knockdown %% and geNorm M of the reference genes.",
     QPCR_EXAMPLE),
    (Subcommand("nanostring", _nanostring_args, "_run_nanostring", ()),
     "NanoString nCounter RCC files: QC, normalisation, differential expression",
     "Read RCC files (or a folder of them), flag QC problems, normalise by NanoString's guidelines as "
     "NanoStringNorm implements them (positive controls, background, housekeeping genes) and, with a design table, "
     "test each gene between groups (Welch t on log2 counts, BH q values).", NANOSTRING_EXAMPLE),
    (Subcommand("paired-genes", _paired_genes_args, "_run_paired_genes", ("gene", "subject", "group")),
     "many genes in paired samples (tumour vs matched normal)",
     "Paired t and Wilcoxon signed-rank test per gene with BH q values across genes.",
     "example:\n  assaystats paired-genes example:notch_tumour_normal --gene gene --value log2_expression \\\n"
     "      --subject patient --group tissue --control normal --out notch_report\n"),
    (Subcommand("survival", _survival_args, "_run_survival", ("group",)),
     "Kaplan-Meier, log-rank and Cox: overall, by a group or by a gene's expression",
     "Survival overall, by a grouping column or by a numeric column (expression) split by a rule; Kaplan-Meier "
     "with number-at-risk table, log-rank, Cox (with covariates), the proportional-hazards check, and for "
     "--cutoff optimal the maximally selected log-rank statistic with a corrected p value.", SURVIVAL_EXAMPLE),
    (Subcommand("correlate", _correlate_args, "_run_correlate", ()),
     "co-expression of one gene with a list, a gene set or every gene",
     "Correlate one gene with others in a genes x samples table (UCSC Xena / GDC layout): Spearman (default), "
     "Pearson or Kendall, BH q values, n per pair; with TCGA barcodes only tumours (one per patient) are used.",
     "example:\n  assaystats correlate example:lihc_expression --gene ZFAS1 --out coexpr\n"),
    (Subcommand("expression", _expression_args, "_run_expression", ("by",)),
     "a gene's expression by a clinical variable (stage, grade) or tumour vs normal",
     "Expression of one gene across the levels of a clinical column (one-way ANOVA as GEPIA, or Welch / "
     "Kruskal-Wallis, with a trend test and Tukey post tests), a merged contrast (--contrast I,II:III,IV), or "
     "tumour vs normal from TCGA barcodes (--by tissue).",
     "examples:\n  assaystats expression example:lihc_expression --clinical example:lihc_clinical --gene ZFAS1 "
     "--by stage \\\n      --order I,II,III,IV --out stage\n"
     "  assaystats expression example:lihc_expression --gene ZFAS1 --by tissue --out tumour_vs_normal\n"),
    (Subcommand("run", _run_args, "_run_study", (), study=False),
     "run every analysis of a study file (TOML) into one report",
     "Run the analyses listed in a study file (TOML; see examples/paper/study.toml) and write one self-contained "
     "report with every panel, plus all tables and figures. Each [[analysis]] names a sub-command as its kind "
     "and takes that sub-command's options under the same names (dashes or underscores).",
     "example:\n  assaystats run examples/paper/study.toml --out study_report\n"),
    (Subcommand("check", _run_args, "_run_check", (), study=False, writes=False),
     "validate a study file (TOML) without running it",
     "Check every analysis of a study file as 'run' would read it: the options (by each sub-command's own "
     "parser), every input file, the columns the options name, numeric columns, and the levels options name "
     "(--control, --order, pairs, reference genes, the event value, the gene). Runs no analysis and writes "
     "nothing; exit 0 when the study is ready to run, 2 with the run's own one-line error otherwise.",
     "example:\n  assaystats check examples/paper/study.toml\n"),
    (Subcommand("scrna", _scrna_args, "_run_scrna", ()),
     "single-cell comparison of two samples (10x): QC, embedding, DE, candidates",
     "Two samples (e.g. parental and resistant) from Cell Ranger folders to QC, embedding (UMAP, t-SNE), Leiden "
     "clusters, cycle phase, gene-set scores, differential expression and candidate reference cells that sit "
     "among the other sample's cells.",
     "examples:\n  assaystats scrna --example --reference P --out scrna_report\n"
     "  (the bundled simulation; your own data: --sample P=PATH --sample R=PATH)\n"),
    (Subcommand("datasets", _datasets_args, "_run_datasets", (), study=False, writes=False),
     "list the bundled example data sets",
     "List the bundled example data sets (use them as INPUT with example:NAME).",
     "examples:\n  assaystats datasets\n  assaystats datasets --describe ryegrass\n"),
)

REGISTRY = {spec.name: spec for spec, *_ in SUBCOMMANDS}


class _AdjustName(argparse.Action):
    choices_ = ("holm", "bonferroni", "sidak", "holm-sidak", "bh", "none")

    def __call__(self, parser, namespace, values, option_string=None):
        if values == "fdr_bh":
            _deprecated(namespace, "--p-adjust fdr_bh is deprecated; use --p-adjust bh")
            values = "bh"
        if values not in self.choices_:
            parser.error(f"argument --p-adjust: invalid choice: {values!r} (choose from "
                         f"{', '.join(map(repr, self.choices_))})")
        setattr(namespace, self.dest, values)


def _level(text) -> float:
    try:
        v = float(text)
    except (TypeError, ValueError):
        raise argparse.ArgumentTypeError(f"expected a confidence level between 0 and 1, e.g. 0.95; got {text!r}")
    if not 0 < v < 1:
        raise argparse.ArgumentTypeError(f"expected a confidence level between 0 and 1, e.g. 0.95; got {text!r}")
    return v


def _sheet(parser):
    parser.add_argument("--sheet", default=None, help="Excel sheet name (default: the first)")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG, description="Statistics of cancer-biology bench assays: dose-response, group "
                "comparisons, survival; numbers equal to R's, one self-contained report.",
                epilog="Run 'assaystats SUBCOMMAND --help' for the options and an example of each.")
    p.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = p.add_subparsers(dest="command", metavar="SUBCOMMAND", parser_class=_Parser)
    for spec, help_, description, epilog in SUBCOMMANDS:
        sp = sub.add_parser(spec.name, help=help_, description=description, epilog=epilog,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
        spec.add_arguments(sp)
        if spec.writes:
            _common_out(sp)
        else:
            sp.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
        sp.set_defaults(handler=spec.handler)
    return p


def _common_out(parser):
    parser.add_argument("--out", required=True, metavar="DIR", help="output folder (must not exist unless --force)")
    parser.add_argument("--force", action="store_true",
                        help="replace an existing output folder, only if assaystats wrote it and nothing else is in it")
    parser.add_argument("--title", default=None, help="report title")
    parser.add_argument("--pdf", action="store_true", help="also write report.pdf (vector figures, contents, page "
                        "numbers; needs the pdf extra: pip install 'assaystats[pdf]')")
    parser.add_argument("--quiet", action="store_true", help="no progress messages on stderr")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    restore = _trap_sigterm()
    try:
        return _dispatch(args)
    finally:
        if restore is not None:
            import signal

            signal.signal(signal.SIGTERM, restore)


def _dispatch(args) -> int:
    from .io import OutputMoved

    try:
        from . import _commands

        return int(_commands.execute(args) or 0)
    except (AssayDataError, OutputExistsError) as exc:
        print(f"{PROG}: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except OutputMoved as exc:
        print(f"{PROG}: warning: {_one_line(exc)}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; no output written", file=sys.stderr)
        return 130
    except _Terminated:
        print(f"{PROG}: terminated (SIGTERM); no output written", file=sys.stderr)
        return 143
    except Exception as exc:  # noqa: BLE001 - the CLI never shows a traceback unless asked
        if getattr(args, "debug", False):
            raise
        print(f"{PROG}: internal error: {type(exc).__name__}: {_one_line(exc)} (no output written; rerun with "
              "--debug for a traceback and please report it)", file=sys.stderr)
        return 1


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread so that the output's temporary folder is cleaned up as on Ctrl-C."""


def _trap_sigterm():
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return None

    def handler(signum, frame):
        raise _Terminated()

    try:
        return signal.signal(signal.SIGTERM, handler)
    except (ValueError, OSError):  # pragma: no cover - not allowed here
        return None


def _one_line(exc) -> str:
    return " ".join(str(exc).split())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
