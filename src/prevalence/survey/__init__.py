"""Survey-weighted prevalence with design-based inference (strata, clusters, weights, fpc).

Layers, top to bottom (a module imports only from the layers below it):

* :mod:`~prevalence.survey.prevalence`: :class:`SurveyPrevalence`, the estimator of the common
  interface; :mod:`~prevalence.survey.pps`: :class:`PPSDesign`, sampling with probability
  proportional to size without replacement (a Taylor design with its own variance);
  :mod:`~prevalence.survey.twophase`: :class:`TwoPhaseDesign`, a screening sample and a
  subsample;
* :mod:`~prevalence.survey.design` (:class:`SurveyDesign`, Taylor linearisation) and
  :mod:`~prevalence.survey.replicate` (:class:`ReplicateDesign`, replicate weights): the two
  kinds of design; the Taylor design builds replicate designs, never the other way round.
  Given a Dask frame they give :class:`DaskSurveyDesign` and :class:`DaskReplicateDesign`,
  which compute the same statistics out of core;
* :mod:`~prevalence.survey.base`: :class:`~prevalence.survey.base.Design`, which owns every
  statistic and calibration and asks its implementation only for variances;
* :mod:`~prevalence.survey.daskdesign`: the statistics of a design on a Dask frame, asked of
  the in-memory design on the frame's cell sums;
* statistics and weights: :mod:`~prevalence.survey.estimation` (ratios of totals by domain),
  :mod:`~prevalence.survey.regression` (``svyglm``, predictive margins),
  :mod:`~prevalence.survey.table` (estimates with their covariance, contrasts),
  :mod:`~prevalence.survey.calibration` (post-stratification, raking, GREG and generalised
  raking weights), :mod:`~prevalence.survey.chisq` (Rao-Scott tests),
  :mod:`~prevalence.survey.outofcore` (a Dask frame summed to its design cells in one pass);
* kernels: :mod:`~prevalence.survey.linearization` (Taylor variance on the stage arrays),
  :mod:`~prevalence.survey.stages`, :mod:`~prevalence.survey.intervals`,
  :mod:`~prevalence.survey.quantiles` (R's quantile rules).
"""

from .base import Design
from .calibration import calibrate, poststratify, rake
from .design import DaskSurveyDesign, SurveyDesign
from .pps import PPSDesign
from .prevalence import SurveyPrevalence
from .regression import SurveyGLMResults
from .replicate import DaskReplicateDesign, ReplicateDesign
from .table import DomainTable
from .twophase import TwoPhaseDesign

__all__ = [
    "DaskReplicateDesign",
    "DaskSurveyDesign",
    "Design",
    "DomainTable",
    "PPSDesign",
    "ReplicateDesign",
    "SurveyDesign",
    "SurveyGLMResults",
    "SurveyPrevalence",
    "TwoPhaseDesign",
    "calibrate",
    "poststratify",
    "rake",
]
