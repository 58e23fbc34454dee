"""``assaystats run STUDY.toml``: every analysis of a study into one report.

A study file lists analyses. Each ``[[analysis]]`` names a sub-command of the command line as its ``kind`` and
takes that sub-command's options under the same names (``reference_gene`` or ``reference-gene``), with ``input``
(a table, a folder of RCC files, or example:NAME) and every other path resolved relative to the study file. The
entry is parsed by the very parser of the command line, so a study can do whatever the command can and both
report the same errors:

    title = "ZFAS1 and sorafenib resistance"

    [[analysis]]
    kind = "doseresponse"
    title = "IC50 of parental and resistant lines"
    input = "example:sorafenib_ic50"
    dose = "dose_uM"
    response = "viability"
    group = "line"
    replicate = "experiment"
    pairs = "Huh7-R:Huh7-P,Hep3B-R:Hep3B-P"

Lists are accepted where the option takes a comma-separated list (``order = ["I", "II"]``). The single-cell
analysis takes ``samples = {P = "path", R = "path"}`` (and ``conditions = {...}``) for its --sample options.
The names of earlier releases (kinds paired_genes, coexpression, expression_by, tumour_vs_normal; keys
reference_genes, calibrator, reference, pair, compare = [[a, b]], rmst_tau, minprop, id_col, log2p1,
interval_method) still work and are noted as deprecated.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from .errors import AssayDataError

__all__ = ["load_study", "run_study", "KINDS"]

#: old kind -> (sub-command, fixed options)
_OLD_KINDS = {"paired_genes": ("paired-genes", {}), "coexpression": ("correlate", {}),
              "expression_by": ("expression", {}), "tumour_vs_normal": ("expression", {"by": "tissue"})}
#: old key -> new key (per sub-command where it differs)
_OLD_KEYS = {"reference_genes": "reference_gene", "calibrator": "control", "pair": "subject", "rmst_tau": "rmst",
             "minprop": "min_prop", "id_col": "id", "log2p1": "log2", "interval_method": "interval"}
_NOT_IN_STUDY = {"out", "force", "debug", "quiet", "title", "help", "handler", "pdf"}
#: options that name a file or folder (resolved relative to the study file)
_PATHS = {"input", "design", "clinical", "efficiency", "gene_set"}


def _kinds() -> tuple[str, ...]:
    from .cli import SUBCOMMANDS

    return tuple(spec.name for spec, *_ in SUBCOMMANDS if spec.study)


KINDS = _kinds()


def load_study(path) -> dict:
    import tomllib

    p = Path(path)
    if not p.exists():
        raise AssayDataError("file not found", file=str(path))
    if p.is_dir():
        raise AssayDataError("is a folder, expected a study file (TOML)", file=str(path))
    try:
        study = tomllib.loads(p.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise AssayDataError(f"is not a valid TOML study file: {' '.join(str(exc).split())}", file=str(path)) from None
    analyses = study.get("analysis")
    if not isinstance(analyses, list) or not analyses:
        raise AssayDataError("has no [[analysis]] entries", file=str(path))
    for i, a in enumerate(analyses, start=1):
        kind = a.get("kind") if isinstance(a, dict) else None
        if kind not in KINDS and kind not in _OLD_KINDS:
            raise AssayDataError(f"analysis {i}: kind {kind!r} is not one of {', '.join(KINDS)}", file=str(path))
        if "input" not in a and kind != "scrna":
            raise AssayDataError(f"analysis {i} ({kind}) has no input", file=str(path))
    return study


def _resolve(spec, base: Path):
    if isinstance(spec, list):
        return [_resolve(s, base) for s in spec]
    spec = str(spec)
    if spec.startswith("example:"):
        return spec
    p = Path(spec)
    return str(p if p.is_absolute() else base / p)


def _subparser(name: str):
    from .cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    sp = sub.choices[name]
    sp.raise_errors = True
    return sp


def _argv(name: str, entry: dict, base: Path, notes: list[str]) -> list[str]:
    """The command-line arguments that say what the study entry says."""
    import argparse

    sp = _subparser(name)
    actions = {a.dest: a for a in sp._actions if a.option_strings and a.help != argparse.SUPPRESS}
    positional = [a for a in sp._actions if not a.option_strings and a.dest != "help"]
    argv: list[str] = []
    entry = dict(entry)
    if name == "doseresponse" and "compare" in entry and not isinstance(entry["compare"], str):
        notes.append("compare = [[GROUP, CONTROL], ...] is deprecated; use pairs = \"GROUP:CONTROL,...\"")
        entry["pairs"] = ",".join(f"{a}:{b}" for a, b in entry.pop("compare"))
    if name == "scrna":
        for label, p in dict(entry.pop("samples", {})).items():
            argv += ["--sample", f"{label}={_resolve(p, base)}"]
        for label, c in dict(entry.pop("conditions", {})).items():
            argv += ["--condition", f"{label}={c}"]
    if positional:
        inp = entry.pop("input", None)
        inp = _resolve(inp, base)
        argv += [str(x) for x in (inp if isinstance(inp, list) else [inp])]
    for key, value in entry.items():
        dest = str(key).replace("-", "_")
        if dest in _OLD_KEYS and dest not in actions and _OLD_KEYS[dest] in actions:
            notes.append(f"{key} is deprecated; use {_OLD_KEYS[dest]}")
            dest = _OLD_KEYS[dest]
        if dest == "reference" and "reference" not in actions and "control" in actions:
            notes.append("reference is deprecated; use control")
            dest = "control"
        if dest in _NOT_IN_STUDY or dest not in actions:
            known = sorted(d for d in actions if d not in _NOT_IN_STUDY)
            raise AssayDataError(f"unknown option {key!r} for {name}; its options are {', '.join(known)}")
        act = actions[dest]
        flag = act.option_strings[0]
        if isinstance(act, (argparse._StoreTrueAction,)):
            if not isinstance(value, bool):
                raise AssayDataError(f"{key} must be true or false; got {value!r}")
            argv += [flag] if value else []
            continue
        if dest in _PATHS or (name == "scrna" and dest == "genes"):
            value = _resolve(value, base)
        if isinstance(value, list):
            value = ",".join(str(v) for v in value)
        elif isinstance(value, bool):
            raise AssayDataError(f"{key} takes a value, not true/false")
        elif isinstance(value, dict):
            raise AssayDataError(f"{key} takes a value, not a table")
        argv += [f"{flag}={value}"]
    return argv


def run_study(path):
    """Run every analysis; returns (title, [(input path, Result)])."""
    from . import _commands, _progress
    from .cli import REGISTRY

    study = load_study(path)
    base = Path(path).resolve().parent
    out = []
    n = len(study["analysis"])
    for i, a in enumerate(study["analysis"], start=1):
        a = dict(a)
        kind = a.pop("kind")
        title = a.pop("title", None)
        notes: list[str] = []
        name, fixed = kind, {}
        if kind in _OLD_KINDS:
            name, fixed = _OLD_KINDS[kind]
            notes.append(f"kind {kind!r} is deprecated; use kind = {name!r}" +
                         (f" with {', '.join(f'{k} = {v!r}' for k, v in fixed.items())}" if fixed else ""))
            a = {**fixed, **a}
        where = f"analysis {i} ({kind})"
        _progress.step(f"{where}: {title or ''}".rstrip(": "))
        try:
            argv = _argv(name, a, base, notes)
            ns = _subparser(name).parse_args(argv + ["--out", "-"])
            ns.command = name
            ns.handler = REGISTRY[name].handler
            run = getattr(_commands, ns.handler)(ns)
        except AssayDataError as exc:
            raise AssayDataError(f"{where}: {exc}", file=str(path)) from None
        res = _commands._with_read_notes(run.results, getattr(ns, "_notes", []))[0]
        dep = notes + list(getattr(ns, "_deprecations", []))
        meta = {**res.meta}
        if title:
            meta["section_title"] = str(title)
        if dep:
            meta["notes"] = list(meta.get("notes", [])) + [f"study file: {d}" for d in dep]
        res = dataclasses.replace(res, meta=meta)
        out.append((str(run.input_path), res))
    if n == 0:  # pragma: no cover - load_study refuses it
        raise AssayDataError("has no analyses", file=str(path))
    return study.get("title", f"assaystats study: {Path(path).name}"), out
