# Reference cases for the designs statistics offices build, computed with R's survey package:
# domain intervals on replicate designs, multistage designs with a finite population
# correction at each stage, calibration (post-stratification, raking, linear, raking-ratio
# and logit calibration with bounds, trimming) on Taylor and replicate designs, and
# replicate weights made from a design.
#
# Run from this folder:  Rscript r_designs.R
# Reads cases_data.csv and cases_factors.csv (made by r_cases.R) and writes
#   designs_data.csv        the same rows with a second stage (segments of three women within
#                           each PSU: ssu), the population sizes at both stages (N1, N2) and
#                           the same as sampling fractions (f1, f2)
#   designs_population.csv  population totals, one row per category (margin, category, total)
#   designs_repweights.csv  replicate factors per PSU made by as.svrepdesign (deterministic types)
#   r_designs_expected.csv  what R printed (15 significant digits)
# The Python tests rebuild the same designs from these files and need no R.

suppressMessages(library(survey))
options(survey.lonely.psu = "fail")
d <- read.csv("cases_data.csv", stringsAsFactors = FALSE)
d <- d[order(d$id), ]

# Second stage: segments of three women (in id order) within each PSU.
rank_in_psu <- ave(d$id, d$psu, FUN = function(i) rank(i))
d$ssu <- ceiling(rank_in_psu / 3)
n_ssu <- ave(d$ssu, d$psu, FUN = function(s) length(unique(s)))
d$N1 <- d$fpc_pop
d$N2 <- n_ssu * (2 + d$psu %% 3)
d$f1 <- d$fpc_frac
d$f2 <- n_ssu / d$N2
write.csv(d[, c("id", "state", "area", "stratum", "psu", "ssu", "unit", "weight", "age_group",
                "ipv_any_12m", "violence_lifetime", "sought_help", "reported", "schooling_years",
                "income", "N1", "N2", "f1", "f2")], "designs_data.csv", row.names = FALSE)

out <- list()
add <- function(case, design, statistic, variable, by, domain, est, se, lo, hi, deff = NA, df = NA) {
  out[[length(out) + 1]] <<- data.frame(case = case, design = design, statistic = statistic,
    variable = variable, by = by, domain = as.character(domain), estimate = as.numeric(est),
    se = as.numeric(se), ci_low = as.numeric(lo), ci_high = as.numeric(hi),
    deff = as.numeric(deff), df = as.numeric(df), stringsAsFactors = FALSE)
}
stat_rows <- function(case, kind, statistic, variable, s, with_deff = TRUE) {
  ci <- confint(s)
  add(case, kind, statistic, variable, "", "all", coef(s), SE(s), ci[, 1], ci[, 2],
      if (with_deff) deff(s) else NA)
}
by_rows <- function(case, kind, statistic, variable, byname, b, with_deff = TRUE) {
  ci <- confint(b)
  add(case, kind, statistic, variable, byname, b[[byname]], coef(b), SE(b), ci[, 1], ci[, 2],
      if (with_deff) deff(b) else NA)
}
# The estimates every design is checked on: means, totals, domains, a ratio.
common_cases <- function(case, kind, des, with_deff = TRUE) {
  stat_rows(case, kind, "mean", "ipv_any_12m", svymean(~ipv_any_12m, des, na.rm = TRUE, deff = with_deff), with_deff)
  stat_rows(case, kind, "mean", "income", svymean(~income, des, na.rm = TRUE, deff = with_deff), with_deff)
  stat_rows(case, kind, "total", "violence_lifetime", svytotal(~violence_lifetime, des, na.rm = TRUE, deff = with_deff), with_deff)
  by_rows(case, kind, "mean", "ipv_any_12m", "state",
          svyby(~ipv_any_12m, ~state, des, svymean, na.rm = TRUE, deff = with_deff), with_deff)
  by_rows(case, kind, "total", "reported", "area",
          svyby(~reported, ~area, des, svytotal, na.rm = TRUE, deff = with_deff), with_deff)
  by_rows(case, kind, "mean", "income", "age_group",
          svyby(~income, ~age_group, des, svymean, na.rm = TRUE, deff = with_deff), with_deff)
  r <- svyratio(~reported, ~sought_help, subset(des, !is.na(reported) & !is.na(sought_help)))
  ci <- confint(r)
  add(case, kind, "ratio", "reported/sought_help", "", "all", coef(r), SE(r), ci[, 1], ci[, 2])
}
# Intervals that use each domain's degrees of freedom: logit and beta intervals of a
# proportion, the median with its Woodruff interval, by state.
domain_df_cases <- function(case, kind, des) {
  add(case, kind, "degf", "", "", "all", degf(des), NA, NA, NA)
  for (s in sort(unique(d$state))) {
    ps <- subset(des, !is.na(ipv_any_12m) & state == s)
    p <- svyciprop(~I(ipv_any_12m == 1), ps, method = "logit")
    add(case, kind, "proportion_logit", "ipv_any_12m", "state", s, coef(p), SE(p),
        attr(p, "ci")[1], attr(p, "ci")[2], NA, degf(ps))
    p <- svyciprop(~I(ipv_any_12m == 1), ps, method = "beta")
    add(case, kind, "proportion_beta", "ipv_any_12m", "state", s, coef(p), SE(p),
        attr(p, "ci")[1], attr(p, "ci")[2], NA, degf(ps))
    sub <- subset(des, state == s)
    q <- svyquantile(~income, sub, 0.5, ci = TRUE, se = TRUE)$income
    add(case, kind, "median", "income", "state", s, q[1, 1], q[1, 4], q[1, 2], q[1, 3],
        NA, degf(sub))
  }
}

