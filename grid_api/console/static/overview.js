// The overview screen (一屏通览): KPIs and trends of GET /api/v1/stats/indicators for a
// period and a grouping, today / this month / this year from /stats/overview, rankings from
// /stats/rankings, and exports written in the background (/api/v1/exports). The API scopes
// every figure to the signed-in user; what a role may not see answers 403 and is left out.
"use strict";

Object.assign(TEXT["zh-CN"], {
  area: "区域", own_area: "本辖区",
  period: "统计周期", this_month: "本月", last_month: "上月", this_year: "本年",
  custom: "自定义", from: "从", to: "至", apply: "查询", group_by: "分组",
  by_time: "按时间", by_dimension: "按对象", g_day: "按日", g_week: "按周", g_month: "按月",
  g_area: "下级区域", g_unit: "处置单位", g_worker: "网格员", g_category: "案件类别",
  g_none: "未归属", kpi_counts: "案件数量", kpi_rates: "考核指标", trend: "趋势",
  count_axis: "件", rankings: "考核排名", rank_unit: "处置单位", rank_area: "区域",
  rank_grid_worker: "网格员", rank: "名次", name: "名称", score: "得分", grade: "等级",
  components: "得分构成", show_components: "得分构成", value: "指标值", weight: "权重",
  points: "得分", no_rankings: "本周期没有可排名的对象", not_allowed: "您的角色无权查看此项",
  exports: "导出", export_cases_csv: "案件清单 CSV", export_cases_xlsx: "案件清单 Excel",
  export_cases_geojson: "案件清单 GeoJSON", export_indicators_csv: "指标表 CSV",
  export_indicators_xlsx: "指标表 Excel", export_queued: "排队中", export_running: "生成中",
  export_done: "已完成", export_failed: "失败", rows: "行", download: "下载",
  today: "今日", month: "本月", year: "本年", last_year: "去年同期",
  g_sources: "本月立案来源", g_top_categories: "本月高发类别", g_most_returned: "本月回退最多的单位",
  g_trend: "同比", s_grid_worker: "网格员采集", s_resident_app: "市民上报", s_patrol: "巡查发现",
  s_hotline: "12345热线", s_other_system: "其他系统", s_video: "视频监控", s_supervision: "督查",
  s_leader_assigned: "领导交办", s_media: "媒体曝光", overdue_now_cases: "已超期",
  due_soon_cases: "一个工作日内到期", definitions: "口径",
  cohort_registered: "按立案时间统计", cohort_reported: "按上报时间统计",
  deferred_excluded: "缓办不计入按期分母", deferred_included: "缓办计入按期分母",
  rework_handled: "返工率分母为处置数", rework_due: "返工率分母为应结案数",
  c_reported: "上报", c_valid: "有效上报", c_registered: "立案", c_dispatched: "派遣",
  c_handled: "处置", c_verified: "核查", c_closed: "结案", c_rejected: "作废",
  c_reworked: "返工", c_extended: "延期", c_deferred: "缓办", c_returns: "回退",
  c_overdue: "超期", c_overdue_now: "超期未办结", c_open: "未结案",
  r_valid_report_rate: "有效上报率", r_on_time_registration_rate: "按时立案率",
  r_accurate_dispatch_rate: "准确派遣率", r_handling_rate: "处置率",
  r_on_time_handling_rate: "按期处置率", r_closing_rate: "结案率",
  r_on_time_closing_rate: "按期结案率", r_rework_rate: "返工率", r_extension_rate: "延期率",
  r_overdue_open_rate: "超期待处置率", r_on_time_check_rate: "按时核查率",
  r_satisfaction_rate: "满意率", r_mean_rating: "平均评分",
  r_self_handling_rate: "自行处置率",
});
Object.assign(TEXT.en, {
  area: "Area", own_area: "My area",
  period: "Period", this_month: "This month", last_month: "Last month", this_year: "This year",
  custom: "Custom range", from: "From", to: "To", apply: "Apply", group_by: "Group by",
  by_time: "By time", by_dimension: "By", g_day: "Day", g_week: "Week", g_month: "Month",
  g_area: "Child area", g_unit: "Unit", g_worker: "Grid worker", g_category: "Category",
  g_none: "None", kpi_counts: "Cases", kpi_rates: "Indicators", trend: "Trend",
  count_axis: "cases", rankings: "Rankings", rank_unit: "Units", rank_area: "Areas",
  rank_grid_worker: "Grid workers", rank: "Rank", name: "Name", score: "Score",
  grade: "Grade", components: "Score components", show_components: "Components",
  value: "Value", weight: "Weight", points: "Points",
  no_rankings: "Nothing to rank in this period", not_allowed: "Your role may not see this",
  exports: "Exports", export_cases_csv: "Cases CSV", export_cases_xlsx: "Cases Excel",
  export_cases_geojson: "Cases GeoJSON", export_indicators_csv: "Indicators CSV",
  export_indicators_xlsx: "Indicators Excel", export_queued: "Queued",
  export_running: "Writing", export_done: "Done", export_failed: "Failed", rows: "rows",
  download: "Download", today: "Today", month: "This month", year: "This year",
  last_year: "A year before", g_sources: "Channels this month",
  g_top_categories: "Top categories this month", g_most_returned: "Most returns this month",
  g_trend: "Against last year", s_grid_worker: "Grid workers", s_resident_app: "Residents' app",
  s_patrol: "Patrols", s_hotline: "12345 hotline", s_other_system: "Other systems",
  s_video: "Video", s_supervision: "Supervision", s_leader_assigned: "Leaders",
  s_media: "Media",
  overdue_now_cases: "Overdue", due_soon_cases: "Due within a working day", definitions: "Definitions",
  cohort_registered: "counted by registration", cohort_reported: "counted by report",
  deferred_excluded: "deferred cases leave on-time denominators",
  deferred_included: "deferred cases stay in on-time denominators",
  rework_handled: "rework rate over handled", rework_due: "rework rate over cases due",
  c_reported: "Reported", c_valid: "Valid reports", c_registered: "Registered",
  c_dispatched: "Dispatched", c_handled: "Handled", c_verified: "Verified", c_closed: "Closed",
  c_rejected: "Rejected", c_reworked: "Reworked", c_extended: "Extended",
  c_deferred: "Deferred", c_returns: "Returns", c_overdue: "Overdue",
  c_overdue_now: "Overdue, open", c_open: "Open",
  r_valid_report_rate: "Valid report rate", r_on_time_registration_rate: "On-time registration",
  r_accurate_dispatch_rate: "Accurate dispatch", r_handling_rate: "Handling rate",
  r_on_time_handling_rate: "On-time handling", r_closing_rate: "Closing rate",
  r_on_time_closing_rate: "On-time closing", r_rework_rate: "Rework rate",
  r_extension_rate: "Extension rate", r_overdue_open_rate: "Overdue open rate",
  r_on_time_check_rate: "On-time checks", r_satisfaction_rate: "Satisfaction",
  r_mean_rating: "Mean rating", r_self_handling_rate: "Fixed on the spot",
  c_no_rework: "1 − rework rate", c_no_extension: "1 − extension rate",
  c_no_overdue: "1 − overdue open rate", c_no_missed_reports: "1 − missed report rate",
  c_volume: "Case volume",
});

