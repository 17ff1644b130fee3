"""Looking at runs: a run's report as one self-contained HTML file, and the local dashboard.

:mod:`~zenml_core.reports.document` gathers what is recorded about a run into plain JSON;
:mod:`~zenml_core.reports.html` draws it (the DAG from :mod:`~zenml_core.reports.dag`, metric
series from :mod:`~zenml_core.reports.charts`); :mod:`~zenml_core.reports.dashboard` serves
the same pages over the live metadata store. Everything here only reads.
"""
