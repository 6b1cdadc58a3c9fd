// perfwarden status page. Hand-written, no framework, no build: the first snapshot is inlined in
// the HTML, then /api/live pushes deltas. Text goes in with textContent only (never innerHTML).
'use strict';
(function () {
  const HOUR = 3600e3;
  const SVG = 'http://www.w3.org/2000/svg';
  const state = { probes: new Map(), alerts: new Map(), pending: [], alertsAvailable: true, runs: null, load: null, loadSeries: [], changes: new Map() };
  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') node.className = v;
      else node.setAttribute(k, v);
    }
    for (const c of children) if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
    return node;
  }
  function svg(tag, attrs) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    return node;
  }
  function fmtMs(ms) {
    if (ms === null || ms === undefined || !isFinite(ms)) return '–';
    if (ms >= 10000) return (ms / 1000).toFixed(1) + ' s';
    if (ms >= 1000) return (ms / 1000).toFixed(2) + ' s';
    return (ms >= 100 ? Math.round(ms) : ms.toFixed(1)) + ' ms';
  }
  function fmtPct(r) { return r === null || r === undefined ? '–' : (r * 100).toFixed(r >= 0.9995 || r === 0 ? 0 : 1) + ' %'; }
  function ago(t) {
    const s = Math.max(0, Math.round((Date.now() - t) / 1000));
    if (s < 60) return s + ' s ago';
    if (s < 3600) return Math.round(s / 60) + ' min ago';
    return Math.round(s / 3600) + ' h ago';
  }
  function time(t) { return new Date(t).toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }); }

  // ---- probes ----
  // A thousand probes: cards are grouped by target (groups with a failing probe first, failing
  // probes first inside a group), updates are batched into one animation frame, and a card is
  // only moved when its status changes, so nothing jumps while you read it.
  const cards = new Map();
  const groups = new Map();
  const dirty = new Set();
  let frame = 0;
  let reorderNeeded = false;

  function probeFromSnapshot(p, now) {
    const minute = Math.floor(now / 60e3) * 60e3;
    return {
      name: p.name, target: p.target, kind: p.kind,
      last: p.last,
      p95: p.p95Ms, success: p.successRatio, count: p.count,
      spark: p.spark.map(([ago, ms, ok]) => ({ t: minute - ago * 60e3, ms, ok: ok === 1 })),
      hb: p.heartbeat,
    };
  }

  function applySnapshot(s) {
    state.probes.clear();
    for (const p of s.probes) state.probes.set(p.name, probeFromSnapshot(p, s.now));
    state.alertsAvailable = s.alerts !== null;
    state.alerts.clear();
    for (const a of s.alerts || []) {
      state.alerts.set(a.key, a);
      noteChange(a);
    }
    state.runs = s.runs;
    state.load = s.load || null;
    renderAll();
  }

  function statusOf(p) { return p.last === null ? 'unknown' : p.last.ok ? 'up' : 'down'; }
  const STATUS_RANK = { down: 0, unknown: 1, up: 2 };

  function onProbe(r) {
    let p = state.probes.get(r.probe);
    if (!p) {
      p = { name: r.probe, target: '', kind: 'http', last: null, p95: null, success: null, count: 0, spark: [], hb: '' };
      state.probes.set(r.probe, p);
    }
    const before = statusOf(p);
    p.last = r;
    // The sparkline is one point per minute (the slowest run); the exact p95 and uptime come from the daemon once a second.
    const minute = Math.floor(r.t / 60e3) * 60e3;
    const tail = p.spark[p.spark.length - 1];
    if (tail && tail.t === minute) { tail.ms = Math.max(tail.ms, r.ms); tail.ok = tail.ok && r.ok; }
    else p.spark.push({ t: minute, ms: r.ms, ok: r.ok });
    while (p.spark.length > 0 && p.spark[0].t < Date.now() - HOUR) p.spark.shift();
    p.hb = (p.hb + (r.ok ? '1' : '0')).slice(-30);
    if (statusOf(p) !== before) reorderNeeded = true;
    schedule(p.name);
  }

  function onFigures(list) {
    for (const f of list) {
      const p = state.probes.get(f.name);
      if (!p) continue;
      p.p95 = f.p95Ms; p.success = f.successRatio; p.count = f.count;
      schedule(p.name);
    }
  }

  function schedule(name) {
    dirty.add(name);
    if (frame === 0) frame = requestAnimationFrame(flush);
  }

  function flush() {
    frame = 0;
    for (const name of dirty) {
      const p = state.probes.get(name);
      if (p) renderProbe(p);
    }
    dirty.clear();
    if (reorderNeeded) { reorderNeeded = false; reorder(); }
    applyFilter();
  }

  /** The worst firing alert about a probe (its own alerts, by subject). */
  function alertLevel(name) {
    let level = 'none';
    for (const a of state.alerts.values()) {
      if (a.subject !== name) continue;
      if (a.severity === 'critical') return 'critical';
      level = 'warning';
    }
    return level;
  }

  // A change alert dates the moment a probe's level moved; the mark stays on the sparkline (last
  // hour) after the alert resolves.
  function noteChange(a) {
    if (!a.changeAt || !a.subject) return false;
    state.changes.set(a.subject, a.changeAt);
    return true;
  }

  function sparkline(points, changeAt) {
    const w = 240, h = 44, pad = 3;
    const wrap = el('div', { class: 'spark-wrap' });
    const node = svg('svg', { class: 'spark', viewBox: `0 0 ${w} ${h}`, preserveAspectRatio: 'none', 'aria-label': 'slowest run per minute, last hour' });
    wrap.append(node);
    if (points.length === 0) return wrap;
    const now = Date.now();
    const t0 = Math.min(now - 5e3, Math.max(now - HOUR, points[0].t));
    const peak = Math.max(1, ...points.map((p) => p.ms));
    const max = peak * 1.1;
    // The scale: the y axis runs from 0 to the label.
    wrap.append(el('span', { class: 'scale', title: 'slowest run of a minute in the last hour' }, fmtMs(peak)));
    const x = (t) => ((t - t0) / (now - t0)) * w;
    const y = (ms) => h - pad - (ms / max) * (h - 2 * pad);
    const coords = points.map((p) => `${x(p.t).toFixed(1)},${y(p.ms).toFixed(1)}`);
    if (points.length > 1) {
      node.append(svg('polygon', { class: 'area', points: `${x(points[0].t).toFixed(1)},${h} ${coords.join(' ')} ${x(points[points.length - 1].t).toFixed(1)},${h}` }));
      node.append(svg('polyline', { class: 'line', points: coords.join(' ') }));
    }
    for (const p of points) if (!p.ok || points.length === 1) node.append(svg('circle', { class: p.ok ? 'line' : 'fail', cx: x(p.t).toFixed(1), cy: y(p.ms).toFixed(1), r: 2.5 }));
    if (changeAt && changeAt >= t0 && changeAt <= now) {
      const mark = svg('line', { class: 'change', 'data-role': 'change', x1: x(changeAt).toFixed(1), x2: x(changeAt).toFixed(1), y1: 0, y2: h });
      const title = svg('title');
      title.textContent = `level changed at ${new Date(changeAt).toLocaleTimeString()}`;
      mark.append(title);
      node.append(mark);
    }
    return wrap;
  }

  /** Uptime Kuma's heartbeat bar: the last 30 runs, oldest left. */
  function heartbeat(hb) {
    const w = 30 * 8;
    const node = svg('svg', { class: 'hb', viewBox: `0 0 ${w} 10`, preserveAspectRatio: 'none', 'aria-label': 'last 30 runs' });
    const offset = 30 - hb.length;
    for (let i = 0; i < hb.length; i++) node.append(svg('rect', { class: hb[i] === '1' ? 'ok' : 'fail', x: (offset + i) * 8, y: 0, width: 6, height: 10, rx: 1.5 }));
    return node;
  }

  function renderProbe(p) {
    const status = statusOf(p);
    const level = alertLevel(p.name);
    const card = el('div', { class: `card probe ${status}${level === 'none' ? '' : ' alert-' + level}`, 'data-probe': p.name, 'data-status': status, 'data-alert-level': level, 'data-target': p.target },
      el('div', { class: 'top' },
        el('span', { class: 'name', title: p.name }, p.name),
        el('span', { class: 'target' }, p.kind === 'http' ? '' : p.kind),
        el('span', { class: 'latency', 'data-role': 'latency' }, p.last ? fmtMs(p.last.ms) : '–')),
      el('div', { class: 'stats' },
        el('span', null, 'p95 1h ', el('b', { 'data-role': 'p95' }, fmtMs(p.p95))),
        el('span', null, 'uptime ', el('b', { 'data-role': 'uptime' }, fmtPct(p.success))),
        el('span', { 'data-role': 'ago', 'data-t': p.last ? p.last.t : '' }, p.last ? ago(p.last.t) : 'no result yet')),
      el('div', { class: 'reason' }, p.last && !p.last.ok ? `${p.last.reason || 'failed'}${p.last.message ? ': ' + p.last.message : ''}` : ''),
      sparkline(p.spark, state.changes.get(p.name)),
      heartbeat(p.hb));
    const old = cards.get(p.name);
    cards.set(p.name, card);
    if (old) old.replaceWith(card);
    else groupOf(p.target).grid.append(card);
  }

  function groupOf(target) {
    let g = groups.get(target);
    if (!g) {
      const count = el('span', { class: 'muted' });
      const grid = el('div', { class: 'grid' });
      const node = el('div', { class: 'group', 'data-group': target }, el('h3', null, el('span', null, target || '(no target)'), count), grid);
      g = { node, grid, count };
      groups.set(target, g);
      $('probes').append(node);
    }
    return g;
  }

  /** Groups with a failing probe first, failing probes first inside; by name otherwise. */
  function reorder() {
    const byGroup = new Map();
    for (const p of state.probes.values()) {
      if (!byGroup.has(p.target)) byGroup.set(p.target, []);
      byGroup.get(p.target).push(p);
    }
    const rank = (list) => Math.min(...list.map((p) => STATUS_RANK[statusOf(p)]));
    const ordered = [...byGroup.entries()].sort((a, b) => rank(a[1]) - rank(b[1]) || a[0].localeCompare(b[0]));
    for (const [target, list] of ordered) {
      const g = groupOf(target);
      list.sort((a, b) => STATUS_RANK[statusOf(a)] - STATUS_RANK[statusOf(b)] || a.name.localeCompare(b.name));
      for (const p of list) { const c = cards.get(p.name); if (c) g.grid.append(c); }
      const failing = list.filter((p) => statusOf(p) === 'down').length;
      g.count.textContent = `${list.length} probe${list.length === 1 ? '' : 's'}${failing ? ` · ${failing} failing` : ''}`;
      $('probes').append(g.node);
    }
  }

  function applyFilter() {
    const q = $('filter').value.trim().toLowerCase();
    const want = $('status-filter').value;
    const visible = new Map();
    for (const p of state.probes.values()) {
      const c = cards.get(p.name);
      if (!c) continue;
      const show = (!q || p.name.toLowerCase().includes(q) || p.target.toLowerCase().includes(q)) && (!want || statusOf(p) === want);
      c.classList.toggle('hidden', !show);
      if (show) visible.set(p.target, (visible.get(p.target) || 0) + 1);
    }
    for (const [target, g] of groups) g.node.classList.toggle('hidden', !visible.get(target));
    const shown = [...visible.values()].reduce((a, b) => a + b, 0);
    $('probe-count').textContent = shown === state.probes.size ? `(${state.probes.size})` : `(${shown} of ${state.probes.size})`;
  }

  // ---- alerts ----
  // Firing alerts come with the snapshot and live transitions; pending ones (not a transition)
  // from /api/alerts every few seconds. Both are listed by rule.
  function renderAlerts() {
    const box = $('alerts');
    box.replaceChildren();
    if (!state.alertsAvailable) {
      box.append(el('div', { class: 'muted' }, 'alerting is not enabled in this daemon'));
      return;
    }
    const firing = [...state.alerts.values()];
    const pending = state.pending.filter((a) => !state.alerts.has(a.key));
    if (firing.length === 0 && pending.length === 0) {
      box.append(el('div', { class: 'allclear' }, '✓ no alerts firing'));
      return;
    }
    const rules = new Map();
    for (const a of [...firing, ...pending]) {
      if (!rules.has(a.alert)) rules.set(a.alert, []);
      rules.get(a.alert).push(a);
    }
    const rank = (a) => (a.severity === 'critical' ? 0 : a.severity === 'warning' ? 1 : 2);
    const ordered = [...rules.entries()].sort((a, b) => Math.min(...a[1].map(rank)) - Math.min(...b[1].map(rank)) || a[0].localeCompare(b[0]));
    for (const [rule, list] of ordered) {
      list.sort((a, b) => rank(a) - rank(b) || a.subject.localeCompare(b.subject));
      box.append(el('div', { class: 'alert-group', 'data-rule': rule }, el('b', null, `${rule} (${list.length})`),
        ...list.map((a) => el('div', { class: `alert ${a.severity}`, 'data-alert': a.key, 'data-severity': a.severity },
          el('span', { class: `badge ${a.severity}` }, a.severity === 'pending' ? `pending ${a.pendingSeverity}` : a.severity),
          el('b', null, a.alert),
          a.subject ? el('span', null, a.subject) : null,
          a.value ? el('span', { class: 'muted' }, a.value) : null,
          el('span', { class: 'muted', style: 'margin-left:auto' }, a.since ? `${a.severity === 'pending' ? 'pending' : 'since'} ${ago(a.since)}` : '')))));
    }
  }

  function onAlert(tr) {
    if (tr.kind === 'resolved') state.alerts.delete(tr.alert.key);
    else state.alerts.set(tr.alert.key, tr.alert);
    if (noteChange(tr.alert) && state.probes.has(tr.alert.subject)) renderProbe(state.probes.get(tr.alert.subject), false);
    state.alertsAvailable = true;
    renderAlerts();
    // the card of the probe the alert is about changes colour
    if (state.probes.has(tr.alert.subject)) schedule(tr.alert.subject);
  }

  async function pollPending() {
    try {
      const token = new URLSearchParams(location.search).get('token');
      const res = await fetch('/api/alerts', token ? { headers: { authorization: `Bearer ${token}` } } : {});
      if (res.ok) {
        const body = await res.json();
        state.pending = body.alerts
          .map((a) => {
            const sev = a.severities && (a.severities.critical === 'pending' ? 'critical' : a.severities.warning === 'pending' && a.level === 'none' ? 'warning' : null);
            return sev ? { key: `${a.alert}/${a.subject}`, alert: a.alert, subject: a.subject, severity: 'pending', pendingSeverity: sev, since: null, value: a.valueText || null } : null;
          })
          .filter((a) => a !== null);
        renderAlerts();
      }
    } catch { /* the daemon is restarting: the socket shows it */ }
    setTimeout(pollPending, 5000);
  }

  // ---- load ----
  function renderLoad() {
    const box = $('load');
    box.replaceChildren();
    const l = state.load;
    if (!l) {
      box.append(el('div', { class: 'muted' }, 'no load running'));
      return;
    }
    const pct = l.totalSeconds > 0 ? Math.min(100, (l.elapsedSeconds / l.totalSeconds) * 100) : 0;
    const bar = el('div', { class: 'bar' }, el('div', { style: `width:${pct.toFixed(1)}%` }));
    box.append(el('div', { class: 'card load', 'data-run': l.runId },
      el('div', { class: 'head' }, el('b', null, l.name), el('span', { class: 'muted' }, `run ${l.runId} · ${l.phase}${l.step ? ' · step ' + l.step : ''}`),
        el('span', { class: 'muted', style: 'margin-left:auto' }, `${Math.round(l.elapsedSeconds)} / ${Math.round(l.totalSeconds)} s`)),
      bar,
      el('div', { class: 'figures' },
        el('span', null, el('b', null, Math.round(l.rps)), ' req/s'),
        el('span', null, 'p95 ', el('b', null, fmtMs(l.p95Ms))),
        el('span', null, el('b', null, l.errors), ' errors'),
        el('span', null, el('b', null, l.vus), ' VUs'),
        l.droppedIterations ? el('span', null, el('b', null, l.droppedIterations), ' dropped') : null),
      loadChart(state.loadSeries)));
  }

  function loadChart(series) {
    // Both lines share the x axis (seconds into the run); each has its own y scale from 0.
    const w = 600, h = 120;
    const wrap = el('div', null);
    const maxRps = Math.max(1, ...series.map((p) => p.rps)) * 1.15;
    const maxP95 = Math.max(1, ...series.map((p) => p.p95 || 0)) * 1.15;
    const last = series[series.length - 1];
    wrap.append(el('div', { class: 'legend' },
      el('span', null, el('i', { style: 'background:var(--accent)' }), `req/s (0–${Math.round(maxRps)})`),
      el('span', null, el('i', { style: 'background:var(--warn)' }), `p95 (0–${fmtMs(maxP95)})`),
      el('span', { style: 'margin-left:auto' }, last ? `${Math.round(last.t - series[0].t)} s shown` : '')));
    const node = svg('svg', { class: 'chart', viewBox: `0 0 ${w} ${h}`, preserveAspectRatio: 'none', 'aria-label': 'req/s and p95 over the run' });
    for (const f of [0.25, 0.5, 0.75, 1]) node.append(svg('line', { class: 'grid', x1: 0, x2: w, y1: h - f * (h - 4), y2: h - f * (h - 4) }));
    wrap.append(node);
    if (series.length < 2) return wrap;
    const t0 = series[0].t, t1 = Math.max(t0 + 1, last.t);
    const x = (t) => ((t - t0) / (t1 - t0)) * w;
    const y = (v, max) => h - (v / max) * (h - 4);
    node.append(svg('polyline', { class: 'rps', points: series.map((p) => `${x(p.t).toFixed(1)},${y(p.rps, maxRps).toFixed(1)}`).join(' ') }));
    node.append(svg('polyline', { class: 'p95', points: series.filter((p) => p.p95 !== null).map((p) => `${x(p.t).toFixed(1)},${y(p.p95, maxP95).toFixed(1)}`).join(' ') }));
    return wrap;
  }

  function onLoad(progress) {
    if (!progress) {
      state.load = null;
      state.loadSeries = [];
    } else {
      if (!state.load || state.load.runId !== progress.runId) state.loadSeries = [];
      state.load = progress;
      state.loadSeries.push({ t: progress.elapsedSeconds, rps: progress.rps, p95: progress.p95Ms });
      if (state.loadSeries.length > 1200) state.loadSeries.shift();
    }
    renderLoad();
  }

  // ---- runs ----
  function renderRuns() {
    const box = $('runs');
    box.replaceChildren();
    if (state.runs === null) {
      box.append(el('div', { class: 'muted' }, 'run history is not available (no storage)'));
      return;
    }
    if (state.runs.length === 0) {
      box.append(el('div', { class: 'muted' }, 'no runs yet'));
      return;
    }
    const rows = state.runs.map((r) => el('tr', { 'data-run': r.id },
      el('td', null, time(r.startedAt)),
      el('td', null, r.load),
      el('td', null, el('span', { class: `badge ${r.verdict === 'pass' || r.verdict === 'fail' ? r.verdict : 'other'}` }, r.verdict || r.status)),
      el('td', null, r.regression ? el('span', { class: `badge ${r.regression === 'regression' ? 'regression' : r.regression === 'ok' ? 'ok' : 'other'}` }, r.regression) : '–'),
      el('td', null, el('a', { href: r.reportUrl, target: '_blank', rel: 'noopener' }, 'report'))));
    box.append(el('div', { class: 'card', style: 'padding:4px 6px' }, el('table', null,
      el('thead', null, el('tr', null, el('th', null, 'started'), el('th', null, 'load'), el('th', null, 'verdict'), el('th', null, 'vs baseline'), el('th', null, ''))),
      el('tbody', null, ...rows))));
  }

  function onRun(run) {
    if (state.runs === null) state.runs = [];
    state.runs = [run, ...state.runs.filter((r) => r.id !== run.id)].slice(0, 10);
    renderRuns();
  }

  function renderAll() {
    $('probes').replaceChildren();
    cards.clear();
    groups.clear();
    for (const p of state.probes.values()) renderProbe(p);
    reorder();
    applyFilter();
    if (state.probes.size === 0) $('probes').append(el('div', { class: 'muted' }, 'no probes configured'));
    renderAlerts();
    renderLoad();
    renderRuns();
  }

  // ---- live socket ----
  let retry = 500;
  function connect() {
    const conn = $('conn');
    const token = new URLSearchParams(location.search).get('token');
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/live${token ? '?token=' + encodeURIComponent(token) : ''}`;
    const ws = new WebSocket(url);
    ws.onopen = () => { retry = 500; conn.textContent = 'live'; conn.className = 'live'; };
    ws.onmessage = (ev) => {
      const m = JSON.parse(ev.data);
      if (m.type === 'snapshot') applySnapshot(m);
      else if (m.type === 'probe') onProbe(m.result);
      else if (m.type === 'figures') onFigures(m.probes);
      else if (m.type === 'alert') onAlert(m.transition);
      else if (m.type === 'load') onLoad(m.progress);
      else if (m.type === 'run') onRun(m.run);
    };
    ws.onclose = () => {
      conn.textContent = 'reconnecting…';
      conn.className = 'down';
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 15000);
    };
  }

  function tick() {
    $('clock').textContent = new Date().toLocaleTimeString();
    for (const n of document.querySelectorAll('[data-role="ago"]')) {
      const t = Number(n.getAttribute('data-t'));
      if (t) n.textContent = ago(t);
    }
  }

  applySnapshot(JSON.parse($('snapshot').textContent));
  $('filter').addEventListener('input', applyFilter);
  $('status-filter').addEventListener('change', applyFilter);
  tick();
  setInterval(tick, 1000);
  connect();
  pollPending();
})();
