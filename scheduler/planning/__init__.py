"""Planning: forecasts, staffing requirements, roster generation, editing and publication.

Domain services for the planner pages.  The computations live in ``optimizer`` (forecast,
Erlang, roster engine); this package moves data between the database and those engines
and owns the business actions (import, publish, repair) around them.
"""
