// The supervisors' console: a client of the public API (/api/v1), nothing more.
// Tokens: the access token lives in memory only; the refresh token in this tab's
// sessionStorage (same origin, gone with the tab). No inline script runs (CSP).
"use strict";

const TEXT = {
  "zh-CN": {
    title: "网格化治理指挥台", phone: "手机号", password: "密码", signin: "登录",
    signout: "退出", lang: "English", tab_map: "地图", tab_queues: "待办", tab_overview: "总览",
    manual_dispatch: "待人工派遣", returned: "被回退", overdue: "已超期", due_soon: "即将超期",
    extension_requested: "延期待审", disputed: "有异议", empty: "没有案件",
    timeline: "处理过程", photos: "照片", deadline: "处置期限", unit: "处置单位", answers: "上报信息",
    note: "说明", reason: "原因", submit: "提交", cancel: "取消", approve: "批准", deny: "不批准",
    expired: "登录已过期，请重新登录", no_overview: "尚无统计数据", queue_counts: "待办数量",
    heat: "热力图", hotspots: "热点（Gi*）", coverage: "巡查覆盖（最近巡查）", layer_days: "时段",
    days_7: "近7天", days_30: "近30天", days_90: "近90天", days_365: "近一年",
    act_register: "立案", act_reject: "不予立案", act_dispatch: "派遣", act_reassign: "改派",
    act_approve_extension: "审批延期", act_deny_extension: "审批延期", act_defer: "缓办",
    act_close: "结案", act_comment: "备注", act_accept: "接收", act_return: "回退",
    act_request_extension: "申请延期", act_resolve: "处置完成", act_verify: "核查通过",
    act_reopen: "返工", act_rate: "评价", act_dispute: "异议",
  },
  en: {
    title: "Grid governance console", phone: "Phone", password: "Password", signin: "Sign in",
    signout: "Sign out", lang: "中文", tab_map: "Map", tab_queues: "Queues",
    tab_overview: "Overview", manual_dispatch: "Manual dispatch", returned: "Returned",
    overdue: "Overdue", due_soon: "Nearly overdue", extension_requested: "Extensions",
    disputed: "Disputed", empty: "No cases", timeline: "Timeline", photos: "Photos",
    answers: "Details given",
    deadline: "Deadline", unit: "Unit", note: "Note", reason: "Reason", submit: "Submit",
    cancel: "Cancel", approve: "Approve", deny: "Deny",
    expired: "Your session ended; please sign in again", no_overview: "No statistics yet",
    queue_counts: "Queue counts", heat: "Heat", hotspots: "Hot spots (Gi*)",
    coverage: "Patrol coverage (last visit)", layer_days: "Period", days_7: "Last 7 days",
    days_30: "Last 30 days", days_90: "Last 90 days", days_365: "Last year",
    act_register: "Register", act_reject: "Reject", act_dispatch: "Dispatch",
    act_reassign: "Reassign", act_approve_extension: "Decide extension",
    act_deny_extension: "Decide extension", act_defer: "Defer", act_close: "Close",
    act_comment: "Comment", act_accept: "Accept", act_return: "Return",
    act_request_extension: "Ask for extension", act_resolve: "Resolve", act_verify: "Verify",
    act_reopen: "Rework", act_rate: "Rate", act_dispute: "Dispute",
  },
};
const QUEUES = ["manual_dispatch", "returned", "overdue", "due_soon", "extension_requested",
                "disputed"];
