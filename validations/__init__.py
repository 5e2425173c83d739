"""Quality gates: contract checks row by row, Great Expectations suites, quarantine and Data Docs."""
