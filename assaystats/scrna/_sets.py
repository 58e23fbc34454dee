"""The gene sets of a single-cell run: where they come from, how their symbols meet the data's, and which sets and
genes the figures show.

Symbols match exactly, or, when only the case differs ('Zfas1' in a mouse-style data set, 'ZFAS1' in the set),
case-insensitively, and the run notes which genes matched only by case. A bundled (default) set with no gene in the
data (a mouse data set, a targeted panel) is skipped with a note; a set the user gave that matches no gene stops the
run (AssayDataError naming the file and the set).
"""

from __future__ import annotations

from ..errors import AssayDataError

__all__ = ["BUNDLED", "STUDY_FIGURES", "cell_cycle_genes", "cell_cycle_notes", "figure_spec", "load_sets", "match_genes",
           "match_sets"]

#: how the bundled sets are named in the meta, the notes and the report
BUNDLED = "the bundled study sets (study_sets.gmt)"

#: what the study's figures (Fig. 1B-G) show; used only with the bundled sets and no ``highlight``
STUDY_FIGURES = {
    "sets": ["STEMNESS", "EMT", "NOTCH"],  # the heatmap (the hypoxia set is scored but not drawn)
    "embedding": ["MKI67", "ZFAS1"],
    "dotplot": ["ZFAS1", "CD44", "PROM1", "EPCAM", "KRT19", "ALDH2", "VIM", "CDH2", "ZEB1", "NOTCH2", "NOTCH3", "HES1",
                "MKI67"],
    "scatter": ["NOTCH1", "NOTCH2"],
}

#: at most this many genes in the dot plot of a user's sets (the sets' genes in order)
MAX_DOTPLOT_GENES = 40
#: at most this many set scores in the embedding figure of a user's sets
MAX_EMBEDDING_PANELS = 4
#: gene pairs listed in a note before '... and N more'
MAX_LISTED = 12


def load_sets(gene_sets) -> tuple[dict, str, str | None, bool]:
    """(sets, source, file, bundled): ``gene_sets`` is None (the bundled study sets), a path (GMT or one gene per
    line) or a dict {name: genes}."""
    from ._analysis import read_gene_sets

    if gene_sets is None:
        return read_gene_sets(), BUNDLED, None, True
    if isinstance(gene_sets, dict):
        sets = {str(k): [str(g) for g in v] for k, v in gene_sets.items()}
        if not sets:
            raise AssayDataError("gene_sets is an empty dict; give at least one set (or None for the bundled sets)")
        return sets, "the gene sets given", None, False
    file = str(gene_sets)
    sets = read_gene_sets(gene_sets)
    if not sets:
        raise AssayDataError("holds no gene set (a GMT line is: name, description, genes..., separated by tabs)",
                             file=file)
    return sets, file, file, False


def _case_index(var_names) -> dict:
    idx: dict[str, list[str]] = {}
    for v in var_names:
        idx.setdefault(str(v).upper(), []).append(str(v))
    return idx


def match_genes(genes, var_names, *, _index=None) -> tuple[list[str], list[tuple[str, str]], list[str]]:
    """(found, by_case, ambiguous): the data's symbols for ``genes`` (exact match first, else the one symbol that
    differs only by case), the (given, data) pairs that matched only by case, and the genes whose case-insensitive
    match is not unique (left out)."""
    present = set(map(str, var_names))
    index = _index if _index is not None else _case_index(present)
    found, by_case, ambiguous = [], [], []
    for g in dict.fromkeys(map(str, genes)):
        if g in present:
            found.append(g)
            continue
        cand = index.get(g.upper(), [])
        if len(cand) == 1:
            found.append(cand[0])
            by_case.append((g, cand[0]))
        elif cand:
            ambiguous.append(g)
    return list(dict.fromkeys(found)), by_case, ambiguous


def _pairs(pairs) -> str:
    text = ", ".join(f"{a} as {b}" for a, b in pairs[:MAX_LISTED])
    return text + (f" and {len(pairs) - MAX_LISTED} more" if len(pairs) > MAX_LISTED else "")


