"""``assaystats check STUDY.toml``: every input and option of a study validated, no analysis run, nothing written.

Each entry goes through the same path as ``assaystats run`` up to the data: the study file is parsed, the entry's
options are parsed by its sub-command's own argparse parser (unknown options, wrong choices, values of the wrong
kind), and its inputs are read with the same reader and label rules. Then what the options name is looked up in the
data: every column exists, numeric columns hold numbers (missing cells are allowed where the analysis leaves the row
out), and every level an option names (``control``, ``order``, ``pairs``, reference genes, the event value, the gene
of a genes x samples table) is present exactly. The errors are the run's own one-line messages, prefixed with the
analysis, so a study that passes ``check`` fails ``run`` only on what needs the computation (a curve that does not
converge, a group left with one replicate after rows are left out).
"""

from __future__ import annotations

from pathlib import Path

from .errors import AssayDataError

#: per sub-command: options naming columns of the main table, and the kind of values they hold
_COLUMNS = {
    "doseresponse": {"dose": "number", "response": "number", "group": "label", "replicate": "label"},
    "compare": {"value": "number", "group": "label", "by": "label", "replicate": "label", "subject": "label"},
    "qpcr": {"ct": "ct", "gene": "label", "sample": "label", "group": "label"},
    "paired-genes": {"gene": "label", "value": "number", "subject": "label", "group": "label"},
    "survival": {"time": "number", "event": "any", "group": "label", "expression": "number"},
    "screen": {"dose": "number", "response": "number", "replicate": "label", "unit_column": "label",
               "cell_count": "number", "t0_count": "number", "control_count": "number", "time": "number"},
}


def check_study(path) -> list[str]:
    """Validate a study; returns one line per analysis (what was checked) or raises AssayDataError."""
    from ._study import _OLD_KINDS, _argv, _subparser, load_study

    study = load_study(path)
    base = Path(path).resolve().parent
    lines = []
    for i, a in enumerate(study["analysis"], start=1):
        a = dict(a)
        kind = a.pop("kind")
        title = a.pop("title", None)
        name, fixed = _OLD_KINDS.get(kind, (kind, {}))
        a = {**fixed, **a}
        where = f"analysis {i} ({kind})"
        try:
            argv = _argv(name, a, base, [])
            ns = _subparser(name).parse_args(argv + ["--out", "-"])
            ns.command = name
            what = _check_entry(name, ns)
        except AssayDataError as exc:
            raise AssayDataError(f"{where}: {exc}", file=str(path)) from None
        lines.append(f"{where}{': ' + str(title) if title else ''}: {what}")
    return lines


