# Reference answers for the R numerical routines that belem-indicators reproduces for the
# likelihood and score intervals (src/indicators/survey/_rmath.py): seq.int(length.out = ),
# spline() (FMM), approx() (linear and constant, with unsorted and tied x) and uniroot()
# (its iterates, recorded by the function it calls), in base R 4.2.
#
# Run from this folder:  Rscript r_rmath.R
# Writes r_rmath_expected.csv: case, i, value (17 significant digits, so a bit-for-bit
# comparison is possible). The Python tests need no R.

out <- list()
add <- function(case, v) {
  out[[length(out) + 1]] <<- data.frame(case = case, i = seq_along(v), value = sprintf("%.17g", v))
}
set.seed(20261130)
for (k in 1:3) {
  n <- c(7, 12, 19)[k]
  x <- sort(runif(n, -2, 1.5)); y <- x^3 - x + rnorm(n) * 0.05
  add(paste0("spline_in_x_", k), x); add(paste0("spline_in_y_", k), y)
  sp <- spline(x, y)
  add(paste0("spline_x_", k), sp$x); add(paste0("spline_y_", k), sp$y)
  xo <- c(min(sp$y) - 1, sort(runif(9, min(sp$y), max(sp$y))), max(sp$y))
  add(paste0("approx_out_", k), xo)
  add(paste0("approx_", k), approx(sp$y, sp$x, xout = xo)$y)
}
add("seq_1", seq.int(-1.2345, 3.3, length.out = 57)); add("seq_2", seq.int(0.1, 0.7, length.out = 60))
# constant interpolation on unsorted x with ties (R sorts and averages tied x), rule = 2
px <- c(0.3, 0.1, 0.5, 0.3, 0.9, -0.2); py <- c(3, 1, 5, 4, 9, -2)
add("const_x", px); add("const_y", py)
xo <- c(-1, -0.2, 0, 0.1, 0.2, 0.3, 0.35, 0.9, 1.5)
add("const_out", xo); add("const", approx(px, py, xout = xo, method = "constant", f = 0, rule = 2)$y)
# uniroot on a smooth function and on a step function (as the score test is)
for (k in 1:2) {
  tr <- c()
  f <- if (k == 1) function(t) { tr <<- c(tr, t); exp(t) - 3 } else
    function(t) { tr <<- c(tr, t); sign(t - 0.3) * abs(t - 0.3)^0.3 + 0.01 * (t > 0.5) - 0.2 * (t > 0.31) }
  r <- uniroot(f, c(-1, 2), tol = c(1e-10, 0.001)[k])
  add(paste0("uniroot_trace_", k), tr); add(paste0("uniroot_root_", k), r$root)
}
res <- do.call(rbind, out)
write.csv(res, "r_rmath_expected.csv", row.names = FALSE)
cat("figures:", nrow(res), "\n")
