"""Many genes at once in paired samples (tumour vs matched normal): paired t and Wilcoxon signed-rank per gene,
Benjamini-Hochberg q values across genes for each test."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names of the annotations only
    import pandas as pd

import numpy as np

from .._validate import check_columns, check_level, check_numeric, renamed_keywords
from ..errors import AssayDataError
from ._paired_genes_result import PairedGenesResult
from ._qpcr import _label_column, _label_text
from ._twogroup import paired_t, wilcoxon_signed_rank

__all__ = ["paired_genes", "PairedGenesResult"]


@renamed_keywords(pair="subject")
def paired_genes(data: pd.DataFrame, *, gene: str, value: str, subject: str, group: str, control: str, ci_level: float = 0.95,
                 source: str | None = None) -> PairedGenesResult:
    """Tumour vs matched normal for every gene: long table (gene, value, subject id, group with two levels);
    ``pair=`` is the deprecated name of ``subject=``."""
    pair = subject
    import pandas as pd
    from statsmodels.stats.multitest import multipletests

    src = source or (data.attrs.get("source") if hasattr(data, "attrs") else None)
    check_columns(data, [gene, value, pair, group], file=src)
    df = data.reset_index(drop=True)
    y = check_numeric(df, value, file=src)
    labels = {c: _label_column(df, c, src, what) for c, what in ((gene, "gene"), (pair, "pair id"), (group, "group"))}
    levels = list(dict.fromkeys(labels[group]))
    control = check_level(_label_text(control), levels, option="control", column=group, file=src)
    if len(levels) != 2:
        raise AssayDataError(f"column {group!r} must have exactly two levels for paired samples; it has "
                             f"{len(levels)}", file=src, column=group)
    other = [lv for lv in levels if lv != str(control)][0]
    t = pd.DataFrame({"gene": labels[gene], "pair": labels[pair], "g": labels[group], "y": y})
    dup = t.duplicated(["gene", "pair", "g"])
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise AssayDataError(f"gene {t.gene[i]!r}, pair {t.pair[i]!r}, {group} {t.g[i]!r} appears more than once "
                             f"(row {i + 1}); average technical replicates first", file=src, column=pair, rows=[i + 1])
    rows = []
    for gname, sub in t.groupby("gene", sort=False):
        w = sub.pivot(index="pair", columns="g", values="y").dropna()
        if other not in w or str(control) not in w or len(w) < 3:
            continue
        x, c = w[other].to_numpy(float), w[str(control)].to_numpy(float)
        if np.ptp(x - c) == 0:
            continue
        pt = paired_t(x, c, level=ci_level)
        wt = wilcoxon_signed_rank(x, c)
        rows.append({"gene": gname, "n_pairs": len(w), "mean_diff": pt["estimate"], "ci_low": pt["ci_low"],
                     "ci_high": pt["ci_high"], "t": pt["statistic"], "df": pt["df"], "p_t": pt["p_value"],
                     "wilcoxon_v": wt["statistic"], "p_w": wt["p_value"], "wilcoxon_method": wt["method"],
                     "d_z": pt["effect_size"]})
    if not rows:
        raise AssayDataError("no gene has at least 3 complete pairs with varying differences", file=src)
    out = pd.DataFrame(rows)
    out["q_t"] = multipletests(out.p_t, method="fdr_bh")[1]
    out["q_w"] = multipletests(out.p_w, method="fdr_bh")[1]
    cols = ["gene", "n_pairs", "mean_diff", "ci_low", "ci_high", "t", "df", "p_t", "q_t", "wilcoxon_v", "p_w", "q_w",
            "d_z", "wilcoxon_method"]
    meta = {"analysis": "paired_genes", "value": value, "gene": gene, "pair": pair, "group": group,
            "control": str(control), "group_level": other, "ci_level": ci_level, "n": int(len(df)),
            "n_pairs": int(out.n_pairs.max()), "source": src}
    return PairedGenesResult(table=out[cols], meta=meta)
