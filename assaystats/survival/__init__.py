"""Survival by a group or a gene's expression: Kaplan-Meier, log-rank, Cox, cut-points.

>>> res = assaystats.survival.analyze(df, time="os_months", event="os_event", expression="ZFAS1",
...                                   cutoff="median", covariates=["age"])          # doctest: +SKIP
"""

from ._api import analyze
from ._cox import cox_fit
from ._cutpoint import logrank_scores, maxstat_logrank, p_lausen94, split_by_rule
from ._km import km_table, median_with_ci, quantile_time, rmst
from ._logrank import logrank, logrank_trend, pairwise_logrank
from ._result import SurvivalResult

__all__ = ["analyze", "SurvivalResult", "km_table", "median_with_ci", "quantile_time", "rmst", "logrank",
           "logrank_trend", "pairwise_logrank", "cox_fit", "maxstat_logrank", "p_lausen94", "logrank_scores",
           "split_by_rule"]
