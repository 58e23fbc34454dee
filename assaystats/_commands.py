"""The sub-commands of ``assaystats``: each reads its inputs, calls the analysis and writes the outputs through
one path (tables, figures, report, provenance into a temporary folder renamed into place). Heavy libraries are
imported inside the functions so that ``assaystats --help`` stays fast."""

from __future__ import annotations

import dataclasses
import sys
import time

from .errors import AssayDataError

PROG = "assaystats"


# -- helpers ------------------------------------------------------------------------------------------

def _open_table(spec: str, sheet=None, *, labels=(), args=None):
    """(resolved path, table) for a file name or example:NAME; the table remembers the name the user gave.

    ``labels`` are the columns read as text (ids, groups); the notes of reading (spaces removed, decimal commas)
    are kept on ``args._notes`` for the report and the provenance."""
    from .io import read_table

    path = _resolve_input(spec)
    table = read_table(path, sheet=sheet if sheet is not None else 0, labels=labels)
    table.attrs["source"] = spec
    if args is not None:
        args._notes = list(getattr(args, "_notes", [])) + [f"{spec}: {n}" for n in table.attrs.get("notes", [])]
    return path, table


def _labels(args, *extra) -> list[str]:
    """The label columns of this command (the registry's label options, as the user named them)."""
    from .cli import REGISTRY

    names = [getattr(args, d, None) for d in REGISTRY[args.command].labels] + list(extra)
    return [n for n in names if isinstance(n, str) and n]


def _comma_list(text) -> list[str]:
    return [t.strip() for t in str(text or "").split(",") if t.strip()]


def _resolve_input(spec: str) -> str:
    if spec.startswith("example:"):
        from .datasets import resolve

        return str(resolve(spec))
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
        for f in sorted(x for x in p.rglob("*") if x.is_file()):
            h.update(f"{f.relative_to(p)}:{sha256(f)}\n".encode())
        digest = h.hexdigest()
    else:
        digest = sha256(p)
    return {"name": str(label), "rows": rows, "sha256": digest}


def _json_safe(obj):
    from ._result import _json_safe as safe

    return safe(obj)


