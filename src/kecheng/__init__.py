"""kecheng: weekly timetables for community colleges (社区学院), solved with OR-Tools CP-SAT.

import kecheng
problem = kecheng.load("examples/small")
result = kecheng.solve(problem, time_limit=10)
assert kecheng.check(problem, result.timetable) == []

From residents' orders to groups (订单式开班):

plan_problem = kecheng.load_plan("district/")   # + interests, residents, orders
result = kecheng.plan(plan_problem, last_week_placements, time_limit=120)
result.assignments, result.demand, result.summary(), result.problem(), result.placements
"""

from importlib.metadata import PackageNotFoundError, version

from kecheng.candidates import Candidates, GroupOptions
from kecheng.changes import Changes, Diff, compare, diff
from kecheng.check import Violation, check
from kecheng.errors import InputError, Issue, LocatedIssue, LockError, OptionError
from kecheng.explain import explain_group, unplaced_reasons
from kecheng.generate import generate
from kecheng.greedy import greedy
from kecheng.i18n import in_language, set_language, use_language
from kecheng.lint import lint, plan_lint
from kecheng.model import Availability, Community, Group, Membership, OpeningHours, Problem, Teacher, Venue
from kecheng.planning import PlanProblem, PlanResult, PlanWeights, suggest
from kecheng.planning import plan as _plan
from kecheng.reading import LoadReport, load, load_report, read_placements, read_timetable
from kecheng.reading.plan import load_plan
from kecheng.result import ProgressPoint, Result
from kecheng.rows import Rows
from kecheng.solve import solve
from kecheng.timetable import Placement, Unplaced
from kecheng.weights import Weights, load_weights
from kecheng.workflow import plan_folder, solve_folder
from kecheng.writing import write_problem, write_problem_json, write_problem_xlsx, write_tables

plan = in_language(_plan)
"""``kecheng.planning.plan`` with ``lang="zh"|"en"`` for the reasons' and demand's words."""

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
    "PlanProblem",
    "PlanResult",
    "PlanWeights",
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
    "load_plan",
    "load_report",
    "load_weights",
    "plan",
    "plan_folder",
    "plan_lint",
    "read_placements",
    "read_timetable",
    "set_language",
    "solve",
    "solve_folder",
    "suggest",
    "unplaced_reasons",
    "use_language",
    "write_problem",
    "write_problem_json",
    "write_problem_xlsx",
    "write_tables",
]
