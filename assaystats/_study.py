"""``assaystats run STUDY.toml``: every analysis of a study into one report.

A study file lists analyses; each has a ``kind`` (the function it calls) and that function's keyword arguments,
with ``input`` (a table, a folder of RCC files, or example:NAME) resolved relative to the study file:

    title = "ZFAS1 and sorafenib resistance"

    [[analysis]]
    kind = "doseresponse"          # assaystats.doseresponse.fit
    title = "IC50 of parental and resistant lines"
    input = "example:sorafenib_ic50"
    dose = "dose_uM"
    response = "viability"
    group = "line"
    replicate = "experiment"
    compare = [["Huh7-R", "Huh7-P"], ["Hep3B-R", "Hep3B-P"]]

Kinds: doseresponse, compare, qpcr, nanostring, paired_genes, survival, tumour_vs_normal, expression_by,
coexpression, scrna (``samples = {P = "path", R = "path"}`` instead of ``input``; needs the scrna extra).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from .errors import AssayDataError

__all__ = ["load_study", "run_study", "KINDS"]

KINDS = ("doseresponse", "compare", "qpcr", "nanostring", "paired_genes", "survival", "tumour_vs_normal",
         "expression_by", "coexpression", "scrna")


def load_study(path) -> dict:
    import tomllib

    p = Path(path)
    if not p.exists():
        raise AssayDataError("file not found", file=str(path))
    try:
        study = tomllib.loads(p.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise AssayDataError(f"is not a valid TOML study file: {exc}", file=str(path)) from None
    analyses = study.get("analysis")
    if not isinstance(analyses, list) or not analyses:
        raise AssayDataError("has no [[analysis]] entries", file=str(path))
    for i, a in enumerate(analyses, start=1):
        if a.get("kind") not in KINDS:
            raise AssayDataError(f"analysis {i}: kind {a.get('kind')!r} is not one of {', '.join(KINDS)}",
                                 file=str(path))
        if "input" not in a and a["kind"] != "scrna":
            raise AssayDataError(f"analysis {i} ({a['kind']}) has no input", file=str(path))
    return study


def _resolve(spec: str, base: Path) -> str:
    if str(spec).startswith("example:"):
        from .datasets import path as dpath

        return str(dpath(spec.split(":", 1)[1]))
    p = Path(spec)
    return str(p if p.is_absolute() else base / p)


def run_study(path):
    """Run every analysis; returns (title, [(input path, Result)])."""
    from .io import read_rcc, read_table

    study = load_study(path)
    base = Path(path).resolve().parent
    out = []
    for i, a in enumerate(study["analysis"], start=1):
        a = dict(a)
        kind = a.pop("kind")
        title = a.pop("title", None)
        if kind == "scrna":
            samples = {k: _resolve(v, base) for k, v in a.pop("samples", {}).items()}
            a["samples"] = samples
            inp = next(iter(samples.values()), str(path))
        else:
            inp = _resolve(a.pop("input"), base)
        where = f"analysis {i} ({kind})"
        try:
            res = _run_one(kind, inp, a, base, read_table, read_rcc)
        except AssayDataError as exc:
            raise AssayDataError(f"{where}: {exc}", file=str(path)) from None
        except TypeError as exc:
            raise AssayDataError(f"{where}: {exc}", file=str(path)) from None
        if title:
            res = dataclasses.replace(res, meta={**res.meta, "section_title": str(title)})
        out.append((inp, res))
    return study.get("title", f"assaystats study: {Path(path).name}"), out


def _table(inp, read_table):
    t = read_table(inp)
    t.attrs["source"] = inp
    return t


def _run_one(kind, inp, a, base, read_table, read_rcc):
    if kind == "scrna":
        from .scrna import run

        samples = a.pop("samples")
        return run(samples, **a)
    if kind == "doseresponse":
        from .doseresponse import fit

        if "compare" in a and not isinstance(a["compare"], str):
            a["compare"] = [tuple(x) for x in a["compare"]]
        return fit(_table(inp, read_table), **a)
    if kind == "compare":
        from .assays import compare

        return compare(_table(inp, read_table), **a)
    if kind == "qpcr":
        from .assays import qpcr

        return qpcr(_table(inp, read_table), **a)
    if kind == "paired_genes":
        from .assays import paired_genes

        return paired_genes(_table(inp, read_table), **a)
    if kind == "nanostring":
        from .assays import nanostring

        folder = Path(inp)
        files = sorted(folder.glob("*.RCC")) if folder.is_dir() else [folder]
        design = a.pop("design", None)
        if design is not None:
            design = _table(_resolve(design, base), read_table)
        return nanostring([read_rcc(f) for f in files], design=design, **a)
    if kind == "survival":
        from .survival import analyze

        return analyze(_table(inp, read_table), **a)
    from . import correlates

    expr = _table(inp, read_table)
    if kind == "tumour_vs_normal":
        return correlates.tumour_vs_normal(expr, **a)
    clinical = a.pop("clinical", None)
    if clinical is not None:
        clinical = _table(_resolve(clinical, base), read_table)
    if kind == "expression_by":
        return correlates.expression_by(expr, clinical, **a)
    return correlates.coexpression(expr, clinical=clinical, **a)
