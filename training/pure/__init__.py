"""Pure computations of the training domain: grading, item analysis, session placement,
certification dates.  Plain data in, plain data out: no Flask, no database (a test scans
the imports), so every rule here is testable in isolation."""