def _check_entry(name: str, ns) -> str:
    from . import _commands as c

    if name in _COLUMNS:
        curve = c._comma_list(getattr(ns, "curve", ""))
        _path, table = c._open_table(ns.input, getattr(ns, "sheet", None), labels=[*c._labels(ns), *curve], args=ns)
        _require(table, curve, ns.input)
        _check_table(name, ns, table)
        extra = ""
        if name == "qpcr" and ns.efficiency:
            c._read_efficiency(c._resolve_input(ns.efficiency))
            extra = ", efficiency table read"
        return f"{len(table)} rows, columns and levels found{extra}"
    if name == "nanostring":
        files = c._rcc_files(ns.input)
        from .io import read_rcc

        for f in files:
            read_rcc(f)
        if ns.design:
            _p, design = c._open_table(ns.design, labels=[x for x in (ns.group, ns.by) if x], args=ns)
            _require(design, [ns.group, ns.by], ns.design)
            if ns.group and ns.control:
                _level(design, ns.group, ns.control, "control", ns.design)
        return f"{len(files)} RCC files read" + (", design table checked" if ns.design else "")
    if name in ("correlate", "expression"):
        from .io import read_table

        src = c._resolve_input(ns.input)
        head = read_table(src, labels=[0])
        genes = set(head.iloc[:, 0].astype(str))
        wanted = [ns.gene] + (c._comma_list(getattr(ns, "genes", None)) if name == "correlate" else [])
        for g in wanted:
            if g and g not in genes:
                raise AssayDataError(f"gene {g!r} is not in column {str(head.columns[0])!r} of the expression table",
                                     file=ns.input)
        if getattr(ns, "gene_set", None):
            c._read_gene_set(c._resolve_input(ns.gene_set))
        if ns.clinical:
            labels = [ns.id or "sample"] + ([ns.by] if getattr(ns, "by", None) else [])
            _p, clin = c._open_table(ns.clinical, labels=labels, args=ns)
            _require(clin, labels, ns.clinical)
            by = getattr(ns, "by", None)
            if by and by != "tissue":
                from ._validate import check_order, label_values, missing_mask

                present = label_values(clin[by][~missing_mask(clin[by])])
                order = c._comma_list(getattr(ns, "order", ""))
                if order:
                    check_order(order, present, option="order", column=by, file=ns.clinical, drop_unlisted=True)
                for side in str(getattr(ns, "contrast", None) or "").split(":"):
                    for lev in c._comma_list(side):
                        _level(clin, by, lev, "contrast", ns.clinical)
        elif name == "expression" and ns.by != "tissue":
            raise AssayDataError("--clinical is needed with --by " + str(ns.by))
        return f"{len(head)} genes x {head.shape[1] - 1} samples" + (", clinical table checked" if ns.clinical
                                                                     else "")
    if name == "scrna":
        samples = [s.split("=", 1) for s in ns.sample]
        if ns.example:
            samples += [("P", "example:scrna_sim/P"), ("R", "example:scrna_sim/R")]
        if not samples:
            raise AssayDataError("no --sample given")
        for label, p in samples:
            if not Path(c._resolve_input(p)).exists():
                raise AssayDataError("not found", file=c._resolve_input(p))
        labels = [lab for lab, _p in samples]
        if ns.reference and ns.reference not in labels + list(dict(x.split("=", 1) for x in ns.condition).values()):
            raise AssayDataError(f"--reference {ns.reference!r} is not one of the samples {', '.join(labels)}")
        return f"{len(samples)} samples found"
    return "options parsed"  # pragma: no cover - every study kind is handled above


def _require(df, cols, src):
    from ._validate import check_columns

    check_columns(df, [x for x in cols if x], file=src)


def _level(df, col, value, option, src):
    from ._validate import check_level, label_values, missing_mask

    vals = label_values(df[col][~missing_mask(df[col])])
    check_level(value, vals, option=option, column=col, file=src)


def _check_table(name: str, ns, df) -> None:
    from . import _commands as c
    from ._validate import check_numeric, check_order, label_values, missing_mask

    src = ns.input
    cols = {d: getattr(ns, d, None) for d in _COLUMNS[name]}
    covs = c._comma_list(getattr(ns, "covariates", ""))
    _require(df, [*cols.values(), *covs], src)
    for dest, col in cols.items():
        kind = _COLUMNS[name][dest]
        if col and kind == "number":
            check_numeric(df, col, file=src, allow_missing=True)
    group = cols.get("group")
    if group:
        present = label_values(df[group][~missing_mask(df[group])])
        if getattr(ns, "control", None):
            _level(df, group, ns.control, "control", src)
        order = c._comma_list(getattr(ns, "order", ""))
        if order:
            check_order(order, present, option="order", column=group, file=src)
        for pair in c._comma_list(getattr(ns, "pairs", "")):
            for lev in pair.split(":"):
                _level(df, group, lev, "pairs", src)
    if name == "qpcr":
        for ref in c._comma_list(ns.reference_gene):
            _level(df, ns.gene, ref, "reference gene", src)
    if name == "survival":
        if getattr(ns, "event_value", None):
            _level(df, ns.event, ns.event_value, "--event-value", src)
        if not getattr(ns, "event_value", None):
            check_numeric(df, ns.event, file=src, allow_missing=True)