const STATUS_COLOURS = {
  reported: "#9e9e9e", registered: "#1f6feb", dispatched: "#8e24aa", in_progress: "#fb8c00",
  resolved: "#00897b", verified: "#43a047", closed: "#546e7a", rejected: "#bdbdbd",
};
// Route of each action the console offers, and what its form asks for.
const ACTIONS = {
  register: {path: "register", fields: ["note"]},
  reject: {path: "reject", fields: ["reason:duplicate,invalid,out_of_scope,other", "note"]},
  dispatch: {path: "dispatch", fields: ["unit", "note"]},
  reassign: {path: "reassign", fields: ["unit", "note!"]},
  approve_extension: {path: "extend/decision", fields: ["approve", "note"]},
  defer: {path: "defer", fields: ["note!"]},
  close: {path: "close", fields: ["note"]},
  comment: {path: "comments", fields: ["note!"]},
  accept: {path: "accept", fields: ["note"]},
  return: {path: "return", fields: [
    "reason:not_our_responsibility,wrong_location,insufficient_information,other", "note"]},
  resolve: {path: "resolve", fields: ["note!"]},
  verify: {path: "verify", fields: ["note"]},
  reopen: {path: "reopen", fields: ["note!"]},
};

const state = {
  lang: sessionStorage.getItem("grid.lang") || (navigator.language.startsWith("zh") ? "zh-CN" : "en"),
  access: null, me: null, queue: "manual_dispatch", caseId: null, map: null, units: null,
  poll: null, layerDays: 30,
};
const $ = (selector, root = document) => root.querySelector(selector);
const t = (key) => TEXT[state.lang][key] || key;
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
};

// --- the API ---------------------------------------------------------------------------
class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || String(status));
    this.status = status;
    this.problem = problem;
  }
}

async function refresh() {
  const token = sessionStorage.getItem("grid.refresh");
  if (!token) return false;
  const response = await fetch("/api/v1/auth/refresh", {
    method: "POST", headers: {"Content-Type": "application/json"},
    body: JSON.stringify({refresh_token: token}),
  });
  if (!response.ok) return false;
  const tokens = await response.json();
  state.access = tokens.access_token;
  sessionStorage.setItem("grid.refresh", tokens.refresh_token);
  return true;
}

async function api(path, {method = "GET", body, retried = false, raw = false} = {}) {
  const headers = {"Accept-Language": state.lang};
  if (state.access) headers.Authorization = `Bearer ${state.access}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {method, headers,
                                      body: body === undefined ? undefined : JSON.stringify(body)});
  if (response.status === 401 && !retried && sessionStorage.getItem("grid.refresh")) {
    if (await refresh()) return api(path, {method, body, retried: true, raw});
    signOut(t("expired"));
    throw new ApiError(401, {title: t("expired")});
  }
  if (!response.ok) {
    let problem = {};
    try { problem = await response.json(); } catch { /* not a problem document */ }
    throw new ApiError(response.status, problem);
  }
  if (raw) return response;
  return response.status === 204 ? null : response.json();
}

// --- signing in and out ---------------------------------------------------------------
async function signIn(event) {
  event.preventDefault();
  const form = event.target;
  $("#signin-error").textContent = "";
  try {
    const tokens = await api("/api/v1/auth/login", {method: "POST", body: {
      phone: form.phone.value.trim(), password: form.password.value}});
    state.access = tokens.access_token;
    sessionStorage.setItem("grid.refresh", tokens.refresh_token);
    form.password.value = "";
    await start();
  } catch (error) {
    $("#signin-error").textContent = error.message;
  }
}

function signOut(message = "") {
  if (state.access) {
    fetch("/api/v1/auth/logout", {method: "POST",
                                   headers: {Authorization: `Bearer ${state.access}`}});
  }
  state.access = null;
  state.me = null;
  sessionStorage.removeItem("grid.refresh");
  clearInterval(state.poll);
  resetOverview();
  $("#app").hidden = true;
  $("#signin").hidden = false;
  $("#signin-error").textContent = message;
}

// --- the screens ------------------------------------------------------------------------
function translate() {
  document.documentElement.lang = state.lang;
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of document.querySelectorAll("[data-lang-toggle]")) node.textContent = t("lang");
  translateOverview();
}

function isStaff() {
  return state.me && state.me.roles.some((role) => role !== "resident");
}

// Supervisors and admins: the city-wide layers (heat) and figures are theirs.
function oversees() {
  return !!state.me && state.me.roles.some((role) => role === "supervisor" || role === "admin");
}

async function start() {
  state.me = await api("/api/v1/me");
  $("#signin").hidden = true;
  $("#app").hidden = false;
  $("#who").textContent = `${state.me.display_name} · ${state.me.roles.join(", ")}`;
  showTab("map");
  await refreshCounts();
  clearInterval(state.poll);
  state.poll = setInterval(() => {
    refreshCounts();
    if (!$("#pane-queues").hidden) loadQueue(state.queue);
  }, 15000);
}

function showTab(name) {
  for (const button of document.querySelectorAll("[data-tab]")) {
    button.setAttribute("aria-selected", String(button.dataset.tab === name));
  }
  for (const pane of ["map", "queues", "overview"]) $(`#pane-${pane}`).hidden = pane !== name;
  if (name === "map") showMap();
  if (name === "queues") loadQueue(state.queue);
  if (name === "overview") showOverview();
}

