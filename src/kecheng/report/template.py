"""The jinja2 template of report.html: a Python string, so it ships inside any wheel.

No script, no external link: the page opens offline, in WeChat's browser too. The CSS
stacks everything into one column on a phone; week grids scroll sideways.
"""

TEMPLATE = """\
<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="kecheng">
<title>社区学院一周课表总览</title>
<style>
body { font-family: system-ui, -apple-system, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC",
       "WenQuanYi Zen Hei", sans-serif; margin: 0; color: #222; background: #f5f6f8; line-height: 1.45; }
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
.s[data-cat="体育"] { background: #ddebf7; } .s[data-cat="文化"] { background: #fce4d6; }
.s[data-cat="艺术"] { background: #e2efda; } .s[data-cat="科技"] { background: #fff2cc; }
.s[data-cat="便民服务"] { background: #ede1f5; }
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
<main>
<h1>社区学院一周课表总览</h1>
<div class="sub">求解状态 {{ status }} · 已排优先级 {{ figures.objective }}
{% if figures.bound %} · 上限 {{ figures.bound }}{% endif %}
{% if figures.gap %} · 差距 {{ figures.gap }}{% endif %}
{% if interrupted %} · <b>求解被中断：这是到那时最好的课表</b>{% endif %}</div>

<section class="cards" id="figures">
  <div class="card"><div class="label">兴趣小组</div>
    <div class="value" id="groups">{{ figures.groups }}</div>
    <div class="note">{{ figures.groups_full }} 个全部排上</div></div>
  <div class="card"><div class="label">已排课次 / 总课次</div>
    <div class="value" id="placed">{{ figures.placed }}</div>
    <div class="note">每周</div></div>
  <div class="card"><div class="label">使用场地</div>
    <div class="value" id="venues-used">{{ figures.venues }}</div>
    <div class="note">授课老师 {{ figures.teachers }}</div></div>
  <div class="card"><div class="label">场地利用率</div>
    <div class="value" id="utilisation">{{ figures.utilisation }}</div>
    <div class="note">已排 {{ figures.booked_h }} 小时 / 开放 {{ figures.open_h }} 小时</div></div>
</section>

<div class="two">
  <section>
    <h2>场地利用率：星期 × 时段</h2>
    <div class="panel" id="heatmap">{{ heatmap | safe }}</div>
    <div class="sub">每格：该时段所有开放场地的已排时间 ÷ 开放时间；灰色为没有场地开放。</div>
  </section>
  <section>
    <h2>各街道</h2>
    <div class="scroll"><table id="streets">
      <thead><tr><th>街道</th><th class="num">兴趣小组</th><th class="num">已排 / 总课次</th></tr></thead>
      <tbody>
      {% for s in streets %}
        <tr><td>{{ s.street }}</td><td class="num">{{ s.groups }}</td>
            <td class="num">{{ s.placed }} / {{ s.asked }}</td></tr>
      {% endfor %}
      </tbody>
    </table></div>
    <h2>未排上的原因</h2>
    <div id="reasons">
    {% for name, code, count in reasons %}
      <span class="chip">{{ name }} <b>{{ count }}</b></span>
    {% else %}
      <span class="ok">全部课次都已排上。</span>
    {% endfor %}
    </div>
  </section>
</div>

<h2>未排上的课次（{{ missing | length }}）</h2>
<div class="scroll"><table id="unscheduled">
  <thead><tr><th>街道 · 社区</th><th>兴趣小组</th><th class="num">课次</th><th>原因</th>
    <th>说明</th></tr></thead>
  <tbody>
  {% for m in missing %}
    <tr class="miss"><td>{{ m.street }} · {{ m.community }}</td>
        <td>{{ m.group }} <span class="sub">{{ m.group_id }}</span></td>
        <td class="num">第 {{ m.session }} 次</td>
        <td class="reason">{{ m.reason_zh }}<span class="code">{{ m.reason }}</span></td>
        <td>{{ m.detail }}</td></tr>
  {% endfor %}
  </tbody>
</table></div>

<h2>各社区一周课表</h2>
<div class="sub">按兴趣小组所在社区；点开查看。每格：时间、兴趣小组、场地 · 老师。</div>
<section id="communities">
{% for c in communities %}
  <details class="community">
    <summary>{{ c.name }} <span class="sub">{{ c.street }} · 每周 {{ c.sessions }} 次
      {% if c.missing %} · 未排 {{ c.missing }}{% endif %}</span></summary>
    {% if c.rows %}
    <div class="scroll"><table class="grid">
      <thead><tr><th>时段</th>{% for d in weekdays %}<th>{{ d }}</th>{% endfor %}</tr></thead>
      <tbody>
      {% for hour, cells in c.rows %}
        <tr><th>{{ hour }}</th>{% for items in cells %}<td>
        {% for s in items %}<div class="s" data-cat="{{ s.category }}">{{ s.time }}<b>{{ s.group }}</b>\
<span>{{ s.where }}</span></div>{% endfor %}</td>{% endfor %}</tr>
      {% endfor %}
      </tbody>
    </table></div>
    {% else %}<p class="sub" style="padding: 0 12px">本周没有课。</p>{% endif %}
  </details>
{% endfor %}
</section>
</main>
</body>
</html>
"""
