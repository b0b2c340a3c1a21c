"""Screening: rules, the engine that measures sites against layers, and the explanations.

- :mod:`reegeo.screening.rules`: the rule set (``geodata/rules.toml``), parsed and validated.
- :mod:`reegeo.screening.engine`: :func:`~reegeo.screening.engine.screen_sites`, distances and
  overlaps in metres in GDM2000 RSO, verdicts and flags.
- :mod:`reegeo.screening.evidence`: each result row explained as findings.
- :mod:`reegeo.screening.surface`: the eligibility surface (a grid screened like sites).
- :mod:`reegeo.screening.distributed`: the same screening over a Dask cluster.
"""
