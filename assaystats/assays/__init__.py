"""Bench-assay group comparisons: two groups, several groups with post tests, two-way designs, replicate-aware
analyses (replicate means, blocks, mixed models), with figures.

>>> import assaystats
>>> res = assaystats.assays.compare(df, value="colonies", group="sirna", control="Ctrl",
...                                  replicate="experiment")            # doctest: +SKIP
>>> res.omnibus; res.comparisons; res.plot()                           # doctest: +SKIP

qPCR and NanoString panels are planned (issue 4).
"""

from ._compare import compare
from ._dunnett import dunnett_cdf, dunnett_pvalue, dunnett_quantile
from ._result import ComparisonResult, stars

__all__ = ["compare", "ComparisonResult", "stars", "dunnett_cdf", "dunnett_pvalue", "dunnett_quantile"]
