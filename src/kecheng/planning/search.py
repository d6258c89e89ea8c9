"""Improve a plan neighbourhood by neighbourhood with CP-SAT (large-neighbourhood search).

One CP-SAT model of a whole district (~200 000 pairs measured; ~650 000 with today's
candidates) spent half a minute in presolve on two cores and then improved slowly, so the
search frees one part of the plan at a time and holds the rest: a neighbourhood is the
options nearest to a centre (a community, in a seeded order that visits every community),
up to a budget of pairs, of a kind that turns with each neighbourhood (``KINDS``): of every
interest; of one interest only, in a seeded rotation; of that interest and its *partner*, the
interest its residents most often order besides, so residents can trade a group of one for a
group of the other and the two interests' groups move together; or a *teacher's*: the options a
teacher who teaches a new group may teach, then those their colleagues may teach and those of
the same interests, nearest to the teacher's group (teachers in a seeded rotation), so a group
can move to where it meets more and the teachers and members it displaces go elsewhere in the
same model (teachers are what limits the plan: an area around one community holds a teacher's
other group fixed). Its model sees what the
fixed rest leaves (residents' room and sessions, teachers' groups, sessions and times,
venues' times) and gets the current plan as a hint, so it never returns anything worse; the
plan is compared tier by tier. A neighbourhood stops once its best is within ``GAP`` of CP-SAT's
bound: most of its time went on proving what it had already found (search alone, 60 s on
CP-SAT's clock, one worker, five generated districts: +0.5 to +1.3 % order points, twice the
neighbourhoods). A budget grows while its neighbourhoods are proven optimal, shrinks when the clock
stops them and stays when the gap does; areas of every interest, nearly free to prove (district 0:
a median 0.035 s of CP-SAT), have a budget of their own, so their growth does not swell the
others'. Pairs of interests and the areas' own budget, against every other neighbourhood of one
interest and one shared budget (search alone, 120 s on CP-SAT's clock, one worker, six generated
districts of five shapes): +0.6 to +1.3 % order points (median +0.9 %). A budget per kind (one
interest's too) did as well on one lane but, on the wall clock with two lanes, grew one interest's
to 25 600 pairs and halved the neighbourhoods solved. A teacher's neighbourhood in place of every
second one of one interest: search alone (as above) +0.0 to +0.4 % on five of six districts,
−0.3 % on the tight one; the 2-worker benchmark (150 s) +0.35 to +1.0 % on all six (median
+0.7 %). Teachers who teach no new group yet, or every teacher, in the rotation did no better
(search alone: median +0.1 and +0.2 %, wider spread), nor did two teachers' turns in five
(2-worker benchmark −0.6 to +0.3 % against one in four). A space small enough is solved whole
first, without a gap; unless that proves its plan optimal, the neighbourhoods go on from it for the
time left (with one worker the whole model stops on CP-SAT's clock after about a third of the time:
one district of 40 running groups, 60 s, 1 370 order points before, 1 474 now).

With cores to spare (``lanes``), several neighbourhoods are solved at once, one CP-SAT worker each,
in a pipeline: as soon as one is solved it is taken (if it improves the plan) and the next is built
on the plan as it now is, clear of the options, venues, residents and teachers of those still being
solved, so each result is valid on top of the others. Solved in rounds instead, a core waited for
the slowest of each round (five generated districts, 150 s, two cores: 28–43 % fewer neighbourhoods,
0.2–1.7 % fewer order points). CP-SAT releases the GIL while it solves, and many short one-worker
solves gain more than fewer two-worker ones (district, seed 0, same machine: 43 590 order points
after 143 s of two-worker neighbourhoods; 43 888 after 126 s of one-worker ones beside the bound).

A neighbourhood also lets members of groups outside it leave them (``Scope.leaving``): those
whose better order could be met inside but whose room or time that group takes (a resident at
their ``max_groups`` cannot trade a third choice for a first one otherwise); a new group keeps
``min_size``, and the rest of the group stays as it is. The district's largest reasons for an
unmet order are ``MAX_GROUPS`` and ``TIME_CLASH`` (seed 0: 9 359 and 7 748 of the 31 601 order
points unmet). Against the search without: the district (150 s, seed 0 and 1, four shapes, one
worker) +16 to +246 order points on all eight (median +97); two workers, +94 to +320 on all
four of seed 0, +92 and +225 on generator and tight seed 1; 150 running groups (one worker, seed
0, four shapes) +1 to +36. Freeing those groups whole instead (every member and its teacher) did
as well with one worker (+68 to +261) but not with two (tight −415): the neighbourhoods grew, and
their budgets shrank.

With an LP's support (``support``: ``kecheng.planning.support``, made before the search) the
areas' turn goes to what that LP names, nearest a centre up to a budget of its own: the plan's
groups, the options whose columns the LP uses and the running groups it joins differently, so the
plan can move toward where the LP puts groups, which no other turn finds (it is scattered over
many interests, venues and running groups). Districts of 150 running groups, four shapes, seeds
0-1, one worker, 150 s (the LP takes a fifth of the search's time), against the search without:
+20 to +80 order points on six of eight, -21 and -24 on two (median +37); as a fifth turn beside
the areas (LP over every family's starts cut to the candidates'), median +58 but -30 and -74 on two.
On spaces too large for that LP (the district) the bound's relaxed solution, averaged over its steps,
names them instead once the bound hands it over (``support`` may be a function; until it gives
one, the areas keep their turn): the options at the interests and venues where it averages half
a group or more, and the running groups it joins in half its steps or more. District, 150 s, one
worker, seeds 0-1, four shapes, against the search without: +77 to +421 order points on all eight
(median +236, +0.6 %); two workers, generator and itinerant +338 to +361, tight and rotating -57
to +180 (run to run noise). Named in three turns of six instead of one of four: generator seed 0
-95; half a group lowered to a quarter: -119.

A plan offered midway (``restart``: the first plan scored by the bound's prices, which come
after the search has begun) is taken once the neighbourhoods out are in, if it is better than
the plan the search has by then: it usually is (``kecheng.planning.heuristic``), and the search
did not wait for it.
"""

