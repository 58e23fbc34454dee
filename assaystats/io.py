"""The one place that reads user files and writes outputs.

Reading: CSV / TSV / TXT (delimiter sniffed) and Excel, with clear errors for the usual accidents
(empty file, a file that is not UTF-8, duplicated column names).

Writing: :func:`output_dir` builds the whole output in a temporary sibling folder and renames it into
place only when everything succeeded; an existing folder is never replaced unless ``force=True``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names of the annotations only
    import pandas as pd

import contextlib
import csv
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import AssayDataError, OutputExistsError

__all__ = ["read_table", "read_table_dask", "labels_as_text", "read_rcc", "read_gmt", "output_dir", "check_output", "OutputMoved", "sha256", "write_json"]

_EXCEL = {".xlsx", ".xlsm", ".xls"}
_PARQUET = {".parquet", ".pq"}


def sha256(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_table(path: str | os.PathLike, *, sheet: str | int | None = 0, labels=()) -> pd.DataFrame:
    """Read a tidy table (one row per observation, named columns) from CSV/TSV/Excel or Parquet.

    - R's and Excel's missing-value markers (empty, ``NA``, ``NaN``, ``nan``, ``#N/A``) are missing in every column.
    - Columns named in ``labels`` (names, or 0-based positions such as 0 for the gene-id column of a genes x samples
      table; ids and groups: sample, replicate, group, gene ...) are text, never numbers, so
      that ``01`` and ``1``, or ``1.1`` and ``1.10``, stay different ids; leading and trailing spaces are removed
      from them (counted in ``df.attrs["notes"]``).
    - Other columns that parse completely as numbers become numbers. In a table whose fields are separated by ';'
      or tabs, a column written with decimal commas (``1,5``) is read as numbers, with a note.

    Raises AssayDataError (naming the file, and the line or sheet where it helps) when the file is missing, empty,
    not UTF-8 text, not a table (a row with extra fields, an unterminated quote), not the workbook its name says,
    lacks the sheet, has no data rows, or has duplicated or empty column names.
    """
    import pandas as pd

    from ._validate import NA_MARKERS

    p = Path(path)
    name = str(path)
    if not p.exists():
        raise AssayDataError("file not found", file=name)
    if p.is_dir():
        raise AssayDataError("is a folder, expected a table file (CSV, TSV or Excel)", file=name)
    if p.stat().st_size == 0:
        raise AssayDataError("the file is empty; expected a table with a header row", file=name)
    labels = [c if isinstance(c, int) else str(c) for c in labels if c is not None]
    notes: list[str] = []

    if p.suffix.lower() in _PARQUET:
        return _read_parquet(p, name, labels)
    if p.suffix.lower() in _EXCEL:
        df = _read_excel(p, name, sheet)
        df = df.map(lambda v: _excel_cell(v)) if hasattr(df, "map") else df.applymap(_excel_cell)
        df = df.replace({m: None for m in NA_MARKERS})
    else:
        text = _decode(p, name)
        first = text.splitlines()[0]
        delim = _delimiter(p, text)
        header = next(csv.reader([first], delimiter=delim))
        header = [h.strip() for h in header]
        _check_header(header, name)
        import io as _io

        try:
            df = pd.read_csv(_io.StringIO(text), sep=delim, skipinitialspace=False, dtype=str,
                             keep_default_na=False, na_values=list(NA_MARKERS), engine="c")
        except (pd.errors.ParserError, csv.Error) as exc:
            raise AssayDataError(f"cannot be read as a table: {_parser_message(exc)}; every row needs as many "
                                 "fields as the header, and quotes must be closed", file=name) from None
        if df.shape[1] != len(header):  # pragma: no cover - pandas checks this
            raise AssayDataError("rows have more fields than the header", file=name)
        df.columns = header
        df = df.where(df.notna(), None)
    df = df.dropna(how="all")
    labels = [str(df.columns[c]) if isinstance(c, int) else c for c in labels if not isinstance(c, int) or
              -len(df.columns) <= c < len(df.columns)]
    for c in df.columns:
        col = df[c]
        if str(c) in labels:
            txt = col.map(lambda v: None if v is None else str(v))
            stripped = txt.map(lambda v: None if v is None else v.strip())
            changed = int((txt.notna() & (txt != stripped)).sum())
            if changed:
                notes.append(f"column {c!r}: leading or trailing spaces removed from {changed} "
                             f"value{'s' if changed > 1 else ''}")
            stripped = stripped.map(lambda v: None if v in NA_MARKERS else v)
            df[c] = stripped.astype(object)
            continue
        # numbers stay numbers: convert columns that parse completely; leave the rest as text so that
        # validators can point at the offending cells.
        if col.dtype == object:
            col = col.map(lambda v: v.strip() if isinstance(v, str) else v)
            col = col.map(lambda v: None if isinstance(v, str) and v in NA_MARKERS else v)
            df[c] = col
        conv = pd.to_numeric(col, errors="coerce")
        if conv.notna().sum() == col.notna().sum():
            df[c] = conv.astype(float) if conv.notna().sum() == 0 else conv
            continue
        if p.suffix.lower() not in _EXCEL and delim != "," and col.notna().any():
            txt = col.dropna().astype(str).str.strip()
            if txt.str.fullmatch(r"[-+]?\d+(,\d+)?([eE][-+]?\d+)?").all() and txt.str.contains(",").any():
                df[c] = pd.to_numeric(col.astype(str).str.strip().str.replace(",", ".", regex=False)
                                      .where(col.notna(), None), errors="coerce")
                notes.append(f"column {c!r}: decimal commas read as decimal points")
    df = _finish(df, name)
    df.attrs["notes"] = notes
    return df


def _decode(p: Path, name: str) -> str:
    raw = p.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise AssayDataError("is UTF-16 text; save it as 'CSV UTF-8' from Excel", file=name)
    if raw[:4] == b"PK\x03\x04" or raw[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise AssayDataError("is an Excel workbook saved under a text name; rename it to .xlsx (or .xls), or "
                             "save it as CSV", file=name)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise AssayDataError(
            f"is not UTF-8 text (byte 0x{raw[exc.start]:02x} on line {line}); save it as 'CSV UTF-8' "
            "from Excel, or convert it with iconv", file=name) from None
    if not text.strip():
        raise AssayDataError("the file holds only blank space; expected a table with a header row", file=name)
    if "\x00" in text:
        raise AssayDataError("holds NUL bytes; it is not a text table", file=name)
    return text


def _parser_message(exc) -> str:
    msg = " ".join(str(exc).split())
    msg = msg.replace("Error tokenizing data. C error: ", "")
    return msg[:200]


def _read_excel(p: Path, name: str, sheet):
    import zipfile

    import pandas as pd

    from ._validate import NA_MARKERS

    head = p.read_bytes()[:8]
    if p.suffix.lower() in (".xlsx", ".xlsm") and not head.startswith(b"PK"):
        raise AssayDataError(f"is not an Excel workbook (no {p.suffix} content; a CSV saved under that name?); "
                             "save it again as Excel, or rename it to .csv", file=name)
    if p.suffix.lower() == ".xls" and not head.startswith(b"\xd0\xcf\x11\xe0"):
        raise AssayDataError("is not an Excel 97-2003 workbook (a CSV saved under that name?); save it again as "
                             ".xlsx, or rename it to .csv", file=name)
    try:
        book = pd.ExcelFile(p)
    except ImportError as exc:
        raise AssayDataError(f"reading this Excel file needs an extra package ({exc}); pip install "
                             "'assaystats[excel]', or save the sheet as CSV", file=name) from None
    except (zipfile.BadZipFile, ValueError, OSError, KeyError) as exc:
        raise AssayDataError(f"cannot be read as an Excel workbook ({' '.join(str(exc).split())[:120]})",
                             file=name) from None
    with book:
        names = [str(s) for s in book.sheet_names]
        if isinstance(sheet, str) and sheet not in names:
            near = [s for s in names if s.casefold() == sheet.casefold()]
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            raise AssayDataError(f"has no sheet {sheet!r}{hint}; its sheets are {', '.join(map(repr, names))}",
                                 file=name)
        if isinstance(sheet, int) and not 0 <= sheet < len(names):
            raise AssayDataError(f"has no sheet number {sheet + 1}; it has {len(names)}", file=name)
        raw = book.parse(sheet_name=sheet, header=None, dtype=object, keep_default_na=False,
                         na_values=list(NA_MARKERS))
    raw = raw.dropna(how="all").dropna(axis=1, how="all")
    if raw.shape[0] == 0:
        raise AssayDataError(f"sheet {sheet!r} is empty; expected a table with a header row", file=name)
    header = ["" if _isna(h) else _excel_cell(h) for h in raw.iloc[0].tolist()]
    header = [str(h).strip() for h in header]
    _check_header(header, name)
    df = raw.iloc[1:].reset_index(drop=True)
    df.columns = header
    return df


def _isna(v) -> bool:
    try:
        return v is None or (isinstance(v, float) and v != v)
    except TypeError:  # pragma: no cover
        return False


def _excel_cell(v):
    """An Excel cell as the user sees it: whole numbers without '.0' (an id typed as 1 is '1'), text as is."""
    import datetime

    if _isna(v):
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return int(v)
    if isinstance(v, (datetime.datetime, datetime.date)):
        return v.isoformat()
    return v


def _delimiter(p: Path, text: str) -> str:
    if p.suffix.lower() in {".tsv", ".tab"}:
        return "\t"
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",\t;").delimiter
    except csv.Error:
        return ","


def _check_header(header: list[str], name: str) -> None:
    seen: dict[str, int] = {}
    for i, h in enumerate(header):
        if h in seen:
            raise AssayDataError(
                f"column name {h!r} appears twice in the header (columns {seen[h] + 1} and {i + 1}); "
                "column names must be unique", file=name, column=h)
        seen[h] = i
    empty = [i + 1 for i, h in enumerate(header) if h == "" or h.lower().startswith("unnamed:")]
    if empty and len(header) > 1:
        raise AssayDataError(f"column {empty[0]} of the header has no name; every column needs a name",
                             file=name)


def _read_parquet(p: Path, name: str, labels):
    """A Parquet table (typed columns, as written): label columns become text by the same rules as in CSV files
    (``label_text``: whole numbers without '.0'), missing markers written as text are missing."""
    import pandas as pd

    from ._validate import NA_MARKERS

    try:
        df = pd.read_parquet(p)
    except ImportError:
        raise AssayDataError("reading Parquet needs pyarrow: pip install pyarrow", file=name) from None
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many kinds for a damaged file
        raise AssayDataError(f"cannot be read as Parquet: {' '.join(str(exc).split())[:200]}", file=name) from None
    _check_header([str(c) for c in df.columns], name)
    labels = [str(df.columns[c]) if isinstance(c, int) else c for c in labels
              if not isinstance(c, int) or -len(df.columns) <= c < len(df.columns)]
    for c in df.columns:
        col = df[c]
        if str(c) in labels:
            df[c] = labels_as_text(col)
        elif col.dtype == object:
            df[c] = col.map(lambda v: None if isinstance(v, str) and v.strip() in NA_MARKERS else v)
    df = _finish(df, name)
    df.attrs["notes"] = []
    return df


def labels_as_text(series):
    """A typed label column (Parquet, dask) as text by the CSV reader's rule: ``label_text`` (whole numbers without
    '.0'), spaces stripped, NaN/None and the missing markers missing (None)."""
    from ._validate import NA_MARKERS, label_text

    return series.map(lambda v: None if v is None or (isinstance(v, float) and v != v)
                      or str(v).strip() in NA_MARKERS else label_text(v).strip()).astype(object)


def read_table_dask(path: str | os.PathLike, *, labels=(), source: str | None = None, npartitions=None):
    """A long table as a dask DataFrame read in blocks (CSV/TSV or Parquet, a file or a Parquet folder), for
    screens larger than memory; label columns as text by the same rules as :func:`read_table`."""
    from ._validate import NA_MARKERS

    try:
        import dask.dataframe as dd
    except ImportError:
        raise AssayDataError("--engine dask needs dask: pip install 'assaystats[dask]'") from None
    p = Path(path)
    name = source or str(path)
    if not p.exists():
        raise AssayDataError("file not found", file=name)
    labels = [str(c) for c in labels if c]
    suffix = p.suffix.lower() if p.is_file() else ".parquet"
    if suffix in _PARQUET:
        try:
            ddf = dd.read_parquet(str(p))
        except Exception as exc:  # noqa: BLE001 - pyarrow raises many kinds for a damaged file
            raise AssayDataError(f"cannot be read as Parquet: {' '.join(str(exc).split())[:200]}", file=name) from None
        for c in labels:
            if c in ddf.columns:
                ddf[c] = ddf[c].map_partitions(labels_as_text, meta=(c, object))
    elif suffix in (".csv", ".tsv", ".txt"):
        ddf = dd.read_csv(str(p), sep="\t" if suffix == ".tsv" else ",", dtype={c: str for c in labels},
                          keep_default_na=False, na_values=list(NA_MARKERS), blocksize="64MB")
    else:
        raise AssayDataError("the dask engine reads CSV/TSV or Parquet (save an Excel workbook as CSV)", file=name)
    return ddf.repartition(npartitions=npartitions) if npartitions else ddf


def _finish(df, name: str):
    df = df.dropna(how="all").reset_index(drop=True)
    if df.shape[0] == 0:
        raise AssayDataError("the table has a header but no data rows", file=name)
    df.attrs["source"] = name
    return df


#: the marker in ``provenance.json`` that says a folder was written by assaystats (with the list of its files)
PROVENANCE_MARKER = "assaystats output folder"


class OutputMoved(Exception):
    """The finished output could not take ``--out`` (something appeared there during the run); it was kept at
    ``.path`` instead. Raised after everything was written, so nothing is lost."""

    def __init__(self, target: Path, path: Path):
        self.target, self.path = target, path
        super().__init__(f"{str(target)!r} appeared while the analysis ran and was left alone; the finished result "
                         f"is in {str(path)!r}")


def _umask() -> int:
    try:  # Linux: read it without changing it
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:  # pragma: no cover - not Linux
        pass
    old = os.umask(0o022)  # pragma: no cover
    os.umask(old)  # pragma: no cover
    return old  # pragma: no cover


def _rename_noreplace(src: Path, dst: Path) -> bool:
    """Rename ``src`` to ``dst`` only if ``dst`` does not exist, atomically where the kernel offers it
    (Linux renameat2 RENAME_NOREPLACE); False when ``dst`` exists."""
    import ctypes
    import errno

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):  # pragma: no cover - not glibc: check, then rename (a small window)
        fn = None
    if fn is not None:
        at_fdcwd, noreplace = -100, 1
        rc = fn(at_fdcwd, os.fsencode(src), at_fdcwd, os.fsencode(dst), noreplace)
        if rc == 0:
            return True
        err = ctypes.get_errno()
        if err == errno.EEXIST:
            return False
        if err not in (errno.ENOSYS, errno.EINVAL):  # pragma: no cover - e.g. a file system without it
            raise OSError(err, os.strerror(err), str(dst))
    if os.path.lexists(dst):  # pragma: no cover - fallback path
        return False
    os.rename(src, dst)  # pragma: no cover
    return True  # pragma: no cover


def _manifest(folder: Path) -> list[str]:
    """Every file and folder under ``folder``, as sorted relative POSIX paths (folders end with '/')."""
    out = []
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).as_posix()
        out.append(rel + "/" if p.is_dir() and not p.is_symlink() else rel)
    return out


def _foreign_entries(folder: Path) -> list[str] | None:
    """What in ``folder`` assaystats did not write: None when it is not an assaystats output at all (no
    provenance.json with our marker), else the entries not listed in its manifest."""
    prov = folder / "provenance.json"
    try:
        info = json.loads(prov.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(info, dict) or info.get("written_by") != PROVENANCE_MARKER or \
            not isinstance(info.get("files"), list):
        return None
    ours = set(info["files"]) | {"provenance.json"}
    return [e for e in _manifest(folder) if e not in ours]


def _describe(entries: list[str], limit: int = 4) -> str:
    shown = ", ".join(repr(e) for e in entries[:limit])
    return shown + (f" and {len(entries) - limit} more" if len(entries) > limit else "")


def check_output(path: str | os.PathLike, *, force: bool = False, inputs=()) -> Path:
    """Refuse an output folder that cannot be written safely; returns the resolved target.

    - an existing ``path`` is refused unless ``force``; with ``force`` it must be a folder assaystats wrote
      (its provenance.json carries our marker and the list of files we wrote) that holds nothing else;
    - ``path`` must not be the current folder or hold it, and no input may lie inside it;
    - its parent must be a folder (or creatable)."""
    target = Path(os.path.abspath(path))
    shown = str(path)
    cwd = Path.cwd().resolve()
    real = target.resolve()
    if str(path).strip() in ("", ".", "..") or real == cwd or real in cwd.parents or real.parent == real:
        raise OutputExistsError(f"--out {shown!r} is the current folder or holds it; name a new folder, e.g. "
                                "--out results")
    for inp in inputs or ():
        if inp is None:
            continue
        ip = Path(os.path.abspath(inp)).resolve()
        if ip == real or real in ip.parents:
            raise OutputExistsError(f"--out {shown!r} holds the input {str(inp)!r}; write the results to a new "
                                    "folder, e.g. --out results")
    if os.path.lexists(target):
        if target.is_symlink() or not target.is_dir():
            raise OutputExistsError(f"output path {shown!r} exists and is not a folder; choose another --out")
        if not force:
            raise OutputExistsError(f"output folder {shown!r} exists; use --force to replace it (only a folder "
                                    "that assaystats wrote can be replaced)")
        foreign = _foreign_entries(target)
        if foreign is None:
            raise OutputExistsError(f"--force refused: {shown!r} was not written by assaystats (no provenance.json "
                                    "of ours); nothing was replaced. Remove it yourself or choose another --out")
        if foreign:
            raise OutputExistsError(f"--force refused: {shown!r} holds {_describe(foreign)}, which assaystats did "
                                    "not write; nothing was replaced. Move them out or choose another --out")
    parent = target.parent
    if parent.exists() and not parent.is_dir():
        raise OutputExistsError(f"cannot write {shown!r}: {str(parent)!r} is not a folder")
    return target


@contextlib.contextmanager
def output_dir(path: str | os.PathLike, *, force: bool = False, inputs=()) -> Iterator[Path]:
    """Yield a fresh temporary folder that becomes ``path`` only if the block succeeds.

    The rules of :func:`check_output` are checked before anything is written *and* again at the final rename:

    - the block raises (or the process gets SIGINT / SIGTERM, which the command turns into an exception): the
      temporary folder is removed and ``path`` is untouched;
    - success: the folder is renamed into place only if ``path`` is still absent (atomically, where the kernel
      offers it), or, with ``force``, still an assaystats output holding nothing else, which is then moved aside
      and deleted. Something else at ``path`` is never touched: the finished result is kept beside it under a new
      name and :class:`OutputMoved` says where.

    The block must write a ``provenance.json`` (a dict); the list of every file written and our marker are added
    to it here, so that a later ``force`` can tell our files from a user's. The folder follows the umask.
    """
    target = check_output(path, force=force, inputs=inputs)
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputExistsError(f"cannot create the folder {str(parent)!r} for --out: {exc.strerror}") from None
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=parent))
    except OSError as exc:
        raise OutputExistsError(f"cannot write in {str(parent)!r}: {exc.strerror}") from None
    try:
        yield tmp
        _seal(tmp)
        tmp.chmod(0o777 & ~_umask())
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    try:
        check_output(path, force=force, inputs=inputs)
    except OutputExistsError:
        _keep_beside(tmp, target)
    old = None
    if force and os.path.lexists(target):
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=parent))
        os.rename(target, old / "previous")
    if not _rename_noreplace(tmp, target):
        if old is not None and _rename_noreplace(old / "previous", target):  # pragma: no cover - a race
            shutil.rmtree(old, ignore_errors=True)
            old = None
        _keep_beside(tmp, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _keep_beside(tmp: Path, target: Path):
    for k in range(2, 1000):
        alt = target.with_name(f"{target.name}-{k}")
        if _rename_noreplace(tmp, alt):
            raise OutputMoved(target, alt)
    raise OutputExistsError(f"{str(target)!r} and 998 alternatives exist")  # pragma: no cover


def _seal(folder: Path) -> None:
    """Add our marker and the list of files to the folder's provenance.json."""
    prov = folder / "provenance.json"
    info = json.loads(prov.read_text(encoding="utf-8")) if prov.exists() else {}
    info = {"written_by": PROVENANCE_MARKER, **info}
    info["files"] = [e for e in _manifest(folder) if e != "provenance.json"]
    write_json(info, prov)


