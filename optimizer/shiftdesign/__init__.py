"""Shift design from interval demand: flexible templates, the TU Wien benchmark, CP-SAT.

See docs/shift-design.md.  ``expand`` turns a ``FlexibleTemplate`` into concrete shifts
(for the roster engine); ``solve`` designs shifts for a ``ShiftDesignInstance``; ``score``
is the independent objective.
"""

from optimizer.shiftdesign.flexible import FlexibleTemplate, expand, expand_all
from optimizer.shiftdesign.problem import DesignedShift, DesignScore, DesignWeights, ShiftDesignInstance
from optimizer.shiftdesign.scoring import score
from optimizer.shiftdesign.solve import DesignResult, solution_document, solve
from optimizer.shiftdesign.tuwien import ShiftDesignFormatError, read_instance

__all__ = [
    "DesignResult",
    "DesignScore",
    "DesignWeights",
    "DesignedShift",
    "FlexibleTemplate",
    "ShiftDesignFormatError",
    "ShiftDesignInstance",
    "expand",
    "expand_all",
    "read_instance",
    "score",
    "solution_document",
    "solve",
]