def match_sets(sets: dict, var_names, *, bundled: bool, source: str, file: str | None = None):
    """(used, notes, table): ``used`` maps each scored set to the data's symbols of its genes (sorted); ``table``
    is one row per set read (set, source, n_genes, n_in_data, genes_in_data, matched_by_case, scored)."""
    import pandas as pd

    index = _case_index(var_names)
    used, notes, rows = {}, [], []
    for name, genes in sets.items():
        genes = list(dict.fromkeys(map(str, genes)))
        found, by_case, ambiguous = match_genes(genes, var_names, _index=index)
        if not found:
            example = ", ".join(genes[:3]) if genes else "none"
            if not bundled:
                raise AssayDataError(f"gene set {name!r} has no gene in the data ({len(genes)} genes, e.g. {example}; "
                                     "symbols are compared ignoring case)", file=file)
            notes.append(f"gene set {name!r} of {source} has no gene in the data ({len(genes)} genes, e.g. "
                         f"{example}); skipped")
        else:
            used[name] = sorted(found)
        if by_case:
            notes.append(f"gene set {name!r}: {len(by_case)} of {len(genes)} genes matched the data only by case "
                         f"({_pairs(by_case)})")
        if ambiguous:
            notes.append(f"gene set {name!r}: {', '.join(ambiguous)} left out: the data has several symbols that "
                         "differ from it only by case")
        rows.append({"set": name, "source": source, "n_genes": len(genes), "n_in_data": len(found),
                     "genes_in_data": " ".join(sorted(found)),
                     "matched_by_case": " ".join(f"{a}={b}" for a, b in by_case), "scored": bool(found)})
    if not used:  # only bundled sets get here empty-handed
        notes.append(f"no gene set of {source} has a gene in the data; no set scores")
    cols = ["set", "source", "n_genes", "n_in_data", "genes_in_data", "matched_by_case", "scored"]
    return used, notes, pd.DataFrame(rows, columns=cols)


def cell_cycle_genes(var_names) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """The data's symbols of the Tirosh 2016 S and G2M genes (sorted) and the pairs that matched only by case."""
    from ._analysis import CELL_CYCLE

    cc = CELL_CYCLE()
    index = _case_index(var_names)
    s, by_s, _ = match_genes(cc["S"], var_names, _index=index)
    g2m, by_g, _ = match_genes(cc["G2M"], var_names, _index=index)
    return sorted(s), sorted(g2m), by_s + by_g


def cell_cycle_notes(var_names) -> list[str]:
    s, g2m, by_case = cell_cycle_genes(var_names)
    if not (s and g2m):
        return ["cell-cycle phase not scored: the data has " + ("no S-phase gene" if not s else "no G2/M gene")
                + " of the Tirosh 2016 lists"]
    if by_case:
        return [(f"cell-cycle genes: {len(by_case)} of {len(s) + len(g2m)} Tirosh 2016 genes matched the data only "
                 f"by case ({_pairs(by_case)})")]
    return []


def figure_spec(used: dict, var_names, *, bundled: bool, highlight=None) -> dict:
    """What the figures show: ``sets`` (the heatmap), ``embedding`` (colours besides sample, cluster and phase:
    genes or ``score_SET`` columns), ``dotplot`` (genes), ``scatter`` (two genes or score columns, or none) and
    ``study`` (True when these are the study's own panels).

    With the bundled sets: the study's genes (ZFAS1, MKI67, the stemness / EMT / Notch markers, NOTCH1 vs NOTCH2)
    that the data has. With the user's sets: the set scores in the embedding, the sets' genes in the dot plot and
    the first two set scores (or the first two genes of a single set) in the scatter. ``highlight`` (genes) replaces
    the genes of the embedding (the first three), the dot plot (all) and the scatter (the first two)."""
    index = _case_index(var_names)
    spec: dict = {"study": bundled and not highlight}
    if bundled:
        spec["sets"] = [s for s in STUDY_FIGURES["sets"] if s in used]
        if not highlight:
            for key in ("embedding", "dotplot", "scatter"):
                spec[key] = match_genes(STUDY_FIGURES[key], var_names, _index=index)[0]
    else:
        spec["sets"] = list(used)
        scores = [f"score_{s}" for s in used]
        spec["embedding"] = scores[:MAX_EMBEDDING_PANELS]
        genes = list(dict.fromkeys(g for s in used.values() for g in s))
        spec["dotplot"] = genes[:MAX_DOTPLOT_GENES]
        first = next(iter(used.values()), [])
        spec["scatter"] = scores[:2] if len(scores) >= 2 else first[:2]
    if highlight:
        genes = [highlight] if isinstance(highlight, str) else list(highlight)
        found, _by_case, _amb = match_genes(genes, var_names, _index=index)
        missing = [g for g in genes if not match_genes([g], var_names, _index=index)[0]]
        if missing:
            raise AssayDataError(f"highlight gene(s) {', '.join(map(repr, missing))} not in the data")
        spec["embedding"], spec["dotplot"] = found[:3], found
        spec["scatter"] = found[:2] if len(found) >= 2 else spec.get("scatter", [])
    if len(spec.get("scatter", [])) < 2:
        spec["scatter"] = []
    return spec
