"""Residents' orders → new groups, members and their timetable (订单式开班).

from kecheng.planning import PlanProblem, plan
result = plan(PlanProblem(problem, interests, residents, orders), timetable, time_limit=120)
result.assignments, result.demand, result.summary(), result.problem(), result.placements
"""

from kecheng.planning.bound import Bound, prove_bound
from kecheng.planning.model import (
    PLAN_TABLES,
    Interest,
    Order,
    PlanProblem,
    Resident,
    order_points,
    plan_issues,
)
from kecheng.planning.planner import greedy_plan, plan
from kecheng.planning.result import PlanResult
from kecheng.planning.suggest import SuggestIndex, suggest
from kecheng.planning.synthetic import SyntheticOrders, synthetic_orders
from kecheng.planning.verify import PlanViolation, check_plan
from kecheng.planning.weights import PlanWeights, load_plan_weights

__all__ = [
    "PLAN_TABLES",
    "Bound",
    "Interest",
    "Order",
    "PlanProblem",
    "PlanResult",
    "PlanViolation",
    "PlanWeights",
    "Resident",
    "SuggestIndex",
    "SyntheticOrders",
    "check_plan",
    "greedy_plan",
    "load_plan_weights",
    "order_points",
    "plan",
    "plan_issues",
    "prove_bound",
    "suggest",
    "synthetic_orders",
]
