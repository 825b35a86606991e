# Reference answers for belem-indicators' proportion intervals, design effects against
# sampling with replacement, and quantile rules and intervals, computed with R's survey package.
#
# Run from this folder:  Rscript r_intervals.R
# Reads cases_data.csv and cases_factors.csv (written by r_cases.R) and writes
#   r_intervals_expected.csv   one figure per row: case, analysis, domain, key, value
#                               (15 significant digits)
# Cases: a stratified cluster design (plain), the same with an fpc (fpc_pop), and JK1 and
# bootstrap replicate designs (proportions and design effects only). svyciprop's
# "likelihood" interval is NA on the replicate designs: summary.svrepglm's dispersion comes
# out n times too large there (its Pearson residuals divide by weights summing to one while
# the fit's prior weights have mean one), so the profile never reaches its cutoff. Domains are subsets by
# state (svyby's rule: each domain's own degrees of freedom). The Python tests need no R.

suppressMessages(library(survey))
options(survey.lonely.psu = "fail")
d <- read.csv("cases_data.csv", stringsAsFactors = FALSE)
fl <- read.csv("cases_factors.csv", stringsAsFactors = FALSE)
units <- sort(unique(d$unit))

out <- list()
add <- function(case, analysis, domain, key, value) {
  out[[length(out) + 1]] <<- data.frame(case = case, analysis = analysis, domain = as.character(domain),
                                        key = key, value = signif(as.numeric(value), 15),
                                        stringsAsFactors = FALSE)
}

proportions <- function(case, des) {
  for (s in c("all", sort(unique(d$state)))) {
    ps <- if (s == "all") subset(des, !is.na(ipv_any_12m)) else subset(des, !is.na(ipv_any_12m) & state == s)
    for (m in c("mean", "asin", "xlogit", "beta", "logit", "likelihood")) {
      p <- svyciprop(~ipv_any_12m, ps, method = m)
      key <- paste0("ciprop_", m)
      add(case, key, s, "estimate", coef(p))
      add(case, key, s, "ci_low", attr(p, "ci")[1]); add(case, key, s, "ci_high", attr(p, "ci")[2])
    }
  }
  # the likelihood interval also at another level and on a rarer outcome (by state and by area)
  for (s in c("all", sort(unique(d$state)), sort(unique(d$area)))) {
    ps <- if (s == "all") subset(des, !is.na(sought_help)) else
      subset(des, !is.na(sought_help) & (state == s | area == s))
    p <- svyciprop(~sought_help, ps, method = "likelihood", level = 0.9)
    add(case, "ciprop_likelihood_sought_help_90", s, "estimate", coef(p))
    add(case, "ciprop_likelihood_sought_help_90", s, "ci_low", attr(p, "ci")[1])
    add(case, "ciprop_likelihood_sought_help_90", s, "ci_high", attr(p, "ci")[2])
  }
  # design effects against sampling with replacement (deff = "replace")
  for (y in c("ipv_any_12m", "income")) {
    s <- svymean(as.formula(paste0("~", y)), des, na.rm = TRUE, deff = "replace")
    add(case, paste0("deff_replace_mean_", y), "all", "deff", deff(s))
    b <- svyby(as.formula(paste0("~", y)), ~state, des, svymean, na.rm = TRUE, deff = "replace")
    dcol <- grep("^DEff", names(b))  # deff(<svyby>) does not take deff = "replace"; its column does
    for (i in seq_len(nrow(b))) add(case, paste0("deff_replace_mean_", y), b$state[i], "deff", b[i, dcol])
  }
  s <- svytotal(~violence_lifetime, des, na.rm = TRUE, deff = "replace")
  add(case, "deff_replace_total_violence_lifetime", "all", "deff", deff(s))
  b <- svyby(~violence_lifetime, ~state, des, svytotal, na.rm = TRUE, deff = "replace")
  dcol <- grep("^DEff", names(b))
  for (i in seq_len(nrow(b))) add(case, "deff_replace_total_violence_lifetime", b$state[i], "deff", b[i, dcol])
}

quantiles <- function(case, des) {
  rules <- c("math", "school", paste0("hf", 1:9))
  for (s in c("all", sort(unique(d$state)))) {
    sub <- if (s == "all") des else subset(des, state == s)
    for (y in c("income", "schooling_years")) {
      for (r in rules) for (it in c("mean", "beta", "xlogit", "asin")) {
        if (it != "mean" && !(r %in% c("math", "hf7"))) next
        q <- svyquantile(as.formula(paste0("~", y)), sub, c(0.1, 0.25, 0.5, 0.9), qrule = r,
                         interval.type = it, na.rm = TRUE, ci = TRUE)[[1]]
        for (i in seq_len(nrow(q))) {
          key <- paste0("quantile_", y, "_", r, "_", it, "_", rownames(q)[i])
          add(case, key, s, "estimate", q[i, 1]); add(case, key, s, "ci_low", q[i, 2])
          add(case, key, s, "ci_high", q[i, 3]); add(case, key, s, "se", q[i, 4])
        }
      }
    }
  }
}

des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, nest = TRUE, data = d)
proportions("plain", des); quantiles("plain", des)
des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, fpc = ~fpc_pop, nest = TRUE, data = d)
proportions("fpc_pop", des); quantiles("fpc_pop", des)
for (tp in c("JK1", "bootstrap")) {
  f <- fl[fl$type == tp, ]
  m <- matrix(f$factor, nrow = length(units))
  repw <- d$weight * m[match(d$unit, units), , drop = FALSE]
  args <- list(data = d, repweights = as.data.frame(repw), weights = ~weight, type = tp,
               combined.weights = TRUE, mse = FALSE)
  if (tp == "JK1") args$scale <- (length(units) - 1) / length(units)
  rd <- suppressWarnings(do.call(svrepdesign, args))
  proportions(paste0("rep_", tp), rd)
}

res <- do.call(rbind, out)
write.csv(res, "r_intervals_expected.csv", row.names = FALSE, na = "NA")
cat("survey", as.character(packageVersion("survey")), "; figures:", nrow(res), "\n")
