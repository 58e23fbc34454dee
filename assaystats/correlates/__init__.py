"""Cohort expression: tumour vs normal, expression by stage / grade, co-expression at genome scale, with TCGA
barcodes and UCSC Xena / GDC tables."""

from ._api import CoexpressionResult, coexpression, expression_by, tumour_vs_normal
from ._coexpr import correlate_one
from ._matrix import ExpressionMatrix, read_matrix
from ._cohort import gene_vector, join_clinical, one_tumour_per_patient, parse_barcode

__all__ = ["coexpression", "expression_by", "tumour_vs_normal", "CoexpressionResult", "correlate_one",
           "ExpressionMatrix", "read_matrix", "gene_vector", "join_clinical", "one_tumour_per_patient", "parse_barcode"]