def _write_outputs(tmp, results, *, input_path, args, parameters, inputs=None):
    """Tables, figures (PNG+SVG), report and provenance into the temporary folder."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    from . import _progress
    from ._result import plain_text
    from .io import write_json
    from .report import build_report, figure_to_png_bytes, figure_to_svg_bytes

    (tmp / "tables").mkdir()
    (tmp / "figures").mkdir()
    numbered = args.command == "run"  # a study: every file carries its analysis number
    pngs, svgs = {}, {}
    used: set[str] = set()
    for i, res in _progress.iterate(list(enumerate(results, start=1)), "tables and figures"):
        prefix = f"{i:02d}_" if numbered else ""
        for name, df in res.tables().items():
            if df is not None:
                fname = f"{prefix}{name}" if (numbered or name not in used) else f"{i:02d}_{name}"
                used.add(name)
                df.to_csv(tmp / "tables" / f"{fname}.csv", index=False)
        for name, make in res.figures().items():
            fig = plain_text(make())
            png = figure_to_png_bytes(fig)
            pngs[(i - 1, name)] = png
            (tmp / "figures" / f"{prefix}{name}.png").write_bytes(png)
            svg = figure_to_svg_bytes(fig)
            svgs[(i - 1, name)] = svg
            (tmp / "figures" / f"{prefix}{name}.svg").write_bytes(svg)
            plt.close(fig)

    # an input is (path, result, label) or (path, result, label, rows) when one result reads several inputs
    records = [_input_record(it[0], it[3] if len(it) > 3 else it[1].meta.get("n_rows_input", it[1].meta.get("n")),
                             it[2]) for it in
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
    if getattr(args, "pdf", False):
        from .report import build_pdf

        _progress.step("writing report.pdf")
        build_pdf(results, tmp / "report.pdf", title=title, inputs=records, figures=svgs, parameters=parameters)
    from ._result import versions

    write_json({"command": args.command, "argv": sys.argv[1:], "input": args.input, "input_path": input_path,
                "input_sha256": digest, "inputs": records, "parameters": parameters,
                "notes": [n for r in results for n in r.meta.get("notes", [])],
                "rows_left_out": [r.meta.get("rows_left_out", {}) for r in results], "versions": versions(),
                "created_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "meta": [_json_safe({k: v for k, v in r.meta.items() if not str(k).startswith("_")}) for r in results]}, tmp / "provenance.json")


def _write_run(args, results, input_path, inputs=None, extra=None) -> str:
    """Write every output of a run into a temporary folder that becomes --out only when complete; ``extra(tmp)``
    writes further files (e.g. adata.h5ad) into the same folder. Returns the folder written (``--out``)."""
    from .io import output_dir

    parameters = {k: (v if not isinstance(v, list) else [str(x) for x in v])
                  for k, v in vars(args).items()
                  if k not in ("handler", "debug", "force", "out", "quiet", "pdf") and not k.startswith("_")}
    results = _with_read_notes(results, getattr(args, "_notes", []))
    with output_dir(args.out, force=args.force, inputs=_input_paths(args)) as tmp:
        _write_outputs(tmp, results, input_path=input_path, args=args, parameters=parameters, inputs=inputs)
        if extra is not None:
            extra(tmp)
    return args.out


def _with_read_notes(results, notes):
    """The notes of reading the inputs (spaces removed, decimal commas) go first in the first result's notes."""
    import dataclasses

    if not notes or not results:
        return list(results)
    first = results[0]
    meta = {**first.meta, "notes": list(notes) + [n for n in first.meta.get("notes", []) if n not in notes]}
    return [dataclasses.replace(first, meta=meta), *results[1:]]


def _input_paths(args) -> list[str]:
    """Every path the command reads: option values that name an existing file or folder (and the inputs a study
    file lists), so that --out can never hold one of them."""
    import os

    out = []
    for k, v in vars(args).items():
        if k in ("out", "handler"):
            continue
        for x in (v if isinstance(v, list) else [v]):
            if isinstance(x, str) and x and not x.startswith("example:"):
                x = x.split("=", 1)[1] if (k in ("sample",) and "=" in x) else x
                if os.path.lexists(x):
                    out.append(x)
    if getattr(args, "command", None) == "run":
        out += _study_inputs(args.input)
    return out


def _study_inputs(path) -> list[str]:
    """The files and folders a study file names (its analyses' inputs, designs, clinical tables ...)."""
    import os
    from pathlib import Path

    from . import _study

    try:
        study = _study.load_study(path)
    except AssayDataError:
        return []  # reported by the run itself
    base = Path(path).resolve().parent
    found = []
    for a in study["analysis"]:
        specs = [a.get(k) for k in (*_study._PATHS, "genes")] + list(dict(a.get("samples", {})).values())
        for spec in specs:
            for x in (spec if isinstance(spec, list) else [spec]):
                if isinstance(x, str) and x and not x.startswith("example:"):
                    r = _study._resolve(x, base)
                    if os.path.lexists(r):
                        found.append(r)
    return found


def _check_out_free(args):
    from .io import check_output

    check_output(args.out, force=args.force, inputs=_input_paths(args))
    if getattr(args, "pdf", False):  # fail before computing anything when the extra is missing
        from .report import check_pdf_support

        check_pdf_support()


# -- sub-commands -------------------------------------------------------------------------------------

@dataclasses.dataclass
class Run:
    """What a sub-command computed: the Results, the input records and any extra file writer; the command line
    writes it to --out, the study runner collects the Results."""

    results: list
    input_path: str
    inputs: list | None = None
    extra: object = None
    message: str = ""


