"""Demand per interest and community: what was asked, what was met, what would open the next group.

For staff recruiting a teacher from the neighbourhood's talent pool (能人库) or finding a room:
per (interest, community of the residents who ordered) the orders, met and unmet; the group
closest to opening (the candidate with the most residents of the unmet orders who could still
join it) and how many it lacks; and what would open it — more residents, a teacher free at
its times, or a venue free then — or, without any candidate, what the most common reason its
orders are unmet asks for. Without a candidate, ``lacks`` is the fewest more residents that any
of its ``BELOW_MIN`` orders needs (their reasons' 还差 N 人开班), and empty when it has no such
order: there is no group to count for, and 0 would read as "nothing lacking". The words are in
the language of the moment, names beside ids.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import pandas as pd

from kecheng.i18n import _
from kecheng.planning.context import PlanContext
from kecheng.planning.reasons import Explainer, Verdict, interest_label, venue_of, when
from kecheng.planning.space import Space

DEMAND_COLUMNS = (
    "interest_id",
    "interest",
    "community_id",
    "community",
    "orders",
    "met",
    "unmet",
    "closest_group",
    "lacks",
    "would_open",
    "main_reason",
)


def demand_frame(
    ctx: PlanContext, space: Space | None, explainer: Explainer, verdicts: list[Verdict]
) -> pd.DataFrame:
    pp = ctx.pp
    keyed: dict[tuple[str, str], list[int]] = defaultdict(list)
    for k, o in enumerate(pp.orders):
        keyed[o.interest_id, pp.resident[o.resident_id].community_id].append(k)
    rows = []
    for (interest_id, community_id), ks in sorted(keyed.items()):
        interest = pp.interest[interest_id]
        name = interest_label(ctx, interest_id)
        unmet = [k for k in ks if not verdicts[k].group_id]
        closest, lacks, would = "", None, ""
        if unmet and space is not None:
            best = None
            for k in unmet:
                for p in space.by_order.get(k, ()):
                    option = space.options[int(space.option[p])]
                    if option.candidate is None:
                        continue
                    count = explainer._joinable(option.index)
                    key = (count, -option.index)
                    if best is None or key > best[0]:
                        best = (key, option)
            if best is not None and best[0][0] > 0:  # a group nobody left can join is not close
                (count, _rank), option = best
                venue = venue_of(ctx, option.candidate.venue)
                meets = when(ctx, option.sessions)
                closest = _("{interest} at {venue}, {when}").format(interest=name, venue=venue, when=meets)
                lacks = max(0, interest.min_size - count)
                if lacks:
                    would = _("{n} more residents who can come then (还差 {n} 人开班)").format(n=lacks)
                else:
                    blocked = explainer._blocker(
                        option.candidate.venue, option.sessions, option.candidate.teachers
                    )
                    if blocked is None:
                        would = _("nothing more: it could open (the search ended first)")
                    elif blocked.reason == "NO_VENUE":
                        would = _("a venue near {venue} free {when}").format(venue=venue, when=meets)
                    else:
                        would = _("a teacher of {interest} free {when}").format(interest=name, when=meets)
        reasons = Counter(verdicts[k].reason for k in unmet)
        main = reasons.most_common(1)[0][0] if reasons else ""
        below = [verdicts[k].lacks for k in unmet if verdicts[k].reason == "BELOW_MIN"]
        if not closest and below:
            lacks = min(below)
        if unmet and not would:
            if main == "BELOW_MIN":
                would = _("{n} more residents who ordered it, at a time they share (还差 {n} 人开班)").format(
                    n=lacks
                )
            else:
                would = _from_reason(main, name, interest.required_features)
        rows.append(
            (
                interest_id,
                interest.name,
                community_id,
                ctx.problem.community[community_id].name,
                len(ks),
                len(ks) - len(unmet),
                len(unmet),
                closest,
                lacks,
                would,
                main,
            )
        )
    frame = pd.DataFrame(rows, columns=list(DEMAND_COLUMNS))
    frame["lacks"] = frame["lacks"].astype("Int64")  # whole numbers, empty where nothing is counted
    return frame


def _from_reason(reason: str, name: str, features: frozenset[str]) -> str:
    """What would help, from the most common reason its orders are unmet (``name``: "太极拳 (I01)")."""
    if reason == "NO_VENUE":
        if features:
            return _("a venue with {features} within walking distance").format(
                features="/".join(sorted(features))
            )
        return _("a venue within walking distance")
    words = {
        "NO_TEACHER": _("a teacher for {interest}"),
        "FULL": _("another {interest} group (the ones in reach are full)"),
        "TIME_CLASH": _("a {interest} group at another time"),
        "MAX_GROUPS": _("nothing: they are in as many groups as they want"),
        "SEARCH_LIMIT": _("a longer search (a seat that suits them exists)"),
    }
    return words[reason].format(interest=name) if reason in words else ""
