"""Bundled example data sets, each with a provenance note.

>>> from assaystats import datasets
>>> datasets.list_datasets()                      # doctest: +SKIP
>>> df = datasets.load("sorafenib_ic50")          # doctest: +SKIP

Inside the wheel the data live in ``assaystats/datasets/data/``; in a source checkout they are read from
the repository's ``data/`` folder.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names of the annotations only
    import pandas as pd

from pathlib import Path

from ._simulate import simulate_screen

__all__ = ["list_datasets", "load", "path", "resolve", "describe", "DATASETS", "simulate_screen"]

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
    "resistant_spheres": ("paper_panels", "resistant_spheres.csv",
                          "Tumour spheres per well and their diameter, parental vs resistant Huh7/Hep3B, 3 wells x 3 "
                          "experiments (simulated; truth.json)", "simulated"),
    "zfas1_hcc_pairs": ("paper_panels", "zfas1_hcc_pairs.csv",
                        "ZFAS1 by qPCR (log2 relative expression) in 10 HCCs and matched normal liver (simulated; "
                        "truth.json)", "simulated"),
    "screen_sim": ("screen_sim", "screen_sim.csv",
                   "A drug screen: 20 compounds x 8 cell lines x 9 doses x 3 wells with viability and the cell counts "
                   "GR metrics need (simulated from planted GR curves; truth.csv)", "simulated"),
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


def resolve(spec: str) -> Path:
    """The path an ``example:`` input names, in a source checkout and in an installed package alike.

    ``example:NAME`` is the data file of a bundled data set (``example:sorafenib_ic50``); ``example:FOLDER/PATH`` is
    a file or folder inside the bundled data (``example:lihc_cohort/clinical.csv``, ``example:scrna_sim/P``), so
    that a study file can name every input without a path that only exists in a checkout.
    """
    from ..errors import AssayDataError

    name = str(spec).split(":", 1)[1] if str(spec).startswith("example:") else str(spec)
    if name in DATASETS:
        return path(name)
    if "/" in name.strip("/"):
        root = _root().resolve()
        p = (root / name).resolve()
        if root not in p.parents:
            raise AssayDataError(f"example:{name} points outside the bundled data")
        if not p.exists():
            folder = name.split("/", 1)[0]
            there = sorted(q.name for q in (root / folder).iterdir()) if (root / folder).is_dir() else []
            hint = f"; {folder}/ holds {', '.join(there)}" if there else f"; folders: {', '.join(_folders())}"
            raise AssayDataError(f"example:{name} is not in the bundled data{hint}")
        return p
    raise AssayDataError(f"no bundled data set {name!r}; available: {', '.join(DATASETS)} "
                         "(or example:FOLDER/FILE for a file of the bundled data)")


def _folders() -> list[str]:
    return sorted({v[0] for v in DATASETS.values()})


def describe(name: str) -> str:
    """The provenance note (README.md) of a data set."""
    return (path(name).parent / "README.md").read_text(encoding="utf-8")


def list_datasets():
    """A table of the bundled data sets: name, kind (real / simulated), description, file."""
    import pandas as pd

    return pd.DataFrame([{"name": k, "kind": v[3], "description": v[2], "file": str(_root() / v[0] / v[1])}
                         for k, v in DATASETS.items()])


def load(name: str) -> pd.DataFrame:
    """Load a bundled data set as a DataFrame (read with the package's own reader)."""
    from ..io import read_table

    return read_table(path(name))
