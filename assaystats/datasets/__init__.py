"""Bundled example data sets, each with a provenance note.

>>> from assaystats import datasets
>>> datasets.list_datasets()                      # doctest: +SKIP
>>> df = datasets.load("sorafenib_ic50")          # doctest: +SKIP

Inside the wheel the data live in ``assaystats/datasets/data/``; in a source checkout they are read from
the repository's ``data/`` folder.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["list_datasets", "load", "path", "describe", "DATASETS"]

#: name -> (folder, file, one-line description, kind)
DATASETS = {
    "sorafenib_ic50": ("sorafenib_ic50", "sorafenib_ic50.csv",
                       "Viability of parental and sorafenib-resistant Huh7/Hep3B cells over 9 doses, "
                       "3 wells x 3 experiments (simulated; truth.json)", "simulated"),
    "zfas1_colonies": ("zfas1_knockdown", "colonies.csv",
                       "Colony and tumour-sphere counts after ZFAS1 siRNA, 3 wells x 3 experiments (simulated; "
                       "truth.json)", "simulated"),
    "zfas1_viability": ("zfas1_knockdown", "viability.csv",
                        "Viability under sorafenib 0/5/10 uM with siCtrl or siZFAS1, 4 wells x 3 experiments "
                        "(simulated; truth.json)", "simulated"),
    "zfas1_qpcr": ("zfas1_qpcr", "zfas1_qpcr.csv",
                   "qPCR wells after ZFAS1 siRNA: 12 genes, 2 reference genes, 3 samples x 3 wells per group "
                   "(simulated; truth.json)", "simulated"),
    "lcsc_flow": ("study_panels", "lcsc_flow.csv",
                  "EpCAM+CD133+ % by flow in parental and resistant lines, 3 experiments (simulated; truth.json)",
                  "simulated"),
    "apoptosis": ("study_panels", "apoptosis.csv",
                  "Apoptosis % after siCtrl/siZFAS1 +- sorafenib 5 uM, 3 wells x 3 experiments (simulated)",
                  "simulated"),
    "notch_tumour_normal": ("study_panels", "notch_tumour_normal.csv",
                            "Notch genes in 12 HCCs and matched normal liver, log2 expression (simulated)",
                            "simulated"),
    "nanostring_skmel": ("nanostring_skmel", "3D_SolidTumor_PhenoData.csv",
                         "12 NanoString RCC files (SKMEL2/SKMEL28 +- vemurafenib) and their design table; the "
                         "RCC files lie beside it (NanoStringNCTools example data, MIT)", "real"),
    "lihc_expression": ("lihc_cohort", "expression.tsv",
                        "Xena-style expression (genes x samples, log2 TPM+1) of 300 tumours and 50 matched normals "
                        "(simulated like TCGA-LIHC; truth.json)", "simulated"),
    "lihc_clinical": ("lihc_cohort", "clinical.csv",
                      "Clinical table of the simulated LIHC cohort: stage, grade, age, OS and DFS", "simulated"),
    "lihc_cohort": ("lihc_cohort", "survival.csv",
                    "Clinical table joined with tumour ZFAS1, one row per patient (simulated; truth.json)",
                    "simulated"),
    "scrna_sim": ("scrna_sim", "truth.json",
                  "Two simulated Cell Ranger folders, P (parental) and R (resistant), 250 cells each, with planted "
                  "effects (folders P/ and R/ beside truth.json)", "simulated"),
    "ryegrass": ("ryegrass", "ryegrass.csv",
                 "Ryegrass root length vs ferulic acid (Inderjit et al. 2002; drc's LL.4 example)", "real"),
}


def _root() -> Path:
    here = Path(__file__).resolve().parent
    packaged = here / "data"
    if packaged.is_dir():
        return packaged
    return here.parent.parent / "data"


def path(name: str) -> Path:
    """Path of the data file of a bundled data set."""
    from ..errors import AssayDataError

    if name not in DATASETS:
        raise AssayDataError(f"no bundled data set {name!r}; available: {', '.join(DATASETS)}")
    folder, file, _desc, _kind = DATASETS[name]
    p = _root() / folder / file
    if not p.exists():  # pragma: no cover - broken installation
        raise AssayDataError(f"bundled data set {name!r} is missing from the installation ({p})")
    return p


def describe(name: str) -> str:
    """The provenance note (README.md) of a data set."""
    return (path(name).parent / "README.md").read_text(encoding="utf-8")


def list_datasets():
    """A table of the bundled data sets: name, kind (real / simulated), description, file."""
    import pandas as pd

    return pd.DataFrame([{"name": k, "kind": v[3], "description": v[2], "file": str(_root() / v[0] / v[1])}
                         for k, v in DATASETS.items()])


def load(name: str):
    """Load a bundled data set as a DataFrame (read with the package's own reader)."""
    from ..io import read_table

    return read_table(path(name))
