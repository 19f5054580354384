// critmin dashboard: fills the server-rendered pages from the REST API (/api/v1) and draws Plotly charts.
// Every text from the API or the URL goes into the page through textContent (never innerHTML).
(function () {
  'use strict';
  var I18N = JSON.parse(document.getElementById('i18n').textContent);
  var UI = I18N.ui;
  var LANG = I18N.lang;
  var ROOT = document.getElementById('app');
  var D = ROOT.dataset;
  var INDICATORS = ['reserve_concentration', 'production_concentration', 'import_concentrate',
    'import_refined', 'price_volatility', 'secondary_supply'];
  var CATALOGUE = null;
  var COUNTRIES = {};

  function h(tag, props) {
    var el = document.createElement(tag);
    Object.keys(props || {}).forEach(function (k) {
      if (k === 'text') el.textContent = props[k];
      else if (k === 'className') el.className = props[k];
      else if (k === 'style') el.style.cssText = props[k];
      else el.setAttribute(k, props[k]);
    });
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined) continue;
      el.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    }
    return el;
  }
  function status(msg) { document.getElementById('status').textContent = msg || ''; }
  function qs(params) {
    var u = new URLSearchParams();
    Object.keys(params).forEach(function (k) {
      var v = params[k];
      if (v === null || v === undefined || v === '') return;
      (Array.isArray(v) ? v : [v]).forEach(function (x) { u.append(k, x); });
    });
    return u.toString();
  }
  function api(path, body) {
    var opts = body === undefined ? {} : {method: 'POST', headers: {'Content-Type': 'application/json'},
      body: JSON.stringify(body)};
    return fetch(path, opts).then(function (r) {
      return r.json().then(function (doc) {
        if (!r.ok) {
          var d = (doc && doc.detail && doc.detail[0]) || {};
          throw new Error((d.msg || ('HTTP ' + r.status)) + (d.fix ? ' — ' + d.fix : ''));
        }
        return doc;
      });
    });
  }
  function fail(e) { status(String(e && e.message ? e.message : e)); }
  var CONFIG = {displaylogo: false, displayModeBar: true, responsive: true,
    modeBarButtonsToRemove: ['select2d', 'lasso2d'], toImageButtonOptions: {format: 'png', scale: 2}};
  function plot(id, data, layout) {
    var el = typeof id === 'string' ? document.getElementById(id) : id;
    var cfg = Object.assign({}, CONFIG, {toImageButtonOptions: {format: 'png', scale: 2,
      filename: 'critmin-' + (el.id || 'chart')}});
    var name = 'critmin-' + (el.id || 'chart');
    cfg.modeBarButtonsToAdd = [{name: 'toSVG', title: 'SVG', icon: window.Plotly.Icons.disk || window.Plotly.Icons.camera,
      click: function(gd) { window.Plotly.downloadImage(gd, {format: 'svg', filename: name}); }}];
    return window.Plotly.newPlot(el, data, layout, cfg);
  }
  function color(s) {
    if (s === null || s === undefined) return '#f4f4f6';
    return 'rgb(255,' + Math.max(60, Math.round(245 - 150 * s)) + ',' + Math.max(40, Math.round(235 - 190 * s)) + ')';
  }
  function fmt(v, nd) { return (v === null || v === undefined) ? '' : Number(v).toFixed(nd); }
  function mineralName(id) {
    var m = CATALOGUE && CATALOGUE.byId[id];
    return m ? (LANG === 'ja' ? m.name_ja : m.name_en) : id;
  }
  function catalogue() {
    return api('/api/v1/minerals').then(function (cat) {
      cat.byId = {};
      cat.minerals.forEach(function (m) { cat.byId[m.mineral] = m; });
      CATALOGUE = cat;
      return cat;
    });
  }
  // country names in the page's language (CLDR, from the server); the code where none is known
  function countries() {
    return api('/api/v1/countries?' + qs({lang: LANG})).then(function (doc) { COUNTRIES = doc.countries; });
  }
  function countryName(iso) { return COUNTRIES[iso] || iso; }
  function countryLabel(iso) { var n = countryName(iso); return n === iso ? iso : n + ' (' + iso + ')'; }
  function byMineral(records) {
    var out = {};
    records.forEach(function (r) { (out[r.mineral] = out[r.mineral] || {})[r.indicator] = r; });
    return out;
  }
  function scored(r) { return !!r && r.score !== null && r.score !== undefined; }
  // an axis without a score is marked as the reports do: n/a where the stage does not exist for the
  // mineral (status not_applicable), no data where nothing is held (its point sits at the centre)
  function axisLabel(i, r) {
    if (scored(r)) return I18N.indicators[i];
    return (r && r.status === 'not_applicable') ? I18N.axes.na[i] : I18N.axes.nd[i];
  }
  // wrap: the mark of an axis without a score (n/a, no data) on a second line (a radar in a narrow column)
  function radarTrace(recs, name, colour, fill, wrap) {
    var theta = INDICATORS.map(function (i) {
      var a = axisLabel(i, recs[i]), k = a.lastIndexOf(' (');
      return (wrap && !scored(recs[i]) && k > 0) ? a.slice(0, k) + '<br>' + a.slice(k + 1) : a;
    });
    var r = INDICATORS.map(function (i) { return scored(recs[i]) ? recs[i].score : 0; });
    var text = INDICATORS.map(function (i) { return scored(recs[i]) ? fmt(recs[i].score, 2) : '–'; });
    return {type: 'scatterpolar', r: r.concat(r.slice(0, 1)), theta: theta.concat(theta.slice(0, 1)),
      text: text.concat(text.slice(0, 1)), fill: fill === false ? 'none' : 'toself', name: name,
      line: {color: colour}, opacity: 0.85,
      hovertemplate: '%{theta}: %{text}<extra>' + name.replace(/[<>&]/g, '') + '</extra>'};
  }
  var RADAR_LAYOUT = {polar: {radialaxis: {range: [0, 1], tickvals: [0.25, 0.5, 0.75, 1]}},
    margin: {l: 140, r: 140, t: 40, b: 40}, height: 380, font: {size: 11}, legend: {orientation: 'h'}};
  var PALETTE = ['#c0392b', '#2c6e9b', '#27ae60', '#8e44ad', '#d68910', '#16a085', '#7f8c8d', '#2c3e50'];

  // -- overview -------------------------------------------------------------------------------------
  function pageOverview() {
    var sel = document.getElementById('list');
    var head = document.getElementById('overview-head');
    var body = document.querySelector('#overview-table tbody');
    status(UI.loading);
    Promise.all([catalogue(), api('/api/v1/assess?' + qs({country: D.country, year: D.year, lang: LANG})), countries()])
      .then(function (res) {
        var cat = res[0], doc = res[1];
        Object.keys(cat.lists).sort().forEach(function (k) {
          var o = h('option', {value: k, text: k.replace(/^group:/, '') + ' (' + cat.lists[k].length + ')'});
          if (k === D.list) o.selected = true;
          sel.appendChild(o);
        });
        var cols = [UI.mineral].concat(INDICATORS.map(function (i) { return I18N.short[i]; }), [UI.mean, UI.n]);
        cols.forEach(function (c, k) {
          var th = h('th', {text: c, 'data-col': String(k)});
          if (k >= 1 && k <= 6) th.title = I18N.indicators[INDICATORS[k - 1]];
          head.appendChild(th);
        });
        var rows = [];
        var bm = byMineral(doc.records);
        Object.keys(bm).forEach(function (m) {
          var s = INDICATORS.map(function (i) { return bm[m][i] ? bm[m][i].score : null; });
          var ok = s.filter(function (x) { return x !== null; });
          var mean = ok.length ? ok.reduce(function (a, b) { return a + b; }, 0) / ok.length : null;
          rows.push({m: m, s: s, mean: mean, n: ok.length});
        });
        rows.sort(function (a, b) { return ((b.n >= 4) - (a.n >= 4)) || ((b.mean || 0) - (a.mean || 0)); });
        var year = doc.records.length ? doc.records[0].year : '';
        rows.forEach(function (r) {
          var link = h('a', {href: '/mineral/' + encodeURIComponent(r.m) + '?' + qs({country: D.country, year: year,
            lang: LANG}), text: mineralName(r.m)});
          var tr = h('tr', {'data-mineral': r.m}, h('td', {'data-v': mineralName(r.m)}, link));
          r.s.forEach(function (v) {
            tr.appendChild(h('td', {className: 's', 'data-v': v === null ? '' : String(v),
              style: 'background:' + color(v), text: fmt(v, 2)}));
          });
          tr.appendChild(h('td', {className: 'num', 'data-v': r.mean === null ? '' : String(r.mean), text: fmt(r.mean, 2)}));
          tr.appendChild(h('td', {className: 'num', 'data-v': String(r.n), text: String(r.n)}));
          body.appendChild(tr);
        });
        document.querySelector('h1').appendChild(h('span', {className: 'small',
          text: ' ' + UI.importer + ' ' + countryLabel(D.country) + ' · ' + UI.year + ' ' + year}));
        function filter() {
          var keep = sel.value ? cat.lists[sel.value] : null;
          Array.prototype.forEach.call(body.rows, function (tr) {
            tr.style.display = (!keep || keep.indexOf(tr.dataset.mineral) >= 0) ? '' : 'none';
          });
        }
        sel.addEventListener('change', filter);
        filter();
        sortable(document.getElementById('overview-table'));
        status('');
      }).catch(fail);
  }
  function sortable(table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
      th.addEventListener('click', function () {
        var tb = table.tBodies[0], rows = Array.prototype.slice.call(tb.rows);
        var asc = th.dataset.asc !== '1';
        th.dataset.asc = asc ? '1' : '0';
        rows.sort(function (a, b) {
          var x = a.cells[i].dataset.v, y = b.cells[i].dataset.v;
          var nx = parseFloat(x), ny = parseFloat(y);
          if (i > 0) { nx = isNaN(nx) ? -1 : nx; ny = isNaN(ny) ? -1 : ny; return asc ? nx - ny : ny - nx; }
          return asc ? x.localeCompare(y) : y.localeCompare(x);
        });
        rows.forEach(function (r) { tb.appendChild(r); });
      });
    });
  }

  // -- mineral --------------------------------------------------------------------------------------
  var SHARES = [['reserve_concentration', 'reserves'], ['production_concentration', 'production'],
    ['import_concentrate', 'imp_conc'], ['import_refined', 'imp_ref']];
  function pageMineral() {
    var m = D.mineral;
    status(UI.loading);
    var year = D.year;
    Promise.all([catalogue(), countries()]).then(function () {
      return api('/api/v1/assess?' + qs({country: D.country, year: D.year, mineral: m, lang: LANG}));
    }).then(function (doc) {
      if (doc.records.length) year = doc.records[0].year;
      var recs = byMineral(doc.records)[m] || {};
      plot('radar', [radarTrace(recs, mineralName(m), '#c0392b', true, true)],
        Object.assign({}, RADAR_LAYOUT, {title: {text: UI.radar, font: {size: 13}}, showlegend: false}));
      drawFlow(m, year);
      var d = doc.minerals[0] || {};
      document.getElementById('diagnosis').textContent = UI.diagnosis + ': ' + (d.diagnosis || '');
      var tools = document.getElementById('tools');
      (d.tools || []).forEach(function (t) { tools.appendChild(h('span', {className: 'tool', text: I18N.tools[t] || t})); });
      var shares = document.getElementById('shares');
      var todo = [];     // every chart's box first, then the charts: the grid's columns are settled by then
      SHARES.forEach(function (p) {
        var r = recs[p[0]];
        var sh = r && r.inputs && r.inputs.shares;
        if (!sh || !Object.keys(sh).length) return;
        var items = Object.keys(sh).map(function (k) { return [k, sh[k]]; })
          .sort(function (a, b) { return b[1] - a[1]; }).slice(0, 10).reverse();
        var div = h('div', {className: 'chart', id: 'shares-' + p[0]});
        shares.appendChild(div);
        todo.push([div, [{type: 'bar', orientation: 'h', x: items.map(function (x) { return 100 * x[1]; }),
          y: items.map(function (x) { return countryName(x[0]); }), marker: {color: '#2c6e9b'},
          hovertemplate: '%{y}: %{x:.1f}%<extra></extra>'}],
          {title: {text: UI[p[1]] + (r.inputs.data_year ? ' (' + UI.data_year + ' ' + r.inputs.data_year + ')' : ''),
            font: {size: 13}, x: 0.01, xanchor: 'left'}, height: 320, margin: {l: 130, r: 20, t: 64, b: 40},
            xaxis: {ticksuffix: '%', rangemode: 'tozero'}}]);
      });
      todo.forEach(function (t) { plot(t[0], t[1], t[2]); });
      var tb = document.querySelector('#indicator-table tbody');
      INDICATORS.forEach(function (i) {
        var r = recs[i];
        if (!r) return;
        tb.appendChild(h('tr', {'data-indicator': i}, h('td', {text: I18N.indicators[i]}),
          h('td', {className: 'num', text: fmt(r.value, 4)}), h('td', {className: 'num', text: fmt(r.score, 2)}),
          h('td', {text: String((r.inputs && r.inputs.data_year) || '')}), h('td', {className: 'small', text: r.reason || r.rule || ''})));
      });
      status('');
      return api('/api/v1/minerals/' + encodeURIComponent(m) + '/prices?' + qs({country: D.country, year: year}));
    }).then(function (p) {
      if (p && p.points.length) {
        plot('price', [{type: 'scatter', mode: 'lines+markers', x: p.points.map(function (q) { return q.year; }),
          y: p.points.map(function (q) { return q.value; }), name: p.series}],
          {title: {text: UI.price + ' (' + (p.unit || '') + ')', font: {size: 13}}, height: 320,
            margin: {l: 60, r: 20, t: 40, b: 40}});
      }
      return api('/api/v1/minerals/' + encodeURIComponent(m) + '/trend?' + qs({country: D.country, year: year}));
    }).then(function (t) {
      // each indicator's score over the years (the report's trend chart); an indicator never scored is left out
      var by = {};
      t.records.forEach(function (r) { (by[r.indicator] = by[r.indicator] || []).push(r); });
      var traces = INDICATORS.filter(function (i) { return (by[i] || []).some(scored); }).map(function (i, k) {
        return {type: 'scatter', mode: 'lines+markers', name: I18N.short[i], x: by[i].map(function (r) { return r.year; }),
          y: by[i].map(function (r) { return scored(r) ? r.score : null; }), line: {color: PALETTE[k % PALETTE.length]},
          hovertemplate: I18N.indicators[i].replace(/[<>&]/g, '') + ' %{x}: %{y:.2f}<extra></extra>'};
      });
      if (!traces.length) return;
      plot('trend', traces, {title: {text: UI.trend, font: {size: 13}}, height: 320,
        yaxis: {range: [0, 1.02], title: {text: UI.score}}, margin: {l: 60, r: 20, t: 40, b: 40},
        legend: {orientation: 'h'}});
    }).catch(fail);
  }

  // the mineral's material flow (issue 17) beside its radar: the server's Sankey figure, in the page's
  // language; where the importer's chain holds no flow, the statement and each stage's reason instead
  function drawFlow(m, year) {
    var box = document.getElementById('sankey');
    if (!box) return null;
    return api('/api/v1/minerals/' + encodeURIComponent(m) + '/flow?' + qs({country: D.country, year: year, lang: LANG}))
      .then(function (doc) {
        box.dataset.flow = doc.has_chain ? 'drawn' : 'none';
        if (!doc.has_chain || !doc.figure) {
          var ul = h('ul', {});
          (doc.why || []).forEach(function (w) { ul.appendChild(h('li', {text: w})); });
          box.appendChild(h('div', {className: 'flownote'}, h('b', {text: doc.title}), h('p', {text: doc.statement || ''}), ul));
          return;
        }
        var fig = doc.figure;
        var layout = Object.assign({}, fig.layout, {title: {text: doc.title, font: {size: 13}, x: 0.01, xanchor: 'left'},
          margin: Object.assign({}, fig.layout.margin, {t: 60})});
        return plot(box, fig.data, layout);
      }).catch(function (e) {
        box.dataset.flow = 'error';
        box.appendChild(h('p', {className: 'flownote status', text: String(e && e.message ? e.message : e)}));
      });
  }

  // -- importer comparison ----------------------------------------------------------------------------
  function fillMinerals(select) {
    return catalogue().then(function (cat) {
      cat.minerals.forEach(function (m) {
        var o = h('option', {value: m.mineral, text: LANG === 'ja' ? m.name_ja : m.name_en});
        if (m.mineral === select.dataset.selected) o.selected = true;
        select.appendChild(o);
      });
    });
  }
  function pageCompare() {
    var sel = document.getElementById('mineral');
    var importers = D.countries.split(',').map(function (c) { return c.trim(); }).filter(Boolean).slice(0, 8);
    status(UI.loading);
    Promise.all([fillMinerals(sel), countries()]).then(function () {
      return Promise.all(importers.map(function (c) {
        return api('/api/v1/assess?' + qs({country: c, year: D.year, mineral: D.mineral, lang: LANG}));
      }));
    }).then(function (docs) {
      var traces = [], per = [];
      docs.forEach(function (doc, k) {
        var recs = byMineral(doc.records)[D.mineral] || {};
        var year = doc.records.length ? doc.records[0].year : '';
        per.push(recs);
        traces.push(radarTrace(recs, countryName(importers[k]) + ' ' + year, PALETTE[k % PALETTE.length], k === 0));
      });
      plot('radar', traces, Object.assign({}, RADAR_LAYOUT, {height: 460,
        title: {text: mineralName(D.mineral), font: {size: 14}}}));
      var head = document.getElementById('compare-head');
      head.appendChild(h('th', {text: UI.indicator}));
      importers.forEach(function (c) { head.appendChild(h('th', {text: countryLabel(c)})); });
      var tb = document.querySelector('#compare-table tbody');
      INDICATORS.forEach(function (i) {
        var tr = h('tr', {}, h('td', {text: I18N.indicators[i]}));
        per.forEach(function (recs) {
          var s = recs[i] ? recs[i].score : null;
          tr.appendChild(h('td', {className: 's', style: 'background:' + color(s), text: fmt(s, 2)}));
        });
        tb.appendChild(tr);
      });
      status('');
    }).catch(fail);
  }

  // -- policy what-if ---------------------------------------------------------------------------------
  function pageWhatif() {
    var sel = document.getElementById('policy');
    var box = document.getElementById('interventions');
    var examples = [];
    function showInterventions() {
      Array.prototype.slice.call(box.querySelectorAll('label')).forEach(function (l) { l.remove(); });
      var ex = examples[sel.selectedIndex];
      if (!ex) return;
      (ex.policy.interventions || []).forEach(function (iv, k) {
        var cb = h('input', {type: 'checkbox', value: String(k), id: 'iv-' + k});
        cb.checked = true;
        box.appendChild(h('label', {'for': 'iv-' + k}, cb, ' ' + (iv.name || iv.type) + ' — ' + iv.type + ', ' +
          mineralName(iv.mineral)));
      });
    }
    catalogue().then(function () { return api('/api/v1/policy/examples'); }).then(function (doc) {
      examples = doc.examples;
      if (!examples.length) { status(UI.no_examples); return; }
      examples.forEach(function (ex) {
        var o = h('option', {value: ex.file, text: ex.policy.title || ex.policy.name || ex.file});
        if (ex.file === D.policy || ex.policy.name === D.policy) o.selected = true;
        sel.appendChild(o);
      });
      showInterventions();
    }).catch(fail);
    sel.addEventListener('change', showInterventions);
    document.getElementById('run').addEventListener('click', function () {
      var ex = examples[sel.selectedIndex];
      if (!ex) return;
      var keep = Array.prototype.slice.call(box.querySelectorAll('input:checked')).map(function (c) { return +c.value; });
      var pol = JSON.parse(JSON.stringify(ex.policy));
      pol.interventions = pol.interventions.filter(function (iv, k) { return keep.indexOf(k) >= 0; });
      status(UI.loading);
      api('/api/v1/policy/evaluate', {policy: pol}).then(function (res) {
        var before = byMineral(res.before), after = byMineral(res.after);
        var grid = document.getElementById('radars');
        while (grid.firstChild) grid.removeChild(grid.firstChild);
        var mins = {};
        pol.interventions.forEach(function (iv) { mins[iv.mineral] = true; });
        Object.keys(mins).forEach(function (m) {
          grid.appendChild(h('div', {className: 'chart radar', id: 'radar-' + m}));
        });
        Object.keys(mins).forEach(function (m) {
          plot('radar-' + m, [radarTrace(before[m] || {}, UI.before, '#7f8c8d'), radarTrace(after[m] || {}, UI.after, '#c0392b')],
            Object.assign({}, RADAR_LAYOUT, {title: {text: mineralName(m), font: {size: 13}}}));
        });
        document.getElementById('risk').textContent = UI.risk + ': ' + Object.keys(res.risk).map(function (k) {
          return k + ' ' + Number(res.risk[k]).toFixed(4);
        }).join(', ');
        var ul = document.getElementById('effects');
        while (ul.firstChild) ul.removeChild(ul.firstChild);
        (res.interventions || []).forEach(function (e) {
          var mv = Object.keys(e.moved_indicators || {}).map(function (k) {
            var d = e.moved_indicators[k].delta;
            return (I18N.short[k] || k) + ' ' + (d === null ? UI.new : (d > 0 ? '+' : '') + d.toFixed(3));
          }).join(', ');
          ul.appendChild(h('li', {}, h('b', {text: e.name}), ' (' + e.type + ', ' + mineralName(e.mineral) + '): ' + UI.moved + ' ' +
            (mv || '-') + '. ' + UI.why + ': ' + (e.why || '')));
        });
        status('');
      }).catch(fail);
    });
  }

  // -- demand -------------------------------------------------------------------------------------------
  function pageDemand() {
    var sel = document.getElementById('scenario');
    catalogue().then(function () { return api('/api/v1/demand/scenarios'); }).then(function (doc) {
      doc.scenarios.forEach(function (s) {
        var o = h('option', {value: s.name, text: s.name + ' — ' + s.title});
        if (s.name === sel.dataset.selected) o.selected = true;
        sel.appendChild(o);
      });
      status(UI.loading);
      return api('/api/v1/demand?' + qs({scenario: sel.dataset.selected}));
    }).then(function (doc) {
      var last = Math.max.apply(null, doc.records.map(function (r) { return r.year; }));
      var techs = {};
      doc.records.filter(function (r) { return r.year === last; }).forEach(function (r) {
        (techs[r.technology] = techs[r.technology] || {})[r.mineral] = r.tonnes;
      });
      var mins = {};
      Object.keys(techs).forEach(function (t) { Object.keys(techs[t]).forEach(function (m) { mins[m] = true; }); });
      var ms = Object.keys(mins).sort();
      plot('demand-chart', Object.keys(techs).map(function (t) {
        return {type: 'bar', name: t, x: ms.map(mineralName), y: ms.map(function (m) { return techs[t][m] || 0; })};
      }), {barmode: 'stack', title: {text: doc.scenario.title + ' (' + last + ')', font: {size: 13}},
        yaxis: {type: 'log', title: {text: UI.tonnes}}, height: 420, margin: {l: 60, r: 20, t: 40, b: 110}});
      var cols = ['mineral', 'year', 'tonnes', 'domestic_demand_t', 'share_of_domestic', 'world_production_t', 'share_of_world'];
      var head = document.getElementById('outlook-head');
      cols.forEach(function (c) { head.appendChild(h('th', {text: I18N.fields[c] || c, 'data-field': c})); });
      var tb = document.querySelector('#outlook-table tbody');
      (doc.outlook || []).filter(function (r) { return r.year === last; }).forEach(function (r) {
        var tr = h('tr', {});
        cols.forEach(function (c) {
          var v = r[c];
          var txt = (v === null || v === undefined) ? '' : c === 'mineral' ? mineralName(v) :
            c.indexOf('share') === 0 ? (100 * v).toFixed(1) + '%' : (typeof v === 'number' && c !== 'year') ? v.toLocaleString() : String(v);
          tr.appendChild(h('td', {className: c === 'mineral' ? '' : 'num', text: txt}));
        });
        tb.appendChild(tr);
      });
      status('');
    }).catch(fail);
  }

  // -- disruption -------------------------------------------------------------------------------------
  function pageDisruption() {
    var sel = document.getElementById('scenario');
    Promise.all([catalogue(), countries()]).then(function () { return api('/api/v1/disrupt/scenarios'); }).then(function (doc) {
      doc.scenarios.forEach(function (s) {
        var o = h('option', {value: s.name, text: s.name + ' — ' + s.title});
        if (s.name === sel.dataset.selected) o.selected = true;
        sel.appendChild(o);
      });
      run();
    }).catch(fail);
    function run() {
      status(UI.loading);
      var sd = parseFloat(document.getElementById('stock_days').value);
      api('/api/v1/disrupt', {scenario: sel.value, stock_days: isNaN(sd) ? null : sd}).then(function (r) {
        var dl = document.getElementById('figures');
        while (dl.firstChild) dl.removeChild(dl.firstChild);
        [['mineral', mineralName(r.mineral)], ['country', countryLabel(r.country)], ['stage', r.stage], ['year', r.year],
          ['days', r.days],
          ['annual_imports_t', r.annual_imports_t], ['cut_share', r.cut_share], ['shortfall_t', r.shortfall_t],
          ['covered_days', r.covered_days], ['stock_needed_t', r.stock_needed_t]].forEach(function (p) {
          dl.appendChild(h('dt', {text: I18N.fields[p[0]] || p[0], 'data-field': p[0]}));
          dl.appendChild(h('dd', {text: (typeof p[1] === 'number' && p[0] !== 'year') ? Number(p[1]).toLocaleString(undefined,
            {maximumFractionDigits: 2}) : String(p[1] === null ? '-' : p[1])}));
        });
        var c = r.curve;
        plot('curve', Object.keys(c).filter(function (k) { return k !== 'day'; }).map(function (k) {
          return {type: 'scatter', mode: 'lines', name: I18N.curve[k] || k, x: c.day, y: c[k]};
        }), {title: {text: (r.scenario && r.scenario.title) || mineralName(r.mineral), font: {size: 13}}, height: 420,
          xaxis: {title: {text: UI.day}}, yaxis: {title: {text: UI.tonnes}}, margin: {l: 70, r: 20, t: 40, b: 50}});
        status('');
      }).catch(fail);
    }
    document.getElementById('controls').addEventListener('submit', function (ev) { ev.preventDefault(); run(); });
  }

  var PAGES = {overview: pageOverview, mineral: pageMineral, compare: pageCompare, whatif: pageWhatif,
    demand: pageDemand, disruption: pageDisruption};
  if (PAGES[D.page]) PAGES[D.page]();
})();