def read_gmt(path: str | os.PathLike) -> dict[str, list[str]]:
    """Gene sets from a GMT file: name, description (may be empty), genes, tab-separated; empty fields are skipped
    among the genes only, so an empty description never swallows the first gene."""
    sets: dict[str, list[str]] = {}
    for line in Path(path).read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and parts[0].strip():
            sets[parts[0].strip()] = [g.strip() for g in parts[2:] if g.strip()]
    return sets


def write_json(obj, path: str | os.PathLike) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(obj, fh, indent=2, sort_keys=False, default=_json_default)
        fh.write("\n")


def _json_default(o):
    import numpy as np

    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return None if np.isnan(o) else float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    return str(o)


# -- NanoString nCounter RCC ---------------------------------------------------------------------------------

RCC_SECTIONS = ("Header", "Sample_Attributes", "Lane_Attributes", "Code_Summary", "Messages")


def read_rcc(path: str | os.PathLike) -> dict:
    """Parse a NanoString RCC file.

    Returns a dict with 'file', 'header', 'sample_attributes', 'lane_attributes' (dicts of strings) and
    'code_summary' (DataFrame CodeClass, Name, Accession, Count; every CodeClass is kept). A missing or
    unterminated section, or a Code_Summary row that does not have four fields with an integer count, raises
    AssayDataError naming the file and the line.
    """
    import pandas as pd

    p = Path(path)
    name = str(path)
    if not p.exists():
        raise AssayDataError("file not found", file=name)
    raw = p.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    lines = text.splitlines()
    sections: dict[str, list[tuple[int, str]]] = {}
    current = None
    for i, line in enumerate(lines, start=1):
        s = line.strip()
        if s.startswith("<") and s.endswith(">"):
            tag = s.strip("<>/")
            if s.startswith("</"):
                if current != tag:
                    raise AssayDataError(f"line {i}: closing tag </{tag}> without its opening tag", file=name)
                current = None
            else:
                if current is not None:
                    raise AssayDataError(f"line {i}: section <{current}> is not closed before <{tag}>", file=name)
                current = tag
                sections[tag] = []
            continue
        if current is not None and s:
            sections[current].append((i, s))
    if current is not None:
        raise AssayDataError(f"section <{current}> is not closed (file truncated at line {len(lines)}?)",
                             file=name)
    if "Code_Summary" not in sections:
        raise AssayDataError("no <Code_Summary> section; not an RCC file?", file=name)

    def kv(tag):
        out = {}
        for _i, s in sections.get(tag, []):
            k, _, v = s.partition(",")
            out[k.strip()] = v.strip()
        return out

    rows = []
    body = sections["Code_Summary"]
    if not body or not body[0][1].lower().startswith("codeclass"):
        raise AssayDataError("the <Code_Summary> section has no header line CodeClass,Name,Accession,Count",
                             file=name)
    for i, s in body[1:]:
        parts = s.split(",")
        if len(parts) < 4:
            raise AssayDataError(f"line {i}: Code_Summary row has {len(parts)} fields, expected 4 "
                                 f"(CodeClass,Name,Accession,Count): {s[:60]!r}", file=name)
        # probe names may contain commas? no: but SNV names contain '|'; the count is the last field
        try:
            count = int(float(parts[-1]))
        except ValueError:
            raise AssayDataError(f"line {i}: Count {parts[-1]!r} is not a number", file=name) from None
        rows.append((parts[0], ",".join(parts[1:-2]), parts[-2], count))
    if not rows:
        raise AssayDataError("the <Code_Summary> section has no probes (truncated file?)", file=name)
    cs = pd.DataFrame(rows, columns=["CodeClass", "Name", "Accession", "Count"])
    return {"file": p.name, "path": name, "header": kv("Header"), "sample_attributes": kv("Sample_Attributes"),
            "lane_attributes": kv("Lane_Attributes"), "code_summary": cs}
