"""Pure computation for workforce management: forecasting, Erlang staffing, CP-SAT rosters.

Nothing in this package imports Flask or a database layer: plain data in, plain data out,
so the same code serves the CLI, the web app and the job workers.
"""
