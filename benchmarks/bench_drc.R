# Companion of bench_doseresponse.py: the same one-curve and 16-curve plate jobs in R drc (if installed).
# Rscript benchmarks/bench_drc.R PLATE.csv   (run from the repository root)
suppressMessages(library(drc))
d <- read.csv("data/ryegrass/ryegrass.csv")
n <- 200
t <- system.time(for (i in 1:n) { m <- drm(rootl ~ conc, data = d, fct = LL.4()); ED(m, 50, interval = "delta", display = FALSE) })
cat("drc one curve + ED delta (s per fit):", t[["elapsed"]] / n, "\n")
p <- read.csv(commandArgs(TRUE)[1])
t2 <- system.time(for (i in 1:5) { m <- drm(signal ~ dose, compound, data = p, fct = LL.4()); ED(m, 50, interval = "delta", display = FALSE) })
cat("drc 16-curve plate (s):", t2[["elapsed"]] / 5, "\n")