async function refreshCounts() {
  const list = $("#queue-counts");
  if (!isStaff()) { list.replaceChildren(); return; }
  const counts = await api("/api/v1/cases/queues");
  state.counts = counts;
  list.replaceChildren(...QUEUES.map((queue) => el("li", {"data-queue": queue},
    `${t(queue)} `, el("b", {text: String(counts[queue])}))));
  const queueList = $("#queue-list");
  queueList.replaceChildren(...QUEUES.map((queue) => el("li", {
    role: "option", tabindex: "-1", "data-queue": queue,
    "aria-selected": String(queue === state.queue),
    onclick: () => loadQueue(queue),
  }, t(queue), el("span", {class: "tag", text: String(counts[queue])}))));
}

async function loadQueue(queue) {
  state.queue = queue;
  for (const item of document.querySelectorAll("#queue-list li")) {
    item.setAttribute("aria-selected", String(item.dataset.queue === queue));
  }
  const page = await api(`/api/v1/cases?queue=${queue}&limit=100`);
  const list = $("#queue-cases");
  if (!page.items.length) {
    list.replaceChildren(el("li", {class: "empty", text: t("empty")}));
    return;
  }
  list.replaceChildren(...page.items.map((item) => el("li", {
    role: "option", tabindex: "-1", "data-case": String(item.id),
    "aria-selected": String(item.id === state.caseId),
    onclick: () => openCase(item.id),
  }, `${item.code} · ${state.lang === "en" ? item.category.name_en : item.category.name_zh}`,
     el("span", {class: "tag", text: item.status}))));
}

// Arrow keys move through a list, Enter opens; the lists are the keyboard's way in.
function keyboardList(list, open) {
  list.addEventListener("keydown", (event) => {
    const items = [...list.querySelectorAll("li[tabindex]")];
    if (!items.length) return;
    let index = items.indexOf(document.activeElement);
    if (event.key === "ArrowDown") index = Math.min(items.length - 1, index + 1);
    else if (event.key === "ArrowUp") index = Math.max(0, index - 1);
    else if (event.key === "Enter" && index >= 0) { open(items[index]); return; }
    else return;
    event.preventDefault();
    items[index].focus();
  });
}

