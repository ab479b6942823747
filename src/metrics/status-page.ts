/**
 * The live status page served at `GET /`: one self-contained HTML document (inline CSS and JS, no
 * external resources; the machines it runs on may have no internet) that polls `GET /api/status`
 * every 2 s and draws the query the way Spark UI's Structured Streaming tab does: header, tiles,
 * hand-drawn SVG line charts, per-partition lag and recent batches.
 *
 * The browser script is kept as plain ES2020 text (no template literals, no `${`), so it can live
 * inside this module's template string unchanged. The document is built once per process.
 */

const CSS = `
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1f2933;background:#f3f5f8}
main{max-width:1240px;margin:0 auto;padding:16px 20px 40px}
header{background:#fff;border-bottom:1px solid #dde3ea}
.hwrap{max-width:1240px;margin:0 auto;padding:14px 20px;display:flex;flex-wrap:wrap;gap:8px 24px;align-items:baseline}
h1{font-size:22px;margin:0;font-weight:650}
.badge{display:inline-block;padding:2px 10px;border-radius:999px;font-size:12px;font-weight:650;text-transform:uppercase;letter-spacing:.04em;vertical-align:3px;margin-left:8px}
.st-active{background:#dcf5e3;color:#146c2e}.st-idle{background:#e3ebf6;color:#2c4f7c}.st-terminated{background:#fde2e1;color:#a4161a}.st-unknown{background:#eceff3;color:#52606d}
.meta{display:flex;flex-wrap:wrap;gap:4px 20px;color:#52606d;font-size:13px}
.meta b{color:#1f2933;font-weight:600}
.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
.updated{margin-left:auto;color:#7b8794;font-size:12px}
.banner{border-radius:6px;padding:10px 14px;margin:0 0 14px;font-weight:500}
.banner pre{margin:6px 0 0;white-space:pre-wrap;font:12px/1.4 ui-monospace,Menlo,Consolas,monospace;max-height:160px;overflow:auto}
.b-term{background:#fde2e1;border:1px solid #f5a3a0;color:#7a0e11}
.b-err{background:#fff4d6;border:1px solid #f0c960;color:#6b4b00}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(250px,1fr));gap:12px;margin-bottom:16px}
.tile{background:#fff;border:1px solid #dde3ea;border-radius:8px;padding:10px 14px}
.tile .k{color:#52606d;font-size:12px;text-transform:uppercase;letter-spacing:.05em}
.tile .v{font-size:26px;font-weight:650;font-variant-numeric:tabular-nums;margin-top:2px;white-space:nowrap}
.tile .v small{font-size:13px;font-weight:500;color:#52606d;margin-left:4px}
.tile .s{color:#52606d;font-size:12px;margin-top:2px}
.meter{height:6px;background:#e4e8ee;border-radius:3px;margin-top:6px;overflow:hidden}
.meter i{display:block;height:100%;background:#2f9e44}
.meter i.over{background:#e8590c}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(540px,1fr));gap:14px;margin-bottom:14px}
.card{background:#fff;border:1px solid #dde3ea;border-radius:8px;padding:12px 14px;min-width:0}
.card h2{font-size:15px;margin:0 0 2px;font-weight:620}
.card .sub{color:#7b8794;font-size:12px;margin-bottom:6px}
.legend{display:flex;gap:14px;font-size:12px;color:#52606d;margin-bottom:2px}
.legend i{display:inline-block;width:14px;height:3px;border-radius:2px;vertical-align:middle;margin-right:5px}
.chart{position:relative;height:230px}
.chart svg{width:100%;height:100%;display:block}
.chart text{font-size:11px;fill:#52606d;font-family:inherit}
.empty{display:flex;align-items:center;justify-content:center;height:100%;color:#9aa5b1;font-style:italic}
.tip{position:absolute;pointer-events:none;background:rgba(31,41,51,.93);color:#fff;font-size:12px;padding:6px 9px;border-radius:5px;white-space:nowrap;display:none;z-index:2}
.tip b{font-weight:600}
table{width:100%;border-collapse:collapse;font-variant-numeric:tabular-nums;font-size:13px}
th,td{padding:5px 7px;text-align:right;border-bottom:1px solid #edf0f4;white-space:nowrap}
th{font-size:12px;color:#52606d;font-weight:600;background:#f8fafc;position:sticky;top:0}
th:first-child,td:first-child{text-align:left}
tbody tr:hover{background:#f5f8fc}
.scroll{max-height:320px;overflow:auto}
.bar{display:inline-block;height:8px;border-radius:2px;background:#4c6ef5;vertical-align:middle;margin-right:6px}
.bar.sec{background:#e8590c}
.cellbar{display:flex;align-items:center;justify-content:flex-end;gap:6px}
.cellbar .track{width:56px;height:8px;background:#edf0f4;border-radius:2px;overflow:hidden;flex:none}
.cellbar .track span{display:block;height:100%}
.warn{color:#c2410c;font-weight:600}
td.none{text-align:center;color:#9aa5b1;font-style:italic;padding:18px}
@media (max-width:700px){.grid2{grid-template-columns:1fr}.tile .v{font-size:22px}}
`

