"""The Result of ``fit_many`` (every curve of a screen fitted at once)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from .._result import Result

__all__ = ["BatchFitResult"]


@dataclass(frozen=True)
class BatchFitResult(Result):
    """One row per curve (``table``, also ``fits``): the curve columns, then the columns of ``fit(...).fits`` with
    the same names and meanings, plus standard errors of the parameters, ``r2``, ``rmse`` and ``method``."""

    title: ClassVar[str] = "Dose-response screen"

    @property
    def fits(self):
        return self.table

    def tables(self) -> dict[str, Any]:
        return {"curves": self.table}

    def summary(self) -> str:
        t = self.table
        n = len(t)
        ok = int((t["flag"] == "ok").sum())
        flags: dict[str, int] = {}
        for f in t["flag"]:
            for part in str(f).split(";"):
                if part != "ok":
                    flags[part] = flags.get(part, 0) + 1
        words = ", ".join(f"{k} {v}" for k, v in sorted(flags.items(), key=lambda kv: -kv[1]))
        return (f"{n} curves fitted with the {self.meta.get('model')} model; {ok} without a flag"
                + (f" (flags: {words})." if words else "."))

    def methods(self) -> str:
        return str(self.meta.get("method", ""))