// --- one case ---------------------------------------------------------------------------
async function openCase(caseId) {
  state.caseId = caseId;
  const [item, events, photos] = await Promise.all([
    api(`/api/v1/cases/${caseId}`), api(`/api/v1/cases/${caseId}/events`),
    api(`/api/v1/cases/${caseId}/attachments`).catch(() => ({items: []})),
  ]);
  const panel = $("#case");
  panel.hidden = false;
  const category = state.lang === "en" ? item.category.name_en : item.category.name_zh;
  const actions = el("div", {class: "actions"});
  const offered = new Set((item.actions || []).map((action) =>
    action === "deny_extension" ? "approve_extension" : action));
  for (const action of offered) {
    if (!ACTIONS[action]) continue;
    actions.append(el("button", {type: "button", "data-action": action,
                                 onclick: () => actionForm(item, action)}, t(`act_${action}`)));
  }
  panel.replaceChildren(
    el("h2", {}, `${item.code} `, el("span", {class: "tag", text: item.status})),
    el("p", {}, category),
    el("p", {text: item.description || ""}),
    el("p", {}, `${t("unit")}: ${item.unit ? item.unit.name : "—"} · ${t("deadline")}: `
      + `${item.deadlines ? item.deadlines.handle || "—" : "—"}`),
    await answerList(item),
    actions,
    el("div", {id: "action-form"}),
    el("h3", {text: t("photos")}), photoStrip(caseId, photos.items),
    el("h3", {text: t("timeline")}),
    el("ol", {class: "timeline", id: "timeline"}, ...events.items.map((event) => el("li", {},
      `${event.created_at.slice(0, 16).replace("T", " ")} ${event.action}`
      + `${event.note ? ` — ${event.note}` : ""}`))),
  );
  if (state.map && item.location) {
    state.map.flyTo({center: item.location.coordinates, zoom: Math.max(state.map.getZoom(), 15)});
  }
}

// The answers to the category's questions the case was filed with, under their prompts
// (and choice names) in the reader's language; a question since removed shows its code.
async function answerList(item) {
  const answers = item.answers || {};
  if (!Object.keys(answers).length) return el("div", {class: "answers", hidden: true});
  const found = await api(`/api/v1/categories/${encodeURIComponent(item.category.code)}`
                          + "/questions").catch(() => ({questions: []}));
  const asked = new Map(found.questions.map((question) => [question.code, question]));
  const name = (thing) => (state.lang === "en" ? thing.name_en : thing.name_zh);
  const list = el("dl", {class: "answers"});
  for (const [code, value] of Object.entries(answers)) {
    const question = asked.get(code);
    const choices = new Map((question ? question.choices : []).map((c) => [c.key, name(c)]));
    const shown = (Array.isArray(value) ? value : [value])
      .map((part) => choices.get(part) || String(part)).join("、");
    const prompt = question ? (state.lang === "en" ? question.prompt_en : question.prompt_zh)
      : code;
    list.append(el("dt", {text: prompt}), el("dd", {text: shown}));
  }
  return el("div", {class: "answers"}, el("h3", {text: t("answers")}), list);
}

function photoStrip(caseId, items) {
  const strip = el("div", {class: "photos"});
  for (const photo of items) {
    // Photos need the bearer token: fetched, then shown from a blob URL.
    api(photo.url || `/api/v1/cases/${caseId}/attachments/${photo.id}`, {raw: true})
      .then((response) => response.blob())
      .then((blob) => strip.append(el("img", {src: URL.createObjectURL(blob),
                                              alt: photo.purpose})))
      .catch(() => undefined);
  }
  return strip;
}

async function unitOptions() {
  if (!state.units) state.units = (await api("/api/v1/units?limit=200")).items;
  return state.units.map((unit) => el("option", {value: String(unit.id), text: unit.name}));
}

