# Reference GR values and metrics from the GR calculator's own R code (GRmetrics, datarail/gr_metrics).
#
#   Rscript tests/reference/gr/make_gr_reference.R PATH/TO/gr_metrics/SRC/R/GRmetrics/R/GRfunctions.R
#
# PATH is a checkout of https://github.com/datarail/gr_metrics at commit
# 9c181322bb0dbca3459d80840b26104178fdf803 (GRmetrics 1.3.0, GPL-3); the file defines .convert, .GRcalculate and
# .GRlogisticFit, the steps of GRfit(case = "C"), which fit with drc::drm(LL.3u) (drc 3.2.0 on R 4.2.2 here).
# GRfit itself is not called: it only wraps the same table in a SummarizedExperiment.
# Input:  gr_input_caseC.csv (simulated, make_gr_input.py). Outputs: gr_values_R.csv, gr_metrics_R.csv.
args <- commandArgs(trailingOnly = TRUE)
stopifnot(length(args) == 1)
source(args[1])
here <- dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)))
inp <- read.csv(file.path(here, "gr_input_caseC.csv"), stringsAsFactors = FALSE)
groups <- c("cell_line", "perturbation", "agent", "replicate", "time")
conv <- .convert(inp, "C")
gr <- .GRcalculate(conv, groups, cap = FALSE, case = "C")
par <- .GRlogisticFit(gr, groups, force = FALSE, cap = FALSE)
options(digits = 17)
vals <- gr[, c(groups, "concentration", "cell_count", "cell_count__ctrl", "cell_count__time0", "GR",
               "rel_cell_count")]
write.csv(format(vals, digits = 17), file.path(here, "gr_values_R.csv"), row.names = FALSE, quote = FALSE)
met <- par[, c(groups, "GR50", "GRmax", "GR_AOC", "GEC50", "GRinf", "h_GR", "r2_GR", "pval_GR", "fit_GR",
               "flat_fit_GR")]
write.csv(format(met, digits = 17), file.path(here, "gr_metrics_R.csv"), row.names = FALSE, quote = FALSE)
cat("R", R.version.string, "drc", as.character(packageVersion("drc")), "\n")

# The same least-squares problem polished by base R's nls (PORT, the same bounds) from drc's estimate, to tell
# drc's stopping tolerance (relTol 1e-6, about 1e-3 relative on GEC50) from the optimum itself. Sigmoid curves
# only (flat curves are reported with replaced parameters). Output: gr_polished_R.csv.
sig <- par[par$fit_GR == "sigmoid", ]
pol <- NULL
for (i in seq_len(nrow(sig))) {
  d <- gr[gr$experiment == sig$experiment[i], ]
  cc <- unique(d$concentration)
  fit <- try(nls(GR ~ GRinf + (1 - GRinf) / (1 + (concentration / GEC50)^h_GR), data = d,
                 start = list(GRinf = sig$GRinf[i], GEC50 = sig$GEC50[i], h_GR = sig$h_GR[i]),
                 algorithm = "port", lower = c(-1, min(cc) * 1e-2, 0.1), upper = c(1, max(cc) * 1e2, 5),
                 control = nls.control(maxiter = 1000, tol = 1e-12, scaleOffset = 1)), silent = TRUE)
  if (inherits(fit, "try-error")) next
  cf <- coef(fit)
  pol <- rbind(pol, data.frame(sig[i, groups], GRinf = cf[["GRinf"]], GEC50 = cf[["GEC50"]], h_GR = cf[["h_GR"]],
                               rss = sum(residuals(fit)^2), rss_drc = (1 - sig$r2_GR[i]) *
                                 sum((d$GR - mean(d$GR))^2)))
}
write.csv(format(pol, digits = 17), file.path(here, "gr_polished_R.csv"), row.names = FALSE, quote = FALSE)
