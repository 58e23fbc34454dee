"""Lookup of committed R reference values (long CSV: case, quantity, term, value)."""

from functools import cached_property
from pathlib import Path

import pandas as pd

REFERENCE = Path(__file__).resolve().parent / "reference"


class Reference:
    """``ref = Reference("qpcr/reference_qpcr.csv"); ref(case, quantity, term)`` returns one float and fails
    loudly when the value is missing or ambiguous."""

    def __init__(self, relpath: str):
        self.path = REFERENCE / relpath

    @cached_property
    def table(self) -> pd.DataFrame:
        return pd.read_csv(self.path, keep_default_na=False, dtype={"term": str})

    def __call__(self, case: str, quantity: str, term="") -> float:
        t = self.table
        hit = t[(t.case == case) & (t.quantity == quantity) & (t.term == str(term))]
        assert len(hit) == 1, f"reference {case}/{quantity}/{term} not found exactly once in {self.path.name}"
        return float(hit.value.iloc[0])