async function actionForm(item, action) {
  const spec = ACTIONS[action];
  const form = el("form", {class: "action-form", "data-form": action});
  for (const field of spec.fields) {
    const [name, choices] = field.replace("!", "").split(":");
    const required = field.endsWith("!");
    if (name === "unit") {
      form.append(el("label", {}, t("unit"),
                     el("select", {name: "unit_id", required: ""}, ...await unitOptions())));
    } else if (name === "reason") {
      form.append(el("label", {}, t("reason"), el("select", {name: "reason", required: ""},
        ...choices.split(",").map((value) => el("option", {value, text: value})))));
    } else if (name === "approve") {
      form.append(el("label", {}, t("approve"), el("select", {name: "approve"},
        el("option", {value: "true", text: t("approve")}),
        el("option", {value: "false", text: t("deny")}))));
    } else {
      form.append(el("label", {}, t("note"),
                     el("textarea", required ? {name: "note", required: ""} : {name: "note"})));
    }
  }
  const error = el("p", {class: "error", role: "alert"});
  form.append(error, el("div", {class: "actions"},
    el("button", {type: "submit", text: t("submit")}),
    el("button", {type: "button", class: "link", text: t("cancel"),
                  onclick: () => form.remove()})));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = {};
    for (const [key, value] of new FormData(form)) {
      if (value === "") continue;
      body[key] = key === "unit_id" ? Number(value) : key === "approve" ? value === "true" : value;
    }
    try {
      await api(`/api/v1/cases/${item.id}/${spec.path}`, {method: "POST", body});
      await Promise.all([openCase(item.id), refreshCounts()]);
      if (!$("#pane-queues").hidden) await loadQueue(state.queue);
    } catch (problem) {
      const fields = problem.problem && problem.problem.errors;
      error.textContent = fields ? `${problem.message} ${JSON.stringify(fields)}` : problem.message;
    }
  });
  $("#action-form").replaceChildren(form);
}

// --- the map ----------------------------------------------------------------------------
const OUTLINES = [["districts", "#37474f", 2.2, 0], ["streets", "#546e7a", 1.4, 9],
                  ["communities", "#78909c", 1, 11], ["grids", "#90a4ae", 0.6, 13]];

function tileSource(layer, query = "") {
  return {type: "vector",
          tiles: [`${location.origin}/api/v1/tiles/${layer}/{z}/{x}/{y}.mvt${query}`],
          minzoom: 0, maxzoom: 16};
}

// The days the heat and hot-spot layers cover: the last `state.layerDays` days up to today
// in the city's zone (both inclusive, as the API counts them).
function layerPeriod() {
  const last = new Intl.DateTimeFormat("en-CA", {
    timeZone: $('meta[name="grid-timezone"]').content || undefined}).format(new Date());
  const first = new Date(Date.parse(`${last}T00:00:00Z`) - (state.layerDays - 1) * 86_400_000)
    .toISOString().slice(0, 10);
  return {first, last, query: `?from=${first}&to=${last}`};
}

function mapStyle() {
  const basemap = $('meta[name="grid-basemap"]').content;
  const style = {version: 8, sources: {}, layers: [
    {id: "background", type: "background", paint: {"background-color": "#eef2f6"}}]};
  if (basemap) {
    style.sources.basemap = {type: "raster", tiles: [basemap], tileSize: 256};
    style.layers.push({id: "basemap", type: "raster", source: "basemap"});
  }
  for (const [layer, colour, width, minzoom] of OUTLINES) {
    style.sources[layer] = tileSource(layer);
    style.layers.push({id: `${layer}-line`, type: "line", source: layer, "source-layer": layer,
                       minzoom, paint: {"line-color": colour, "line-width": width}});
  }
  if (oversees()) {
    // Cases reported in the user's area over the chosen days, binned by zoom (a tile of
    // the API's own, asked with the bearer token: see transformRequest).
    style.sources.heat = tileSource("heat", layerPeriod().query);
    style.layers.push({id: "heat", type: "heatmap", source: "heat", "source-layer": "heat",
                       layout: {visibility: "none"}, paint: {
      "heatmap-weight": ["interpolate", ["linear"], ["get", "count"], 0, 0, 10, 1],
      "heatmap-intensity": ["interpolate", ["linear"], ["zoom"], 8, 1, 16, 3],
      "heatmap-radius": ["interpolate", ["linear"], ["zoom"], 8, 12, 16, 32],
      "heatmap-opacity": 0.75}});
    // Grid cells by their last patrol: walked today green, a week ago amber, longer or
    // never red (the API's `coverage` tile, asked with the token too).
    style.sources.coverage = tileSource("coverage");
    style.layers.push({id: "coverage", type: "fill", source: "coverage",
                       "source-layer": "coverage", layout: {visibility: "none"}, paint: {
      "fill-color": ["case", ["!", ["has", "days_since_visit"]], "#c62828",
                     ["interpolate", ["linear"], ["get", "days_since_visit"],
                      0, "#2e7d32", 7, "#f9a825", 30, "#c62828"]],
      "fill-opacity": 0.35, "fill-outline-color": "#ffffff"}});
  }
  style.sources.cases = {type: "geojson", data: {type: "FeatureCollection", features: []},
                         cluster: true, clusterRadius: 40, clusterMaxZoom: 14};
  style.layers.push(
    {id: "case-clusters", type: "circle", source: "cases", filter: ["has", "point_count"],
     paint: {"circle-color": "#1f6feb", "circle-opacity": 0.75,
             "circle-radius": ["step", ["get", "point_count"], 12, 10, 16, 50, 22]}},
    {id: "case-points", type: "circle", source: "cases", filter: ["!", ["has", "point_count"]],
     paint: {"circle-radius": 6, "circle-stroke-width": 1, "circle-stroke-color": "#fff",
             "circle-color": ["match", ["get", "status"],
                              ...Object.entries(STATUS_COLOURS).flat(), "#1f6feb"]}});
  return style;
}

