// The dashboard page: one EventSource for the node's state, tables drawn with the DOM (text only,
// never HTML from the node), a map of the overlay and small SVG charts of each rule's and each peer's
// traffic, actions posted with the session's CSRF token after a confirmation.
'use strict';

const HISTORY = 60; // points kept per rule for its chart
const history = new Map(); // 'rule:' + id or 'peer:' + peer ID -> [{t, in, out}]
const SVG = 'http://www.w3.org/2000/svg';
let csrf = null;
let maxUpload = 0;
let names = new Map(); // peer ID -> node name, from the last network view

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
    seen.add(String(r.id));
    const h = track('rule:' + r.id, now, t);
    const remove = el('button', { type: 'button', class: 'remove' }, 'Remove');
    remove.addEventListener('click', () => act('Remove proxy rule ' + r.id + ' (' + r.rule + ')? Its listener and '
      + 'connections close.', '/api/rules/remove', { id: r.id }));
    return el('tr', { 'data-rule': r.id, 'data-port': r.port },
      el('td', {}, r.id), el('td', {}, r.direction), el('td', { class: 'mono' }, r.rule), el('td', {}, r.status),
      el('td', { class: 'bytes-in' }, bytes(t.in)), el('td', { class: 'bytes-out' }, bytes(t.out)),
      el('td', {}, chart(h)), el('td', {}, remove));
  }));
  for (const id of [...history.keys()]) if (id.startsWith('rule:') && !seen.has(id.slice(5))) history.delete(id);
}

/** Adds the counters {in, out} at time now to the points of key; answers them. */
function track(key, now, t) {
  const h = history.get(key) || [];
  h.push({ t: now, in: t.in || 0, out: t.out || 0 });
  while (h.length > HISTORY) h.shift();
  history.set(key, h);
  return h;
}

function shortId(id) {
  return id.length > 10 ? '\u2026' + id.slice(-6) : id;
}

function renderPeers(peerTraffic) {
  const ids = Object.keys(peerTraffic || {});
  document.getElementById('peers-note').textContent = ids.length === 0 ? 'no libp2p connections open' : '';
  const now = Date.now();
  rows('peers', ids.map(id => {
    const t = peerTraffic[id];
    const h = track('peer:' + id, now, t);
    return el('tr', { 'data-peer': id, 'data-name': names.get(id) || '' },
      el('td', { class: 'name' }, names.get(id) || '(not a member)'), el('td', { class: 'mono' }, id),
      el('td', { class: 'bytes-in' }, bytes(t.in)), el('td', { class: 'bytes-out' }, bytes(t.out)),
      el('td', {}, chart(h)));
  }));
  for (const key of [...history.keys()]) if (key.startsWith('peer:') && !(key.slice(5) in (peerTraffic || {}))) {
    history.delete(key);
  }
}

function svg(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text != null) e.textContent = text;
  return e;
}

/**
 * The overlay as each node signed it: overlay.links maps a node's peer ID to its p2p.links value (the
 * ends of the peer IDs it is connected to, '@' the relay's when relayed; null: no record held).
 */
