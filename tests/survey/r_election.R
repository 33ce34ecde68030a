# R survey's election example (issue #16): the 40-county PPS sample `election_pps`, its joint
# inclusion probabilities `election_jointprob`, and sum(p^2)/40 over all counties for HR(),
# exported from the survey package (4.1.1) for the port of tests/testoutput/pps.R; run by hand:
#   Rscript tests/survey/r_election.R tests/survey/data
# The data are the package's example data (2004 US presidential vote counts by county, a PPS
# sample of 40 counties by votes cast), written as CSV so the tests need no R.
suppressPackageStartupMessages({library(survey); library(jsonlite)})
out_dir <- commandArgs(TRUE)[1]
data(election)
pps <- election_pps[, c("County", "Bush", "Kerry", "Nader", "votes", "p", "wt")]
pps$p <- sprintf("%.17g", pps$p); pps$wt <- sprintf("%.17g", pps$wt)  # every bit
write.csv(pps, file.path(out_dir, "election_pps.csv"), row.names = FALSE)
write.csv(format(election_jointprob, digits = 17), file.path(out_dir, "election_jointprob.csv"), row.names = FALSE)
cat(sprintf('{"r": "sum(election$p^2)/40", "hr_psum": %.17g}\n', sum(election$p^2) / 40),
    file = file.path(out_dir, "election.json"))
