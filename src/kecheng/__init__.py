"""kecheng: weekly timetables for community colleges (社区学院), solved with OR-Tools CP-SAT.

import kecheng
problem = kecheng.load("examples/small")
result = kecheng.solve(problem, time_limit=10)
assert kecheng.check(problem, result.timetable) == []
"""

from kecheng.check import Violation, check
from kecheng.generate import generate
from kecheng.greedy import greedy
from kecheng.io import InputError, load
from kecheng.model import Problem
from kecheng.result import Result
from kecheng.rows import Rows
from kecheng.solver import solve

__version__ = "0.1.0"
__all__ = [
    "InputError",
    "Problem",
    "Result",
    "Rows",
    "Violation",
    "check",
    "generate",
    "greedy",
    "load",
    "solve",
]
