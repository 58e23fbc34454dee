"""Lookup of committed R reference values (long CSV: case, quantity, term, value), and the opt-in validation log.

``ref = Reference("qpcr/reference_qpcr.csv"); ref(case, quantity, term)`` returns one float and fails loudly when
the value is missing or ambiguous.

Validation log (for the documentation's validation pages, ``docs/gen_validation.py``): when the environment
variable ``ASSAYSTATS_VALIDATION_LOG`` names a file, every comparison of a result with a reference value is appended
to it as one JSON line ``{analysis, case, quantity, term, reference, ours, rtol, atol, tolerance, abs_diff,
rel_diff, passed, source, file, test}``. Without the variable nothing changes: ``Reference`` returns plain floats
and nothing is patched or written.

With the variable set, ``Reference`` returns :class:`RefValue` (a ``float`` that remembers where it came from) and
``pytest.approx`` records each comparison whose expected value is a ``RefValue`` with the tolerance the test gave
(``rel``/``abs``; ``tolerance`` is pytest's effective absolute bound). Comparisons that do not go through
``pytest.approx(ref(...))`` (whole columns against a reference table) call :func:`record` or
:func:`record_arrays` themselves; those are no-ops when the variable is unset.
"""

from __future__ import annotations

import json
import math
import os
import re
from functools import cache, cached_property
from pathlib import Path

import pandas as pd

REFERENCE = Path(__file__).resolve().parent / "reference"
LOG_ENV = "ASSAYSTATS_VALIDATION_LOG"


def logging_enabled() -> bool:
    return bool(os.environ.get(LOG_ENV))


class RefValue(float):
    """A reference value with its origin (only handed out when the validation log is on)."""

    def __new__(cls, value: float, origin: dict):
        obj = super().__new__(cls, value)
        obj.origin = origin
        return obj

    def __eq__(self, other):  # exact comparisons written as ``python_number == ref(...)``
        equal = float.__eq__(self, other)
        # only equalities that hold are recorded: an unequal ``==`` may be a test's branch (``if ref(...) == 0``),
        # not an assertion, and a failing exact assertion fails its test anyway
        if (equal is True and isinstance(other, (int, float)) and not isinstance(other, bool)
                and not _INSIDE_APPROX):
            _record_origin(self.origin, float(self), float(other), rtol=0.0, atol=0.0, tolerance=0.0, passed=True)
        return equal

    __hash__ = float.__hash__


class Reference:
    """``ref = Reference("qpcr/reference_qpcr.csv"); ref(case, quantity, term)`` returns one float and fails
    loudly when the value is missing or ambiguous."""

    def __init__(self, relpath: str):
        self.relpath = relpath
        self.path = REFERENCE / relpath

    @cached_property
    def table(self) -> pd.DataFrame:
        return pd.read_csv(self.path, keep_default_na=False, dtype={"term": str})

    def __call__(self, case: str, quantity: str, term="") -> float:
        t = self.table
        hit = t[(t.case == case) & (t.quantity == quantity) & (t.term == str(term))]
        assert len(hit) == 1, f"reference {case}/{quantity}/{term} not found exactly once in {self.path.name}"
        value = float(hit.value.iloc[0])
        if not logging_enabled():
            return value
        _install_approx_hook()
        return RefValue(value, {"analysis": self.relpath.split("/")[0], "file": self.relpath, "case": case,
                                "quantity": quantity, "term": str(term)})


# --- the recorder -------------------------------------------------------------------------------------------------

def _num(x):
    x = float(x)
    return x if math.isfinite(x) else repr(x)


def _current_test() -> str:
    return os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" (", 1)[0]


def record(analysis: str, case: str, quantity: str, term, reference: float, ours: float, *, rtol: float = 0.0,
           atol: float = 0.0, file: str = "", source: str | None = None, passed: bool | None = None,
           rule: str = "max") -> None:
    """Append one comparison to the validation log (no-op unless ``ASSAYSTATS_VALIDATION_LOG`` is set).

    ``file`` is the reference file relative to tests/reference/ (its producing script and R versions become the
    source unless ``source`` is given). ``rule``: the bound is max(atol, rtol |reference|) as pytest.approx, or
    with ``"sum"`` atol + rtol |reference| as numpy's assert_allclose."""
    if not logging_enabled():
        return
    reference, ours = float(reference), float(ours)
    tolerance = (atol + rtol * abs(reference)) if rule == "sum" else max(atol, rtol * abs(reference))
    _write({"analysis": analysis, "case": case, "quantity": quantity, "term": str(term), "reference": reference,
            "ours": ours, "rtol": rtol, "atol": atol, "tolerance": tolerance, "file": file, "source": source,
            "passed": passed}, )


def record_arrays(analysis: str, case: str, quantity: str, terms, reference, ours, *, rtol: float = 0.0,
                  atol: float = 0.0, file: str = "", source: str | None = None, rule: str = "max") -> None:
    """:func:`record` for each element of two aligned arrays (``terms`` labels the elements)."""
    if not logging_enabled():
        return
    import numpy as np

    reference, ours = np.asarray(reference, float).ravel(), np.asarray(ours, float).ravel()
    for term, r, o in zip(list(terms), reference, ours):
        record(analysis, case, quantity, term, r, o, rtol=rtol, atol=atol, file=file, source=source, rule=rule)