async function loadCasePoints() {
  const bounds = state.map.getBounds();
  const bbox = [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()]
    .map((value, index) => Math.max(index % 2 ? -90 : -180, Math.min(index % 2 ? 90 : 180, value)))
    .map((value) => value.toFixed(5)).join(",");
  const page = await api(`/api/v1/cases?bbox=${bbox}&limit=200`);
  state.map.getSource("cases").setData({type: "FeatureCollection", features: page.items.map(
    (item) => ({type: "Feature", geometry: item.location,
                properties: {id: item.id, status: item.status, code: item.code}}))});
}

async function showMap() {
  if (state.map) { state.map.resize(); return; }
  maplibregl.setWorkerUrl($('meta[name="grid-worker-url"]').content);
  const areas = await api("/api/v1/areas?level=district&limit=50").catch(() => null);
  const ownTiles = ["heat", "coverage"].map((layer) => `${location.origin}/api/v1/tiles/${layer}/`);
  const map = new maplibregl.Map({
    container: "map", style: mapStyle(), center: [120.15, 30.25], zoom: 10,
    attributionControl: false,
    transformRequest: (url) => (ownTiles.some((prefix) => url.startsWith(prefix)) && state.access
      ? {url, headers: {Authorization: `Bearer ${state.access}`}} : {url}),
  });
  state.map = map;
  map.getContainer().gridMap = map;  // for tests and operators' consoles
  map.addControl(new maplibregl.NavigationControl(), "top-left");
  if (areas && areas.features && areas.features.length) {
    const box = areas.bbox || featureBounds(areas.features);
    if (box) map.fitBounds([[box[0], box[1]], [box[2], box[3]]], {padding: 24, duration: 0});
  }
  map.on("moveend", () => loadCasePoints().catch(() => undefined));
  map.on("load", () => loadCasePoints().catch(() => undefined));
  map.on("click", "case-points", (event) => openCase(event.features[0].properties.id));
  $("#map-toggles").hidden = !oversees();
  for (const layer of ["heat", "coverage"]) {
    const toggle = $(`#${layer}-toggle`);
    toggle.addEventListener("click", () => {
      const shown = toggle.getAttribute("aria-pressed") !== "true";
      toggle.setAttribute("aria-pressed", String(shown));
      map.setLayoutProperty(layer, "visibility", shown ? "visible" : "none");
    });
  }
  $("#hotspot-toggle").addEventListener("click", () => toggleHotspots(map));
  const days = $("#layer-days");
  days.replaceChildren(...[7, 30, 90, 365].map((n) => el("option", {
    value: String(n), "data-i18n": `days_${n}`, text: t(`days_${n}`)})));
  days.value = String(state.layerDays);
  days.addEventListener("change", () => choosePeriod(map, Number(days.value)));
}

