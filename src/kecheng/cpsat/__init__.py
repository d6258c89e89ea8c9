"""CP-SAT for one district's week: ``model`` (variables, rules, locks, hint, decoding), ``objective``
(the lexicographic tiers) and ``search`` (parameters, a stoppable thread, progress)."""

from kecheng.cpsat.model import TimetableModel
from kecheng.cpsat.objective import Objective
from kecheng.cpsat.search import Search, SearchSettings

__all__ = ["Objective", "Search", "SearchSettings", "TimetableModel"]
