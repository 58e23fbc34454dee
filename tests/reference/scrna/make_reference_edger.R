# Independent R edgeR reference for the pooled (pseudobulk) log2 fold change of the single-cell DE table.
#
# Input : edger_cells.csv (one row per cell: cell, condition, culture, then one integer count column per gene;
#         produced by make_cells_edger.py).
# Output: edger_logcpm.csv (case, gene, logcpm_group, logcpm_reference, log2fc), edger_session.txt
#
# Run   : cd tests/reference/scrna && Rscript make_reference_edger.R
# Made with: R 4.2.2 (Debian), edgeR 3.40.2 (Debian package r-bioc-edger 3.40.2+dfsg-1);
#            full versions in edger_session.txt.
#
# For each case the counts of the cells of the group and of the reference are summed per gene (rowsum: one
# pseudobulk library each), and the two-column matrix y = cbind(group, reference) goes to
#   cpm(y, log = TRUE, prior.count = 2)
# (the matrix method: library sizes are colSums(y), no TMM normalisation factors; edgeR adds the prior count
# scaled by library size / mean library size, and twice that to the library size). log2fc = group - reference.
#   case "R_vs_P"  : condition R (cultures R1 + R2) against condition P (P1 + P2)
#   case "R1_vs_P1": culture R1 against culture P1 (other library sizes, so another scaled prior)
#
# Number format: every numeric value is written with sprintf("%.17g") (round-trips doubles exactly).

suppressPackageStartupMessages(library(edgeR))

fmt <- function(x) sprintf("%.17g", x)

cells <- read.csv("edger_cells.csv", check.names = FALSE, stringsAsFactors = FALSE,
                  colClasses = c(cell = "character", condition = "character", culture = "character"))
genes <- setdiff(colnames(cells), c("cell", "condition", "culture"))
counts <- as.matrix(cells[, genes])

one_case <- function(case, label, group, reference) {
  keep <- label %in% c(group, reference)
  summed <- t(rowsum(counts[keep, , drop = FALSE], label[keep]))  # genes x libraries
  y <- summed[, c(group, reference)]
  lcpm <- cpm(y, log = TRUE, prior.count = 2)
  data.frame(case = case, gene = rownames(y), logcpm_group = fmt(lcpm[, 1]), logcpm_reference = fmt(lcpm[, 2]),
             log2fc = fmt(lcpm[, 1] - lcpm[, 2]), stringsAsFactors = FALSE)
}

out <- rbind(one_case("R_vs_P", cells$condition, "R", "P"),
             one_case("R1_vs_P1", cells$culture, "R1", "P1"))
write.csv(out, "edger_logcpm.csv", row.names = FALSE, quote = FALSE)
writeLines(capture.output(sessionInfo()), "edger_session.txt")