const COUNTS = ["reported", "valid", "registered", "dispatched", "handled", "verified",
                "closed", "rejected", "reworked", "extended", "deferred", "returns", "overdue",
                "overdue_now", "open"];
const RATES = ["valid_report_rate", "on_time_registration_rate", "accurate_dispatch_rate",
               "handling_rate", "on_time_handling_rate", "closing_rate",
               "on_time_closing_rate", "rework_rate", "extension_rate", "overdue_open_rate",
               "on_time_check_rate", "satisfaction_rate", "mean_rating",
               "self_handling_rate"];
const TIME_GROUPS = ["day", "week", "month"];
const CHART_COUNTS = ["reported", "registered", "closed"];
const HEADLINE = ["reported", "registered", "handled", "closed"];
const TREND = ["reported", "registered", "closed"];
const EXPORT_POLL_MS = 1000;
const REFRESH_MS = 60_000;
const DUE_LISTED = 5;

const overview = {period: "this_month", group: "day", rankKind: "unit", from: null, to: null,
                  table: null, ranking: null, headline: null, wired: false, area: "",
                  areasListed: false};

// The area every figure is asked for: "" is the reader's own, else one of its children.
const areaQuery = (joiner) => (overview.area ? `${joiner}area=${overview.area}` : "");

// --- periods, in the city's time zone -----------------------------------------------------
function cityToday() {
  const zone = $('meta[name="grid-timezone"]').content || undefined;
  const parts = new Intl.DateTimeFormat("en-CA", {timeZone: zone, year: "numeric",
                                                  month: "2-digit", day: "2-digit"})
    .formatToParts(new Date());
  const part = (type) => Number(parts.find((item) => item.type === type).value);
  return {year: part("year"), month: part("month"), day: part("day")};
}

