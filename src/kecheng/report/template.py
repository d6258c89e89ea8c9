"""The jinja2 template of report.html: a Python string, so it ships inside any wheel.

No script, no external link: the page opens offline, in WeChat's browser too. The CSS
stacks everything into one column on a phone; week grids scroll sideways. A contents bar leads
to the figures, each community's week grid and the unscheduled list, in that order. The fonts
are the CJK faces each system ships (Windows, macOS/iOS, Linux, Android), so Chinese renders
wherever any of them exists, with no web font.

Every word on the page is in ``LABELS`` (English ids, translated by ``html.render`` into the
run's language), so the catalog holds them and the template only places them.
"""

from kecheng.i18n import N_

CJK_FONT_STACK = (
    'system-ui, -apple-system, "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", '
    '"Microsoft YaHei UI", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN", '
    '"WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Droid Sans Fallback", "SimHei", sans-serif'
)
"""Windows (Microsoft YaHei, SimHei), macOS and iOS (PingFang SC, Hiragino Sans GB), Linux (Noto Sans CJK
SC, Source Han Sans, WenQuanYi), Android (Noto Sans CJK SC, Droid Sans Fallback)."""

LABELS = {
    "title": N_("Community colleges: the week's timetable"),
    "contents": N_("Contents"),
    "status": N_("status"),
    "objective": N_("priority placed"),
    "bound": N_("bound"),
    "gap": N_("gap"),
    "interrupted": N_("the search was interrupted: this is the best timetable found until then"),
    "groups": N_("interest groups"),
    "groups_full": N_("{n} fully placed"),
    "placed": N_("sessions placed / asked"),
    "weekly": N_("a week"),
    "venues": N_("venues used"),
    "teachers": N_("teachers teaching: {n}"),
    "utilisation": N_("venue utilisation"),
    "hours": N_("{booked} h booked / {open} h open"),
    "heatmap": N_("Venue utilisation: weekday × hour"),
    "heatmap_note": N_(
        "Each cell: time booked ÷ time open, over every venue open then; grey: no venue open."
    ),
    "streets": N_("Streets"),
    "street": N_("street"),
    "sessions": N_("sessions placed / asked"),
    "reasons": N_("Why sessions were not placed"),
    "all_placed": N_("Every session is placed."),
    "figures": N_("Figures"),
    "communities": N_("Each community's week"),
    "communities_note": N_(
        "By the groups' own community; open one to see it. Each cell: time, group, venue · teacher."
    ),
    "week_sessions": N_("{n} sessions a week"),
    "not_placed": N_("{n} not placed"),
    "hour": N_("time"),
    "no_sessions": N_("No sessions this week."),
    "unscheduled": N_("Sessions not placed ({n})"),
    "where": N_("street · community"),
    "group": N_("group"),
    "session": N_("session"),
    "session_n": N_("session {n}"),
    "reason": N_("reason"),
    "detail": N_("detail"),
}

