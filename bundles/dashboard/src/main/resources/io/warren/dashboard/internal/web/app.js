// The dashboard page: one EventSource for the node's state, tables drawn with the DOM (text only,
// never HTML from the node), a small SVG chart of each rule's traffic, actions posted with the
// session's CSRF token after a confirmation.
'use strict';

const HISTORY = 60; // points kept per rule for its chart
const history = new Map(); // rule id -> [{t, in, out}]
let csrf = null;

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v; else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c == null ? '' : String(c)));
  return e;
}

function say(text, error) {
  const m = document.getElementById('message');
  m.textContent = text;
  m.className = error ? 'error' : '';
}

function bytes(n) {
  if (n == null) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? n : n.toFixed(1)) + ' ' + units[i];
}

function ago(iso) {
  if (!iso) return '-';
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  return s < 60 ? s + 's ago' : s < 3600 ? Math.floor(s / 60) + 'm ago' : Math.floor(s / 3600) + 'h ago';
}

async function post(path, params) {
  const r = await fetch(path, {
    method: 'POST',
    headers: { 'X-CSRF-Token': csrf, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params),
    credentials: 'same-origin',
  });
  let body = {};
  try { body = await r.json(); } catch (e) { body = { ok: false, error: r.status + ' ' + r.statusText }; }
  if (r.status === 401) { location.reload(); }
  return body;
}

async function act(question, path, params) {
  if (!confirm(question)) return;
  say('working...');
  const b = await post(path, params);
  if (b.ok) say(String(b.result || 'done')); else say(String(b.error || 'failed'), true);
}

function rows(table, list) {
  const body = document.querySelector('#' + table + ' tbody');
  body.replaceChildren(...list);
}

function renderNodes(network) {
  const note = document.getElementById('network-note');
  if (!network || network.error) {
    rows('nodes', []);
    note.textContent = network ? 'no network view: ' + network.error : '';
    document.getElementById('network-name').textContent = '';
    return;
  }
  note.textContent = '';
  document.getElementById('network-name').textContent = network.network || '(none)';
  rows('nodes', network.peers.map(p => el('tr', { 'data-peer': p.peerId },
    el('td', { class: 'name' }, p.name), el('td', { class: 'mono' }, p.peerId), el('td', { class: 'path' }, p.path),
    el('td', {}, p.rttMillis == null ? '-' : p.rttMillis.toFixed(1) + ' ms'),
    el('td', {}, p.self ? '-' : ago(p.lastSeen)), el('td', {}, p.version))));
}

function chart(points) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('class', 'chart');
  svg.setAttribute('viewBox', '0 0 160 32');
  const rates = [];
  for (let i = 1; i < points.length; i++) {
    const dt = Math.max(0.001, (points[i].t - points[i - 1].t) / 1000);
    rates.push({ in: Math.max(0, points[i].in - points[i - 1].in) / dt,
      out: Math.max(0, points[i].out - points[i - 1].out) / dt });
  }
  const max = Math.max(1, ...rates.map(r => Math.max(r.in, r.out)));
  for (const dir of ['in', 'out']) {
    const line = document.createElementNS(ns, 'polyline');
    line.setAttribute('class', dir);
    line.setAttribute('points', rates.map((r, i) =>
      (160 * (i + HISTORY - rates.length) / (HISTORY - 1)).toFixed(1) + ',' + (31 - 30 * r[dir] / max).toFixed(1))
      .join(' '));
    svg.append(line);
  }
  const title = document.createElementNS(ns, 'title');
  title.textContent = 'peak ' + bytes(max) + '/s (blue: in, orange: out)';
  svg.append(title);
  return svg;
}

function renderRules(rules, traffic) {
  const note = document.getElementById('rules-note');
  if (!rules || rules.error) {
    rows('rules', []);
    note.textContent = rules ? 'no proxy view: ' + rules.error : '';
    return;
  }
  note.textContent = rules.length === 0 ? 'no proxy rules' : '';
  const now = Date.now();
  const seen = new Set();
  rows('rules', rules.map(r => {
    const t = traffic[r.id] || {};
    seen.add(r.id);
    const h = history.get(r.id) || [];
    h.push({ t: now, in: t.in || 0, out: t.out || 0 });
    while (h.length > HISTORY) h.shift();
    history.set(r.id, h);
    const remove = el('button', { type: 'button', class: 'remove' }, 'Remove');
    remove.addEventListener('click', () => act('Remove proxy rule ' + r.id + ' (' + r.rule + ')? Its listener and '
      + 'connections close.', '/api/rules/remove', { id: r.id }));
    return el('tr', { 'data-rule': r.id, 'data-port': r.port },
      el('td', {}, r.id), el('td', {}, r.direction), el('td', { class: 'mono' }, r.rule), el('td', {}, r.status),
      el('td', { class: 'bytes-in' }, bytes(t.in)), el('td', { class: 'bytes-out' }, bytes(t.out)),
      el('td', {}, chart(h)), el('td', {}, remove));
  }));
  for (const id of [...history.keys()]) if (!seen.has(id)) history.delete(id);
}

function renderBundles(bundles) {
  rows('bundles', bundles.map(b => {
    const cells = [el('td', {}, b.id), el('td', { class: 'mono' }, b.name), el('td', {}, b.version),
      el('td', { class: 'state' }, b.state)];
    const restart = el('button', { type: 'button' }, 'Restart');
    restart.addEventListener('click', () => act('Restart bundle ' + b.name + '? Its services stop and start again.',
      '/api/bundles/restart', { id: b.id }));
    cells.push(el('td', {}, b.fragment || b.id === 0 ? '' : restart));
    return el('tr', { 'data-bundle': b.name }, ...cells);
  }));
}

function renderText(id, part) {
  document.getElementById(id).textContent = !part ? '' : part.error ? 'not available: ' + part.error : part.text;
}

function render(state) {
  if (state.node && !state.node.error) {
    document.getElementById('node-name').textContent = state.node.name;
    document.getElementById('node-id').textContent = state.node.peerId;
  }
  document.getElementById('node-version').textContent = state.version || '';
  renderNodes(state.network);
  renderRules(state.rules, state.traffic || {});
  renderBundles(Array.isArray(state.bundles) ? state.bundles : []);
  renderText('devices', state.devices);
  renderText('certificates', state.certificates);
  renderText('updates', state.updates);
}

async function start() {
  const r = await fetch('/api/session', { credentials: 'same-origin' });
  if (r.status !== 200) { location.reload(); return; }
  csrf = (await r.json()).csrf;
  const live = document.getElementById('live');
  const events = new EventSource('/api/events');
  events.addEventListener('state', e => {
    live.textContent = 'live';
    live.className = 'live';
    render(JSON.parse(e.data));
  });
  events.onerror = () => { live.textContent = 'reconnecting'; live.className = 'live off'; };
  document.getElementById('logout').addEventListener('click', async () => {
    await post('/logout', {});
    events.close();
    location.reload();
  });
  document.getElementById('add-rule').addEventListener('submit', e => {
    e.preventDefault();
    const f = new FormData(e.target);
    const params = Object.fromEntries(f.entries());
    act('Add ' + params.direction + ' rule on port ' + params.port + ' with ' + params.peer + '?', '/api/rules/add',
      params);
  });
}

start();
