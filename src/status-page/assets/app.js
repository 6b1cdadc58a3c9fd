// perfwarden status page. Hand-written, no framework, no build: the first snapshot is inlined in
// the HTML, then /api/live pushes deltas. Text goes in with textContent only (never innerHTML).
'use strict';
(function () {
  const HOUR = 3600e3;
  const SVG = 'http://www.w3.org/2000/svg';
  const state = { probes: new Map(), alerts: new Map(), alertsAvailable: true, runs: null, load: null, loadSeries: [], changes: new Map() };
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
  function applySnapshot(s) {
    state.probes.clear();
    for (const p of s.probes) {
      state.probes.set(p.name, {
        name: p.name, target: p.target, kind: p.kind,
        last: p.lastResult ? { ok: p.lastResult.ok, ms: p.lastResult.durationSeconds * 1000, t: p.lastResult.startedAt, reason: p.lastResult.reason || null, message: p.lastResult.message || null, status: p.lastResult.status ?? null } : null,
        p95: p.lastHour.p95Ms, success: p.lastHour.successRatio, count: p.lastHour.count,
        points: p.sparkline.map((x) => ({ t: x.t, ms: x.ms, ok: x.ok })),
      });
    }
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

  function onProbe(r) {
    let p = state.probes.get(r.probe);
    if (!p) {
      p = { name: r.probe, target: '', kind: 'http', last: null, p95: null, success: null, count: 0, points: [] };
      state.probes.set(r.probe, p);
    }
    p.last = r;
    p.points.push({ t: r.t, ms: r.ms, ok: r.ok });
    const cutoff = Date.now() - HOUR;
    while (p.points.length > 0 && p.points[0].t < cutoff) p.points.shift();
    // Recompute the last-hour figures from the points the page holds.
    const ok = p.points.filter((x) => x.ok).length;
    p.count = p.points.length;
    p.success = p.count ? ok / p.count : null;
    const sorted = p.points.map((x) => x.ms).sort((a, b) => a - b);
    p.p95 = sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)] : null;
    renderProbe(p, true);
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
    const node = svg('svg', { class: 'spark', viewBox: `0 0 ${w} ${h}`, preserveAspectRatio: 'none', 'aria-label': 'latency, last hour' });
    if (points.length === 0) return node;
    // The x axis spans the last hour, or less while the probe has not been running that long.
    const now = Date.now();
    const t0 = Math.min(now - 5e3, Math.max(now - HOUR, points[0].t));
    const max = Math.max(1, ...points.map((p) => p.ms)) * 1.1;
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
    return node;
  }

  function renderProbe(p, flash) {
    const status = p.last === null ? 'unknown' : p.last.ok ? 'up' : 'down';
    const card = el('div', { class: `card probe ${status}${flash ? ' flash' : ''}`, 'data-probe': p.name, 'data-status': status },
      el('div', { class: 'top' },
        el('span', { class: 'name', title: p.name }, p.name),
        el('span', { class: 'target' }, p.target),
        el('span', { class: 'latency', 'data-role': 'latency' }, p.last ? fmtMs(p.last.ms) : '–')),
      el('div', { class: 'stats' },
        el('span', null, 'p95 1h ', el('b', null, fmtMs(p.p95))),
        el('span', null, 'success ', el('b', null, fmtPct(p.success))),
        el('span', { 'data-role': 'ago', 'data-t': p.last ? p.last.t : '' }, p.last ? ago(p.last.t) : 'no result yet')),
      el('div', { class: 'reason' }, p.last && !p.last.ok ? `${p.last.reason || 'failed'}${p.last.message ? ': ' + p.last.message : ''}` : ''),
      sparkline(p.points, state.changes.get(p.name)));
    const old = document.querySelector(`[data-probe="${CSS.escape(p.name)}"]`);
    if (old) old.replaceWith(card);
    else $('probes').append(card);
    $('probe-count').textContent = `(${state.probes.size})`;
  }

  // ---- alerts ----
  function renderAlerts() {
    const box = $('alerts');
    box.replaceChildren();
    if (!state.alertsAvailable) {
      box.append(el('div', { class: 'muted' }, 'alerting is not enabled in this daemon'));
      return;
    }
    const list = [...state.alerts.values()].sort((a, b) => (a.severity === 'critical' ? 0 : 1) - (b.severity === 'critical' ? 0 : 1) || a.alert.localeCompare(b.alert));
    if (list.length === 0) {
      box.append(el('div', { class: 'allclear' }, '✓ no alerts firing'));
      return;
    }
    for (const a of list) {
      box.append(el('div', { class: `alert ${a.severity}`, 'data-alert': a.key, 'data-severity': a.severity },
        el('span', { class: `badge ${a.severity}` }, a.severity),
        el('b', null, a.alert),
        a.subject ? el('span', null, a.subject) : null,
        a.value ? el('span', { class: 'muted' }, a.value) : null,
        el('span', { class: 'muted', style: 'margin-left:auto' }, a.since ? `since ${ago(a.since)}` : '')));
    }
  }

  function onAlert(tr) {
    if (tr.kind === 'resolved') state.alerts.delete(tr.alert.key);
    else state.alerts.set(tr.alert.key, tr.alert);
    if (noteChange(tr.alert) && state.probes.has(tr.alert.subject)) renderProbe(state.probes.get(tr.alert.subject), false);
    state.alertsAvailable = true;
    renderAlerts();
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
    for (const p of state.probes.values()) renderProbe(p, false);
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
  tick();
  setInterval(tick, 1000);
  connect();
})();