TEMPLATE = """\
<!DOCTYPE html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="kecheng">
<title>{{ t.title }}</title>
<style>
body { font-family: {{ fonts | safe }};
       margin: 0; color: #222; background: #f5f6f8; line-height: 1.45; }
nav { position: sticky; top: 0; z-index: 2; background: #fff; box-shadow: 0 1px 3px #0003;
      padding: 6px 16px; font-size: .85rem; overflow-x: auto; white-space: nowrap; }
nav a { color: #1a5fb4; text-decoration: none; margin-right: 12px; } nav b { margin-right: 10px; }
main { max-width: 1180px; margin: 0 auto; padding: 12px 16px 40px; }
h1 { font-size: 1.45rem; margin: 8px 0 2px; } h2 { font-size: 1.1rem; margin: 22px 0 8px; }
.sub { color: #666; font-size: .85rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 10px;
         margin-top: 12px; }
.card { background: #fff; border-radius: 8px; padding: 10px 14px; box-shadow: 0 1px 2px #0002; }
.card .label { color: #555; font-size: .85rem; } .card .value { font-size: 1.6rem; font-weight: 600; }
.card .note { color: #777; font-size: .78rem; }
.two { display: grid; grid-template-columns: minmax(0, 5fr) minmax(0, 4fr); gap: 16px; }
@media (max-width: 760px) { .two { grid-template-columns: 1fr; } }
.panel { background: #fff; border-radius: 8px; padding: 10px 14px; box-shadow: 0 1px 2px #0002; }
#heatmap svg { width: 100%; height: auto; max-width: 520px; display: block; margin: 0 auto; }
table { border-collapse: collapse; width: 100%; font-size: .85rem; background: #fff; }
th, td { border: 1px solid #ddd; padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #eef0f3; } td.num, th.num { text-align: right; white-space: nowrap; }
.scroll { overflow-x: auto; }
.chip { display: inline-block; background: #fff; border: 1px solid #ddd; border-radius: 12px;
        padding: 1px 10px; margin: 2px 4px 2px 0; font-size: .82rem; }
details { background: #fff; border-radius: 6px; margin: 6px 0; box-shadow: 0 1px 2px #0002; }
summary { cursor: pointer; padding: 8px 12px; font-weight: 600; }
summary .sub { font-weight: normal; }
.grid { min-width: 760px; table-layout: fixed; } .grid th:first-child { width: 52px; }
.s { border-radius: 4px; padding: 2px 4px; margin: 2px 0; background: #f2f2f2; font-size: .78rem; }
.s b { display: block; font-weight: 600; } .s span { color: #555; }
.s[data-cat="sports"] { background: #ddebf7; } .s[data-cat="culture"] { background: #fce4d6; }
.s[data-cat="arts"] { background: #e2efda; } .s[data-cat="science"] { background: #fff2cc; }
.s[data-cat="services"] { background: #ede1f5; }
.reason { white-space: nowrap; } .code { color: #888; font-size: .75rem; display: block; }
.ok { color: #2e7d32; }
@media (max-width: 760px) {  /* a phone: each unscheduled session becomes a small card */
  #unscheduled thead { display: none; }
  #unscheduled tr { display: block; border-bottom: 1px solid #ddd; padding: 6px 0; }
  #unscheduled td { display: block; border: none; padding: 1px 8px; }
  #unscheduled .code { display: inline; margin-left: 6px; }
}
</style>
</head>
<body>
<nav id="contents"><b>{{ t.contents }}</b><a href="#figures">{{ t.figures }}</a>\
<a href="#communities">{{ t.communities }}</a>\
{% for c in communities %}<a href="#{{ c.anchor }}">{{ c.name }}</a>{% endfor %}\
<a href="#unscheduled">{{ t.unscheduled.format(n=missing | length) }}</a></nav>
<main>
<h1>{{ t.title }}</h1>
<div class="sub">{{ t.status }} {{ status }} · {{ t.objective }} {{ figures.objective }}
{% if figures.bound %} · {{ t.bound }} {{ figures.bound }}{% endif %}
{% if figures.gap %} · {{ t.gap }} {{ figures.gap }}{% endif %}
{% if interrupted %} · <b>{{ t.interrupted }}</b>{% endif %}</div>

<section class="cards" id="figures">
  <div class="card"><div class="label">{{ t.groups }}</div>
    <div class="value" id="groups">{{ figures.groups }}</div>
    <div class="note">{{ t.groups_full.format(n=figures.groups_full) }}</div></div>
  <div class="card"><div class="label">{{ t.placed }}</div>
    <div class="value" id="placed">{{ figures.placed }}</div>
    <div class="note">{{ t.weekly }}</div></div>
  <div class="card"><div class="label">{{ t.venues }}</div>
    <div class="value" id="venues-used">{{ figures.venues }}</div>
    <div class="note">{{ t.teachers.format(n=figures.teachers) }}</div></div>
  <div class="card"><div class="label">{{ t.utilisation }}</div>
    <div class="value" id="utilisation">{{ figures.utilisation }}</div>
    <div class="note">{{ t.hours.format(booked=figures.booked_h, open=figures.open_h) }}</div></div>
</section>

<div class="two">
  <section>
    <h2>{{ t.heatmap }}</h2>
    <div class="panel" id="heatmap">{{ heatmap | safe }}</div>
    <div class="sub">{{ t.heatmap_note }}</div>
  </section>
  <section>
    <h2>{{ t.streets }}</h2>
    <div class="scroll"><table id="streets">
      <thead><tr><th>{{ t.street }}</th><th class="num">{{ t.groups }}</th>
        <th class="num">{{ t.sessions }}</th></tr></thead>
      <tbody>
      {% for s in streets %}
        <tr><td>{{ s.street }}</td><td class="num">{{ s.groups }}</td>
            <td class="num">{{ s.placed }} / {{ s.asked }}</td></tr>
      {% endfor %}
      </tbody>
    </table></div>
    <h2>{{ t.reasons }}</h2>
    <div id="reasons">
    {% for name, code, count in reasons %}
      <span class="chip">{{ name }} <b>{{ count }}</b></span>
    {% else %}
      <span class="ok">{{ t.all_placed }}</span>
    {% endfor %}
    </div>
  </section>
</div>

<h2>{{ t.communities }}</h2>
<div class="sub">{{ t.communities_note }}</div>
<section id="communities">
{% for c in communities %}
  <details class="community" id="{{ c.anchor }}">
    <summary>{{ c.name }} <span class="sub">{{ c.street }} · {{ t.week_sessions.format(n=c.sessions) }}
      {% if c.missing %} · {{ t.not_placed.format(n=c.missing) }}{% endif %}</span></summary>
    {% if c.rows %}
    <div class="scroll"><table class="grid">
      <thead><tr><th>{{ t.hour }}</th>{% for d in weekdays %}<th>{{ d }}</th>{% endfor %}</tr></thead>
      <tbody>
      {% for hour, cells in c.rows %}
        <tr><th>{{ hour }}</th>{% for items in cells %}<td>
        {% for s in items %}<div class="s" data-cat="{{ s.category }}">{{ s.time }}<b>{{ s.group }}</b>\
<span>{{ s.where }}</span></div>{% endfor %}</td>{% endfor %}</tr>
      {% endfor %}
      </tbody>
    </table></div>
    {% else %}<p class="sub" style="padding: 0 12px">{{ t.no_sessions }}</p>{% endif %}
  </details>
{% endfor %}
</section>

<h2>{{ t.unscheduled.format(n=missing | length) }}</h2>
<div class="scroll"><table id="unscheduled">
  <thead><tr><th>{{ t.where }}</th><th>{{ t.group }}</th><th class="num">{{ t.session }}</th>
    <th>{{ t.reason }}</th><th>{{ t.detail }}</th></tr></thead>
  <tbody>
  {% for m in missing %}
    <tr class="miss"><td>{{ m.street }} · {{ m.community }}</td>
        <td>{{ m.group }} <span class="sub">{{ m.group_id }}</span></td>
        <td class="num">{{ t.session_n.format(n=m.session) }}</td>
        <td class="reason">{{ m.reason_name }}<span class="code">{{ m.reason }}</span></td>
        <td>{{ m.detail }}</td></tr>
  {% endfor %}
  </tbody>
</table></div>
</main>
</body>
</html>
"""
