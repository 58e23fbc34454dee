## geNorm M reference values from an established implementation: ctrlGene 1.0.1 (Zhong; measureM, geNorm),
## which implements Vandesompele et al. (2002) Genome Biology 3:research0034.
## ctrlGene is not in Debian: it is built from its public CRAN source (the cran/ctrlGene mirror) into a private
## library, /tmp/refrlib or the folder in the environment variable REFERENCE_RLIB (its one dependency, psych, is
## Debian's r-cran-psych). CI has no R: the values are committed.
##
## Run from this directory:  Rscript make_reference_genorm.R > make_reference_genorm.Rout 2>&1
## Inputs:  genorm_long.csv (the simulated Cts written by make_reference_qpcr.R) and ctrlGene's data set FIB
##          (relative quantities of 10 candidate reference genes in 20 fibroblast samples from Vandesompele 2002),
##          written here to vandesompele2002_fib.csv so that the tests need no R.
## Output:  reference_genorm.csv (long form case,quantity,term,value; value = sprintf("%.12g")):
##   genorm_sim / M / REFj       ctrlGene::measureM(Ct matrix, ctVal = TRUE): M of each of the 4 reference genes
##   fib / M / gene              ctrlGene::measureM(FIB, ctVal = FALSE): M of each of the 10 genes (all genes)
##   fib / avg_M_step / k:gene   ctrlGene::geNorm(FIB, ctVal = FALSE): the average M of the genes left at step k
##                               of the stepwise exclusion and the gene excluded there (last row: the best pair)

options(warn = 1)
.libPaths(c(Sys.getenv("REFERENCE_RLIB", "/tmp/refrlib"), .libPaths()))
suppressPackageStartupMessages(library(ctrlGene))
cat("R version:", R.version.string, "\nctrlGene", as.character(packageVersion("ctrlGene")), "\n\n")

rows <- list()
add <- function(case, quantity, term, value) {
  v <- unname(as.numeric(value))
  stopifnot(length(v) == length(term), all(is.finite(v)))
  rows[[length(rows) + 1]] <<- data.frame(case = case, quantity = quantity, term = term,
                                          value = sprintf("%.12g", v), stringsAsFactors = FALSE)
}

## 1. the simulated Cts of make_reference_qpcr.R (efficiency 2: log2 quantity = -Ct)
gl <- read.csv("genorm_long.csv")
refs <- c("REF1", "REF2", "REF3", "REF4")
W <- sapply(refs, function(g) gl$ct[gl$gene == g][order(gl$sample[gl$gene == g])])
print(W)
m <- measureM(W, ctVal = TRUE)
print(m)
add("genorm_sim", "M", m$Genes, m$M)

## 2. Vandesompele 2002, fibroblasts (ctrlGene's FIB)
data(FIB, package = "ctrlGene")
fib <- as.matrix(FIB)
write.csv(data.frame(sample = rownames(fib), fib, check.names = FALSE), "vandesompele2002_fib.csv",
          row.names = FALSE, quote = FALSE)
back <- as.matrix(read.csv("vandesompele2002_fib.csv", row.names = 1, check.names = FALSE))
stopifnot(identical(dim(back), dim(fib)), max(abs(back - fib)) == 0)
mf <- measureM(fib, ctVal = FALSE)
print(mf)
add("fib", "M", mf$Genes, mf$M)
gs <- geNorm(fib, ctVal = FALSE)
print(gs)
add("fib", "avg_M_step", paste0(seq_len(nrow(gs)), ":", gs$Genes), gs$Avg.M)

out <- do.call(rbind, rows)
stopifnot(!anyDuplicated(out[, c("case", "quantity", "term")]))
write.csv(out, "reference_genorm.csv", row.names = FALSE, quote = FALSE)
cat("\nwrote", nrow(out), "rows to reference_genorm.csv\n")
print(sessionInfo())
