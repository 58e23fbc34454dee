"""Bench-assay group comparisons: two groups, several groups with post tests, two-way designs, replicate-aware
analyses (replicate means, blocks, mixed models), with figures.

>>> import assaystats
>>> res = assaystats.assays.compare(df, value="colonies", group="sirna", control="Ctrl",
...                                  replicate="experiment")            # doctest: +SKIP
>>> res.omnibus; res.comparisons; res.plot()                           # doctest: +SKIP

qPCR: ``qpcr(df, reference_genes=[...], calibrator=...)``. NanoString: ``nanostring(rcc_files, design=..., group=..., control=...)``.
"""

from ._compare import compare
from ._dunnett import dunnett_cdf, dunnett_pvalue, dunnett_quantile
from ._nanostring import nanostring, normalize_rcc
from ._oneway import power_anova
from ._twogroup import power_ttest
from ._nanostring_result import NanoStringResult
from ._paired_genes import PairedGenesResult, paired_genes
from ._qpcr import genorm_m, qpcr, read_efficiency, standard_curve
from ._qpcr_result import QpcrResult
from ._result import ComparisonResult, stars

__all__ = ["compare", "ComparisonResult", "paired_genes", "PairedGenesResult", "qpcr", "QpcrResult", "read_efficiency", "nanostring", "normalize_rcc", "NanoStringResult", "standard_curve", "genorm_m", "stars",
           "dunnett_cdf", "dunnett_pvalue", "dunnett_quantile", "power_ttest", "power_anova"]