// Another period: the heat tiles are asked again; hot spots, once loaded, recomputed.
async function choosePeriod(map, days) {
  state.layerDays = days;
  const period = layerPeriod();
  map.getSource("heat").setTiles(tileSource("heat", period.query).tiles);
  if (map.getSource("hotspots")) {
    try {
      map.getSource("hotspots").setData(await hotspotPlaces(period));
    } catch (error) {
      $("#map-note").textContent = error.message;
    }
  }
}

function hotspotPlaces(period) {
  return api(`/api/v1/stats/hotspots?from=${period.first}&to=${period.last}&shape=cell`);
}

// Grid cells of the user's area over the chosen days, coloured where Getis-Ord Gi* finds
// a significant cluster (hot or cold), faintly where cases were merely reported.
const SIGNIFICANCE = {hot_99: ["#b71c1c", 0.6], hot_95: ["#ef5350", 0.45],
                      cold_95: ["#64b5f6", 0.35], cold_99: ["#1565c0", 0.5]};

async function toggleHotspots(map) {
  const button = $("#hotspot-toggle");
  const shown = button.getAttribute("aria-pressed") !== "true";
  $("#map-note").textContent = "";
  if (shown && !map.getSource("hotspots")) {
    let places;
    try {
      places = await hotspotPlaces(layerPeriod());
    } catch (error) {
      $("#map-note").textContent = error.message;
      return;
    }
    map.addSource("hotspots", {type: "geojson", data: places});
    const level = ["coalesce", ["get", "significance"], "none"];
    map.addLayer({id: "hotspots-fill", type: "fill", source: "hotspots", paint: {
      "fill-color": ["match", level,
                     ...Object.entries(SIGNIFICANCE).flatMap(([name, [colour]]) => [name, colour]),
                     "#fb8c00"],
      "fill-opacity": ["match", level,
                       ...Object.entries(SIGNIFICANCE).flatMap(([name, [, alpha]]) => [name, alpha]),
                       ["case", [">", ["get", "count"], 0], 0.12, 0]],
    }}, "case-clusters");
  } else if (map.getLayer("hotspots-fill")) {
    map.setLayoutProperty("hotspots-fill", "visibility", shown ? "visible" : "none");
  }
  button.setAttribute("aria-pressed", String(shown));
}

function featureBounds(features) {
  const box = [180, 90, -180, -90];
  const visit = (coordinates) => {
    if (typeof coordinates[0] === "number") {
      box[0] = Math.min(box[0], coordinates[0]); box[1] = Math.min(box[1], coordinates[1]);
      box[2] = Math.max(box[2], coordinates[0]); box[3] = Math.max(box[3], coordinates[1]);
    } else coordinates.forEach(visit);
  };
  features.forEach((feature) => feature.geometry && visit(feature.geometry.coordinates));
  return box[0] <= box[2] ? box : null;
}

// --- wiring -----------------------------------------------------------------------------
document.addEventListener("DOMContentLoaded", async () => {
  translate();
  $("#signin-form").addEventListener("submit", signIn);
  $("#signout").addEventListener("click", () => signOut());
  for (const button of document.querySelectorAll("[data-lang-toggle]")) {
    button.addEventListener("click", () => {
      state.lang = state.lang === "en" ? "zh-CN" : "en";
      sessionStorage.setItem("grid.lang", state.lang);
      translate();
      if (state.me) refreshCounts();
    });
  }
  for (const button of document.querySelectorAll("[data-tab]")) {
    button.addEventListener("click", () => showTab(button.dataset.tab));
  }
  keyboardList($("#queue-list"), (item) => loadQueue(item.dataset.queue));
  keyboardList($("#queue-cases"), (item) => openCase(Number(item.dataset.case)));
  if (sessionStorage.getItem("grid.refresh") && await refresh()) {
    try { await start(); return; } catch { /* fall through to sign-in */ }
  }
  $("#signin").hidden = false;
});
