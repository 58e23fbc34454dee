"""Access to the committed R reference values of the dose-response tests (tests/reference/doseresponse/)."""

from pathlib import Path

import pandas as pd

from tests._reference import REFERENCE, Reference

REF = REFERENCE / "doseresponse"
_TABLES: dict[str, Reference] = {}


def ref(case: str, quantity: str, term: str = "", file: str = "reference_values.csv") -> float:
    if file not in _TABLES:
        _TABLES[file] = Reference(f"doseresponse/{file}")
    return _TABLES[file](case, quantity, term)


def data(name: str) -> pd.DataFrame:
    return pd.read_csv(Path(REF) / name)
