"""Site-eligibility reports (PDF and HTML) with their audit stamp.

- :mod:`reegeo.report.write`: :func:`~reegeo.report.write.write_report`, the entry point.
- :mod:`reegeo.report.model`: what a report says, decided once for both formats.
- :mod:`reegeo.report.maps`: the national and per-site maps (matplotlib).
- :mod:`reegeo.report.pdf` and :mod:`reegeo.report.html`: the two layouts.
- :mod:`reegeo.report.audit`: the inputs' hashes, versions and coverage, for reproducing a run.
"""
