"""fit_many on a dask DataFrame, partition by partition (to be written)."""


def fit_many_dask(data, **kwargs):
    raise NotImplementedError("fit_many on a dask DataFrame is not written yet")
