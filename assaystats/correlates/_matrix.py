"""Genes x samples matrices larger than memory: read lazily from Zarr, HDF5 or Parquet as a dask array, for
correlate_one (which computes chunk by chunk; issue 13).

Layouts read (one matrix per file, genes as rows):

- Zarr (``.zarr`` directory): a 2-D array, or a group holding one (``dataset=`` names it; default ``values``, or
  the group's only 2-D array); gene and sample ids from the attributes ``genes`` / ``samples`` (JSON lists) of the
  array or group, or from 1-D arrays ``genes`` / ``samples`` in the group.
- HDF5 (``.h5``, ``.hdf5``; h5py): a 2-D dataset (``dataset=``, default ``values`` or the file's only 2-D dataset)
  and 1-D datasets ``genes`` / ``samples`` (text or bytes), or attributes of those names on the dataset.
- Parquet (a ``.parquet`` file or a folder of them; dask.dataframe.read_parquet): one row per gene; the first
  column holds the gene ids when it is not numeric (as in the package's expression tables), else a text index
  does; every other column is a sample's values.

Without ids, genes and samples are labelled by position ("1", "2", ...). Chunks: Zarr's and Parquet's own (row groups);
an HDF5 dataset's chunks along the genes, or blocks of about 64 MB of whole genes when it is stored contiguously.
"""

from __future__ import annotations

import dataclasses
import os

import numpy as np

from ..errors import AssayDataError

__all__ = ["ExpressionMatrix", "read_matrix"]

_CHUNK_BYTES = 1 << 26


@dataclasses.dataclass(frozen=True)
class ExpressionMatrix:
    """A genes x samples matrix read lazily: ``values`` (dask array of float64, chunks of genes), ``genes`` and
    ``samples`` (ids as text) and the ``source`` path. ``gene(id)`` computes one gene's values (a numpy array)."""

    values: object
    genes: tuple
    samples: tuple
    source: str

    def gene(self, gene: str) -> np.ndarray:
        pos = [i for i, g in enumerate(self.genes) if g == str(gene)]
        if not pos:
            raise AssayDataError(f"gene {gene!r} is not in the matrix ({len(self.genes)} genes)", file=self.source)
        if len(pos) > 1:
            raise AssayDataError(f"gene id {gene!r} appears in {len(pos)} rows ({', '.join(str(p + 1) for p in pos[:5])})"
                                 "; gene ids must be unique", file=self.source, rows=[p + 1 for p in pos])
        return np.asarray(self.values[pos[0]].compute(), float)


