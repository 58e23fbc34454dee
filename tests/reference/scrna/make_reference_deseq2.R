# Independent R DESeq2 reference for the pseudobulk differential-expression test.
#
# Input : pseudobulk_counts.csv (genes x 8 samples, integer counts, first column `gene`;
#         produced by make_counts.py) and pseudobulk_samples.csv (sample, condition in {P, R}).
# Output: deseq2_results.csv, deseq2_size_factors.csv, deseq2_dispersions.csv, deseq2_session.txt
#
# Run   : cd tests/reference/scrna && Rscript make_reference_deseq2.R
# Made with: R 4.2.2 (Debian), DESeq2 1.38.3 (Debian package r-bioc-deseq2 1.38.3+dfsg-1);
#            full versions in deseq2_session.txt.
#
# Settings: design ~ condition, condition = factor(levels = c("P", "R")) (P is the reference);
#   DESeq() with all defaults (fitType "parametric", Wald test, betaPrior FALSE).
#   results(dds, contrast = c("condition", "R", "P")) with defaults (alpha = 0.1,
#   independentFiltering = TRUE, default cooksCutoff) gives baseMean..padj; extra columns:
#     padj_nofilter  = padj  from results(..., independentFiltering = FALSE)
#     pvalue_nocooks = pvalue from results(..., cooksCutoff = FALSE)
#
# Number format: every numeric value is written with sprintf("%.17g") (round-trips doubles exactly).
# Missing values (NA) are written as the literal string "NA" (unquoted).

suppressPackageStartupMessages(library(DESeq2))

fmt <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))

counts_df <- read.csv("pseudobulk_counts.csv", check.names = FALSE, stringsAsFactors = FALSE)
samples <- read.csv("pseudobulk_samples.csv", stringsAsFactors = FALSE)
counts <- as.matrix(counts_df[, samples$sample])
storage.mode(counts) <- "integer"
rownames(counts) <- counts_df$gene

coldata <- data.frame(condition = factor(samples$condition, levels = c("P", "R")),
                      row.names = samples$sample)
stopifnot(identical(colnames(counts), rownames(coldata)))

dds <- DESeqDataSetFromMatrix(countData = counts, colData = coldata, design = ~ condition)
dds <- DESeq(dds)

res <- results(dds, contrast = c("condition", "R", "P"))
res_nofilter <- results(dds, contrast = c("condition", "R", "P"), independentFiltering = FALSE)
res_nocooks <- results(dds, contrast = c("condition", "R", "P"), cooksCutoff = FALSE)

out <- data.frame(
  gene = rownames(res),
  baseMean = fmt(res$baseMean),
  log2FoldChange = fmt(res$log2FoldChange),
  lfcSE = fmt(res$lfcSE),
  stat = fmt(res$stat),
  pvalue = fmt(res$pvalue),
  padj = fmt(res$padj),
  padj_nofilter = fmt(res_nofilter$padj),
  pvalue_nocooks = fmt(res_nocooks$pvalue),
  stringsAsFactors = FALSE
)
write.csv(out, "deseq2_results.csv", row.names = FALSE, quote = FALSE)

sf <- sizeFactors(dds)
write.csv(data.frame(sample = names(sf), size_factor = fmt(sf)),
          "deseq2_size_factors.csv", row.names = FALSE, quote = FALSE)

rd <- mcols(dds)
write.csv(data.frame(gene = rownames(dds),
                     dispGeneEst = fmt(rd$dispGeneEst),
                     dispFit = fmt(rd$dispFit),
                     dispersion = fmt(dispersions(dds))),
          "deseq2_dispersions.csv", row.names = FALSE, quote = FALSE)

writeLines(c(capture.output(sessionInfo()), "",
             paste("DESeq2", as.character(packageVersion("DESeq2")))),
           "deseq2_session.txt")
