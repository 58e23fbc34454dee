"""Single-cell comparison of two samples (parental vs resistant) on anndata/scanpy: read 10x, QC, embed, DE,
gene-set and cycle scores, candidate cells, the study's figures. Needs ``pip install 'assaystats[scrna]'``."""

from ._analysis import (candidate_cells, differential, markers, pseudobulk_counts, pseudobulk_deseq2, read_gene_sets,
                        score_sets)
from ._api import run
from ._io import read_sample, read_samples
from ._pipeline import cluster, embed, qc_filter, qc_metrics
from ._result import ScrnaResult

__all__ = ["run", "ScrnaResult", "read_sample", "read_samples", "qc_metrics", "qc_filter", "embed", "cluster",
           "differential", "markers", "pseudobulk_counts", "pseudobulk_deseq2", "score_sets", "candidate_cells",
           "read_gene_sets"]
