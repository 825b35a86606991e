# Reference answers for belem-indicators' predicted margins (R's svypredmeans), survey package.
#
# Run from this folder:  Rscript r_predmeans.R
# Reads cases_data.csv (written by r_cases.R) and writes
#   r_predmeans_expected.csv   one figure per row: case, analysis, key, value (15 significant digits)
# Models: income ~ age_group (+ area), linear; ipv_any_12m ~ age_group (+ area), quasibinomial
# (rows with a missing outcome left out first, as svyglm does); margins of area, and of
# age_group adjusted for area. Stratified cluster design and the same with an fpc (in survey
# 4.1.1, svypredmeans on a replicate-weight design stops in svyglm.svyrep.design with "invalid
# subscript type 'list'", so replicate designs are checked in Python by another route).
# The Python tests need no R.

suppressMessages(library(survey))
options(survey.lonely.psu = "fail")
d <- read.csv("cases_data.csv", stringsAsFactors = FALSE)
d$area <- factor(d$area)
d$age_group <- factor(d$age_group)

out <- list()
add <- function(case, analysis, key, value) {
  out[[length(out) + 1]] <<- data.frame(case = case, analysis = analysis, key = key,
                                        value = signif(as.numeric(value), 15), stringsAsFactors = FALSE)
}

run <- function(case, design) {
  # svypredmeans re-evaluates the model's call: the designs it names must be global
  des <<- design
  dn <<- subset(design, !is.na(ipv_any_12m))
  fits <- list(
    income_area = list(svyglm(income ~ age_group, des), ~area),
    income_age = list(svyglm(income ~ area, des), ~age_group),
    ipv_area = list(svyglm(ipv_any_12m ~ age_group, dn, family = quasibinomial()), ~area),
    ipv_age = list(svyglm(ipv_any_12m ~ area, dn, family = quasibinomial()), ~age_group))
  for (name in names(fits)) {
    pm <- svypredmeans(fits[[name]][[1]], fits[[name]][[2]])
    v <- vcov(pm)
    for (g in names(coef(pm))) {
      add(case, name, paste0("estimate_", g), coef(pm)[g])
      add(case, name, paste0("se_", g), sqrt(v[g, g]))
    }
    first <- sort(names(coef(pm)))[1]
    for (g in setdiff(sort(names(coef(pm))), first)) {
      dif <- svycontrast(pm, setNames(c(1, -1), c(g, first)))
      add(case, name, paste0("estimate_", g, " - ", first), coef(dif))
      add(case, name, paste0("se_", g, " - ", first), SE(dif))
    }
  }
}

run("plain", svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, nest = TRUE, data = d))
run("fpc_pop", svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, fpc = ~fpc_pop, nest = TRUE, data = d))
res <- do.call(rbind, out)
write.csv(res, "r_predmeans_expected.csv", row.names = FALSE, na = "NA")
cat("survey", as.character(packageVersion("survey")), "; figures:", nrow(res), "\n")
