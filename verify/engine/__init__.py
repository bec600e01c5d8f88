"""The engine: a case's pipe from parameters to its record, and the runner of many cases.

One case, top to bottom (each module hands the next a frozen value):

- :mod:`~verify.engine.descent`: the GD trajectory of a case
  (:class:`~verify.engine.descent.Descent`);
- :mod:`~verify.engine.measure`: quantities along it (:class:`~verify.claims.base.Series`);
- :mod:`~verify.engine.judge`: claims -> results, step check, policy (SKIPPED, XFAIL);
- :mod:`~verify.engine.sweeps` (with :mod:`~verify.engine.sweepcache`): the runs of sweep claims;
- :mod:`~verify.engine.record`: the case record and rows of results.json;
- :mod:`~verify.engine.case`: :func:`~verify.engine.case.run_case`, the pipe in order
  (:mod:`~verify.engine.autobackend` picks the backend of ``--backend auto`` cases).

Many cases: :mod:`~verify.engine.sweepjobs` (sweep runs as jobs), :mod:`~verify.engine.runner`
(cached, resumable, local pool), :mod:`~verify.engine.cluster` (Dask),
:mod:`~verify.engine.results` (results.json), :mod:`~verify.engine.blas` (one BLAS thread).
"""
