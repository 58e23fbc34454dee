"""The one place that reads user files and writes outputs.

Reading: CSV / TSV / TXT (delimiter sniffed) and Excel, with clear errors for the usual accidents
(empty file, a file that is not UTF-8, duplicated column names).

Writing: :func:`output_dir` builds the whole output in a temporary sibling folder and renames it into
place only when everything succeeded; an existing folder is never replaced unless ``force=True``.
"""

from __future__ import annotations

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

__all__ = ["read_table", "output_dir", "sha256", "write_json"]

_EXCEL = {".xlsx", ".xlsm", ".xls"}


def sha256(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_table(path: str | os.PathLike, *, sheet: str | int | None = 0):
    """Read a tidy table (one row per observation, named columns) from CSV/TSV/Excel.

    Raises AssayDataError (naming the file) when the file is missing, empty, not UTF-8 text,
    has no data rows or has duplicated column names.
    """
    import pandas as pd

    p = Path(path)
    name = str(path)
    if not p.exists():
        raise AssayDataError("file not found", file=name)
    if p.is_dir():
        raise AssayDataError("is a folder, expected a table file (CSV, TSV or Excel)", file=name)
    if p.stat().st_size == 0:
        raise AssayDataError("the file is empty; expected a table with a header row", file=name)

    if p.suffix.lower() in _EXCEL:
        try:
            df = pd.read_excel(p, sheet_name=sheet)
        except ImportError as exc:  # pragma: no cover - depends on optional dependency
            raise AssayDataError("reading Excel files needs openpyxl: pip install 'assaystats[excel]'",
                                 file=name) from exc
        header = [str(c) for c in df.columns]
        _check_header(header, name)
        return _finish(df, name)

    raw = p.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise AssayDataError(
            f"is not UTF-8 text (byte 0x{raw[exc.start]:02x} on line {line}); save it as 'CSV UTF-8' "
            "from Excel, or convert it with iconv", file=name) from None
    if not text.strip():
        raise AssayDataError("the file holds only blank space; expected a table with a header row", file=name)
    first = text.splitlines()[0]
    delim = _delimiter(p, text)
    header = next(csv.reader([first], delimiter=delim))
    header = [h.strip() for h in header]
    _check_header(header, name)
    import io as _io

    df = pd.read_csv(_io.StringIO(text), sep=delim, skipinitialspace=True, dtype=str,
                     keep_default_na=False, na_values=[""])
    df.columns = header
    # numbers stay numbers: convert columns that parse completely; leave the rest as text so that
    # validators can point at the offending cells.
    for c in df.columns:
        conv = pd.to_numeric(df[c], errors="coerce")
        if conv.notna().sum() == df[c].notna().sum():
            df[c] = conv
    return _finish(df, name)


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


def _finish(df, name: str):
    df = df.dropna(how="all").reset_index(drop=True)
    if df.shape[0] == 0:
        raise AssayDataError("the table has a header but no data rows", file=name)
    df.attrs["source"] = name
    return df


@contextlib.contextmanager
def output_dir(path: str | os.PathLike, *, force: bool = False) -> Iterator[Path]:
    """Yield a fresh temporary folder that becomes ``path`` only if the block succeeds.

    - ``path`` exists and ``force`` is False: OutputExistsError before anything is written.
    - the block raises: the temporary folder is removed and ``path`` is untouched.
    - success: the old folder (with ``force``) is moved aside, the new one renamed into place, and
      the old one deleted, so a reader never sees a half-written folder.
    """
    target = Path(path)
    if target.exists() and not force:
        raise OutputExistsError(f"output folder {str(target)!r} exists; use --force to replace it")
    if target.exists() and not target.is_dir():
        raise OutputExistsError(f"output path {str(target)!r} exists and is not a folder")
    parent = target.parent if str(target.parent) else Path(".")
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=parent))
        os.rename(target, old / "previous")
    os.rename(tmp, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


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