def execute(args) -> int:
    """The command line: check --out, compute (with progress on stderr unless --quiet), write, say what was
    written."""
    from . import _progress

    if args.command == "datasets":
        return _run_datasets(args)
    if args.command == "check":
        return _run_check(args)
    _check_out_free(args)
    with _progress.reporting(not args.quiet):
        run = globals()[args.handler](args)
        _progress.step("writing tables, figures and the report")
        _write_run(args, run.results, run.input_path, inputs=run.inputs, extra=run.extra)
    print(f"{PROG}: wrote {args.out}/report.html ({run.message})" if run.message else
          f"{PROG}: wrote {args.out}/report.html")
    for note in getattr(args, "_deprecations", []):
        print(f"{PROG}: note: {note}", file=sys.stderr)
    return 0


def _warned(category, fn):
    """Run ``fn()``, printing its warnings of ``category`` on stderr (one line each)."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", category)
        out = fn()
    for w in caught:
        if issubclass(w.category, category):
            print(f"{PROG}: warning: {' '.join(str(w.message).split())}", file=sys.stderr)
        else:  # pragma: no cover - other warnings keep their usual route
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return out


def _run_doseresponse(args) -> Run:
    ed = _parse_levels(args.ed)
    fixed = _parse_fix(args.fix)
    share = _comma_list(args.share)
    compare = args.compare
    if args.pairs.strip():
        compare = []
        for part in _comma_list(args.pairs):
            if part.count(":") != 1:
                raise AssayDataError(f"--pairs expects GROUP:CONTROL items, e.g. Huh7-R:Huh7-P; got {part!r}")
            a, b = part.split(":")
            compare.append((a.strip(), b.strip()))

    from .doseresponse import fit
    from .errors import FitWarning

    input_path, data = _open_table(args.input, args.sheet, labels=_labels(args), args=args)

    def go():
        res = fit(data, dose=args.dose, response=args.response, group=args.group, replicate=args.replicate,
                  model=args.model, fixed=fixed, control=args.control, ed=ed, cov=args.cov,
                  interval_method=args.interval, ci_level=args.ci_level, ci_scale=args.ci_scale,
                  normalize=args.normalize, blank=args.blank, abs_response=args.abs_response,
                  compare=compare, p_adjust=args.p_adjust, share=share, dose_unit=args.dose_unit,
                  points=args.points, source=args.input)
        results = [res]
        if args.model_selection:
            from .doseresponse import compare_models

            results.append(compare_models(data, dose=args.dose, response=args.response, group=args.group,
                                          fixed=fixed))
        return results

    results = _warned(FitWarning, go)
    return Run(results, input_path, message=f"{len(results[0].fits)} curves")


def _run_compare(args) -> Run:
    from .assays import compare
    from .errors import AssayWarning

    input_path, data = _open_table(args.input, args.sheet, labels=_labels(args, args.by), args=args)
    kw = {"order": _comma_list(args.order)} if _comma_list(args.order) else {}
    res = _warned(AssayWarning, lambda: compare(
        data, value=args.value, group=args.group, control=args.control, by=args.by, replicate=args.replicate,
        subject=args.subject, test=args.test, posthoc=args.posthoc, alternative=args.alternative,
        ci_level=args.ci_level, level=args.level, anova_type=args.anova_type, error=args.error, source=args.input,
        **kw))
    return Run([res], input_path, message=f"{len(res.table)} comparisons")


def _read_efficiency(path):
    from .assays import read_efficiency

    return read_efficiency(path)


def _required(args, dest: str, option: str) -> None:
    """Options that have a deprecated alias cannot be argparse-required (argparse checks one spelling)."""
    if getattr(args, dest, None) in (None, ""):
        raise AssayDataError(f"the following arguments are required: {option} (see 'assaystats {args.command} "
                             "--help')")


def _run_qpcr(args) -> Run:
    from .assays import qpcr

    _required(args, "control", "--control")

    input_path, data = _open_table(args.input, args.sheet, labels=_labels(args), args=args)
    eff = _read_efficiency(_resolve_input(args.efficiency)) if args.efficiency else None
    refs = _comma_list(args.reference_gene)
    res = qpcr(data, ct=args.ct, gene=args.gene, sample=args.sample, group=args.group, reference_genes=refs,
               control=args.control, efficiency=eff, undetermined=args.undetermined,
               spread_limit=args.spread_limit, ci_level=args.ci_level, test=args.test, source=args.input)
    return Run([res], input_path, message=f"{len(res.meta['targets'])} target genes")


def _rcc_files(specs) -> list:
    from pathlib import Path

    files = []
    for spec in specs:
        if str(spec).startswith("example:"):
            found = Path(_resolve_input(spec))
            spec = str(found if found.is_dir() or found.suffix.lower() == ".rcc" else found.parent)
        p = Path(spec)
        if p.is_dir():
            found = sorted({*p.glob("*.RCC"), *p.glob("*.rcc")})
            if not found:
                raise AssayDataError("folder holds no .RCC files", file=str(spec))
            files += found
        elif not p.exists():
            raise AssayDataError("file not found", file=str(spec))
        else:
            files.append(p)
    seen: dict = {}
    for f in files:
        key = Path(f).resolve()
        if key in seen:
            raise AssayDataError("this RCC file is given twice", file=str(f))
        seen[key] = f
    return files


def _run_nanostring(args) -> Run:
    from .assays import nanostring
    from .io import read_rcc

    files = _rcc_files(args.input)
    rccs = [read_rcc(f) for f in files]
    design = None
    if args.design:
        _p, design = _open_table(args.design, labels=[c for c in (args.group, args.by) if c], args=args)
    ref = {}
    if args.reference_positive:
        ref["positive"] = args.reference_positive
    if args.reference_housekeeping:
        ref["housekeeping"] = args.reference_housekeeping
    res = nanostring(rccs, design=design, group=args.group, control=args.control, by=args.by,
                     background=args.background, reference=ref or None, ci_level=args.ci_level)
    args.input = f"{len(files)} RCC files"
    return Run([res], str(files[0]), message=f"{len(files)} RCC files")


def _run_paired_genes(args) -> Run:
    from .assays import paired_genes

    _required(args, "subject", "--subject")

    input_path, data = _open_table(args.input, args.sheet, labels=_labels(args), args=args)
    res = paired_genes(data, gene=args.gene, value=args.value, subject=args.subject, group=args.group,
                       control=args.control, ci_level=args.ci_level, source=args.input)
    return Run([res], input_path, message=f"{len(res.table)} genes")


def _run_survival(args) -> Run:
    from .survival import analyze

    input_path, data = _open_table(args.input, args.sheet, labels=_labels(args), args=args)
    try:
        times = [float(x) for x in args.times.split(",") if x.strip()]
    except ValueError:
        raise AssayDataError(f"--times expects numbers separated by commas; got {args.times!r}") from None
    res = analyze(data, time=args.time, event=args.event, event_value=args.event_value, group=args.group,
                  expression=args.expression, cutoff=args.cutoff,
                  covariates=_comma_list(args.covariates), control=args.control,
                  order=_comma_list(args.order) or None, conf_type=args.conf_type, ci_level=args.ci_level,
                  ties=args.ties, times=times, rmst_tau=args.rmst, minprop=args.min_prop,
                  time_unit=args.time_unit or "", cv_folds=args.cv_folds, seed=args.seed, source=args.input)
    return Run([res], input_path, message=f"{len(res.table)} groups")


def _read_gene_set(path) -> list[str]:
    from pathlib import Path

    p = Path(path)
    if not p.exists():
        raise AssayDataError("file not found", file=str(path))
    if p.is_dir():
        raise AssayDataError("is a folder, expected a gene list or a GMT file", file=str(path))
    genes = []
    if p.suffix.lower() == ".gmt":
        from .io import read_gmt

        genes = [g for gs in read_gmt(p).values() for g in gs]
    else:  # a list: the first field of each line (a gene, then perhaps a description)
        for line in p.read_text(encoding="utf-8", errors="replace").splitlines():
            parts = [x.strip() for x in line.replace(",", "\t").split("\t") if x.strip()]
            genes += parts[:1]
    if not genes:
        raise AssayDataError("the gene set is empty", file=str(path))
    return list(dict.fromkeys(genes))


def _genes_table(args, spec):
    """A genes x samples table (read once): the first column (gene ids) is text."""
    return _open_table(spec, labels=[0], args=args)


def _run_correlate(args) -> Run:
    from pathlib import Path

    from .correlates import coexpression

    lazy = Path(_resolve_input(args.input)).suffix.lower() in (".zarr", ".h5", ".hdf5", ".parquet", ".pq")
    if lazy:  # a matrix read chunk by chunk (dask), never whole into memory
        from .correlates import read_matrix

        input_path, expr = _resolve_input(args.input), read_matrix(_resolve_input(args.input))
    else:
        input_path, expr = _genes_table(args, args.input)
    genes = _comma_list(args.genes) if args.genes else (
        _read_gene_set(_resolve_input(args.gene_set)) if args.gene_set else None)
    clinical = None
    if args.clinical:
        _p, clinical = _open_table(args.clinical, labels=[args.id or "sample"], args=args)
    res = coexpression(expr, gene=args.gene, genes=genes, method=args.method, clinical=clinical,
                       covariates=_comma_list(args.covariates), id_col=args.id,
                       log2p1=args.log2, exact=args.exact)
    return Run([res], input_path, message=f"{len(res.table)} genes")


def _run_expression(args) -> Run:
    from .correlates import expression_by, tumour_vs_normal

    input_path, expr = _genes_table(args, args.input)
    if args.by == "tissue":
        res = tumour_vs_normal(expr, gene=args.gene, log2p1=args.log2)
    else:
        if not args.clinical:
            raise AssayDataError("--clinical is needed with --by " + args.by)
        _p, clinical = _open_table(args.clinical, labels=[args.id or "sample", args.by], args=args)
        res = expression_by(expr, clinical, gene=args.gene, by=args.by,
                            order=_comma_list(args.order) or None, id_col=args.id,
                            test=args.test, contrast=args.contrast, log2p1=args.log2)
    return Run([res], input_path)


def _run_study(args) -> Run:
    from ._study import run_study

    title, runs = run_study(args.input)
    if args.title is None:
        args.title = title
    return Run([r for _p, r in runs], args.input, inputs=[(p_, r, p_.split("/")[-1]) for p_, r in runs],
               message=f"{len(runs)} analyses")


def _run_scrna(args) -> Run:
    samples = {}
    if args.example:
        from .datasets import path as dpath

        base = dpath("scrna_sim").parent
        samples = {"P": str(base / "P"), "R": str(base / "R")}
    for spec in args.sample:
        if "=" not in spec:
            raise AssayDataError(f"--sample expects LABEL=PATH; got {spec!r}")
        label, path = spec.split("=", 1)
        path = _resolve_input(path)
        if label in samples:
            raise AssayDataError(f"two samples have the label {label!r}")
        samples[label] = path
    conditions = {}
    for spec in args.condition:
        if "=" not in spec:
            raise AssayDataError(f"--condition expects LABEL=CONDITION; got {spec!r}")
        label, cond = spec.split("=", 1)
        conditions[label] = cond
    try:
        from .scrna import run
    except ImportError:
        raise AssayDataError("the scrna command needs scanpy: pip install 'assaystats[scrna]'") from None
    res = run(samples, reference=args.reference, seed=args.seed, gene_sets=args.genes, n_neighbors=args.neighbors,
              resolution=args.resolution, remove_doublets=args.remove_doublets, max_pct_mito=args.max_pct_mito,
              conditions=conditions or None, batch=args.batch, highlight=_comma_list(args.highlight) or None)
    args.input = ", ".join(f"{k}={v}" for k, v in samples.items())
    if args.title is None:
        args.title = f"assaystats scrna: {' vs '.join(res.meta['samples'])} (reference {args.reference})"
    col = "library" if "library" in res.cells else "sample"
    per = res.cells[col].value_counts()
    return Run([res], str(list(samples.values())[0]),
               inputs=[(p_, res, f"{k}: {p_}", int(per.get(k, 0))) for k, p_ in samples.items()],
               extra=lambda tmp: res.adata.write_h5ad(tmp / "adata.h5ad"),
               message=f"{res.meta['n_cells_passed']} cells")


def _run_screen(args) -> Run:
    from .doseresponse import screen

    keys = _comma_list(args.curve)
    if not keys:
        raise AssayDataError("--curve needs at least one column")
    window = None
    if args.auc_window:
        try:
            window = tuple(float(x) for x in _comma_list(args.auc_window))
        except ValueError:
            window = ()
        if len(window) != 2 or not 0 < window[0] < window[1]:
            raise AssayDataError(f"--auc-window expects LOW,HIGH with 0 < LOW < HIGH; got {args.auc_window!r}")
    if args.engine == "numpy" and (args.scheduler or args.workers is not None or args.partitions is not None):
        raise AssayDataError("--scheduler, --workers and --partitions need --engine dask")
    for opt, v in (("--workers", args.workers), ("--partitions", args.partitions)):
        if v is not None and v < 1:
            raise AssayDataError(f"{opt} must be at least 1; got {v}")
    labels = [*keys, *_labels(args)] + ([args.unit_column] if args.unit_column else [])
    kwargs = dict(dose=args.dose, response=args.response, curve=keys, replicate=args.replicate, model=args.model,
                  fixed=_parse_fix(args.fix) or None, ci_level=args.ci_level, dose_unit=args.unit_column,
                  auc_window=window, cell_count=args.cell_count, t0_count=args.t0_count,
                  control_count=args.control_count, time=args.time, source=args.input)
    if args.engine == "dask":
        with _dask_client(args):
            from .io import read_table_dask

            data = read_table_dask(_resolve_input(args.input), labels=labels, source=args.input,
                                   npartitions=args.partitions)
            res = screen(data, **kwargs)
        input_path = _resolve_input(args.input)
    else:
        input_path, data = _open_table(args.input, args.sheet, labels=labels, args=args)
        res = screen(data, **kwargs)
    if args.title is None:
        args.title = f"assaystats screen: {res.meta['n_curves']} curves"

    def extra(tmp):
        if res.curves is not None and len(res.curves) > 100_000:
            res.curves.to_parquet(tmp / "tables" / "curves.parquet", index=False)
    return Run([res], input_path, message=f"{res.meta['n_curves']} curves", extra=extra)


def _dask_client(args):
    """A distributed client for --scheduler or --workers (closed after the run); else dask's threaded default."""
    import contextlib

    if not args.scheduler and args.workers is None:
        return contextlib.nullcontext()
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise AssayDataError("--scheduler/--workers need dask.distributed: pip install 'assaystats[dask]'") from None

    @contextlib.contextmanager
    def client():
        if args.scheduler:
            try:
                c = Client(args.scheduler, timeout="10s")
            except OSError as exc:
                raise AssayDataError(f"cannot reach the dask scheduler {args.scheduler!r}: {exc}") from None
            with c:
                yield c
        else:
            with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                              dashboard_address=None) as cluster, Client(cluster) as c:
                yield c
    return client()


def _run_check(args) -> int:
    from ._check import check_study

    lines = check_study(args.input)
    for line in lines:
        print(f"ok  {line}")
    print(f"{PROG}: {args.input}: {len(lines)} analyses checked; ready to run (nothing was written)")
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


