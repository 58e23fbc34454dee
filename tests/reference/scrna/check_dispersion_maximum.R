# Direct maximisation of DESeq2's gene-wise dispersion likelihood, against DESeq2's own estimate (its line search)
# and pydeseq2's (L-BFGS-B), on the reference pseudobulk counts.
#
# Input : pseudobulk_counts.csv, pseudobulk_samples.csv (make_counts.py); pydeseq2_dispersions.csv and
#         pydeseq2_mu.csv (make_pydeseq2_dispersions.py: pydeseq2 called as assaystats calls it).
# Output: deseq2_dispersion_maximum.csv (one row per gene that is not all zero; columns below), and the summary
#         on the console (check_dispersion_maximum.Rout).
# Run   : cd tests/reference/scrna && Rscript check_dispersion_maximum.R > check_dispersion_maximum.Rout 2>&1
# Made with: R 4.2.2 (Debian), DESeq2 1.38.3 (Debian r-bioc-deseq2 1.38.3+dfsg-1).
#
# The objective is DESeq2's, evaluated by DESeq2's own compiled code: the Cox-Reid adjusted profile log-likelihood
# of the dispersion alpha at the gene's fitted means mu (no prior), as estimateDispersionsGeneEst() maximises it.
# DESeq2:::fitDispWrapper() with maxit = 0 takes no step and returns it at the starting value as `initial_lp`
# (checked below against dnbinom() plus the Cox-Reid term, which differ from it by a constant per gene).
# mu is the one DESeq2 used (assays(dds)[["mu"]] after estimateDispersionsGeneEst(): the linear-model means of
# the two groups, floored at 0.5).
#
# The maximum over log(alpha) in [log(minDisp), log(maxDisp)] = [log(1e-8), log(10)] (DESeq2's bounds): a grid of
# 4001 points, then optim(method = "Brent") in the grid cell on each side of the best point, reltol 1e-12.
#
# Columns (numbers with sprintf("%.17g")): gene; disp_deseq2 = mcols(dds)$dispGeneEst (the value DESeq2 reports,
# after its grid refit and bounds) and iter_deseq2 = dispGeneIter; disp_max (the maximum found here);
# disp_pydeseq2 (pydeseq2's genewise_dispersions); lp_deseq2, lp_max, lp_pydeseq2 (the objective at each);
# short_deseq2 = lp_max - lp_deseq2 and short_pydeseq2 = lp_max - lp_pydeseq2 (how far each stops below the
# maximum, in log-likelihood units); dlp_deseq2 (the derivative d lp / d log(alpha) at DESeq2's estimate, from
# the same call).

suppressPackageStartupMessages(library(DESeq2))
fmt <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))

counts_df <- read.csv("pseudobulk_counts.csv", check.names = FALSE, stringsAsFactors = FALSE)
samples <- read.csv("pseudobulk_samples.csv", stringsAsFactors = FALSE)
counts <- as.matrix(counts_df[, samples$sample])
storage.mode(counts) <- "integer"
rownames(counts) <- counts_df$gene
coldata <- data.frame(condition = factor(samples$condition, levels = c("P", "R")), row.names = samples$sample)

# the first steps of DESeq() with its defaults, up to the gene-wise estimates
dds <- DESeqDataSetFromMatrix(countData = counts, colData = coldata, design = ~ condition)
dds <- estimateSizeFactors(dds)
dds <- estimateDispersionsGeneEst(dds)
mu <- assays(dds)[["mu"]]
X <- model.matrix(design(dds), colData(dds))
genes <- rownames(dds)[!mcols(dds)$allZero]
min_disp <- 1e-8
max_disp <- max(10, ncol(dds))

# DESeq2's objective at log(alpha) = la (a vector: one value per gene of `g`), by its compiled code with no step
# taken; the derivative d lp / d log(alpha) comes with it
y <- counts(dds)
lp_call <- function(g, la) DESeq2:::fitDispWrapper(
  ySEXP = y[g, , drop = FALSE], xSEXP = X, mu_hatSEXP = mu[g, , drop = FALSE],
  log_alphaSEXP = la, log_alpha_prior_meanSEXP = la, log_alpha_prior_sigmasqSEXP = 1,
  min_log_alphaSEXP = log(min_disp / 10), kappa_0SEXP = 1, tolSEXP = 1e-6, maxitSEXP = 0L,
  usePriorSEXP = FALSE, weightsSEXP = matrix(1, length(g), ncol(y)), useWeightsSEXP = FALSE,
  weightThresholdSEXP = 0.01, useCRSEXP = TRUE)