const isoDate = (year, month, day) =>
  `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
const lastDay = (year, month) => new Date(Date.UTC(year, month, 0)).getUTCDate();

// Calendar periods as bulletins publish them: the whole month or year, first to last day.
function periodDates(kind) {
  const today = cityToday();
  if (kind === "last_month") {
    const year = today.month === 1 ? today.year - 1 : today.year;
    const month = today.month === 1 ? 12 : today.month - 1;
    return [isoDate(year, month, 1), isoDate(year, month, lastDay(year, month))];
  }
  if (kind === "this_year") return [isoDate(today.year, 1, 1), isoDate(today.year, 12, 31)];
  if (kind === "custom" && overview.from && overview.to) return [overview.from, overview.to];
  return [isoDate(today.year, today.month, 1),
          isoDate(today.year, today.month, lastDay(today.year, today.month))];
}

// --- formatting ---------------------------------------------------------------------------
const number = (value) => (value === null || value === undefined ? "—"
  : new Intl.NumberFormat(state.lang).format(value));
const percent = (value) => (value === null || value === undefined ? "—"
  : `${value.toFixed(2)}%`);

function groupLabel(key, label, groupBy) {
  if (key === null || key === undefined) return t("g_none");
  if (!label) return key;
  if (groupBy === "category") {
    return `${label.code} ${state.lang === "en" ? label.name_en || label.name : label.name}`;
  }
  return label.name || key;
}

// --- the screen ---------------------------------------------------------------------------
async function showOverview() {
  wireOverview();
  const chart = echarts.getInstanceByDom($("#chart")) || echarts.init($("#chart"));
  chart.resize();
  await Promise.all([loadHeadline(), loadIndicators(), loadRanking()]);
}

function wireOverview() {
  if (overview.wired) return;
  overview.wired = true;
  const periodPicker = $("#ov-period");
  const groupPicker = $("#ov-group");
  periodPicker.value = overview.period;
  groupPicker.value = overview.group;
  periodPicker.addEventListener("change", () => {
    overview.period = periodPicker.value;
    const custom = overview.period === "custom";
    $("#ov-custom").hidden = !custom;
    if (custom) {
      const [first, last] = periodDates("this_month");
      $("#ov-from").value = overview.from || first;
      $("#ov-to").value = overview.to || last;
      $("#ov-from").focus();
      return;
    }
    loadIndicators();
    loadRanking();
  });
  $("#ov-controls").addEventListener("submit", (event) => {
    event.preventDefault();
    overview.from = $("#ov-from").value;
    overview.to = $("#ov-to").value;
    if (!overview.from || !overview.to) return;
    loadIndicators();
    loadRanking();
  });
  groupPicker.addEventListener("change", () => {
    overview.group = groupPicker.value;
    loadIndicators();
  });
  $("#ov-area").addEventListener("change", () => {
    overview.area = $("#ov-area").value;
    Promise.all([loadHeadline(), loadIndicators(), loadRanking()]);
  });
  for (const button of document.querySelectorAll("[data-rank-kind]")) {
    button.addEventListener("click", () => {
      overview.rankKind = button.dataset.rankKind;
      loadRanking();
    });
  }
  for (const button of document.querySelectorAll("[data-export]")) {
    button.addEventListener("click", () => startExport(...button.dataset.export.split(":")));
  }
  // A wall screen stays current: the figures are asked again every minute while shown.
  setInterval(() => {
    if (!state.access || $("#pane-overview").hidden) return;
    loadHeadline();
    if (overview.period !== "custom" || (overview.from && overview.to)) loadIndicators();
  }, REFRESH_MS);
  // The chart follows its box: the window, and the case panel opening beside it.
  new ResizeObserver(() => {
    const chart = echarts.getInstanceByDom($("#chart"));
    if (chart) chart.resize();
  }).observe($("#chart"));
}

// Re-draws what is loaded in the language just chosen (the API's own texts are refetched).
function translateOverview() {
  for (const node of document.querySelectorAll("[data-i18n-label]")) {
    node.label = t(node.dataset.i18nLabel);
  }
  if (!overview.wired) return;
  if (overview.table) renderIndicators(overview.table);
  if (overview.ranking) renderRanking(overview.ranking);
  if (overview.headline) renderHeadline(overview.headline);
  for (const item of document.querySelectorAll("#export-list li")) renderExport(item);
}

// Nothing of one user's overview stays for the next one signing in.
function resetOverview() {
  Object.assign(overview, {table: null, ranking: null, headline: null});
  $("#export-list").replaceChildren();
  $("#rank-kinds").hidden = false;
  $("#rank-table").hidden = true;
  for (const node of ["#kpis", "#kpi-rates", "#ov-headline"]) $(node).replaceChildren();
  const chart = echarts.getInstanceByDom($("#chart"));
  if (chart) chart.clear();
}

function notAllowed(error) {
  return error instanceof ApiError && error.status === 403;
}

// --- today, this month, this year ------------------------------------------------------------
async function loadHeadline() {
  const section = $("#ov-headline");
  try {
    overview.headline = await api(`/api/v1/stats/overview${areaQuery("?")}`);
  } catch (error) {
    overview.headline = null;
    section.hidden = true;
    if (!notAllowed(error)) $("#ov-error").textContent = error.message;
    return;
  }
  renderHeadline(overview.headline);
  if (!overview.areasListed && !overview.area) listAreas(overview.headline.area);
}

// The picker offers the reader's own area and, to look closer, each of its children.
async function listAreas(ownArea) {
  overview.areasListed = true;
  if (ownArea == null) return;
  const children = await api(`/api/v1/areas?parent=${ownArea}&limit=200`)
    .catch(() => ({features: []}));
  $("#ov-area").append(...children.features.map((area) => el("option", {
    value: String(area.id), text: area.properties.name})));
}

function renderHeadline(figures) {
  const section = $("#ov-headline");
  const rows = ["today", "month", "year"].map((when) => el("tr", {"data-when": when},
    el("th", {scope: "row", text: t(when)}),
    ...HEADLINE.map((name) => el("td", {"data-count": name, text: number(figures[when][name])})),
    el("td", {"data-rate": "closing_rate", text: percent(figures[when].closing_rate)})));
  const chips = [["overdue_now_cases", figures.overdue], ["due_soon_cases", figures.due_soon]]
    .map(([name, due]) => el("div", {class: `kpi ${name === "overdue_now_cases" ? "alert" : ""}`,
                                     "data-due": name},
      el("span", {text: t(name)}), el("b", {text: number(due ? due.count : null)}),
      dueCases(due)));
  section.replaceChildren(
    el("div", {class: "headline-main"}, el("table", {class: "headline-table"},
      el("thead", {}, el("tr", {}, el("td"),
        ...HEADLINE.map((name) => el("th", {scope: "col", text: t(`c_${name}`)})),
        el("th", {scope: "col", text: t("r_closing_rate")}))),
      el("tbody", {}, ...rows)),
    el("div", {class: "headline-due"}, ...chips)),
    monthAtAGlance(figures));
  section.hidden = false;
}

// This month's channels, top categories, units with most returns, and the trend against
// the same days a year before.
function monthAtAGlance(figures) {
  const card = (name, items) => el("section", {class: "glance", "data-glance": name},
    el("h3", {text: t(name)}),
    items.length ? el("ol", {}, ...items) : el("p", {class: "muted", text: "—"}));
  const item = (attrs, label, value) => el("li", attrs, el("span", {text: label}),
                                           el("b", {text: number(value)}));
  const sources = Object.entries(figures.sources || {}).sort((a, b) => b[1] - a[1])
    .map(([source, n]) => item({"data-source": source}, t(`s_${source}`), n));
  const categories = (figures.top_categories || []).map((top) =>
    item({"data-category": top.category}, groupLabel(top.category, top.label, "category"),
         top.registered));
  const returned = (figures.most_returned_units || []).map((unit) =>
    item({"data-unit": String(unit.unit_id)}, groupLabel(String(unit.unit_id), unit.label,
                                                         "unit"), unit.returns));
  const trend = figures.trend || {};
  const trendRows = TREND.map((name) => el("tr", {"data-trend": name},
    el("th", {scope: "row", text: t(`c_${name}`)}),
    ...["month", "year"].flatMap((when) => trend[when] ? [
      el("td", {text: number(trend[when].current[name])}),
      el("td", {class: "muted", text: number(trend[when].last_year[name])})] : [])));
  return el("div", {class: "glance-row"},
    card("g_sources", sources), card("g_top_categories", categories),
    card("g_most_returned", returned),
    el("section", {class: "glance", "data-glance": "g_trend"}, el("h3", {text: t("g_trend")}),
      el("table", {}, el("thead", {}, el("tr", {}, el("td"),
        ...["month", "year"].flatMap((when) => [el("th", {scope: "col", text: t(when)}),
                                                el("th", {scope: "col", text: t("last_year")})]))),
      el("tbody", {}, ...trendRows))));
}

// The first of the overdue (or nearly overdue) cases, each opening the case beside.
function dueCases(due) {
  const cases = (due && due.cases) || [];
  return el("ul", {class: "due-cases"}, ...cases.slice(0, DUE_LISTED).map((item) =>
    el("li", {}, el("button", {type: "button", class: "link", "data-case": String(item.id),
                               title: item.due_at, onclick: () => openCase(item.id)},
      `${item.code}${item.urgent ? " ⚡" : ""}`))));
}

// --- indicators and their chart ---------------------------------------------------------------
async function loadIndicators() {
  const [first, last] = periodDates(overview.period);
  $("#ov-error").textContent = "";
  const asked = `from=${first}&to=${last}&group_by=${overview.group}${areaQuery("&")}`;
  overview.asked = asked;
  let table;
  try {
    table = await api(`/api/v1/stats/indicators?${asked}`);
  } catch (error) {
    if (overview.asked !== asked) return;
    $("#ov-error").textContent = notAllowed(error) ? t("not_allowed") : error.message;
    return;
  }
  if (overview.asked !== asked) return;  // a later choice has been made meanwhile
  table.asked = {from: first, to: last};  // the answer's own dates are not ISO text
  overview.table = table;
  renderIndicators(table);
}

function renderIndicators(table) {
  const {counts, rates} = table.total;
  $("#ov-period-shown").textContent = `${table.asked.from} – ${table.asked.to}`;
  $("#kpis").replaceChildren(...COUNTS.map((name) => el("div", {class: "kpi", "data-kpi": name},
    el("span", {text: t(`c_${name}`)}), el("b", {text: number(counts[name])}))));
  $("#kpi-rates").replaceChildren(...RATES.map((name) => {
    const rate = rates[name];
    const shown = name === "mean_rating"
      ? (rate.value === null ? "—" : rate.value.toFixed(2)) : percent(rate.value);
    const fraction = `${number(rate.numerator)} / ${number(rate.denominator)}`;
    return el("div", {class: "kpi", "data-rate": name, title: fraction},
      el("span", {text: t(`r_${name}`)}), el("b", {text: shown}),
      el("small", {text: fraction}));
  }));
  const rules = table.definitions;
  $("#kpi-rates-title").textContent = `${t("kpi_rates")}`;
  $("#kpi-rates-title").append(el("small", {class: "muted", text:
    ` ${t("definitions")}: ${t(`cohort_${rules.cohort}`)} · `
    + `${t(rules.exclude_deferred ? "deferred_excluded" : "deferred_included")} · `
    + `${t(`rework_${rules.rework_denominator}`)}`}));
  drawChart(table);
}

function drawChart(table) {
  const chart = echarts.getInstanceByDom($("#chart")) || echarts.init($("#chart"));
  const groupBy = table.group_by;
  const overTime = TIME_GROUPS.includes(groupBy);
  const groups = table.groups;
  const many = groups.length > 24;
  chart.setOption({
    aria: {enabled: true},
    title: {text: `${t("trend")} · ${t(`g_${groupBy}`)}`, left: 12, top: 8,
            textStyle: {fontSize: 14}},
    tooltip: {trigger: "axis"},
    legend: {top: 8, right: 16},
    grid: {left: 56, right: 56, top: 48, bottom: (overTime ? 32 : 80) + (many ? 32 : 0)},
    dataZoom: many ? [{type: "inside"}, {type: "slider", height: 18, bottom: 8}] : [],
    xAxis: {type: "category",
            data: groups.map((group) => groupLabel(group.key, group.label, groupBy)),
            axisLabel: overTime ? {} : {rotate: 30, interval: 0, width: 120,
                                        overflow: "truncate"}},
    yAxis: [{type: "value", minInterval: 1, name: t("count_axis")},
            {type: "value", min: 0, max: 100, name: "%", splitLine: {show: false}}],
    series: [
      ...CHART_COUNTS.map((name) => ({
        id: name, name: t(`c_${name}`), type: overTime ? "line" : "bar",
        data: groups.map((group) => group.counts[name])})),
      {id: "on_time_closing_rate", name: t("r_on_time_closing_rate"), type: "line",
       yAxisIndex: 1, connectNulls: true,
       data: groups.map((group) => group.rates.on_time_closing_rate.value)},
    ],
  }, true);
}

// --- rankings ------------------------------------------------------------------------------
async function loadRanking() {
  const [first, last] = periodDates(overview.period);
  const kind = overview.rankKind;
  for (const button of document.querySelectorAll("[data-rank-kind]")) {
    button.setAttribute("aria-pressed", String(button.dataset.rankKind === kind));
  }
  $("#rank-error").textContent = "";
  const asked = `kind=${kind}&from=${first}&to=${last}${areaQuery("&")}`;
  overview.rankAsked = asked;
  let ranking;
  try {
    ranking = await api(`/api/v1/stats/rankings?${asked}`);
  } catch (error) {
    if (overview.rankAsked !== asked) return;
    overview.ranking = null;
    $("#rank-table").hidden = true;
    if (notAllowed(error)) {
      $("#rank-kinds").hidden = true;
      $("#rank-error").className = "muted";
    }
    $("#rank-error").textContent = notAllowed(error) ? t("not_allowed") : error.message;
    return;
  }
  if (overview.rankAsked !== asked) return;
  $("#rank-kinds").hidden = false;
  overview.ranking = ranking;
  renderRanking(ranking);
}

function componentName(component) {
  if (state.lang !== "en") return component.label;
  return TEXT.en[`r_${component.name}`] || TEXT.en[`c_${component.name}`] || component.label;
}

function renderRanking(ranking) {
  const body = $("#rank-table tbody");
  const groupBy = {unit: "unit", area: "area", grid_worker: "worker"}[ranking.kind];
  if (!ranking.items.length) {
    $("#rank-table").hidden = true;
    $("#rank-error").className = "muted";
    $("#rank-error").textContent = t("no_rankings");
    return;
  }
  $("#rank-error").className = "error";
  const opened = new Set([...body.querySelectorAll("tr.components:not([hidden])")]
    .map((row) => row.id));
  const rows = [];
  for (const item of ranking.items) {
    const detailId = `rank-${ranking.kind}-${item.key}`;
    const detail = el("tr", {id: detailId, class: "components", hidden: ""},
      el("td", {colspan: "5"}, el("table", {class: "component-table"},
        el("thead", {}, el("tr", {},
          ...["components", "value", "weight", "points"].map((key) =>
            el("th", {scope: "col", text: t(key)})))),
        el("tbody", {}, ...item.components.map((component) => el("tr", {
          "data-component": component.name},
          el("td", {text: componentName(component)}),
          el("td", {text: component.value === null ? "—" : component.value.toFixed(2)}),
          el("td", {text: `${component.weight}%`}),
          el("td", {text: component.points === null ? "—" : component.points.toFixed(2)})))))));
    const toggle = el("button", {type: "button", class: "link", "aria-expanded": "false",
                                 "aria-controls": detailId, text: t("show_components")});
    if (opened.has(detailId)) {
      detail.hidden = false;
      toggle.setAttribute("aria-expanded", "true");
    }
    toggle.addEventListener("click", () => {
      const open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      detail.hidden = !open;
    });
    rows.push(el("tr", {"data-key": String(item.key)},
      el("td", {text: String(item.rank)}),
      el("th", {scope: "row", text: groupLabel(item.key, item.label, groupBy)}),
      el("td", {text: item.score.toFixed(2)}),
      el("td", {}, el("span", {class: `grade grade-${item.grade}`, text: item.grade})),
      el("td", {}, toggle)), detail);
  }
  body.replaceChildren(...rows);
  $("#rank-table").hidden = false;
}

// --- exports -------------------------------------------------------------------------------
async function startExport(kind, format) {
  const [first, last] = periodDates(overview.period);
  const params = {from: first, to: last};
  if (overview.area) params.area = Number(overview.area);
  if (kind === "indicators") params.group_by = overview.group;
  $("#export-error").textContent = "";
  let job;
  try {
    job = await api("/api/v1/exports", {method: "POST", body: {kind, format, params}});
  } catch (error) {
    $("#export-error").textContent = notAllowed(error) ? t("not_allowed") : error.message;
    return;
  }
  const item = el("li", {"data-export-id": String(job.id)});
  item.job = job;
  $("#export-list").prepend(item);
  renderExport(item);
  followExport(item);
}

async function followExport(item) {
  while (["queued", "running"].includes(item.job.status) && state.access) {
    await new Promise((resolve) => setTimeout(resolve, EXPORT_POLL_MS));
    try {
      item.job = await api(`/api/v1/exports/${item.job.id}`);
    } catch (error) {
      item.querySelector(".status").textContent = error.message;
      return;
    }
    renderExport(item);
  }
}

function renderExport(item) {
  const {job} = item;
  const progress = el("progress", {"aria-label": t(`export_${job.status}`)});
  if (job.status === "done") { progress.max = 1; progress.value = 1; }
  else if (job.rows_total) { progress.max = job.rows_total; progress.value = job.rows_done; }
  const parts = [
    el("span", {class: "what", text: `#${job.id} ${t(`export_${job.kind}_${job.format}`)}`
      + ` · ${job.params.from} – ${job.params.to}`}),
    progress,
    el("span", {class: "status", "data-status": job.status,
                text: `${t(`export_${job.status}`)} · ${number(job.rows_done)} ${t("rows")}`
                  + (job.error ? ` · ${job.error}` : "")}),
  ];
  if (job.status === "done") {
    const name = `${job.kind}-${job.id}.${job.format}`;
    const link = el("a", {class: "download", href: `/api/v1/exports/${job.id}/file`,
                          download: name, text: t("download")});
    link.addEventListener("click", (event) => {
      event.preventDefault();
      download(job.id, name).catch((error) => {
        item.querySelector(".status").textContent = error.message;
      });
    });
    parts.push(link);
  }
  item.replaceChildren(...parts);
}

// The file needs the bearer token, so it is fetched and handed over from a blob URL.
async function download(exportId, name) {
  const response = await api(`/api/v1/exports/${exportId}/file`, {raw: true});
  const url = URL.createObjectURL(await response.blob());
  const link = el("a", {href: url, download: name});
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