const BODY = `
<header><div class="hwrap">
  <h1><span data-testid="query-name" id="qname">sluice</span><span id="qstate" data-testid="query-state" class="badge st-unknown">loading</span></h1>
  <div class="meta">
    <span>trigger <b id="qtrigger">–</b></span>
    <span>kafka <b id="qsecurity" data-testid="kafka-security">–</b></span>
    <span>uptime <b id="quptime">–</b></span>
    <span>started <b id="qstarted">–</b></span>
    <span>id <span class="mono" id="qid">–</span></span>
    <span>run <span class="mono" id="qrun">–</span></span>
  </div>
  <span class="updated" id="updated">connecting…</span>
</div></header>
<main>
  <div id="banners"></div>
  <section class="tiles">
    <div class="tile"><div class="k">Input rate</div><div class="v" data-testid="input-rate" id="t-in">–</div><div class="s">rows/s, last batch</div></div>
    <div class="tile"><div class="k">Processing rate</div><div class="v" data-testid="processing-rate" id="t-proc">–</div><div class="s">rows/s, last batch</div></div>
    <div class="tile"><div class="k">Last batch duration</div><div class="v" data-testid="batch-duration" id="t-dur">–</div><div class="s" id="t-dur-s">trigger interval –</div><div class="meter"><i id="t-dur-m" style="width:0"></i></div></div>
    <div class="tile"><div class="k">Max lag</div><div class="v" data-testid="max-lag" id="t-lag">–</div><div class="s" id="t-lag-s">–</div></div>
    <div class="tile"><div class="k">Total rows</div><div class="v" data-testid="total-rows" id="t-rows">–</div><div class="s" id="t-batches">– batches</div></div>
    <div class="tile"><div class="k">Files written</div><div class="v" data-testid="files" id="t-files">–</div><div class="s">committed to the sink</div></div>
    <div class="tile"><div class="k">Bytes written</div><div class="v" data-testid="bytes" id="t-bytes">–</div><div class="s" id="t-bytes-s">–</div></div>
    <div class="tile"><div class="k">Corrupt records</div><div class="v" data-testid="corrupt" id="t-corrupt">–</div><div class="s">malformed JSON (PERMISSIVE)</div></div>
  </section>
  <section class="grid2">
    <div class="card"><h2>Input vs processing rate</h2><div class="sub">rows per second, per batch</div>
      <div class="legend"><span><i style="background:#4c6ef5"></i>input</span><span><i style="background:#2f9e44"></i>processing</span></div>
      <div class="chart" data-testid="chart-rates" id="c-rates"><div class="empty">waiting for data…</div></div></div>
    <div class="card"><h2>Batch duration</h2><div class="sub">milliseconds per batch, against the trigger interval</div>
      <div class="legend"><span><i style="background:#7048e8"></i>triggerExecution</span><span><i style="background:#f59f00"></i>addBatch</span><span><i style="background:#e03131"></i>trigger interval</span></div>
      <div class="chart" data-testid="chart-duration" id="c-dur"><div class="empty">waiting for data…</div></div></div>
    <div class="card"><h2>Offsets behind latest</h2><div class="sub">records in Kafka not yet read, after each batch</div>
      <div class="legend"><span><i style="background:#1c7ed6"></i>total (all partitions)</span><span><i style="background:#e8590c"></i>max (one partition)</span></div>
      <div class="chart" data-testid="chart-lag" id="c-lag"><div class="empty">waiting for data…</div></div></div>
    <div class="card"><h2>Lag per partition</h2><div class="sub" id="lag-sub">worst first</div>
      <div class="scroll"><table data-testid="lag-table"><thead><tr><th scope="col">topic</th><th scope="col">partition</th><th scope="col">latest</th><th scope="col">committed</th><th scope="col">behind (records)</th><th scope="col">lag (seconds)</th></tr></thead><tbody id="lag-body"></tbody></table></div></div>
  </section>
  <section class="card"><h2>Recent batches</h2><div class="sub">newest first</div>
    <div class="scroll"><table data-testid="batches-table"><thead><tr><th scope="col">batch</th><th scope="col">time (UTC)</th><th scope="col">rows</th><th scope="col">input rows/s</th><th scope="col">processed rows/s</th><th scope="col">duration ms</th><th scope="col">files</th><th scope="col">bytes</th><th scope="col">corrupt</th></tr></thead><tbody id="batch-body"></tbody></table></div>
  </section>
</main>
`