from __future__ import annotations

import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Collection
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

import numpy as np

from kecheng.cpsat.search import WALL_SLACK, worker_count
from kecheng.planning.context import haversine_m
from kecheng.planning.cpsat import Scope, ScopedModel, full_scope, tiers, tiers_change
from kecheng.planning.solution import Solution, overlaps, too_close
from kecheng.planning.space import Space
from kecheng.planning.support import Support
from kecheng.planning.weights import PlanWeights

WHOLE_PAIRS = 25_000  # a space with at most this many pairs is solved as one model
START_BUDGET = 6_000  # pairs per neighbourhood at first
MIN_BUDGET, MAX_BUDGET = 1_500, 40_000
STEP_COST_S, PAIR_COST_S = 0.06, 4e-5  # scope, model and comparison per neighbourhood, counted with
# one worker (measured: ~0.05 s of Python per neighbourhood beside CP-SAT's clock at district scale)
DETERMINISTIC_PER_SECOND = 0.4  # CP-SAT's deterministic clock on these models (measured: 0.41-0.43)
SOLVE_S, SOLVE_S_PER_PAIR = 2.0, 1 / 1500  # a neighbourhood's time limit, by its budget
# (with one worker ``set_clock`` turns it into 1/8 deterministic second per second: ~0.3 s of wall
# time per second on these models, which is what these figures were tuned with)
MAX_LANES = 4  # neighbourhoods solved at once at most (measured with 2)
# neighbourhoods in turn: all interests, one, two, a teacher's (an area if nobody teaches a new group)
KINDS = ("area", "interest", "pair", "teacher")
# with an LP's support, what it names takes the areas' turn (as a fifth turn: two losses in eight)
NAMED_KINDS = ("named", *KINDS[1:])
NAMED_BUDGET = 8_000  # pairs of a named neighbourhood at first (the LP's whole support at 150 running
# groups: 4 300-7 500 pairs)
LEAVERS = True  # members of groups outside a neighbourhood may leave them for a better order inside
GAP = 0.01  # a neighbourhood stops within this share of its CP-SAT bound (the rest is mostly proof)
RESTART_SHARE = 0.25  # of the time limit: with less left, an offered plan is not built (it takes
# seconds, ~3 s on the district, and could not catch up with the search's plan by then)


