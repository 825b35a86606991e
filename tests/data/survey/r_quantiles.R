# Reference answers for belem-indicators' quantiles beyond r_intervals.R, computed with R's
# survey package: the score interval (interval.type = "score", Taylor designs only in R),
# the Shah-Vaish rule (qrule = "shahvaish"), and quantiles on replicate designs (JK1, JKn,
# BRR, Fay with rho 0.5, bootstrap) with Woodruff's intervals ("mean", "beta", "xlogit",
# "asin") and the replicate-quantile interval ("quantile").
#
# Run from this folder:  Rscript r_quantiles.R
# Reads cases_data.csv and cases_factors.csv (written by r_cases.R) and writes
#   r_quantiles_expected.csv   one figure per row: case, analysis, domain, key, value
#                              (15 significant digits; NA where R gives NA or stops: a
#                              score interval whose test has the same sign at both ends of
#                              its search interval stops uniroot, and the row says "stop")
# Domains are subsets by state (each domain's own degrees of freedom). The Python tests
# need no R.

suppressMessages(library(survey))
options(survey.lonely.psu = "fail")
d <- read.csv("cases_data.csv", stringsAsFactors = FALSE)
fl <- read.csv("cases_factors.csv", stringsAsFactors = FALSE)
units <- sort(unique(d$unit))
probs <- c(0.1, 0.25, 0.5, 0.9)

out <- list()
add <- function(case, analysis, domain, key, value) {
  out[[length(out) + 1]] <<- data.frame(case = case, analysis = analysis, domain = as.character(domain),
                                        key = key, value = signif(as.numeric(value), 15),
                                        stringsAsFactors = FALSE)
}

one <- function(case, sub, s, y, r, it, p) {
  key <- paste0("quantile_", y, "_", r, "_", it, "_", p)
  q <- tryCatch(suppressWarnings(svyquantile(as.formula(paste0("~", y)), sub, p, qrule = r,
                                             interval.type = it, na.rm = TRUE, ci = TRUE))[[1]],
                error = function(e) NULL)
  if (is.null(q)) {  # R stops: the estimate alone, the interval NA
    est <- svyquantile(as.formula(paste0("~", y)), sub, p, qrule = r, na.rm = TRUE, ci = FALSE)[[1]]
    add(case, key, s, "estimate", est[1]); add(case, key, s, "stop", 1)
    add(case, key, s, "ci_low", NA); add(case, key, s, "ci_high", NA); add(case, key, s, "se", NA)
  } else {
    add(case, key, s, "estimate", q[1, 1]); add(case, key, s, "stop", 0)
    add(case, key, s, "ci_low", q[1, 2]); add(case, key, s, "ci_high", q[1, 3]); add(case, key, s, "se", q[1, 4])
  }
}

# svyquantile on a replicate design passes no method to woodruffCI, so its "beta", "xlogit"
# and "asin" intervals come out as "mean" ones (survey 4.1.1). Those three are taken here from
# woodruffCI itself, called as svyquantile calls it (rows with the variable missing dropped,
# the subset's degrees of freedom) but with the method named: "woodruff_<method>".
rep_woodruff <- function(case, sub, s, y, r, it, p) {
  key <- paste0("quantile_", y, "_", r, "_woodruff_", it, "_", p)
  x <- sub$variables[[y]]
  sub <- sub[!is.na(x), ]
  x <- x[!is.na(x)]
  rule <- get(paste0("qrule_", r), asNamespace("survey"))
  qhat <- rule(x, weights(sub, "sampling"), p)
  df <- degf(sub)
  ci <- survey:::woodruffCI(x, qhat, p, sub, rule, 0.05, df, method = it)
  add(case, key, s, "estimate", qhat); add(case, key, s, "stop", 0)
  add(case, key, s, "ci_low", ci[1]); add(case, key, s, "ci_high", ci[2])
  add(case, key, s, "se", (ci[2] - ci[1]) / (2 * qt(0.975, df)))
}

run <- function(case, des, combos) {
  for (s in c("all", sort(unique(d$state)))) {
    sub <- if (s == "all") des else subset(des, state == s)
    for (y in c("income", "schooling_years")) for (cb in combos) for (p in probs) {
      if (length(cb) == 3) rep_woodruff(case, sub, s, y, cb[1], cb[2], p) else one(case, sub, s, y, cb[1], cb[2], p)
    }
  }
}

taylor <- list(c("math", "score"), c("hf7", "score"), c("shahvaish", "score"),
               c("shahvaish", "mean"), c("shahvaish", "beta"), c("shahvaish", "xlogit"), c("shahvaish", "asin"))
des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, nest = TRUE, data = d)
run("plain", des, taylor)
des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, fpc = ~fpc_pop, nest = TRUE, data = d)
run("fpc_pop", des, taylor)

replicate <- list(c("math", "mean"), c("math", "beta", "direct"), c("math", "xlogit", "direct"),
                  c("math", "asin", "direct"), c("hf7", "beta", "direct"), c("math", "quantile"), c("hf7", "mean"), c("hf7", "quantile"), c("school", "quantile"),
                  c("shahvaish", "mean"), c("shahvaish", "quantile"))
for (tp in c("JK1", "JKn", "BRR", "Fay", "bootstrap")) for (mse in c(FALSE, TRUE)) {
  if (mse && tp != "bootstrap") next
  f <- fl[fl$type == tp, ]
  m <- matrix(f$factor, nrow = length(units))
  repw <- d$weight * m[match(d$unit, units), , drop = FALSE]
  args <- list(data = d, repweights = as.data.frame(repw), weights = ~weight, type = tp,
               combined.weights = TRUE, mse = mse)
  if (tp == "JKn") args$rscales <- rep(0.5, ncol(m))
  if (tp == "Fay") args$rho <- 0.5
  if (tp == "JK1") args$scale <- (length(units) - 1) / length(units)
  rd <- suppressWarnings(do.call(svrepdesign, args))
  run(paste0("rep_", tp, "_mse", mse), rd, replicate)
}

res <- do.call(rbind, out)
write.csv(res, "r_quantiles_expected.csv", row.names = FALSE, na = "NA")
cat("survey", as.character(packageVersion("survey")), "; figures:", nrow(res), "\n")