def _record_origin(origin: dict, reference: float, ours: float, *, rtol, atol, tolerance, passed) -> None:
    _write({**origin, "reference": reference, "ours": ours, "rtol": rtol, "atol": atol, "tolerance": tolerance,
            "source": None, "passed": passed})


def _write(row: dict) -> None:
    path = os.environ.get(LOG_ENV)
    if not path:
        return
    ref, ours = row["reference"], row["ours"]
    if math.isfinite(ref) and math.isfinite(ours):
        abs_diff = abs(ours - ref)
        rel_diff = abs_diff / abs(ref) if ref != 0 else (0.0 if abs_diff == 0 else math.inf)
    else:
        abs_diff = 0.0 if ref == ours or (math.isnan(ref) and math.isnan(ours)) else math.inf
        rel_diff = abs_diff
    if row.get("passed") is None:
        row["passed"] = bool(abs_diff <= row["tolerance"])
    if row.get("source") is None:
        row["source"] = source_of(row.get("file", ""))
    row.update(abs_diff=abs_diff, rel_diff=rel_diff, test=_current_test())
    line = json.dumps({k: (_num(v) if isinstance(v, float) else v) for k, v in row.items()})
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(line + "\n")


_HOOKED = False
_INSIDE_APPROX = 0  # > 0 while pytest.approx compares (its own exact short-cut must not count as an exact test)


def _install_approx_hook() -> None:
    """Make ``pytest.approx(RefValue)`` comparisons record themselves (only called when the log is on)."""
    global _HOOKED
    if _HOOKED:
        return
    from _pytest.approx import ApproxScalar

    original = ApproxScalar.__eq__

    def __eq__(self, actual):
        global _INSIDE_APPROX
        _INSIDE_APPROX += 1
        try:
            result = original(self, actual)
        finally:
            _INSIDE_APPROX -= 1
        expected = self.expected
        if isinstance(expected, RefValue) and not hasattr(actual, "__len__"):
            try:
                tolerance = float(self.tolerance)
                ours = float(actual)
            except (TypeError, ValueError):
                return result
            _record_origin(expected.origin, float(expected), ours, rtol=self.rel, atol=self.abs,
                           tolerance=tolerance, passed=bool(result))
        return result

    ApproxScalar.__eq__ = __eq__
    _HOOKED = True


# --- where a reference file comes from ----------------------------------------------------------------------------

_SESSION_PKG = re.compile(r"\b([A-Za-z][A-Za-z0-9.]*)_(\d+(?:[.-]\d+)+)\b")
_HEADER_PKG = re.compile(r"^\s{1,4}([A-Za-z][A-Za-z0-9.]*)\s+(\d+(?:[.-]\d+)+)\s*$")
_BASE = {"stats", "graphics", "grDevices", "utils", "datasets", "methods", "base", "stats4", "parallel", "grid",
         "splines", "tools", "compiler", "tcltk",
         # dependencies loaded with the packages named, and a table heading that looks like a version
         "carData", "TH.data", "Biobase", "BiocGenerics", "Matrix", "drcData", "XML", "gdata", "vsn", "Residual",
         "numDeriv", "mvtnorm", "exactRankTests"}


@cache
def source_of(relpath: str) -> str:
    """'make_reference_x.R (R 4.2.2; survival 3.5.3, maxstat 0.7.25)' for a reference file, from the script that
    writes it and the versions printed in that script's committed .Rout; '' when none is found."""
    if not relpath:
        return ""
    path = REFERENCE / relpath
    folder, name = path.parent, path.name
    scripts = [p for p in sorted(folder.glob("*.R")) + sorted(folder.glob("*.py"))
               if name in p.read_text(encoding="utf-8", errors="replace")]
    if not scripts:
        return ""
    script = scripts[0]
    rout = script.with_suffix(".Rout")
    versions = _versions(rout.read_text(encoding="utf-8", errors="replace")) if rout.exists() else ""
    return f"{script.name} ({versions})" if versions else script.name


def _versions(text: str) -> str:
    r = re.search(r"R version (\d+\.\d+\.\d+)", text)
    pkgs: dict[str, str] = {}
    other = re.search(r"other attached packages:\n(.*?)(?:\n\s*\n|\Z)", text, re.DOTALL)
    if other:
        for m in _SESSION_PKG.finditer(other.group(1)):
            if m.group(1) not in _BASE:
                pkgs.setdefault(m.group(1), m.group(2))
    for line in text.splitlines()[:40]:
        m = _HEADER_PKG.match(line)
        if m and m.group(1) not in _BASE:
            pkgs.setdefault(m.group(1), m.group(2))
    for m in re.finditer(r"\b([A-Za-z][A-Za-z0-9.]+) (?:version )?(\d+\.\d+[.-]\d+(?:[.-]\d+)?)\b", text[:3000]):
        if m.group(1) in {"drc", "NanoStringNorm", "ctrlGene", "DESeq2", "edgeR", "pcr", "ppcor", "maxstat",
                          "survival", "multcomp", "emmeans", "car", "lme4", "lmerTest", "pbkrtest", "MASS"}:
            pkgs.setdefault(m.group(1), m.group(2))
    parts = [f"R {r.group(1)}"] if r else []
    parts += [f"{k} {v}" for k, v in pkgs.items()]
    return "; ".join(parts)
