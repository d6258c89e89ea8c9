"""Residents' orders → new groups, members and their timetable (订单式开班).

from kecheng.plan import PlanProblem, plan
result = plan(PlanProblem(problem, interests, residents, orders), timetable, time_limit=120)
result.assignments, result.demand, result.summary(), result.problem(), result.placements
"""

from kecheng.plan.bound import Bound, prove_bound
from kecheng.plan.model import PLAN_TABLES, Interest, Order, PlanProblem, Resident, order_points, plan_issues
from kecheng.plan.planner import greedy_plan, plan
from kecheng.plan.result import PlanResult
from kecheng.plan.suggest import SuggestIndex, suggest
from kecheng.plan.synthetic import SyntheticOrders, synthetic_orders
from kecheng.plan.verify import PlanViolation, check_plan
from kecheng.plan.weights import PlanWeights, load_plan_weights

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
