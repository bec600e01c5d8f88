"""The learning problem: datasets and their exact statistics, models, losses, shared quantities.

Also the seeds of a run (:mod:`verify.problem.seeds`: the data and initialization streams, the
initial parameters). Built on :mod:`verify.arith` and :mod:`verify.targets` (the KKT quantities);
knows nothing of gradient descent or claims.
"""