# 1. Replicate designs (factors of cases_factors.csv): logit intervals refitted on each
#    replicate, and each domain's degrees of freedom (the rank of its replicate weights).
fac <- read.csv("cases_factors.csv", stringsAsFactors = FALSE)
units <- sort(unique(d$unit))
rep_design <- function(tp, mse) {
  f <- fac[fac$type == tp, ]
  m <- matrix(f$factor[order(f$replicate, match(f$unit, units))], nrow = length(units))
  repw <- d$weight * m[match(d$unit, units), , drop = FALSE]
  args <- list(data = d, repweights = as.data.frame(repw), weights = ~weight, type = tp,
               combined.weights = TRUE, mse = mse)
  if (tp == "JKn") args$rscales <- rep(0.5, ncol(m))
  if (tp == "Fay") args$rho <- 0.5
  if (tp == "JK1") args$scale <- (length(units) - 1) / length(units)
  suppressWarnings(do.call(svrepdesign, args))
}
for (tp in c("JK1", "JKn", "BRR", "Fay", "bootstrap")) {
  for (mse in c(FALSE, TRUE)) domain_df_cases(paste0("repdf_", tp, "_mse", mse), "replicate", rep_design(tp, mse))
}

# 2. Two-stage designs with a finite population correction at each stage.
ms_pop <- svydesign(ids = ~psu + ssu, strata = ~stratum, fpc = ~N1 + N2, weights = ~weight,
                    nest = TRUE, data = d)
common_cases("ms_pop", "taylor", ms_pop)
domain_df_cases("ms_pop", "taylor", ms_pop)
ms_frac <- svydesign(ids = ~psu + ssu, strata = ~stratum, fpc = ~f1 + f2, weights = ~weight,
                     nest = TRUE, data = d)
common_cases("ms_frac", "taylor", ms_frac)
# Without weights: R takes them from the fpc (N1/n1 * N2/n2).
ms_noweights <- svydesign(ids = ~psu + ssu, strata = ~stratum, fpc = ~N1 + N2, nest = TRUE, data = d)
common_cases("ms_noweights", "taylor", ms_noweights)

res <- do.call(rbind, out)
num <- c("estimate", "se", "ci_low", "ci_high", "deff", "df")
for (k in num) res[[k]] <- signif(res[[k]], 15)
write.csv(res, "r_designs_expected.csv", row.names = FALSE, na = "NA")
cat("survey", as.character(packageVersion("survey")), "; rows:", nrow(res), "\n")