function renderMap(overlay, network) {
  const map = document.getElementById('map');
  const note = document.getElementById('map-note');
  if (!overlay || !overlay.self) {
    map.replaceChildren();
    note.textContent = 'no overlay view on this node';
    return;
  }
  const ids = [overlay.self];
  const add = id => { if (!ids.includes(id)) ids.push(id); return id; };
  Object.keys(overlay.links).forEach(add);
  ((network && network.peers) || []).forEach(p => add(p.peerId));
  const resolve = end => ids.find(id => id.endsWith(end)) || add(end);
  const edges = new Map();
  let leftOut = 0;
  for (const [from, value] of Object.entries(overlay.links)) {
    for (const entry of (value || '').split(' ').filter(e => e)) {
      if (entry.startsWith('+')) { leftOut += Number(entry.slice(1)); continue; }
      const [peer, relay] = entry.split('@');
      const to = resolve(peer);
      const key = [from, to].sort().join(' ');
      const via = relay ? resolve(relay) : null;
      if (!edges.has(key) || (edges.get(key).via && !via)) edges.set(key, { a: from, b: to, via });
    }
  }
  note.textContent = leftOut ? leftOut + ' more connection(s) did not fit into the records.' : '';
  const cx = 260, cy = 150, r = ids.length > 1 ? 110 : 0;
  const at = new Map(ids.map((id, i) => [id, {
    x: cx + r * Math.sin(2 * Math.PI * i / ids.length), y: cy - r * Math.cos(2 * Math.PI * i / ids.length) }]));
  const parts = [];
  for (const e of edges.values()) {
    const a = at.get(e.a), b = at.get(e.b);
    if (e.via && at.has(e.via)) {
      const v = at.get(e.via);
      parts.push(svg('polyline', { class: 'link relayed', 'data-a': e.a, 'data-b': e.b, 'data-via': e.via,
        points: `${a.x},${a.y} ${v.x},${v.y} ${b.x},${b.y}` }));
    } else {
      parts.push(svg('line', { class: 'link direct', 'data-a': e.a, 'data-b': e.b, x1: a.x, y1: a.y, x2: b.x, y2: b.y }));
    }
  }
  for (const id of ids) {
    const p = at.get(id);
    const kind = id === overlay.self ? 'self' : !(id in overlay.links) && !names.has(id) ? 'other'
      : overlay.links[id] == null ? 'unknown' : 'member';
    const name = names.get(id) || shortId(id);
    const signed = (overlay.links[id] || '').split(' ').filter(x => x && !x.startsWith('+')).length;
    const g = svg('g', { class: 'node ' + kind, 'data-peer': id, 'data-name': names.get(id) || '',
      'data-links': signed });
    g.append(svg('title', {}, name + ' ' + id + (kind === 'unknown' ? ' (no signed record held yet)' : '')),
      svg('circle', { cx: p.x, cy: p.y, r: 12 }), svg('text', { x: p.x, y: p.y + 26 }, name));
    parts.push(g);
  }
  map.replaceChildren(...parts);
}

function renderPushTargets(network) {
  const select = document.getElementById('push-node');
  const options = ((network && network.peers) || []).map(p => p.name);
  const now = [...select.options].map(o => o.value);
  if (options.join(' ') === now.join(' ')) return;
  const chosen = select.value;
  select.replaceChildren(...options.map(n => el('option', { value: n }, n)));
  if (options.includes(chosen)) select.value = chosen;
}

async function push(e) {
  e.preventDefault();
  const file = document.getElementById('push-file').files[0];
  const node = document.getElementById('push-node').value;
  if (!file) { say('choose a bundle .jar first', true); return; }
  if (!node) { say('choose the node to push to', true); return; }
  if (file.size > maxUpload) {
    say(file.name + ' is ' + bytes(file.size) + ', more than the ' + bytes(maxUpload) + ' the dashboard takes; '
      + 'push it with deploy:push from the console', true);
    return;
  }
  if (!confirm('Push ' + file.name + ' (' + bytes(file.size) + ') to ' + node + '? It is installed or updated there '
    + 'and started.')) return;
  say('pushing ' + file.name + ' to ' + node + '...');
  const r = await fetch('/api/bundles/push?' + new URLSearchParams({ node, name: file.name }), {
    method: 'POST',
    headers: { 'X-CSRF-Token': csrf, 'Content-Type': 'application/java-archive',
      'X-Push-Credentials': encodeURIComponent(document.getElementById('push-credentials').value) },
    body: file,
    credentials: 'same-origin',
  });
  let b;
  try { b = await r.json(); } catch (x) { b = { ok: false, error: r.status + ' ' + r.statusText }; }
  if (r.status === 401) { location.reload(); return; }
  if (b.ok) say(String(b.result || 'pushed')); else say(String(b.error || 'push failed'), true);
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
  names = new Map(((state.network && state.network.peers) || []).map(p => [p.peerId, p.name]));
  renderNodes(state.network);
  renderMap(state.overlay, state.network);
  renderPeers(state.peerTraffic);
  renderPushTargets(state.network);
  renderRules(state.rules, state.traffic || {});
  renderBundles(Array.isArray(state.bundles) ? state.bundles : []);
  renderText('devices', state.devices);
  renderText('certificates', state.certificates);
  renderText('updates', state.updates);
}

async function start() {
  const r = await fetch('/api/session', { credentials: 'same-origin' });
  if (r.status !== 200) { location.reload(); return; }
  const session = await r.json();
  csrf = session.csrf;
  maxUpload = session.maxUpload;
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
  document.getElementById('push').addEventListener('submit', push);
  document.getElementById('add-rule').addEventListener('submit', e => {
    e.preventDefault();
    const f = new FormData(e.target);
    const params = Object.fromEntries(f.entries());
    act('Add ' + params.direction + ' rule on port ' + params.port + ' with ' + params.peer + '?', '/api/rules/add',
      params);
  });
}

start();
