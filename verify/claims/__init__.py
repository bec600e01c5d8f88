"""Claim kinds: what a theorem concludes, as checkable statements about a recorded series.

Each kind is a frozen dataclass whose ``evaluate`` returns a
:class:`~verify.outcome.ClaimResult` (PASS, FAIL or UNDECIDED) with the evidence that
decided it, a typed record per kind (:mod:`verify.claims.evidence`; a result stopped by a
screen carries the screen's record, :mod:`verify.claims.guards`):

- :class:`Bound`: explicit bounds at every checkpoint;
- :class:`Limit`: convergence to a value (or to some finite value) at the theorem's rate;
- :class:`Monotone`: non-decreasing along GD after an onset, tolerance from the step size;
- :class:`Eventually`: an indicator holds at every time after some point;
- :class:`Scaling`: a power law across a parameter sweep; :class:`OneSidedScaling` one half
  of its Theta (O or Omega), :class:`Prefactor` its constant against a prediction;
- :class:`Frequency`: how often an event occurs across seeds, against a predicted probability;
- :class:`Trend`: a quantity rises (or falls) with a swept parameter, across seeds.
"""
from verify.claims.base import Claim, Context, Expected, Series
from verify.claims.bound import Bound
from verify.claims.eventually import Eventually
from verify.claims.frequency import Frequency
from verify.claims.halves import OneSidedScaling, Prefactor
from verify.claims.limit import Limit
from verify.claims.monotone import Monotone
from verify.claims.scaling import Scaling
from verify.claims.trend import Trend

__all__ = [
    "Bound",
    "Claim",
    "Context",
    "Eventually",
    "Expected",
    "Frequency",
    "Limit",
    "Monotone",
    "OneSidedScaling",
    "Prefactor",
    "Scaling",
    "Series",
    "Trend",
]
