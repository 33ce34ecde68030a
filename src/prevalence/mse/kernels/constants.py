"""The log-linear solvers' constants, in one place: start values, step acceptance, tolerances
and status codes of the batched engine (``engine.py``) and the single GLM (``glm.py``).

The engine's compiled kernels take them as one array argument (``engine._settings``, built
at each call) rather than reading them as globals: numba freezes a global into its on-disk
cache and would not notice a change made here. Only the status bits are written as literals
in the kernel (a test checks that the kernel's outcomes carry these values).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "FitStatus",
    "START_OFFSET",
    "DEVIANCE_OFFSET",
    "ENGINE_TOL",
    "ENGINE_MAX_ITER",
    "STEP_TOL",
    "CREEP_LIMIT",
    "MAX_STEP_HALVINGS",
    "DEVIANCE_SLACK",
    "GLM_TOL",
    "GLM_MAX_ITER",
    "GLM_MAX_HALVINGS",
    "R_EPSILON",
    "R_MAX_ITER",
    "R_MU_FLOOR",
]


class FitStatus:
    """Bit flags in the ``status`` output of the engine's fits."""

    OK = 0
    NOT_CONVERGED = 1  # iteration limit reached
    SINGULAR = 2  # information matrix singular: not identifiable, or parameters diverging
    DIVERGING = 4  # likelihood flat but Newton steps do not shrink: no maximum exists


#: R's ``glm.fit`` start for the Poisson family: ``mu = y + START_OFFSET``.
START_OFFSET = 0.1
#: R's convergence test: ``|dev - dev_old| / (|dev| + DEVIANCE_OFFSET) < epsilon``.
DEVIANCE_OFFSET = 0.1

#: The engine's tolerance on that relative change of the deviance, and its iteration limit.
ENGINE_TOL = 1e-10
ENGINE_MAX_ITER = 100
#: Newton's method converges quadratically when the maximum exists; when it does not
#: (Fienberg-Rinaldo), steps along the escaping direction stay near one unit forever while
#: the deviance no longer changes. A fit whose deviance has converged is accepted once its
#: largest step is below STEP_TOL, and declared diverging after CREEP_LIMIT steps that are not.
STEP_TOL = 1e-6
CREEP_LIMIT = 4
#: The engine halves a step at most this often looking for one that does not raise the
#: deviance by more than DEVIANCE_SLACK (relative, and absolute) - rounding.
MAX_STEP_HALVINGS = 60
DEVIANCE_SLACK = 1e-12

#: The single GLM run to the maximum (glm.py): tolerance, iteration and step-halving limits.
GLM_TOL = 1e-11
GLM_MAX_ITER = 100
GLM_MAX_HALVINGS = 100

#: R's ``glm.control()``: ``epsilon = 1e-8``, ``maxit = 25``.
R_EPSILON = 1e-8
R_MAX_ITER = 25
#: R's ``poisson()$linkinv`` is ``pmax(exp(eta), .Machine$double.eps)``: fitted values never
#: reach zero, so working responses stay finite when a parameter runs to minus infinity.
R_MU_FLOOR = float(np.finfo(float).eps)
