"""kecheng: weekly timetables for community colleges (社区学院), solved with OR-Tools CP-SAT.

import kecheng
problem = kecheng.load("examples/small")
result = kecheng.solve(problem, time_limit=10)
assert kecheng.check(problem, result.timetable) == []
"""

from importlib.metadata import PackageNotFoundError, version

from kecheng.candidates import Candidates, GroupOptions
from kecheng.changes import Changes, Diff, compare, diff
from kecheng.check import Violation, check
from kecheng.errors import InputError, Issue, LocatedIssue, LockError, OptionError
from kecheng.explain import explain_group, unplaced_reasons
from kecheng.generate import generate
from kecheng.greedy import greedy
from kecheng.i18n import set_language, use_language
from kecheng.lint import lint
from kecheng.model import Availability, Community, Group, Membership, OpeningHours, Problem, Teacher, Venue
from kecheng.reading import LoadReport, load, load_report, read_placements, read_timetable
from kecheng.result import ProgressPoint, Result
from kecheng.rows import Rows
from kecheng.solve import solve
from kecheng.timetable import Placement, Unplaced
from kecheng.weights import Weights, load_weights
from kecheng.workflow import solve_folder
from kecheng.writing import write_problem, write_problem_json, write_problem_xlsx

try:
    __version__ = version("kecheng")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

__all__ = [
    "Availability",
    "Candidates",
    "Changes",
    "Community",
    "Diff",
    "Group",
    "GroupOptions",
    "InputError",
    "Issue",
    "LoadReport",
    "LocatedIssue",
    "LockError",
    "Membership",
    "OpeningHours",
    "OptionError",
    "Placement",
    "Problem",
    "ProgressPoint",
    "Result",
    "Rows",
    "Teacher",
    "Unplaced",
    "Venue",
    "Violation",
    "Weights",
    "__version__",
    "check",
    "compare",
    "diff",
    "explain_group",
    "generate",
    "greedy",
    "lint",
    "load",
    "load_report",
    "load_weights",
    "read_placements",
    "read_timetable",
    "set_language",
    "solve",
    "solve_folder",
    "unplaced_reasons",
    "use_language",
    "write_problem",
    "write_problem_json",
    "write_problem_xlsx",
]
