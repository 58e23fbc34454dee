"""Access to the committed R reference values (tests/reference/doseresponse/)."""

from functools import lru_cache
from pathlib import Path

import pandas as pd

REF = Path(__file__).resolve().parents[1] / "reference" / "doseresponse"


@lru_cache(maxsize=None)
def _table(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / name, keep_default_na=False, dtype={"term": str})


def ref(case: str, quantity: str, term: str = "", file: str = "reference_values.csv") -> float:
    t = _table(file)
    hit = t[(t.case == case) & (t.quantity == quantity) & (t.term == str(term))]
    assert len(hit) == 1, f"reference {case}/{quantity}/{term} not found exactly once in {file}"
    return float(hit.value.iloc[0])


def data(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / name)
