/* Administration, period reports: SKM (IKM, NRR per element as inline SVG bars) and operations
   (arrivals per hour, per counter, per officer), with links to the printable report, PDF, CSV. */
(function () {
  'use strict';
  var el = MPP.el;
  var SVG = 'http://www.w3.org/2000/svg'; // an XML namespace name, never fetched
  var form = document.getElementById('report-filter');
  var fromInput = document.getElementById('r-from');
  var toInput = document.getElementById('r-to');
  var agencySelect = document.getElementById('r-agency');
  var serviceSelect = document.getElementById('r-service');
  var services = [];

  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) {
      node.setAttribute(k, attrs[k]);
    });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function query() {
    var params = new URLSearchParams();
    // Empty dates: the server's default (this month of the appliance's business day).
    if (fromInput.value) params.set('from', fromInput.value);
    if (toInput.value) params.set('to', toInput.value);
    if (agencySelect.value) params.set('agency', agencySelect.value);
    if (serviceSelect.value) params.set('service', serviceSelect.value);
    return params.toString();
  }

  function fillServices() {
    var agency = agencySelect.value;
    var keep = serviceSelect.value;
    MPP.clear(serviceSelect).appendChild(el('option', { value: '', text: MPP.t('all_services') }));
    services.filter(function (s) {
      return !agency || s.agency === agency;
    }).forEach(function (s) {
      serviceSelect.appendChild(el('option', { value: s.code, text: s.name, selected: s.code === keep }));
    });
  }

  function stat(box, key, value, label) {
    box.appendChild(el('div', { className: 'stat', 'data-stat': key }, [el('b', { text: String(value) }), label]));
  }

  function comma(value) {
    return value === null || value === undefined ? '–' : String(value).replace('.', MPP.lang === 'id' ? ',' : '.');
  }

  function drawSkm(report) {
    var stats = MPP.clear(document.getElementById('skm-stats'));
    var category = report.category;
    stat(stats, 'ikm', comma(report.ikm), MPP.t('skm_ikm'));
    stat(stats, 'category', category ? category.letter + ' · ' + (MPP.lang === 'en' ? category.label_en : category.label) : '–', MPP.t('skm_category'));
    stat(stats, 'respondents', MPP.t('n_people', { n: report.respondents }), MPP.t('skm_respondents'));
    stat(stats, 'minimum', MPP.t('n_people', { n: report.minimum_sample }), MPP.t('skm_minimum') + ' (' + (report.sample_met ? MPP.t('skm_met') : MPP.t('skm_not_met')) + ') · ' + MPP.t('skm_population') + ' ' + MPP.t('n_people', { n: report.population }));
    var box = MPP.clear(document.getElementById('skm-chart'));
    if (!report.respondents) {
      box.appendChild(el('p', { className: 'muted', text: MPP.t('skm_no_respondents') }));
      return;
    }
    var width = 560;
    var label = 220;
    var barH = 20;
    var gap = 6;
    var height = report.elements.length * (barH + gap) + 24;
    var scale = (width - label - 100) / 100;
    var chart = svg('svg', { viewBox: '0 0 ' + width + ' ' + height, role: 'img', 'aria-label': MPP.t('skm_chart_label') });
    // Category bands: the bar's colour says which band the element alone would fall in.
    [88.31, 76.61, 65].forEach(function (mark) {
      chart.appendChild(svg('line', { x1: label + mark * scale, x2: label + mark * scale, y1: 0, y2: height - 18, class: 'mark' }));
      chart.appendChild(svg('text', { x: label + mark * scale, y: height - 4, 'text-anchor': 'middle', class: 'mark-text' }, comma(mark)));
    });
    report.elements.forEach(function (e, i) {
      var y = 4 + i * (barH + gap);
      var value = e.ikm === null ? 0 : parseFloat(e.ikm);
      var band = value >= 88.31 ? 'a' : value >= 76.61 ? 'b' : value >= 65 ? 'c' : 'd';
      var name = e.code + ' ' + (e.name.length > 28 ? e.name.slice(0, 27) + '…' : e.name);
      chart.appendChild(svg('text', { x: label - 6, y: y + barH * 0.72, 'text-anchor': 'end' }, name));
      chart.appendChild(svg('rect', { x: label, y: y, width: Math.max(1, value * scale), height: barH, class: 'bar-skm band-' + band, 'data-element': e.code }));
      chart.appendChild(svg('text', { x: label + value * scale + 4, y: y + barH * 0.72 }, comma(e.nrr) + ' · ' + comma(e.ikm)));
    });
    box.appendChild(chart);
  }

  function table(rows, columns) {
    if (!rows.length) return el('p', { className: 'muted', text: MPP.t('none') });
    return el('table', null, [
      el('thead', null, [el('tr', null, columns.map(function (c) {
        return el('th', { className: c[2] ? 'num' : '', text: MPP.t(c[1]) });
      }))]),
      el('tbody', null, rows.map(function (row) {
        return el('tr', null, columns.map(function (c) {
          var v = row[c[0]];
          if (typeof v === 'number' && !Number.isInteger(v)) v = Math.round(v * 10) / 10;
          return el('td', { className: c[2] ? 'num' : '', text: v === null || v === undefined ? '–' : String(v) });
        }));
      })),
    ]);
  }

  var FIGURES = [['issued', 'col_issued_tickets', 1], ['served', 'col_served_people', 1], ['no_show', 'col_no_show_people', 1], ['wait_p50_minutes', 'col_wait_p50', 1], ['wait_p90_minutes', 'col_wait_p90', 1], ['handling_p50_minutes', 'col_handling_p50', 1], ['handling_p90_minutes', 'col_handling_p90', 1]];

  function drawOperations(report) {
    var stats = MPP.clear(document.getElementById('ops-stats'));
    var t = report.totals;
    stat(stats, 'issued', MPP.t('n_tickets', { n: t.issued }), MPP.t('stat_issued'));
    stat(stats, 'served', MPP.t('n_people', { n: t.served }), MPP.t('stat_served'));
    stat(stats, 'no_show', MPP.t('n_people', { n: t.no_show }), MPP.t('stat_no_show'));
    stat(stats, 'expired', MPP.t('n_tickets', { n: t.expired }), MPP.t('ops_expired'));
    var box = MPP.clear(document.getElementById('ops-hours'));
    var hours = report.arrivals_per_hour;
    if (hours.length) {
      var width = 560;
      var height = 150;
      var max = Math.max.apply(null, hours.map(function (h) {
        return h.count;
      }).concat([1]));
      var step = (width - 20) / hours.length;
      var chart = svg('svg', { viewBox: '0 0 ' + width + ' ' + height, role: 'img', 'aria-label': MPP.t('ops_arrivals') });
      hours.forEach(function (h, i) {
        var barHeight = (h.count / max) * (height - 40);
        chart.appendChild(svg('rect', { x: 10 + i * step + 2, y: height - 20 - barHeight, width: Math.max(2, step - 4), height: barHeight, class: 'bar-served', 'data-hour': h.hour }));
        chart.appendChild(svg('text', { x: 10 + i * step + step / 2, y: height - 6, 'text-anchor': 'middle' }, MPP.pad(h.hour)));
        if (h.count) chart.appendChild(svg('text', { x: 10 + i * step + step / 2, y: height - 24 - barHeight, 'text-anchor': 'middle' }, String(h.count)));
      });
      box.appendChild(el('p', { className: 'small muted', text: MPP.t('ops_arrivals') }));
      box.appendChild(chart);
    }
    MPP.clear(document.getElementById('ops-counters')).appendChild(table(report.counters, [['counter_name', 'col_counter']].concat(FIGURES)));
    MPP.clear(document.getElementById('ops-officers')).appendChild(table(report.officers, [['officer', 'col_officer']].concat(FIGURES)));
    if (MPP.drawBookings) MPP.drawBookings(report.bookings, table); // admin-booking.js
  }

  function setLinks(q) {
    document.getElementById('skm-print').href = '/admin/reports/skm?' + q;
    document.getElementById('skm-pdf').href = '/api/v1/reports/skm.pdf?' + q;
    document.getElementById('skm-csv').href = '/api/v1/reports/skm?format=csv&' + q;
    document.getElementById('ops-csv').href = '/api/v1/reports/operations?format=csv&' + q;
  }

  /* SKM first: with empty dates it answers the server's default period, which then fills the
     inputs, so both reports and every link cover the same days. */
  function load() {
    var error = document.getElementById('r-error');
    error.hidden = true;
    return MPP.api('GET', '/api/v1/reports/skm?' + query()).then(function (report) {
      if (!fromInput.value) fromInput.value = report.scope.from;
      if (!toInput.value) toInput.value = report.scope.to;
      drawSkm(report);
      var q = query();
      setLinks(q);
      return MPP.api('GET', '/api/v1/reports/operations?' + q).then(drawOperations);
    }).catch(function (e) {
      if (e.status === 401) return MPP.toLogin();
      error.textContent = e.message;
      error.hidden = false;
    });
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    load();
  });
  agencySelect.addEventListener('change', fillServices);

  MPP.adminReady.then(function () {
    return MPP.api('GET', '/api/v1/services').then(function (data) {
      services = data.items.map(MPP.service);
      var agencies = {};
      services.forEach(function (s) {
        agencies[s.agency] = s.agencyName;
      });
      agencySelect.appendChild(el('option', { value: '', text: MPP.t('all_agencies') }));
      Object.keys(agencies).sort().forEach(function (code) {
        agencySelect.appendChild(el('option', { value: code, text: agencies[code] }));
      });
      fillServices();
      return load();
    });
  }, function () {});
})();
