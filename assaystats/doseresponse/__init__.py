"""Dose-response curves: fits, IC50s and effective doses, comparisons between groups.

>>> import assaystats
>>> df = assaystats.datasets.load("sorafenib_ic50")
>>> res = assaystats.doseresponse.fit(df, dose="dose_uM", response="viability", group="line",
...                                   replicate="experiment", control="Huh7-P")   # doctest: +SKIP
>>> res.fits; res.comparisons; res.plot()                                              # doctest: +SKIP

See ``docs/doseresponse.md`` for the models, the table schemas and the conventions (Hill sign, intervals).
"""

from ._api import fit
from ._batch import fit_many
from ._batch_result import BatchFitResult
from ._dask import partition_by_curve
from ._fit import DoseResponseCurve, fit_curve
from ._gr import gr_metrics
from ._gr_result import GRMetricsResult
from ._models import MODELS
from ._plot import plot_curves, plot_replicate_ic50, plot_residuals
from ._result import DoseResponseResult, ModelSelectionResult
from ._screen import screen
from ._screen_result import ScreenResult
from ._select import compare_models

__all__ = ["fit", "fit_many", "screen", "gr_metrics", "GRMetricsResult", "partition_by_curve", "BatchFitResult", "ScreenResult",
           "compare_models", "fit_curve", "DoseResponseCurve", "DoseResponseResult", "ModelSelectionResult", "MODELS",
           "plot_curves", "plot_residuals", "plot_replicate_ic50"]
