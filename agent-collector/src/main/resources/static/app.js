// Donut Tracing collector page. Plain JS, no build step, no network but this collector's API.
// Span data is untrusted: everything shown goes through text nodes (textContent), never innerHTML.
(function () {
  'use strict';

  const app = document.getElementById('app');
  const REFRESH_MS = 5000;
  const SPANS_DRAWN = 1000; // a trace may hold 100,000 spans; a browser drawing them all stops answering
  let timer = null;
  let selectedSpan = null;
  let renderToken = 0;

  // ---- helpers -------------------------------------------------------------------------------

  /** Creates an element; attrs are set as properties/attributes, children strings become text nodes. */
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (v === undefined || v === null) continue;
        if (k === 'class') e.className = v;
        else if (k === 'text') e.textContent = v;
        // a click on a link inside the row is the link's (a ctrl-click opens a tab and leaves this page as it is)
        else if (k === 'onclick') e.addEventListener('click', ev => { if (!ev.target.closest('a')) v(ev); });
        else if (k === 'dataset') Object.assign(e.dataset, v);
        else e.setAttribute(k, String(v));
      }
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      e.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    }
    return e;
  }

  function svg(tag, attrs, text) {
    const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function fmtDur(ns) {
    ns = Number(ns) || 0;
    if (ns >= 864e11) return (ns / 864e11).toFixed(1) + ' d';
    if (ns >= 36e11) return (ns / 36e11).toFixed(1) + ' h';
    if (ns >= 6e10) return (ns / 6e10).toFixed(1) + ' min';
    if (ns >= 1e9) return (ns / 1e9).toFixed(ns >= 1e10 ? 1 : 2) + ' s';
    if (ns >= 1e6) return (ns / 1e6).toFixed(ns >= 1e8 ? 0 : ns >= 1e7 ? 1 : 2) + ' ms';
    if (ns >= 1e3) return (ns / 1e3).toFixed(ns >= 1e5 ? 0 : 1) + ' µs';
    return Math.round(ns) + ' ns';
  }

  function plural(n, word) {
    return n + ' ' + word + (n === 1 ? '' : 's');
  }

  function fmtTime(ns) {
    const d = new Date(Number(ns) / 1e6);
    return isNaN(d.getTime()) ? String(ns) : d.toLocaleTimeString() + ' · ' + d.toLocaleDateString();
  }

  /**
   * A span's start to the millisecond, in UTC and local time. The API gives it in ns as a JSON number, which
   * JavaScript holds to about 16 digits: its last digits (the ns and most µs) are lost, so they are not shown.
   */
  function fmtStart(ns) {
    const d = new Date(Math.floor(Number(ns) / 1e6));
    if (isNaN(d.getTime())) return String(ns);
    const local = d.toLocaleString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', fractionalSecondDigits: 3, hourCycle: 'h23' });
    return d.toISOString().replace('T', ' ').replace('Z', ' UTC') + '  (' + local + ' local time)';
  }

  // Invisible characters that reorder the text around them (an RTL override can show "gnp.exe" as "exe.png")
  // are shown as their code points where a span's data is read in full.
  const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

  function reveal(v) {
    return String(v).replace(BIDI_CONTROLS, c => '<U+' + c.charCodeAt(0).toString(16).toUpperCase() + '>');
  }

  function fmtNum(n) {
    return Number(n || 0).toLocaleString();
  }

  // 13 distinct colours; the workshop's services (matchmaker, taster, redis, db) land on different ones
  const PALETTE = ['#5c6bc0', '#26a69a', '#ef6c00', '#ab47bc', '#c0ca33', '#ec407a', '#29b6f6', '#8d6e63',
    '#66bb6a', '#ffa726', '#7e57c2', '#26c6da', '#d4a017'];

  /** A stable colour per service name, the same on every page. */
  function colour(name) {
    let h = 0;
    for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
    return PALETTE[h % PALETTE.length];
  }

  function dot(service) {
    const d = el('span', { class: 'dot' });
    d.style.backgroundColor = colour(service);
    return d;
  }

  /** The collector's answer: { status, body }, body the parsed JSON or null (an error page of Tomcat's). */
  async function answer(path, method) {
    let r;
    try {
      r = await fetch(path, { method: method || 'GET', headers: { Accept: 'application/json' } });
    } catch (e) {
      throw new Error('the collector did not answer ' + path + ' (' + e.message + ')');
    }
    let body = null;
    try {
      body = await r.json();
    } catch (e) {
      // not JSON
    }
    return { status: r.status, body: body };
  }

  /** The JSON body; null for 404; otherwise an Error saying what the collector said (its "detail"). */
  async function api(path) {
    const a = await answer(path);
    if (a.status === 404) return null;
    if (a.status !== 200) throw refused(path, a);
    return a.body;
  }

  /** An answer other than 200, as an Error saying what the collector said (its "detail"). */
  function refused(path, a) {
    return new Error('the collector answered ' + path + ' with HTTP ' + a.status + (a.body && a.body.detail ? ': ' + a.body.detail : ''));
  }

  function enc(s) {
    return encodeURIComponent(s);
  }

  function replace(...nodes) {
    app.replaceChildren(...nodes);
  }

  function empty(text) {
    return el('p', { class: 'empty' }, text);
  }

  function link(href, text) {
    return el('a', { href: href }, text);
  }

  /** Shows the first lines of e's text (a resource may be a 5,000-character URL), the whole in its tooltip. */
  function cut(e) {
    e.classList.add('cut');
    e.title = e.textContent;
    return e;
  }

  // ---- routing ----------------------------------------------------------------------------------

  // A link with a bad escape (#/trace/%ZZ) is taken as written: the collector then says it is not a trace
  // id, instead of the page hanging on the exception.
  function decode(s) {
    try {
      return decodeURIComponent(s);
    } catch (e) {
      return s;
    }
  }

  function route() {
    const hash = location.hash || '#/';
    const parts = hash.slice(1).split('?');
    const path = parts[0];
    const query = new URLSearchParams(parts[1] || '');
    let m;
    if ((m = path.match(/^\/trace\/([^/]+)$/))) return { view: 'trace', id: decode(m[1]) };
    if ((m = path.match(/^\/service\/(.+)$/))) return { view: 'service', service: decode(m[1]), query };
    if (path === '/traces') return { view: 'traces', query };
    return { view: 'services', query };
  }

  async function render(auto) {
    const token = ++renderToken;
    const r = route();
    try {
      let nodes;
      if (r.view === 'trace') nodes = await traceView(r.id);
      else if (r.view === 'service') nodes = await serviceView(r.service, r.query);
      else if (r.view === 'traces') nodes = await tracesView(r.query);
      else nodes = await servicesView();
      if (token !== renderToken) return;
      // a refresh keeps the scroll position and the focus (on a link: the same link in the new list)
      const scroll = window.scrollY;
      const focused = auto && app.contains(document.activeElement) ? document.activeElement.getAttribute('href') : null;
      replace(...nodes);
      if (auto) {
        window.scrollTo(0, scroll);
        const again = [...app.querySelectorAll('a[href]')].find(a => a.getAttribute('href') === focused);
        if (again) again.focus({ preventScroll: true });
      }
    } catch (e) {
      if (token !== renderToken) return;
      replace(el('div', { class: 'panel' }, empty('Cannot show this page: ' + e.message + '.')));
    }
    announce();
    document.getElementById('foot').textContent = 'Updated ' + new Date().toLocaleTimeString();
  }

  // #status is the page's only live region (not the whole page, re-read every 5 s): one line saying what the
  // page shows, read out when it changes.
  function announce() {
    const h1 = app.querySelector('h1');
    const counts = [['#services-table tbody tr', 'services'], ['#resources-table tbody tr', 'resources'],
      ['#traces-table tbody tr', 'traces'], ['#waterfall .span-row', 'spans']]
      .map(([sel, what]) => [app.querySelectorAll(sel).length, what]).filter(c => c[0] > 0).map(c => c.join(' '));
    const first = app.querySelector('.empty');
    const text = (h1 ? h1.textContent.slice(0, 100) + ': ' : '') + (counts.length ? counts.join(', ') : first ? first.textContent : '');
    const status = document.getElementById('status');
    if (status.textContent !== text) status.textContent = text;
  }

  function schedule() {
    if (timer) clearInterval(timer);
    timer = setInterval(() => {
      if (document.getElementById('auto-refresh').checked && !document.hidden && !filtersFocused() && route().view !== 'trace') render(true);
    }, REFRESH_MS);
  }

  function filtersFocused() {
    const a = document.activeElement;
    return a && a.closest && a.closest('.filters') !== null;
  }

  // ---- services ---------------------------------------------------------------------------------

  async function servicesView() {
    const data = await api('/api/services');
    const services = (data && data.services) || [];
    const nodes = [el('h1', null, 'Services')];
    if (services.length === 0) {
      nodes.push(el('div', { class: 'panel' },
        empty('No services yet. Point a tracer at this collector (DD_TRACE_AGENT_URL=' + location.protocol + '//' + location.host + ') and send a request.')));
    } else {
      const rows = services.map(s => el('tr', {
        class: 'clickable service-row', dataset: { service: s.name },
        onclick: () => { location.hash = '#/service/' + enc(s.name); }
      },
        el('td', null, dot(s.name), link('#/service/' + enc(s.name), s.name)),
        el('td', { class: 'num' }, fmtNum(s.hits)),
        el('td', { class: 'num' + (s.errors > 0 ? ' err' : '') }, fmtNum(s.errors)),
        el('td', { class: 'num' }, s.hits ? (100 * s.errors / s.hits).toFixed(1) + ' %' : '–'),
        el('td', { class: 'num' }, s.hits ? fmtDur(s.p50) : '–'),
        el('td', { class: 'num' }, s.hits ? fmtDur(s.p95) : '–'),
        el('td', { class: 'num' }, s.hits ? fmtDur(s.p99) : '–'),
        el('td', { class: 'num' }, s.stored_spans !== undefined ? fmtNum(s.stored_spans) : '0')));
      nodes.push(el('div', { class: 'panel' }, el('table', { id: 'services-table' },
        el('thead', null, el('tr', null, el('th', null, 'Service'), el('th', { class: 'num' }, 'Hits'),
          el('th', { class: 'num' }, 'Errors'), el('th', { class: 'num' }, 'Error rate'), el('th', { class: 'num' }, 'p50'),
          el('th', { class: 'num' }, 'p95'), el('th', { class: 'num' }, 'p99'), el('th', { class: 'num' }, 'Stored spans'))),
        el('tbody', null, rows))));
    }
    nodes.push(el('h2', null, 'Recent traces'));
    nodes.push(...await traceList(new URLSearchParams('limit=20'), false));
    return nodes;
  }

  // ---- one service ----------------------------------------------------------------------------------

  async function serviceView(service, query) {
    const resource = query.get('resource') || '';
    const [res, ts] = await Promise.all([
      api('/api/services/' + enc(service) + '/resources'),
      api('/api/services/' + enc(service) + '/timeseries' + (resource ? '?resource=' + enc(resource) : ''))
    ]);
    const nodes = [
      el('div', { class: 'crumbs' }, link('#/', 'Services'), ' / ', service),
      el('h1', null, dot(service), service)
    ];
    const resources = (res && res.resources) || [];
    nodes.push(el('h2', null, 'Latency over time' + (resource ? ' · ' + resource : ' · entry points')));
    nodes.push(el('div', { class: 'panel' }, chart((ts && ts.points) || [], (ts && ts.bucket) || 1e10)));
    nodes.push(el('h2', null, 'Resources'));
    if (resources.length === 0) {
      const kept = (res && res.retention) || 0; // the collector's stats retention, in ns
      const last = kept % 6e10 === 0 ? plural(kept / 6e10, 'minute') : fmtDur(kept);
      nodes.push(el('div', { class: 'panel' }, empty(kept ? 'No statistics for this service in the last ' + last + '.'
        : 'No statistics for this service.')));
    } else {
      const rows = resources.map(r => el('tr', {
        class: 'clickable resource-row' + (r.resource === resource ? ' selected' : ''),
        onclick: () => { location.hash = '#/service/' + enc(service) + '?resource=' + enc(r.resource); }
      },
        el('td', { class: 'mono' }, cut(el('a', { href: '#/service/' + enc(service) + '?resource=' + enc(r.resource),
          'aria-current': r.resource === resource ? 'true' : null }, reveal(r.resource)))),
        el('td', null, r.name),
        el('td', { class: 'num' }, fmtNum(r.hits)),
        el('td', { class: 'num' + (r.errors > 0 ? ' err' : '') }, fmtNum(r.errors)),
        el('td', { class: 'num' }, fmtDur(r.p50)),
        el('td', { class: 'num' }, fmtDur(r.p95)),
        el('td', { class: 'num' }, fmtDur(r.p99)),
        el('td', { class: 'num' }, fmtDur(r.max))));
      if (res.total > resources.length) {
        nodes.push(el('p', { id: 'resources-shown', class: 'hint' },
          'The ' + fmtNum(resources.length) + ' busiest of ' + fmtNum(res.total) + ' resources, by hits.'));
      }
      nodes.push(el('div', { class: 'panel' }, el('table', { id: 'resources-table' },
        el('thead', null, el('tr', null, el('th', null, 'Resource'), el('th', null, 'Operation'),
          el('th', { class: 'num' }, 'Hits'), el('th', { class: 'num' }, 'Errors'), el('th', { class: 'num' }, 'p50'),
          el('th', { class: 'num' }, 'p95'), el('th', { class: 'num' }, 'p99'), el('th', { class: 'num' }, 'Max'))),
        el('tbody', null, rows))));
    }
    nodes.push(el('h2', null, 'Traces'));
    const q = new URLSearchParams(query);
    q.set('service', service);
    nodes.push(...await traceList(q, true));
    return nodes;
  }

  /** An SVG line chart of p50/p95/p99 per 10 s bucket (bucket, in ns); the lines break where buckets had no traffic. */
  function chart(points, bucket) {
    if (points.length === 0) return empty('No latency data yet.');
    const W = 900, H = 220, L = 64, R = 12, T = 22, B = 28;
    const s = svg('svg', { class: 'chart', viewBox: '0 0 ' + W + ' ' + H, role: 'img' });
    s.appendChild(svg('title', {}, 'Latency percentiles over time'));
    const t0 = points[0].time, t1 = points[points.length - 1].time;
    const maxY = Math.max(1, ...points.map(p => p.p99));
    const x = t => L + (t1 === t0 ? (W - L - R) / 2 : (t - t0) / (t1 - t0) * (W - L - R));
    const y = v => T + (1 - v / maxY) * (H - T - B);
    s.appendChild(svg('line', { class: 'axis', x1: L, y1: H - B, x2: W - R, y2: H - B }));
    s.appendChild(svg('line', { class: 'axis', x1: L, y1: T, x2: L, y2: H - B }));
    for (const f of [0, 0.5, 1]) {
      s.appendChild(svg('text', { x: L - 6, y: y(maxY * f) + 4, 'text-anchor': 'end' }, f === 0 ? '0' : fmtDur(maxY * f)));
    }
    if (t1 === t0) {
      s.appendChild(svg('text', { x: x(t0), y: H - 8, 'text-anchor': 'middle' }, new Date(t0 / 1e6).toLocaleTimeString()));
    } else {
      s.appendChild(svg('text', { x: L, y: H - 8 }, new Date(t0 / 1e6).toLocaleTimeString()));
      s.appendChild(svg('text', { x: W - R, y: H - 8, 'text-anchor': 'end' }, new Date(t1 / 1e6).toLocaleTimeString()));
    }
    const series = [['p50', '#2e7d32'], ['p95', '#f9a825'], ['p99', '#c2185b']];
    series.forEach(([key, col], i) => {
      // a line from each point to the next bucket's; after a gap it starts again (M)
      const d = points.map((p, j) => (j > 0 && p.time - points[j - 1].time <= bucket ? 'L' : 'M') +
        x(p.time).toFixed(1) + ',' + y(p[key]).toFixed(1)).join(' ');
      s.appendChild(svg('path', { class: 'series ' + key, d: d, fill: 'none', stroke: col, 'stroke-width': 2 }));
      for (const p of points) {
        const c = svg('circle', { cx: x(p.time).toFixed(1), cy: y(p[key]).toFixed(1), r: 2.5, fill: col });
        c.appendChild(svg('title', {}, key + ' ' + fmtDur(p[key]) + ' · ' + fmtNum(p.hits) + ' hits'));
        s.appendChild(c);
      }
      s.appendChild(svg('rect', { x: W - R - 190 + i * 62, y: T - 8, width: 10, height: 10, fill: col }));
      s.appendChild(svg('text', { x: W - R - 176 + i * 62, y: T + 1 }, key));
    });
    return s;
  }

  // ---- trace list -----------------------------------------------------------------------------------

  async function tracesView(query) {
    return [el('div', { class: 'trace-head' }, el('h1', null, 'Traces'), removeAllButton()), ...await traceList(query, true)];
  }

  /** Empties the collector (its traces and the services' statistics), after asking: between two steps, or two groups. */
  function removeAllButton() {
    return el('button', {
      type: 'button', id: 'remove-all', class: 'quiet',
      onclick: async () => {
        if (!confirm('Remove every stored trace, and the services\' statistics, from the collector?')) return;
        try {
          const a = await answer('/api/traces', 'DELETE');
          if (a.status !== 200) throw refused('/api/traces', a);
          await render(false);
          document.getElementById('status').textContent = 'Removed ' + plural(a.body.traces_removed, 'trace') + '.';
        } catch (e) {
          replace(el('div', { class: 'panel' }, empty('Cannot remove the traces: ' + e.message + '.')));
        }
      }
    }, 'Remove all traces');
  }

  async function traceList(query, withFilters) {
    const q = new URLSearchParams();
    for (const k of ['service', 'resource', 'minDurationMs', 'error', 'limit', 'before']) {
      if (query.get(k)) q.set(k, query.get(k));
    }
    if (!q.get('limit')) q.set('limit', '50');
    const path = '/api/traces?' + q;
    const [a, svcs] = await Promise.all([answer(path), withFilters ? api('/api/services') : null]);
    // a page of older traces whose trace before is gone (evicted, removed) says so, and leads back to the newest
    if (a.status !== 200 && !q.get('before')) throw refused(path, a);
    const nodes = [];
    if (withFilters) nodes.push(filters(query, ((svcs && svcs.services) || []).map(s => s.name)));
    if (a.status !== 200) {
      nodes.push(el('div', { class: 'panel' }, empty('Cannot show these older traces: ' + ((a.body && a.body.detail) || 'HTTP ' + a.status) + '.')),
        pager(null, true));
      return nodes;
    }
    const traces = a.body.traces;
    if (traces.length === 0) {
      const service = route().view === 'service' ? route().service : null; // the page's, not a filter
      const filtered = ['resource', 'minDurationMs', 'error'].some(k => q.get(k)) || (q.get('service') && !service);
      nodes.push(el('div', { class: 'panel' }, empty(q.get('before') ? 'No older stored trace matches.'
        : filtered ? 'No stored trace matches these filters.'
        : service ? 'No traces of ' + service + ' stored.' : 'No traces stored yet.')));
      if (q.get('before')) nodes.push(pager(null, true));
      return nodes;
    }
    const rows = traces.map(t => {
      const root = t.root || {};
      return el('tr', {
        class: 'clickable trace-row', dataset: { traceId: t.trace_id },
        onclick: () => { location.hash = '#/trace/' + t.trace_id; }
      },
        el('td', { class: 'num' }, fmtTime(t.start)),
        el('td', null, dot(root.service || ''), root.service || ''),
        el('td', { class: 'mono' }, cut(link('#/trace/' + t.trace_id, root.resource || root.name || '(no resource)'))),
        el('td', null, t.services.map(s => el('span', { class: 'badge' }, s))),
        el('td', { class: 'num' }, fmtNum(t.span_count)),
        el('td', { class: 'num' }, fmtDur(t.duration)),
        el('td', null, t.error ? el('span', { class: 'badge error' }, t.error_count + ' error' + (t.error_count > 1 ? 's' : '')) : el('span', { class: 'ok' }, 'ok')));
    });
    nodes.push(el('div', { class: 'panel' }, el('table', { id: 'traces-table' },
      el('thead', null, el('tr', null, el('th', { class: 'num' }, 'Time'), el('th', null, 'Service'),
        el('th', null, 'Resource'), el('th', null, 'Services'), el('th', { class: 'num' }, 'Spans'),
        el('th', { class: 'num' }, 'Duration'), el('th', null, 'Status'))),
      el('tbody', null, rows))));
    if (withFilters && (a.body.next || q.get('before'))) nodes.push(pager(a.body.next, !!q.get('before')));
    return nodes;
  }

  /**
   * Under the list: "Older traces", the next page (from the collector's next, absent when no older trace matches),
   * and on an older page "Newest traces"; both keep the filters.
   */
  function pager(next, onOlderPage) {
    const page = before => {
      const q = new URLSearchParams(route().query);
      if (before) q.set('before', before); else q.delete('before');
      return listBase() + (q.toString() ? '?' + q : '');
    };
    return el('nav', { class: 'pager', 'aria-label': 'Pages of traces' },
      onOlderPage ? el('a', { href: page(null), id: 'newest-traces' }, 'Newest traces') : null,
      next ? el('a', { href: page(next), id: 'older-traces' }, 'Older traces') : null);
  }

  /** The address of the page showing the list: the Traces page, or the service's page. */
  function listBase() {
    const current = route();
    return current.view === 'service' ? '#/service/' + enc(current.service) : '#/traces';
  }

  function filters(query, services) {
    const current = route();
    // on a service's page the filter shows that service (which may have no statistics, so not be listed)
    const service = current.view === 'service' ? el('select', { id: 'filter-service', name: 'service' })
      : el('select', { id: 'filter-service', name: 'service' }, el('option', { value: '' }, 'any'));
    for (const s of current.view === 'service' ? [current.service] : services) {
      const o = el('option', { value: s }, s);
      if (s === (query.get('service') || (current.view === 'service' ? current.service : ''))) o.selected = true;
      service.appendChild(o);
    }
    if (current.view === 'service') service.disabled = true;
    const resource = el('input', { id: 'filter-resource', name: 'resource', type: 'text', placeholder: 'exact resource' });
    resource.value = query.get('resource') || '';
    const minDur = el('input', { id: 'filter-min', name: 'minDurationMs', type: 'number', min: '0', step: 'any', placeholder: 'ms' });
    minDur.value = query.get('minDurationMs') || '';
    const error = el('select', { id: 'filter-error', name: 'error' },
      el('option', { value: '' }, 'any'), el('option', { value: 'true' }, 'with errors'), el('option', { value: 'false' }, 'without errors'));
    error.value = query.get('error') || '';
    // the API takes 1 to 1000; a limit from the address that the list does not offer is offered too
    const shown = query.get('limit') || '50';
    const limits = ['20', '50', '100', '500', '1000'];
    if (!limits.includes(shown)) limits.push(shown);
    const limit = el('select', { id: 'filter-limit', name: 'limit' },
      ...limits.sort((a, b) => a - b).map(v => el('option', { value: v }, v)));
    limit.value = shown;
    const form = el('form', { class: 'filters' },
      el('label', null, 'Service', service), el('label', null, 'Resource', resource),
      el('label', null, 'Min duration (ms)', minDur), el('label', null, 'Errors', error),
      el('label', null, 'Show', limit), el('button', { type: 'submit' }, 'Filter'));
    form.addEventListener('submit', ev => {
      ev.preventDefault();
      const q = new URLSearchParams();
      if (current.view !== 'service' && service.value) q.set('service', service.value);
      if (resource.value) q.set('resource', resource.value);
      if (minDur.value) q.set('minDurationMs', minDur.value);
      if (error.value) q.set('error', error.value);
      if (limit.value !== '50') q.set('limit', limit.value);
      location.hash = listBase() + (q.toString() ? '?' + q : '');
    });
    return form;
  }

  // ---- one trace ------------------------------------------------------------------------------------

  async function traceView(id) {
    const path = '/api/traces/' + enc(id) + '?limit=' + SPANS_DRAWN;
    const a = await answer(path);
    const t = a.body;
    // the trace's own (decimal) id once found; until then what was asked for
    const crumbs = el('div', { class: 'crumbs' }, link('#/traces', 'Traces'), ' / ', a.status === 200 ? t.trace_id : id);
    if (a.status === 400) {
      return [crumbs, el('div', { class: 'panel' }, empty('Not a trace id: ' + id + ' (' + ((t && t.detail) || 'HTTP 400') + ').'))];
    }
    if (a.status === 404) {
      return [crumbs, el('div', { class: 'panel' }, empty('No trace ' + id + ' in the store (it may have been evicted).'))];
    }
    if (a.status !== 200) throw refused(path, a);
    const spans = t.spans;
    const total = Math.max(1, t.duration);
    const asJson = '/api/traces/' + enc(t.trace_id);
    const asText = asJson + '?format=text';
    const head = el('div', { class: 'trace-head' },
      cut(el('h1', null, (spans[0] && (spans[0].resource || spans[0].name)) || 'Trace')),
      el('span', { class: 'meta' }, fmtDur(t.duration) + ' · ' + plural(t.span_count, 'span') + ' · ' +
        plural(t.services.length, 'service') + ' · ' + fmtTime(t.start)),
      t.error_count ? el('span', { class: 'badge error' }, plural(t.error_count, 'error')) : null,
      link(asText, 'as text'));
    const legend = el('div', { class: 'legend' }, t.services.map(s => el('span', null, dot(s), s)));
    const cutShort = spans.length < t.span_count ? el('p', { class: 'panel', id: 'spans-not-drawn' },
      'The first ' + fmtNum(spans.length) + ' of the trace\'s ' + fmtNum(t.span_count) + ' spans are drawn, in tree order. All of them: ',
      link(asText, 'as text'), ' or ', link(asJson, 'as JSON'), '.') : null;
    const ruler = el('div', { class: 'ruler' }, el('div', { class: 'span-label' }, 'trace ' + t.trace_id),
      el('div', { class: 'ticks' }, (t.duration > 0 ? [0, 0.25, 0.5, 0.75, 1] : [0]).map(f => {
        const tk = el('span', { class: 'tick' + (f === 0 ? ' first' : f === 1 ? ' last' : '') }, f === 0 ? '0' : fmtDur(total * f));
        tk.style.left = f === 0 ? '4px' : f === 1 ? 'calc(100% - 6px)' : (f * 100) + '%';
        return tk;
      })));
    const details = el('div', { class: 'details', id: 'span-details' });
    const wf = el('div', { class: 'waterfall', id: 'waterfall' }, ruler);
    // the indentation per level shrinks in deep traces, so that every label keeps room for its text (app.css)
    wf.style.setProperty('--max-depth', Math.max(1, ...spans.map(s => s.depth)));
    let selectedRow = null;
    spans.forEach(s => {
      const left = Math.min(100, Math.max(0, s.start_offset / total * 100));
      const width = Math.max(0.15, Math.min(100 - left, s.duration / total * 100));
      const bar = el('div', { class: 'span-bar' + (s.error ? ' error' : '') });
      bar.style.left = left + '%';
      bar.style.width = width + '%';
      bar.style.backgroundColor = colour(s.service);
      const dur = el('span', { class: 'span-dur' }, fmtDur(s.duration));
      if (left + width <= 88) {
        dur.style.left = (left + width + 0.5) + '%';
      } else if (width >= 10) {
        dur.classList.add('inside');
        dur.style.right = (100 - left - width + 0.6) + '%';
      } else {
        dur.style.right = (100 - left + 0.5) + '%';
      }
      const label = el('div', { class: 'span-label' },
        s.error ? el('span', { class: 'err-mark', title: 'error' }, el('span', { 'aria-hidden': 'true' }, '!'), el('span', { class: 'sr-only' }, 'error:')) : null,
        el('span', { class: 'svc' }, s.service), ' ', el('span', { class: 'op' }, s.name),
        el('span', { class: 'res' }, reveal(s.resource)));
      label.style.setProperty('--depth', s.depth);
      label.title = (s.error ? 'error · ' : '') + s.service + ' · ' + s.name + ' · ' + reveal(s.resource);
      // a button for the keyboard too: Tab to it, Enter or Space opens it, the arrow keys go to the next and previous span
      const row = el('div', { class: 'span-row', role: 'button', tabindex: '0', 'aria-pressed': 'false', dataset: { spanId: s.span_id } },
        label, el('div', { class: 'span-track' }, bar, dur));
      const select = () => {
        if (selectedRow) { selectedRow.classList.remove('selected'); selectedRow.setAttribute('aria-pressed', 'false'); }
        row.classList.add('selected');
        row.setAttribute('aria-pressed', 'true');
        selectedRow = row;
        selectedSpan = s.span_id;
        showSpan(details, s);
      };
      row.addEventListener('click', () => {
        select();
        details.scrollIntoView({ block: 'nearest' }); // the details are below the waterfall, often out of sight
      });
      row.addEventListener('keydown', ev => {
        const next = ev.key === 'ArrowDown' ? row.nextElementSibling : ev.key === 'ArrowUp' ? row.previousElementSibling : null;
        if (ev.key === 'Enter' || ev.key === ' ') row.click();
        else if (next && next.classList.contains('span-row')) next.focus();
        else return;
        ev.preventDefault();
      });
      if (selectedSpan === s.span_id) select();
      wf.appendChild(row);
    });
    if (!selectedRow) details.appendChild(el('div', { class: 'panel' }, empty('Click a span to see all its fields and tags.')));
    return [crumbs, head, legend, cutShort, wf, details].filter(n => n);
  }

  function showSpan(container, s) {
    const field = (k, v, cls) => el('tr', { class: 'field-row' }, el('td', null, k), el('td', { class: 'value ' + (cls || 'mono') }, reveal(v)));
    const fields = el('table', { id: 'span-fields' }, el('tbody', null,
      field('service', s.service), field('name', s.name), field('resource', s.resource), field('type', s.type || '–'),
      field('trace_id', s.trace_id), field('span_id', s.span_id), field('parent_id', s.parent_id),
      field('start', fmtStart(s.start)), field('start offset', fmtDur(s.start_offset) + (s.start_offset < 1000 ? '' : '  (' + s.start_offset + ' ns)')),
      field('duration', fmtDur(s.duration) + '  (' + s.duration + ' ns)'),
      field('error', s.error ? 'yes (' + s.error + ')' : 'no', s.error ? 'err' : 'ok'),
      field('top level', s.top_level ? 'yes' : 'no')));
    const tagRows = Object.entries(s.meta || {}).sort((a, b) => a[0].localeCompare(b[0])).map(([k, v]) =>
      el('tr', { class: 'tag-row' }, el('td', { class: 'tag-key mono' }, reveal(k)), el('td', { class: 'value tag-value mono' }, reveal(v))));
    const metricRows = Object.entries(s.metrics || {}).sort((a, b) => a[0].localeCompare(b[0])).map(([k, v]) =>
      el('tr', { class: 'metric-row' }, el('td', { class: 'metric-key mono' }, reveal(k)), el('td', { class: 'value metric-value mono' }, String(v))));
    container.replaceChildren(el('div', { class: 'panel' },
      el('h2', null, 'Span ', s.service, ' · ', s.name), fields,
      el('h2', null, 'Tags (meta)'), tagRows.length ? el('table', { id: 'span-tags' }, el('tbody', null, tagRows)) : empty('No tags.'),
      el('h2', null, 'Metrics'), metricRows.length ? el('table', { id: 'span-metrics' }, el('tbody', null, metricRows)) : empty('No metrics.')));
  }

  // ---- start --------------------------------------------------------------------------------------

  document.getElementById('goto').addEventListener('submit', ev => {
    ev.preventDefault();
    const v = document.getElementById('goto-id').value.trim();
    if (v) location.hash = '#/trace/' + enc(v);
  });
  window.addEventListener('hashchange', () => { selectedSpan = null; render(false); window.scrollTo(0, 0); });
  render(false);
  schedule();
})();