@dataclass
class SearchLog:
    """How the search went: one entry per neighbourhood (or one for the whole space)."""

    steps: list[dict] = field(default_factory=list)
    improved: int = 0
    whole: bool = False
    status: str = ""  # the whole model's CP-SAT status, if solved whole
    restarted: tuple[int, bool] | None = None  # the offered plan's tier 1, and whether it was taken


def improve(
    space: Space,
    start: Solution,
    weights: PlanWeights,
    *,
    time_limit: float,
    seed: int = 0,
    workers: int = 0,
    log: bool = False,
    on_step: Callable[[dict], None] | None = None,
    whole_pairs: int = WHOLE_PAIRS,
    neighbourhoods: int | None = None,
    deterministic: bool | None = None,
    lanes: int | Callable[[], int] = 1,
    restart: Callable[[], Solution | None] | None = None,
    support: Support | Callable[[], Support | None] | None = None,
) -> tuple[Solution, SearchLog]:
    """A plan at least as good as ``start`` (tier by tier) within ``time_limit`` seconds.

    ``deterministic`` (default: with one worker): count the seconds on CP-SAT's deterministic
    clock (plus a cost per neighbourhood for building its model, by its size), so the same seed
    gives the same plan in every process however busy the machine; the wall clock only stops a
    machine far slower than planned (``WALL_SLACK``). ``neighbourhoods``: solve exactly this
    many, whatever the clock (``time_limit`` is then ignored by the loop). ``lanes``: how many
    neighbourhoods to solve at once (or a function saying so before each new one, e.g. more once
    the bound beside has finished), each with ``workers // lanes`` CP-SAT workers (at least
    one); always one when ``deterministic``. ``restart``: asked between neighbourhoods until it
    gives a plan (e.g. a first plan scored by the bound's prices, once they come), while at least
    ``RESTART_SHARE`` of the time is left; once the neighbourhoods being solved are in, the search
    goes on from it if it is better. ``support``: the options an LP over them uses, or the
    bound's relaxed solution (``kecheng.planning.support``), or a function giving it once it is
    there; with it the areas' turn frees what it names nearest a centre.
    """
    began = time.perf_counter()
    if deterministic is None:
        deterministic = worker_count(workers) == 1
    record = SearchLog()
    whole_s = 0.0  # the whole model's time, as the loop below counts it
    if len(space.order) <= whole_pairs:
        model = ScopedModel(space, full_scope(space), weights)
        best, result = model.solve(start, time_limit=time_limit, seed=seed, workers=workers, log=log)
        record.whole, record.status = True, result.status
        record.steps.append({"seconds": result.seconds, "status": result.status, **model.size()})
        if tiers(space, best, weights) > tiers(space, start, weights):
            record.improved = 1
            start = best
        if result.status == "OPTIMAL" or neighbourhoods is not None:
            return start, record
        whole_s = STEP_COST_S + PAIR_COST_S * len(space.order)
        whole_s += result.deterministic / DETERMINISTIC_PER_SECOND
    rng = random.Random(seed)
    centres = _centres(space, rng)
    interests = sorted({o.interest_id for o in space.options})
    rng.shuffle(interests)
    partners = _partners(space)
    teaching = _teaching(space)
    rotation = sorted(teaching)
    rng.shuffle(rotation)
    cursor = 0  # into the rotation: the next teacher whose neighbourhood comes
    current, value = start, tiers(space, start, weights)
    budgets = {"area": START_BUDGET, "focused": START_BUDGET, "named": NAMED_BUDGET}  # areas prove easily
    turn, spent = 0, whole_s
    flying: dict[Future, tuple] = {}  # neighbourhoods being solved: each new one keeps clear of them
    pool = ThreadPoolExecutor(max_workers=MAX_LANES)
    offered: Solution | None = None
    try:
        while True:
            wall = time.perf_counter() - began
            remaining = time_limit - (spent if deterministic else wall)
            if neighbourhoods is not None:
                more = turn < neighbourhoods
                remaining = max(remaining, 2.0)
            else:
                more = remaining >= 1.0 and wall <= WALL_SLACK * time_limit
            if restart is not None and more and remaining >= RESTART_SHARE * time_limit:
                offered = restart()
                restart = None if offered is not None else restart
            if offered is not None and not flying:  # nothing built on the current plan is out
                offered_value = tiers(space, offered, weights)
                record.restarted = (offered_value[0], offered_value > value)
                if offered_value > value:
                    current, value = offered, offered_value
                offered = None
            wide = 1 if deterministic else max(1, min(MAX_LANES, lanes() if callable(lanes) else lanes))
            for _ in range(wide - len(flying) if more and offered is None else 0):
                if neighbourhoods is not None and turn >= neighbourhoods:
                    break
                taken = Taken()
                for job in flying.values():
                    taken.add(space, job[-1].scope)
                centre = centres[turn % len(centres)]
                named = support() if callable(support) else support
                kinds = KINDS if named is None else NAMED_KINDS
                kind = kinds[turn % len(kinds)]
                budget_key = kind if kind in ("area", "named") else "focused"
                focus, teacher = None, None
                if kind in ("interest", "pair") and interests:
                    interest = interests[(turn // len(kinds)) % len(interests)]
                    focus = {interest, partners.get(interest, interest)} if kind == "pair" else {interest}
                if kind == "teacher":
                    teacher, cursor = _next_teaching(rotation, cursor, current)
                turn += 1
                if teacher is not None:
                    free = _teacher_options(space, current, teacher, teaching, budgets[budget_key])
                elif kind == "named" and named is not None:
                    free = _nearest_options(space, centre, budgets[budget_key], among=named.named(current))
                else:
                    free = _nearest_options(space, centre, budgets[budget_key], focus)
                scope = neighbourhood(space, current, free, taken)
                spent += STEP_COST_S + PAIR_COST_S * len(scope.pairs)
                if scope.pairs:
                    limit = max(SOLVE_S, budgets[budget_key] * SOLVE_S_PER_PAIR)
                    if neighbourhoods is None:
                        limit = min(remaining, limit)
                    model = ScopedModel(space, scope, weights)
                    job = (turn, kind, budget_key, focus, teacher, len(free), wide, model)
                    flying[
                        pool.submit(
                            model.solve,
                            current,
                            time_limit=limit,
                            seed=seed + turn,
                            workers=max(1, worker_count(workers) // wide),
                            log=log,
                            gap=GAP,
                        )
                    ] = job
            if not flying:
                if more:
                    continue
                break
            done, _ = wait(flying, return_when=FIRST_COMPLETED)
            for future in sorted(done, key=lambda f: flying[f][0]):
                number, kind, budget_key, focus, teacher, options, width, model = flying.pop(future)
                found, result = future.result()
                spent += result.deterministic / DETERMINISTIC_PER_SECOND
                found = model.carry(found, current)
                change = tiers_change(space, current, found, model.by_order, model.open, weights)
                new_value = tuple(a + b for a, b in zip(value, change, strict=True))
                better = new_value > value
                if better:
                    current, value = found, new_value
                    record.improved += 1
                step = {
                    "turn": number,
                    "seconds": round(time.perf_counter() - began, 2),
                    "status": result.status,
                    "options": options,
                    "interest": "+".join(sorted(focus or ())),
                    "kind": kind,
                    "teacher": "" if teacher is None else space.ctx.teacher_ids[teacher],
                    "pairs": len(model.scope.pairs),
                    "tier1": value[0],
                    "better": better,
                    "lanes": width,
                }
                record.steps.append(step)
                if on_step is not None:
                    on_step(step)
                if result.proven:
                    budgets[budget_key] = min(MAX_BUDGET, int(budgets[budget_key] * 1.25))
                elif result.status != "OPTIMAL":  # stopped by the clock (at its gap: kept)
                    budgets[budget_key] = max(MIN_BUDGET, int(budgets[budget_key] * 0.8))
    finally:
        pool.shutdown()
    return current, record


@dataclass
class Taken:
    """What the neighbourhoods solved at the same time as a later one hold: it keeps clear."""

    options: set[int] = field(default_factory=set)
    venues: set[int] = field(default_factory=set)
    residents: set[int] = field(default_factory=set)
    teachers: set[int] = field(default_factory=set)

    def add(self, space: Space, scope: Scope) -> None:
        self.options.update(scope.options)
        self.options.update(scope.leaving)  # members may leave: nobody else may change them meanwhile
        self.venues.update(space.options[o].candidate.venue for o in scope.options if space.options[o].is_new)
        self.residents.update(int(space.resident[p]) for p in scope.pairs)
        for teachers in scope.links.values():
            self.teachers.update(teachers)


def _centres(space: Space, rng: random.Random) -> list[tuple[float, float]]:
    """Community centres in a seeded order (every community once per round)."""
    centres = sorted((c.community_id, c.lat, c.lon) for c in space.ctx.problem.communities)
    rng.shuffle(centres)
    return [(lat, lon) for _, lat, lon in centres]


def _partners(space: Space) -> dict[str, str]:
    """Per interest: the interest most of its residents also order (with options; ties by id)."""
    orders = space.ctx.pp.orders
    both: dict[str, Counter[str]] = defaultdict(Counter)
    for ks in space.orders_of_resident.values():
        ordered = {orders[k].interest_id for k in ks}
        for a in ordered:
            both[a].update(ordered - {a})
    return {a: min(c, key=lambda b: (-c[b], b)) for a, c in both.items() if c}


def _teaching(space: Space) -> dict[int, list[int]]:
    """Per teacher: the options of new groups they may teach."""
    out: dict[int, list[int]] = defaultdict(list)
    for o, option in enumerate(space.options):
        if option.candidate is not None:
            for t in option.candidate.teachers:
                out[t].append(o)
    return dict(out)


def _next_teaching(rotation: list[int], cursor: int, solution: Solution) -> tuple[int | None, int]:
    """The next teacher in the rotation who teaches a new group now (None if nobody does), and
    the cursor after them: their neighbourhood lets them move a group to where it meets more."""
    teaching_now = set(solution.teacher.values())
    for step in range(len(rotation)):
        t = rotation[(cursor + step) % len(rotation)]
        if t in teaching_now:
            return t, cursor + step + 1
    return None, cursor


def _teacher_options(
    space: Space, solution: Solution, teacher: int, teaching: dict[int, list[int]], budget: int
) -> list[int]:
    """The options the teacher teaches and may teach, then those of the teachers who may teach
    the same and those of the same interests, each nearest to the teacher's first group first,
    until their pairs reach the budget: a teacher's group can move, and its members and the
    teachers it displaces can go elsewhere, in one neighbourhood."""
    mine = set(teaching[teacher])  # the groups they teach are among them (models link no other)
    first = min((o for o, t in solution.teacher.items() if t == teacher), default=min(mine))
    anchor = space.option_venue[first]
    d = _distances(space, (space.ctx.venue_lat[anchor], space.ctx.venue_lon[anchor]))
    interests = {space.options[o].interest_id for o in mine}
    colleagues = {t for o in mine for t in space.options[o].candidate.teachers}
    near = {o for t in colleagues for o in teaching.get(t, ())}
    near.update(np.flatnonzero(np.isin(space.option_interest, list(interests))).tolist())
    ranked = [o for ring in (mine, near - mine) for o in sorted(ring, key=lambda o: (d[o], o))]
    return _until_budget(space, ranked, budget)


def _nearest_options(
    space: Space,
    centre: tuple[float, float],
    budget: int,
    interests: Collection[str] | None = None,
    among: Collection[int] | None = None,
) -> list[int]:
    """Options (of these interests, among these, if given) nearest to centre until their pairs
    reach the budget."""
    d = _distances(space, centre)
    if interests is not None:
        d = np.where(np.isin(space.option_interest, list(interests)), d, np.inf)
    if among is not None:
        d = np.where(np.isin(np.arange(len(d)), list(among)), d, np.inf)
    ranked = np.argsort(d, kind="stable")
    return _until_budget(space, ranked[np.isfinite(d[ranked])].tolist(), budget)


def _distances(space: Space, centre: tuple[float, float]) -> np.ndarray:
    """Per option: metres from centre to its (first) venue."""
    ctx, venues = space.ctx, space.option_venue
    return haversine_m(centre[0], centre[1], ctx.venue_lat[venues], ctx.venue_lon[venues])


def _until_budget(space: Space, ranked: list[int], budget: int) -> list[int]:
    """The first of ``ranked`` whose pairs reach the budget (all if they do not), sorted."""
    chosen, total = [], 0
    for o in ranked:
        chosen.append(int(o))
        total += len(space.by_option[int(o)])
        if total >= budget:
            break
    return sorted(chosen)


def neighbourhood(space: Space, solution: Solution, free: list[int], taken: Taken | None = None) -> Scope:
    """The scope that frees ``free`` options and holds every other part of ``solution``; clear of
    what ``taken`` holds (options there, at its venues, taught by its teachers or with its
    residents as members stay as they are; its residents and teachers take no part). Members of
    groups outside who could meet a better order inside may leave them (``_leavers``)."""
    ctx = space.ctx
    options = space.options
    taken = taken or Taken()
    chosen = solution.chosen
    if taken.options:
        free = [
            o
            for o in free
            if o not in taken.options
            and not (options[o].is_new and options[o].candidate.venue in taken.venues)
            and solution.teacher.get(o) not in taken.teachers
            and not any(
                int(space.resident[p]) in taken.residents
                for p in space.by_option[o]
                if chosen.get(int(space.order[p])) == o
            )
        ]
    inside = set(free)
    groups_left, week_left, day_left = ctx.teacher_room
    leavers = _leavers(space, solution, free, taken) if LEAVERS else {}
    leaving = {p for pairs in leavers.values() for p in pairs}
    left_orders = {int(space.order[p]) for p in leaving}

    # What the fixed rest takes: only for the residents these options could take (their
    # other groups) and the teachers who could teach them, so a neighbourhood costs its own
    # size, not the plan's.
    fixed_of: dict[int, tuple[int, list[tuple[int, int, int]]]] = {}

    def fixed(r: int) -> tuple[int, list[tuple[int, int, int]]]:
        if r not in fixed_of:
            held = [chosen[k] for k in space.orders_of_resident[r] if k in chosen and k not in left_orders]
            held = [o for o in held if o not in inside]
            fixed_of[r] = (len(held), [(s.day, s.start, s.end) for o in held for s in options[o].sessions])
        return fixed_of[r]

    teacher_fixed: dict[int, list[int]] = defaultdict(list)
    venue_fixed: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    for o, t in solution.teacher.items():
        if o in inside:
            continue
        teacher_fixed[t].append(o)
        for s in options[o].sessions:
            venue_fixed[s.venue, s.day].append((s.start, s.end))

    pairs = []
    residents: set[int] = set()
    for o in free:
        for p in space.by_option[o]:
            k, r = int(space.order[p]), int(space.resident[p])
            if r in taken.residents:
                continue
            current = chosen.get(k)
            if current is not None and current not in inside:
                continue
            count, busy = fixed(r)
            if ctx.resident_room[r] - count < 1:
                continue
            if busy and any(overlaps(s, busy) for s in options[o].sessions):
                continue
            pairs.append(p)
            residents.add(r)
    for p in leaving:
        pairs.append(p)
        residents.add(int(space.resident[p]))

    links: dict[int, tuple[int, ...]] = {}
    teachers: set[int] = set()
    for o in free:
        option = options[o]
        if option.candidate is None:
            continue
        if any(
            any(a < s.end and s.start < b for a, b in venue_fixed.get((s.venue, s.day), ()))
            for s in option.sessions
        ):
            links[o] = ()
            continue
        ok = tuple(
            t
            for t in option.candidate.teachers
            if t not in taken.teachers and _teacher_fits(space, t, o, teacher_fixed.get(t, ()))
        )
        links[o] = ok
        teachers.update(ok)

    scope_groups = {t: int(groups_left[t]) - len(teacher_fixed.get(t, ())) for t in teachers}
    scope_week = {
        t: int(week_left[t]) - sum(len(options[o].sessions) for o in teacher_fixed.get(t, ()))
        for t in teachers
    }
    scope_day: dict[tuple[int, int], int] = {}
    for t in teachers:
        used: dict[int, int] = defaultdict(int)
        for o in teacher_fixed.get(t, ()):
            for s in options[o].sessions:
                used[s.day] += 1
        for d in range(1, 8):
            scope_day[t, d] = int(day_left[t, d - 1]) - used[d]
    return Scope(
        pairs=sorted(pairs),
        options=sorted(free),
        links=links,
        room={r: int(ctx.resident_room[r]) - fixed(r)[0] for r in residents},
        seats={o: options[o].capacity for o in free},
        groups_left=scope_groups,
        week_left=scope_week,
        day_left=scope_day,
        newcomers={r for r in residents if not ctx.groups_of.get(ctx.resident_ids[r]) and not fixed(r)[0]},
        leaving={o: _may_leave(space, solution, o, len(ps)) for o, ps in leavers.items()},
    )


def _leavers(space: Space, solution: Solution, free: list[int], taken: Taken) -> dict[int, list[int]]:
    """Per group outside ``free``: the pairs of its members who could meet a better order of theirs
    in ``free`` (their room or their time is taken by it), so they may leave it here."""
    inside = set(free)
    chosen, points = solution.chosen, space.points
    held_of: dict[int, int] = {}  # order met outside → its group
    for o in free:
        for p in space.by_option[o]:
            k, r = int(space.order[p]), int(space.resident[p])
            if k in chosen or r in taken.residents:
                continue
            for other in space.orders_of_resident[r]:
                held = chosen.get(other)
                if (
                    held is not None
                    and held not in inside
                    and held not in taken.options
                    and points[other] < points[k]
                ):
                    held_of[other] = held
    out: dict[int, list[int]] = defaultdict(list)
    for held, p in zip(held_of.values(), space.pairs_of(held_of).tolist(), strict=True):
        out[held].append(p)
    return {o: sorted(ps) for o, ps in sorted(out.items())}


def _may_leave(space: Space, solution: Solution, o: int, count: int) -> int:
    """How many of these members may leave option o: a new group keeps min_size."""
    if not space.options[o].is_new:
        return count
    size = sum(1 for p in space.by_option[o] if solution.chosen.get(int(space.order[p])) == o)
    return max(0, min(count, size - space.options[o].min_size))


def _teacher_fits(space: Space, teacher: int, o: int, fixed: list[int]) -> bool:
    """Can the teacher take option o beside their fixed new groups (no overlap, time to walk)?"""
    mine = space.options[o].sessions
    return not any(
        overlaps(t, [(s.day, s.start, s.end)]) or too_close(space.ctx, s, t)
        for other in fixed
        for s in space.options[other].sessions
        for t in mine
    )
