"""assaystats: statistics of cancer-biology bench assays and their clinical correlates.

Subpackages (imported on first use, so that ``import assaystats`` stays fast):

- ``assaystats.doseresponse``: dose-response curves, IC50s and their comparison
- ``assaystats.assays``: group comparisons, qPCR, NanoString, paired many-gene tests
- ``assaystats.survival``: Kaplan-Meier, log-rank, Cox, cut-points
- ``assaystats.correlates``: cohort expression (tumour vs normal, stage, grade, co-expression)
- ``assaystats.scrna``: single-cell comparison of two samples (needs the ``scrna`` extra)
- ``assaystats.datasets``: bundled example data with provenance
- ``assaystats.report``: the self-contained HTML report
- ``assaystats.errors``: AssayDataError, FitWarning
"""

from __future__ import annotations

import importlib

from ._version import __version__

__all__ = ["__version__", "doseresponse", "assays", "survival", "correlates", "scrna", "datasets", "report", "errors",
           "io"]


def __getattr__(name: str):
    if name in __all__ and name != "__version__":
        mod = importlib.import_module(f".{name}", __name__)
        globals()[name] = mod
        return mod
    raise AttributeError(f"module 'assaystats' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