def read_matrix(path, *, dataset: str | None = None) -> ExpressionMatrix:
    """A genes x samples matrix from Zarr (.zarr), HDF5 (.h5/.hdf5) or Parquet (.parquet), read lazily as a dask
    array (nothing is loaded until computed); see the module notes for the layouts read."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise AssayDataError(f"no such file or folder: {path}", file=path)
    low = path.rstrip("/\\").lower()
    if low.endswith(".zarr"):
        values, genes, samples = _read_zarr(path, dataset)
    elif low.endswith((".h5", ".hdf5")):
        values, genes, samples = _read_hdf5(path, dataset)
    elif low.endswith((".parquet", ".pq")):
        if dataset is not None:
            raise AssayDataError("dataset= names an array inside a Zarr or HDF5 file; a Parquet table holds one "
                                 "matrix", file=path)
        values, genes, samples = _read_parquet(path)
    else:
        raise AssayDataError(f"cannot tell the format of {os.path.basename(path)!r}: a genes x samples matrix is read "
                             "from .zarr, .h5 / .hdf5 or .parquet", file=path)
    g, n = values.shape
    genes = _ids(genes, g, "gene", path)
    samples = _ids(samples, n, "sample", path)
    return ExpressionMatrix(values=values, genes=genes, samples=samples, source=path)


def _ids(ids, size, what, path):
    if ids is None:
        return tuple(str(i + 1) for i in range(size))
    ids = [i.decode() if isinstance(i, bytes) else str(i) for i in np.asarray(ids).ravel().tolist()]
    if len(ids) != size:
        raise AssayDataError(f"{len(ids)} {what} ids for a matrix with {size} {what}s", file=path)
    return tuple(ids)


def _pick(names, is_matrix, dataset, path, kind):
    """The 2-D array to read among names (dataset, else 'values', else the only 2-D one)."""
    if dataset is not None:
        if dataset not in names:
            raise AssayDataError(f"{kind} has no {dataset!r} (it holds {', '.join(map(repr, sorted(names))) or 'nothing'})",
                                 file=path)
        return dataset
    if "values" in names:
        return "values"
    matrices = [k for k in names if is_matrix(k)]
    if len(matrices) == 1:
        return matrices[0]
    raise AssayDataError(f"{kind} holds {len(matrices)} 2-D arrays ({', '.join(map(repr, sorted(matrices)))}); name "
                         "the genes x samples matrix with dataset=", file=path)


def _check_2d(shape, dtype, path):
    if len(shape) != 2:
        raise AssayDataError(f"the expression matrix must be 2-D (genes x samples); got shape {tuple(shape)}",
                             file=path)
    if not (np.issubdtype(dtype, np.number) or np.issubdtype(dtype, np.bool_)):
        raise AssayDataError(f"the expression matrix holds {dtype} values; numbers expected", file=path)


def _read_zarr(path, dataset):
    import dask.array as da
    import zarr

    node = zarr.open(path, mode="r")
    attrs = dict(node.attrs)
    if isinstance(node, zarr.Group):
        key = _pick(list(node.array_keys()), lambda k: node[k].ndim == 2, dataset, path, "the Zarr group")
        arr = node[key]
        attrs = {**attrs, **dict(arr.attrs)}
        for name in ("genes", "samples"):
            if name not in attrs and name in node.array_keys():
                attrs[name] = node[name][:]
        component = key
    else:
        if dataset is not None:
            raise AssayDataError(f"{path} is a single Zarr array; dataset= names an array inside a group", file=path)
        arr, component = node, None
    _check_2d(arr.shape, arr.dtype, path)
    values = da.from_zarr(path, component=component)
    return values.astype(float), attrs.get("genes"), attrs.get("samples")


def _read_hdf5(path, dataset):
    import dask.array as da
    import h5py

    f = h5py.File(path, "r")  # kept open by the dask array (read lazily), closed when it is collected
    datasets = [k for k in f if isinstance(f[k], h5py.Dataset)]
    key = _pick(datasets, lambda k: f[k].ndim == 2, dataset, path, "the HDF5 file")
    ds = f[key]
    if not isinstance(ds, h5py.Dataset):
        raise AssayDataError(f"{key!r} in the HDF5 file is a group, not a dataset", file=path)
    _check_2d(ds.shape, ds.dtype, path)
    n = ds.shape[1]
    rows = ds.chunks[0] if ds.chunks else max(1, _CHUNK_BYTES // max(1, n * ds.dtype.itemsize))
    values = da.from_array(ds, chunks=(rows, n), lock=True)  # h5py reads one at a time
    ids = {}
    for name in ("genes", "samples"):
        if name in f and isinstance(f[name], h5py.Dataset) and f[name].ndim == 1:
            ids[name] = f[name][()]
        elif name in ds.attrs:
            ids[name] = ds.attrs[name]
    return values.astype(float), ids.get("genes"), ids.get("samples")


def _read_parquet(path):
    import dask.dataframe as dd
    from pandas.api.types import is_numeric_dtype

    from ._coexpr import frame_values

    df = dd.read_parquet(path)
    cols = list(df.columns)
    genes = None
    if cols and not is_numeric_dtype(df.dtypes[cols[0]]):
        genes = df[cols[0]].compute().tolist()  # one column: Parquet reads it alone
        df = df[cols[1:]]
    elif df.index.dtype == object or str(df.index.dtype).startswith("string"):
        genes = df.index.compute().tolist()
    values = frame_values(df, file=path)
    return values, genes, [str(c) for c in df.columns]
