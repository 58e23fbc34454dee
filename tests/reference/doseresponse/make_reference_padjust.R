# p-value adjustment within one family, as assaystats.doseresponse's adjust_p must give it (comparisons tables).
# - holm, bonferroni, BH: R's p.adjust (an NA stays NA and is not counted, p.adjust's default n).
# - Sidak (single-step) and Holm-Sidak (step-down Sidak): multtest::mt.rawp2adjp, procedures "SidakSS" and
#   "SidakSD" (Bioconductor multtest, Debian r-bioc-multtest); R's p.adjust has neither. multtest is given the
#   six non-missing p values (m = 6), the same family p.adjust counts.
#   Their definitions (Sidak: 1 - (1 - p)^m; Holm-Sidak: the i-th smallest p gets max_{j <= i} 1 - (1 - p_(j))^(m - j + 1))
#   are recomputed below as a check only (stopifnot), not stored.
# Run in this folder: Rscript make_reference_padjust.R > make_reference_padjust.Rout 2>&1
suppressPackageStartupMessages(library(multtest))
cat("R:", R.version.string, " multtest:", as.character(packageVersion("multtest")), "\n")
p <- c(0.0021, 0.041, NA, 0.013, 0.30, 0.0450, 0.0007)
ok <- !is.na(p)
m <- sum(ok)
mt <- mt.rawp2adjp(p[ok], proc = c("SidakSS", "SidakSD"))
print(mt)
sidak <- holm_sidak <- rep(NA_real_, length(p))
sidak[which(ok)[mt$index]] <- mt$adjp[, "SidakSS"]
holm_sidak[which(ok)[mt$index]] <- mt$adjp[, "SidakSD"]
## check against the definitions
chk_s <- ifelse(ok, 1 - (1 - p)^m, NA)
o <- order(p[ok]); q <- p[ok][o]
step <- cummax(1 - (1 - q)^(m - seq_along(q) + 1))
hs <- numeric(m); hs[o] <- pmin(step, 1)
chk_hs <- rep(NA_real_, length(p)); chk_hs[ok] <- hs
stopifnot(isTRUE(all.equal(sidak, chk_s, tolerance = 1e-14)), isTRUE(all.equal(holm_sidak, chk_hs, tolerance = 1e-14)))
out <- data.frame(case = character(), quantity = character(), term = character(), value = character())
add <- function(q, i, v) if (!is.na(v)) out[nrow(out) + 1, ] <<- list("padjust", q, as.character(i), sprintf("%.15g", v))
for (i in seq_along(p)) {
  add("p", i, p[i])
  add("holm", i, p.adjust(p, "holm")[i])
  add("bonferroni", i, p.adjust(p, "bonferroni")[i])
  add("bh", i, p.adjust(p, "BH")[i])
  add("sidak", i, sidak[i])
  add("holm-sidak", i, holm_sidak[i])
}
write.csv(out, "reference_padjust.csv", row.names = FALSE)
print(out)
sessionInfo()
