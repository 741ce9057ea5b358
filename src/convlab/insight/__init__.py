"""The instructor's insight report: ``convlab report ASSIGNMENT``.

What the class got wrong, who may have copied, what a regrade changed, and
where grading itself had trouble, in one page (``reports/<assignment>/index.html``)
with CSV files of its numbers beside it. It reads only what grading left: the
gradebook (:mod:`convlab.insight.sources`), the kept runs (:mod:`convlab.history`)
and the autograded notebooks (for similarity); it never runs a student's code or
imports TensorFlow, so it takes seconds even for a class of a thousand.

- :mod:`~convlab.insight.sources`: reading the gradebook and the runs, and saying where they disagree
- :mod:`~convlab.insight.analysis`: the numbers (scores, failure rates, diagnoses, problems, regrades)
- :mod:`~convlab.insight.similarity`: pairs of unusually alike solutions (copydetect's winnowing)
- :mod:`~convlab.insight.page`: the histograms, the page and the CSV files
"""