lp <- function(g, la) lp_call(g, rep_len(la, length(g)))$initial_lp

# check: the compiled objective is the NB log-likelihood plus the Cox-Reid term, up to a constant per gene
by_hand <- function(g, a) {
  m <- mu[g, ]
  sum(dnbinom(y[g, ], mu = m, size = 1 / a, log = TRUE)) -
    0.5 * determinant(crossprod(X, X * (1 / (1 / m + a))), logarithm = TRUE)$modulus[1]
}
spread <- sapply(genes[1:20], function(g) {
  d <- sapply(c(1e-3, 0.05, 0.5, 5), function(a) lp(g, log(a)) - by_hand(g, a))
  diff(range(d))
})
cat(sprintf("compiled objective minus dnbinom + Cox-Reid, spread over alpha within a gene (20 genes): %.3g\n",
            max(spread)))
stopifnot(max(spread) < 1e-8)

# the direct maximisation: the grid for all genes at once, then optim (Brent) gene by gene around the best point
grid <- seq(log(min_disp), log(max_disp), length.out = 4001)
step <- grid[2] - grid[1]
V <- vapply(grid, function(la) lp(genes, la), numeric(length(genes)))  # genes x grid
maximise <- function(i) {
  g <- genes[i]; k <- which.max(V[i, ])
  lo <- max(grid[1], grid[k] - step); hi <- min(grid[length(grid)], grid[k] + step)
  o <- optim(grid[k], function(la) lp(g, la), method = "Brent", lower = lo, upper = hi,
             control = list(fnscale = -1, reltol = 1e-12))
  if (o$value >= V[i, k]) c(o$par, o$value) else c(grid[k], V[i, k])
}
mx <- t(vapply(seq_along(genes), maximise, c(0, 0)))
rownames(mx) <- genes
# Near the lower bound the compiled objective is rounding noise of about 1e-6 (lgamma(y + 1/alpha) - lgamma(1/alpha)
# with 1/alpha ~ 1e8), so a "maximum" found below alpha = 1e-6 is checked with the dnbinom form, which is not
# noisy there: if it falls from 1e-8 to 1e-6 to 1e-4 the maximum is the lower bound itself (a gene with less
# variation than Poisson), and it is set there.
low <- which(exp(mx[, 1]) < 1e-6)
for (i in low) {
  h <- sapply(c(min_disp, 1e-6, 1e-4), function(a) by_hand(genes[i], a))
  stopifnot(h[1] > h[2], h[2] > h[3])
  mx[i, ] <- c(log(min_disp), lp(genes[i], log(min_disp)))
}
cat("maximum at the lower bound 1e-8 (less variation than Poisson):", paste(genes[low], collapse = ", "), "\n")

py <- read.csv("pydeseq2_dispersions.csv", stringsAsFactors = FALSE)
rownames(py) <- py$gene
py_mu <- as.matrix(read.csv("pydeseq2_mu.csv", row.names = 1, check.names = FALSE))[genes, colnames(dds)]
cat(sprintf("largest relative difference of pydeseq2's mu from DESeq2's: %.3g\n", max(abs(py_mu / mu[genes, ] - 1))))

disp_r <- mcols(dds)[genes, "dispGeneEst"]
disp_py <- py[genes, "genewise_dispersion"]
at_r <- lp_call(genes, log(disp_r))
lp_r <- at_r$initial_lp
dlp_r <- at_r$initial_dlp
lp_py <- lp(genes, log(disp_py))
out <- data.frame(gene = genes, disp_deseq2 = disp_r, iter_deseq2 = mcols(dds)[genes, "dispGeneIter"],
                  disp_max = ifelse(seq_along(genes) %in% low, min_disp, exp(mx[, 1])), disp_pydeseq2 = disp_py, lp_deseq2 = lp_r, lp_max = mx[, 2],
                  lp_pydeseq2 = lp_py, short_deseq2 = mx[, 2] - lp_r, short_pydeseq2 = mx[, 2] - lp_py,
                  dlp_deseq2 = dlp_r, stringsAsFactors = FALSE)
