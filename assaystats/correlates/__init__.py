"""Cohort expression: tumour vs normal, expression by stage / grade, co-expression at genome scale, with TCGA
barcodes and UCSC Xena / GDC tables."""

from ._api import CoexpressionResult, coexpression, expression_by, tumour_vs_normal
from ._coexpr import correlate_one
from ._cohort import gene_vector, join_clinical, one_normal_per_patient, one_tumour_per_patient, parse_barcode
from ._matrix import ExpressionMatrix, read_matrix

__all__ = ["CoexpressionResult", "ExpressionMatrix", "coexpression", "correlate_one", "expression_by", "gene_vector",
           "join_clinical", "one_normal_per_patient", "one_tumour_per_patient", "parse_barcode", "read_matrix", "tumour_vs_normal"]
