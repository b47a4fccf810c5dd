"""The negative-binomial distribution, parametrised by its mean and size (dispersion), and its
upper tail ``P(X >= k)``; written with ``math.lgamma`` so nothing heavier is imported.

With mean ``m`` and size ``r`` the variance is ``m + m²/r``: a small ``r`` is a wide spread, and
as ``r`` grows the distribution becomes Poisson.  The tail is summed in log space from whichever
end is short and accurate: ``1 - P(X < k)`` while that is not small, the terms from ``k`` upwards
once it is (so tiny tails keep their digits instead of rounding to 0).
"""

from __future__ import annotations

import math

# Below this the lower sum has lost too many digits: the tail is summed from k upwards.
_SMALL_TAIL = 1e-6
# The upper sum stops once a term adds less than this share of the total.
_RELATIVE_EPS = 1e-17
_MAX_TERMS = 1_000_000


def _check(mean: float, size: float) -> None:
    if not (mean > 0 and math.isfinite(mean)):
        raise ValueError(f"negative binomial mean must be positive and finite, not {mean}")
    if not (size > 0 and math.isfinite(size)):
        raise ValueError(f"negative binomial size must be positive and finite, not {size}")


def log_pmf(k: int, mean: float, size: float) -> float:
    """``log P(X = k)``."""
    _check(mean, size)
    if k < 0:
        return -math.inf
    log_p = -math.log1p(mean / size)  # log(size / (size + mean))
    log_q = math.log(mean) - math.log(size + mean)  # log(mean / (size + mean))
    return math.lgamma(k + size) - math.lgamma(size) - math.lgamma(k + 1) + size * log_p + k * log_q


def upper_tail(k: int, mean: float, size: float) -> float:
    """``P(X >= k)`` for ``X ~ NB(mean, size)``; 1 for ``k <= 0``."""
    _check(mean, size)
    if k <= 0:
        return 1.0
    log_q = math.log(mean) - math.log(size + mean)
    log_term = log_pmf(0, mean, size)
    below = 0.0
    for j in range(k):
        below += math.exp(log_term)
        log_term += math.log((j + size) / (j + 1)) + log_q
    tail = 1.0 - below
    if tail > _SMALL_TAIL:
        return min(1.0, tail)
    # log_term is now log P(X = k): sum upwards until the terms stop counting.
    total = 0.0
    j = k
    for _ in range(_MAX_TERMS):
        term = math.exp(log_term)
        total += term
        ratio = (j + size) / (j + 1) * (mean / (size + mean))
        if ratio < 1 and term <= total * _RELATIVE_EPS:
            break
        log_term += math.log(ratio)
        j += 1
    return min(1.0, max(0.0, total))