stopifnot(all(out$short_deseq2 > -1e-9), all(out$short_pydeseq2 > -1e-9))  # nothing above the maximum (by > noise)

num <- setdiff(names(out), "gene")
w <- out
for (n in num) w[[n]] <- fmt(w[[n]])
write.csv(w, "deseq2_dispersion_maximum.csv", row.names = FALSE, quote = FALSE)

cat("\ngenes (not all zero):", nrow(out), "\n")
for (who in c("deseq2", "pydeseq2")) {
  s <- out[[paste0("short_", who)]]
  la <- abs(log(out[[paste0("disp_", who)]]) - log(out$disp_max))
  cat(sprintf("\n%s: below the maximum by more than 1e-6 / 1e-4 / 1e-2 log-likelihood: %d / %d / %d genes; largest %.3g (%s)\n",
              who, sum(s > 1e-6), sum(s > 1e-4), sum(s > 1e-2), max(s), out$gene[which.max(s)]))
  cat(sprintf("%s: |log(alpha) - log(alpha at the maximum)|: median %.3g, largest %.3g (%s); above 1e-3: %d genes, above 1e-2: %d\n",
              who, median(la), max(la), out$gene[which.max(la)], sum(la > 1e-3), sum(la > 1e-2)))
}
cat("\nDESeq2's iterations (dispGeneIter) of the genes it leaves more than 1e-4 below the maximum:\n")
print(table(out$iter_deseq2[out$short_deseq2 > 1e-4]))
cat("\nthe 10 genes DESeq2 leaves furthest below the maximum:\n")
print(head(out[order(-out$short_deseq2), c("gene", "disp_deseq2", "disp_max", "disp_pydeseq2", "short_deseq2",
                                           "short_pydeseq2", "dlp_deseq2", "iter_deseq2")], 10), digits = 4)

# What the line search costs downstream: DESeq2's remaining steps (trend, MAP dispersions, Wald test, results())
# from the gene-wise maximum in place of its own gene-wise estimates, against pydeseq2's results table
# (the same columns as deseq2_results.csv, written to deseq2_results_from_maximum.csv) and against DESeq() as is.
dds_max <- dds
mcols(dds_max)$dispGeneEst[match(genes, rownames(dds_max))] <- out$disp_max
dds_max <- estimateDispersionsFit(dds_max)
dds_max <- estimateDispersionsMAP(dds_max)
dds_max <- nbinomWaldTest(dds_max)
res_max <- results(dds_max, contrast = c("condition", "R", "P"))
dds_def <- DESeq(DESeqDataSetFromMatrix(countData = counts, colData = coldata, design = ~ condition), quiet = TRUE)
res_def <- results(dds_def, contrast = c("condition", "R", "P"))
write.csv(data.frame(gene = rownames(res_max), baseMean = fmt(res_max$baseMean),
                     log2FoldChange = fmt(res_max$log2FoldChange), lfcSE = fmt(res_max$lfcSE),
                     stat = fmt(res_max$stat), pvalue = fmt(res_max$pvalue), padj = fmt(res_max$padj),
                     dispersion = fmt(dispersions(dds_max)), stringsAsFactors = FALSE),
          "deseq2_results_from_maximum.csv", row.names = FALSE, quote = FALSE)
ok <- !is.na(res_def$pvalue)
stopifnot(identical(ok, !is.na(res_max$pvalue)))
cat("\nDESeq2 from the gene-wise maximum against DESeq() as is (genes with a p value):\n")
cat(sprintf("  final dispersion: largest relative difference %.3g\n",
            max(abs(dispersions(dds_max) / dispersions(dds_def) - 1), na.rm = TRUE)))
cat(sprintf("  log2FoldChange %.3g (absolute), lfcSE %.3g (relative), log p value %.3g\n",
            max(abs(res_max$log2FoldChange - res_def$log2FoldChange)[ok]),
            max(abs(res_max$lfcSE / res_def$lfcSE - 1)[ok]), max(abs(log(res_max$pvalue / res_def$pvalue))[ok])))
cat("\n"); print(sessionInfo())