// Browser-side script. Plain ES2020 text: no template literals or `${` (this is a template string).
const SCRIPT = String.raw`
(function () {
  'use strict';
  var POLL_MS = 2000;
  var last = null, lastAt = 0, failure = null, failingSince = 0;
  function $(id) { return document.getElementById(id); }
  function esc(s) { return String(s).replace(/[&<>"']/g, function (c) { return '&#' + c.charCodeAt(0) + ';'; }); }
  function num(v) { return typeof v === 'number' && isFinite(v) ? v : Number(v) || 0; }
  function int(v) { return Math.round(num(v)).toLocaleString('en-US'); }
  function compact(v) {
    v = num(v); var a = Math.abs(v);
    if (a >= 1e9) return (v / 1e9).toFixed(a >= 1e10 ? 1 : 2) + 'G';
    if (a >= 1e6) return (v / 1e6).toFixed(a >= 1e7 ? 1 : 2) + 'M';
    if (a >= 1e4) return (v / 1e3).toFixed(a >= 1e5 ? 0 : 1) + 'k';
    if (a >= 100 || v === Math.round(v)) return Math.round(v).toLocaleString('en-US');
    return v.toFixed(1);
  }
  function bytes(v) {
    v = num(v); var u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'], i = 0;
    while (v >= 1024 && i < u.length - 1) { v /= 1024; i++; }
    return (i === 0 ? String(Math.round(v)) : v.toFixed(v >= 100 ? 0 : 1)) + ' ' + u[i];
  }
  function ms(v) { v = num(v); return v >= 100000 ? (v / 1000).toFixed(0) + ' s' : int(v) + ' ms'; }
  function interval(v) { v = num(v); return v >= 1000 && v % 100 === 0 ? String(v / 1000) + ' s' : int(v) + ' ms'; }
  function secs(v) {
    v = num(v);
    if (v < 60) return v.toFixed(v < 10 ? 1 : 0) + ' s';
    if (v < 3600) return Math.floor(v / 60) + 'm ' + Math.floor(v % 60) + 's';
    if (v < 86400) return Math.floor(v / 3600) + 'h ' + Math.floor((v % 3600) / 60) + 'm';
    return Math.floor(v / 86400) + 'd ' + Math.floor((v % 86400) / 3600) + 'h';
  }
  function utcTime(iso) { return typeof iso === 'string' ? iso.slice(11, 23) : '–'; }
  function behindTotal(p) {
    var m = p.sluice && p.sluice.offsetsBehindLatest, t = 0, k;
    if (m && typeof m === 'object') { for (k in m) t += num(m[k]); return t; }
    var s = p.sources && p.sources[0], n = 0;
    if (s && s.latestOffset) for (k in s.latestOffset) n += Object.keys(s.latestOffset[k]).length;
    return s ? num(s.metrics && s.metrics.avgOffsetsBehindLatest) * n : 0;
  }
  function behindMax(p) { var s = p.sources && p.sources[0]; return s && s.metrics ? num(s.metrics.maxOffsetsBehindLatest) : 0; }

  // ---- charts: hand-drawn SVG ----
  function niceStep(v) {
    if (!(v > 0)) return 1;
    var p = Math.pow(10, Math.floor(Math.log10(v))), f = v / p;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * p;
  }
  function chart(el, o) {
    var xs = o.xs, n = xs.length;
    if (n === 0) { el.innerHTML = '<div class="empty">waiting for the first batch…</div>'; el._c = null; return; }
    var W = Math.max(300, el.clientWidth || 560), H = el.clientHeight || 230;
    var L = 58, R = 12, T = 10, B = 34, pw = W - L - R, ph = H - T - B;
    var max = 0, i, j, s;
    for (i = 0; i < o.series.length; i++) for (j = 0; j < n; j++) max = Math.max(max, num(o.series[i].values[j]));
    if (o.hline && o.hline.value > 0) max = Math.max(max, o.hline.value * 1.1);
    var ystep = niceStep(max / 4), ticks = Math.max(1, Math.ceil(max / ystep - 1e-9)), ymax = ystep * ticks;
    function x(k) { return L + (n === 1 ? pw / 2 : (k * pw) / (n - 1)); }
    function y(v) { return T + ph - (num(v) / ymax) * ph; }
    var h = '<svg viewBox="0 0 ' + W + ' ' + H + '" preserveAspectRatio="none" role="img" aria-label="' + esc(o.label) + '">';
    for (i = 0; i <= ticks; i++) {
      var gv = ystep * i, gy = y(gv).toFixed(1);
      h += '<line x1="' + L + '" x2="' + (W - R) + '" y1="' + gy + '" y2="' + gy + '" stroke="' + (i === 0 ? '#9aa5b1' : '#edf0f4') + '"/>';
      h += '<text x="' + (L - 6) + '" y="' + gy + '" dy="0.32em" text-anchor="end">' + esc(o.fmt(gv)) + '</text>';
    }
    var step = Math.max(1, Math.ceil(n / Math.max(2, Math.floor(pw / 70))));
    for (i = 0; i < n; i += step) {
      h += '<line x1="' + x(i).toFixed(1) + '" x2="' + x(i).toFixed(1) + '" y1="' + (T + ph) + '" y2="' + (T + ph + 4) + '" stroke="#9aa5b1"/>';
      h += '<text x="' + x(i).toFixed(1) + '" y="' + (T + ph + 16) + '" text-anchor="middle">' + esc(xs[i]) + '</text>';
    }
    h += '<text x="' + (L + pw / 2) + '" y="' + (H - 2) + '" text-anchor="middle">batch id</text>';
    h += '<text transform="translate(11 ' + (T + ph / 2) + ') rotate(-90)" text-anchor="middle">' + esc(o.unit) + '</text>';
    for (i = 0; i < o.series.length; i++) {
      s = o.series[i];
      var d = '';
      for (j = 0; j < n; j++) d += (j === 0 ? 'M' : 'L') + x(j).toFixed(1) + ' ' + y(s.values[j]).toFixed(1);
      if (s.fill) h += '<path d="' + d + 'L' + x(n - 1).toFixed(1) + ' ' + (T + ph) + 'L' + x(0).toFixed(1) + ' ' + (T + ph) + 'Z" fill="' + s.color + '" fill-opacity="0.12" stroke="none"/>';
      h += '<path class="series" data-series="' + esc(s.name) + '" d="' + d + '" fill="none" stroke="' + s.color + '" stroke-width="2" stroke-linejoin="round" vector-effect="non-scaling-stroke"/>';
      if (n <= 40) for (j = 0; j < n; j++) h += '<circle cx="' + x(j).toFixed(1) + '" cy="' + y(s.values[j]).toFixed(1) + '" r="2.5" fill="' + s.color + '"/>';
    }
    if (o.hline && o.hline.value > 0) {
      var hy = y(o.hline.value).toFixed(1);
      h += '<line x1="' + L + '" x2="' + (W - R) + '" y1="' + hy + '" y2="' + hy + '" stroke="#e03131" stroke-width="1.5" stroke-dasharray="6 4"/>';
      h += '<text x="' + (W - R - 4) + '" y="' + hy + '" dy="-4" text-anchor="end" style="fill:#e03131">' + esc(o.hline.label) + '</text>';
    }
    h += '<line class="cursor" x1="0" x2="0" y1="' + T + '" y2="' + (T + ph) + '" stroke="#52606d" stroke-dasharray="3 3" visibility="hidden"/>';
    h += '</svg><div class="tip"></div>';
    el.innerHTML = h;
    el._c = { o: o, x: x, n: n, L: L, pw: pw, W: W };
  }
  function onMove(ev) {
    var el = ev.currentTarget, c = el._c; if (!c) return;
    var r = el.getBoundingClientRect(), px = ((ev.clientX - r.left) / r.width) * c.W;
    var k = c.n === 1 ? 0 : Math.round(((px - c.L) / c.pw) * (c.n - 1));
    k = Math.max(0, Math.min(c.n - 1, k));
    var cur = el.querySelector('.cursor'), tip = el.querySelector('.tip'), cx = c.x(k);
    cur.setAttribute('x1', cx); cur.setAttribute('x2', cx); cur.setAttribute('visibility', 'visible');
    var h = '<b>batch ' + esc(c.o.xs[k]) + '</b>';
    for (var i = 0; i < c.o.series.length; i++) {
      var s = c.o.series[i];
      h += '<br><span style="color:' + s.color + '">●</span> ' + esc(s.name) + ': ' + esc(c.o.tipFmt(s.values[k]));
    }
    if (c.o.hline && c.o.hline.value > 0) h += '<br><span style="color:#e03131">- -</span> ' + esc(c.o.hline.label);
    tip.innerHTML = h; tip.style.display = 'block';
    var left = (cx / c.W) * r.width + 12;
    if (left + tip.offsetWidth > r.width) left = (cx / c.W) * r.width - tip.offsetWidth - 12;
    tip.style.left = Math.max(0, left) + 'px'; tip.style.top = '8px';
  }
  function onLeave(ev) {
    var el = ev.currentTarget, cur = el.querySelector('.cursor'), tip = el.querySelector('.tip');
    if (cur) cur.setAttribute('visibility', 'hidden');
    if (tip) tip.style.display = 'none';
  }
  ['c-rates', 'c-dur', 'c-lag'].forEach(function (id) {
    var el = $(id); el.addEventListener('mousemove', onMove); el.addEventListener('mouseleave', onLeave);
  });

  // ---- rendering ----
  function set(id, html) { var el = $(id); if (el.innerHTML !== html) el.innerHTML = html; }
  function render(st) {
    var q = st.query || {}, prog = st.progress || [], parts = st.partitions || [], tot = st.totals || {};
    var p = prog.length ? prog[prog.length - 1] : null;
    document.title = (q.name || 'sluice') + ' · ' + (q.state || '?') + ' · sluice';
    set('qname', esc(q.name || 'sluice'));
    var stEl = $('qstate'); stEl.textContent = q.state || 'unknown';
    stEl.className = 'badge st-' + (q.state === 'active' || q.state === 'idle' || q.state === 'terminated' ? q.state : 'unknown');
    set('qtrigger', esc(q.trigger || 'unset'));
    var ks = q.kafkaSecurity || {};
    set('qsecurity', esc((ks.protocol || '–') + (ks.mechanism && ks.mechanism !== 'none' ? ' · ' + ks.mechanism : '')));
    set('qstarted', esc(q.startedAt ? q.startedAt.replace('T', ' ').slice(0, 19) + ' UTC' : '–'));
    set('qid', esc(q.id || '–')); set('qrun', esc(q.runId || '–'));

    set('t-in', p ? esc(compact(p.inputRowsPerSecond)) + '<small>rows/s</small>' : '–');
    set('t-proc', p ? esc(compact(p.processedRowsPerSecond)) + '<small>rows/s</small>' : '–');
    var iv = num(q.triggerIntervalMs), te = p ? num(p.durationMs && p.durationMs.triggerExecution) : 0;
    set('t-dur', p ? esc(ms(te)) : '–');
    set('t-dur-s', iv > 0 ? 'trigger interval ' + esc(interval(iv)) + (p ? ' · ' + Math.round((te / iv) * 100) + '% used' : '') : 'no interval (' + esc(q.trigger || 'unset') + ')');
    var m = $('t-dur-m'); m.style.width = (iv > 0 && p ? Math.min(100, (te / iv) * 100) : 0) + '%'; m.className = te > iv ? 'over' : '';

    var maxRec = 0, maxSec = 0, worst = null;
    for (var i = 0; i < parts.length; i++) {
      var pr = parts[i];
      if (num(pr.offsetsBehindLatest) > maxRec) { maxRec = num(pr.offsetsBehindLatest); worst = pr; }
      maxSec = Math.max(maxSec, num(pr.lagSeconds));
    }
    set('t-lag', parts.length ? esc(compact(maxRec)) + '<small>records</small>' : '–');
    set('t-lag-s', parts.length ? esc(secs(maxSec)) + ' behind' + (worst ? ' · worst ' + esc(worst.topic + '[' + worst.partition + ']') : '') : 'no partitions yet');
    set('t-rows', esc(compact(tot.inputRows)));
    set('t-batches', esc(int(tot.batches)) + ' batches');
    set('t-files', esc(compact(tot.filesWritten)));
    set('t-bytes', esc(bytes(tot.bytesWritten)));
    set('t-bytes-s', esc(int(tot.bytesWritten)) + ' bytes');
    set('t-corrupt', esc(int(tot.corruptRows)));
    $('t-corrupt').className = 'v' + (num(tot.corruptRows) > 0 ? ' warn' : '');

    var xs = prog.map(function (b) { return b.batchId; });
    chart($('c-rates'), { label: 'input and processing rate', xs: xs, unit: 'rows/s', fmt: compact, tipFmt: function (v) { return int(v) + ' rows/s'; },
      series: [{ name: 'input', color: '#4c6ef5', values: prog.map(function (b) { return num(b.inputRowsPerSecond); }) },
        { name: 'processing', color: '#2f9e44', values: prog.map(function (b) { return num(b.processedRowsPerSecond); }) }] });
    chart($('c-dur'), { label: 'batch duration', xs: xs, unit: 'ms', fmt: compact, tipFmt: function (v) { return int(v) + ' ms'; },
      hline: { value: iv, label: 'trigger ' + interval(iv) },
      series: [{ name: 'triggerExecution', color: '#7048e8', fill: true, values: prog.map(function (b) { return num(b.durationMs && b.durationMs.triggerExecution); }) },
        { name: 'addBatch', color: '#f59f00', values: prog.map(function (b) { return num(b.durationMs && b.durationMs.addBatch); }) }] });
    chart($('c-lag'), { label: 'offsets behind latest', xs: xs, unit: 'records', fmt: compact, tipFmt: function (v) { return int(v) + ' records'; },
      series: [{ name: 'total', color: '#1c7ed6', fill: true, values: prog.map(behindTotal) },
        { name: 'max', color: '#e8590c', values: prog.map(behindMax) }] });

    var sorted = parts.slice().sort(function (a, b) {
      return num(b.offsetsBehindLatest) - num(a.offsetsBehindLatest) || num(b.lagSeconds) - num(a.lagSeconds) ||
        (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition);
    });
    var rows = '';
    for (i = 0; i < sorted.length; i++) {
      var q2 = sorted[i], r1 = maxRec > 0 ? (num(q2.offsetsBehindLatest) / maxRec) * 100 : 0, r2 = maxSec > 0 ? (num(q2.lagSeconds) / maxSec) * 100 : 0;
      rows += '<tr><td>' + esc(q2.topic) + '</td><td>' + esc(q2.partition) + '</td><td>' + int(q2.latestOffset) + '</td><td>' + int(q2.committedOffset) + '</td>' +
        '<td><div class="cellbar">' + int(q2.offsetsBehindLatest) + '<div class="track"><span style="width:' + r1.toFixed(1) + '%;background:#4c6ef5"></span></div></div></td>' +
        '<td><div class="cellbar">' + esc(num(q2.lagSeconds).toFixed(1)) + '<div class="track"><span style="width:' + r2.toFixed(1) + '%;background:#e8590c"></span></div></div></td></tr>';
    }
    set('lag-body', rows || '<tr><td colspan="6" class="none">no partitions assigned yet</td></tr>');
    set('lag-sub', sorted.length + ' partition' + (sorted.length === 1 ? '' : 's') + ', worst first · lag = age of the oldest record not yet in S3');

    var br = '';
    for (i = prog.length - 1; i >= 0 && i >= prog.length - 30; i--) {
      var b = prog[i], f = b.sluice || {};
      br += '<tr><td>' + esc(b.batchId) + '</td><td>' + esc(utcTime(b.timestamp)) + '</td><td>' + int(b.numInputRows) + '</td><td>' + int(b.inputRowsPerSecond) + '</td><td>' + int(b.processedRowsPerSecond) +
        '</td><td' + (iv > 0 && num(b.durationMs && b.durationMs.triggerExecution) > iv ? ' class="warn"' : '') + '>' + int(b.durationMs && b.durationMs.triggerExecution) +
        '</td><td>' + int(f.filesWritten) + '</td><td>' + esc(bytes(f.bytesWritten)) + '</td><td' + (num(f.corruptRows) > 0 ? ' class="warn"' : '') + '>' + int(f.corruptRows) + '</td></tr>';
    }
    set('batch-body', br || '<tr><td colspan="9" class="none">no batch has completed yet</td></tr>');
  }
  function banners() {
    var h = '', q = last && last.query;
    if (q && q.state === 'terminated') {
      h += '<div class="banner b-term" role="alert" data-testid="banner-terminated">Query terminated' +
        (q.exception ? ' with an error:<pre>' + esc(q.exception) + '</pre>' : ' (stopped cleanly).') + '</div>';
    }
    if (failure) {
      h += '<div class="banner b-err" role="alert" data-testid="banner-error">Cannot reach sluice at ' + esc(location.host) + ': ' + esc(failure) +
        ' — failing for ' + esc(secs((Date.now() - failingSince) / 1000)) + '; retrying every ' + POLL_MS / 1000 + ' s.' +
        (last ? ' Showing the last data received.' : '') + '</div>';
    }
    set('banners', h);
  }
  function tick() {
    if (last && last.query && last.query.startedAt) {
      var now = Date.parse(last.now) + (Date.now() - lastAt), up = (now - Date.parse(last.query.startedAt)) / 1000;
      set('quptime', isFinite(up) ? esc(secs(Math.max(0, up))) : '–');
    }
    set('updated', lastAt ? 'updated ' + esc(secs((Date.now() - lastAt) / 1000)) + ' ago' : failure ? 'not connected' : 'connecting…');
    banners();
  }
  function poll() {
    fetch('api/status', { cache: 'no-store', headers: { accept: 'application/json' } })
      .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status + ' from /api/status'); return r.json(); })
      .then(function (st) { last = st; lastAt = Date.now(); failure = null; render(st); })
      .catch(function (e) { if (!failure) failingSince = Date.now(); failure = (e && e.message) || String(e); })
      .then(function () { tick(); setTimeout(poll, POLL_MS); });
  }
  var resizeTimer = 0;
  window.addEventListener('resize', function () { clearTimeout(resizeTimer); resizeTimer = setTimeout(function () { if (last) render(last); }, 150); });
  setInterval(tick, 1000);
  poll();
})();
`

let cached: string | undefined

/** The status page: one self-contained HTML document (inline CSS and JS, no external resources). */
export function statusPageHtml(): string {
  cached ??= `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<link rel="icon" href="data:,">
<title>sluice status</title>
<style>${CSS}</style>
</head>
<body>
${BODY}
<script>${SCRIPT}</script>
</body>
</html>
`
  return cached
}
