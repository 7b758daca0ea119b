"""Roster engine: 24/7 shift rosters under labour rules with OR-Tools CP-SAT.

``problem`` (frozen input dataclasses) -> ``solve.solve`` -> ``result.RosterResult``;
``validator.validate`` is the independent executable specification of the hard rules;
``scenario`` reads and writes scenario folders and roster files; ``nrp`` maps the
Curtois & Qu benchmark onto the same engine.  See docs/roster-engine.md.
"""
