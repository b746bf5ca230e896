/* Administration: today's dashboard, appliance health, clock confirmation, catalogue import,
   officers and tokens. The chart is inline SVG: no outside script, no canvas library. */
(function () {
  'use strict';
  var el = MPP.el;
  var SVG = 'http://www.w3.org/2000/svg'; // an XML namespace name, never fetched
  var who = null;

  MPP.tickClock(document.getElementById('clock'));

  function num(row, names) {
    for (var i = 0; i < names.length; i++) {
      var v = row[names[i]];
      if (typeof v === 'number') return v;
    }
    return 0;
  }

  function loadReport() {
    return MPP.api('GET', '/api/v1/reports/daily').then(function (data) {
      var rows = MPP.items(data).map(function (r) {
        return {
          code: r.service || r.code,
          name: r.service_name || r.name || r.service,
          issued: num(r, ['issued', 'issued_count']),
          served: num(r, ['served', 'done', 'served_count']),
          noShow: num(r, ['no_show', 'no_shows', 'no_show_count']),
          raw: r,
        };
      });
      document.getElementById('report-date').textContent = (data && (data.date || data.business_date)) || '';
      var sum = function (key) {
        return rows.reduce(function (acc, r) {
          return acc + r[key];
        }, 0);
      };
      var stats = MPP.clear(document.getElementById('stats'));
      [['issued', sum('issued')], ['served', sum('served')], ['no_show', sum('noShow')], ['services_active', rows.filter(function (r) {
        return r.issued > 0;
      }).length]].forEach(function (pair) {
        stats.appendChild(el('div', { className: 'stat', 'data-stat': pair[0] }, [el('b', { text: String(pair[1]) }), MPP.t('stat_' + pair[0])]));
      });
      drawChart(rows.filter(function (r) {
        return r.issued > 0 || r.served > 0;
      }).sort(function (a, b) {
        return b.issued - a.issued;
      }).slice(0, 12));
      drawTable(rows.filter(function (r) {
        return r.issued > 0 || r.served > 0 || r.noShow > 0;
      }));
    }, function (e) {
      if (e.status === 401) throw e;
      document.getElementById('chart').textContent = e.message;
    });
  }

  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) {
      node.setAttribute(k, attrs[k]);
    });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function drawChart(rows) {
    var box = MPP.clear(document.getElementById('chart'));
    if (!rows.length) {
      box.appendChild(el('p', { className: 'muted', text: MPP.t('no_tickets_today') }));
      return;
    }
    var width = 560;
    var label = 190;
    var barH = 22;
    var gap = 8;
    var height = rows.length * (barH + gap) + 10;
    var max = Math.max.apply(null, rows.map(function (r) {
      return Math.max(r.issued, r.served, 1);
    }));
    var scale = (width - label - 40) / max;
    var chart = svg('svg', { viewBox: '0 0 ' + width + ' ' + height, role: 'img', 'aria-label': MPP.t('chart_label') });
    rows.forEach(function (r, i) {
      var y = 5 + i * (barH + gap);
      var name = r.name.length > 30 ? r.name.slice(0, 29) + '…' : r.name;
      chart.appendChild(svg('text', { x: label - 6, y: y + barH * 0.7, 'text-anchor': 'end' }, name));
      chart.appendChild(svg('rect', { x: label, y: y, width: Math.max(1, r.issued * scale), height: barH, class: 'bar-issued' }));
      chart.appendChild(svg('rect', { x: label, y: y + barH * 0.25, width: Math.max(0, r.served * scale), height: barH * 0.5, class: 'bar-served' }));
      chart.appendChild(svg('text', { x: label + r.issued * scale + 4, y: y + barH * 0.7 }, r.served + '/' + r.issued));
    });
    box.appendChild(chart);
  }

  function drawTable(rows) {
    var box = MPP.clear(document.getElementById('report-table'));
    if (!rows.length) {
      box.appendChild(el('p', { className: 'muted', text: MPP.t('no_tickets_today') }));
      return;
    }
    // Time figures are whatever p50/p90 fields the report carries, in its own order.
    var extra = Object.keys(rows[0].raw).filter(function (k) {
      return /p50|p90/.test(k);
    });
    var head = el('tr', null, [el('th', { text: MPP.t('service') }), el('th', { className: 'num', text: MPP.t('stat_issued') }), el('th', { className: 'num', text: MPP.t('stat_served') }), el('th', { className: 'num', text: MPP.t('stat_no_show') })].concat(extra.map(function (k) {
      return el('th', { className: 'num', text: MPP.t('col_' + k) === 'col_' + k ? k : MPP.t('col_' + k) });
    })));
    var body = rows.map(function (r) {
      return el('tr', null, [el('td', { text: r.name }), el('td', { className: 'num', text: String(r.issued) }), el('td', { className: 'num', text: String(r.served) }), el('td', { className: 'num', text: String(r.noShow) })].concat(extra.map(function (k) {
        var v = r.raw[k];
        return el('td', { className: 'num', text: v === null || v === undefined ? '–' : String(typeof v === 'number' ? Math.round(v * 10) / 10 : v) });
      })));
    });
    box.appendChild(el('table', null, [el('thead', null, [head]), el('tbody', null, body)]));
  }

  /* Health: printer, sync, clock, disk; shown as they come, flattened one level. */
  function loadStatus() {
    return MPP.api('GET', '/api/v1/status').then(function (status) {
      var dl = MPP.clear(document.getElementById('health'));
      Object.keys(status || {}).forEach(function (key) {
        var value = status[key];
        var text;
        if (value && typeof value === 'object') {
          text = Object.keys(value).map(function (k) {
            var v = value[k];
            return k + ': ' + (v && typeof v === 'object' ? JSON.stringify(v) : String(v));
          }).join(' · ');
        } else {
          text = String(value);
        }
        dl.appendChild(el('dt', { text: MPP.t('health_' + key) === 'health_' + key ? key : MPP.t('health_' + key) }));
        dl.appendChild(el('dd', { 'data-health': key, text: text }));
      });
      clockWarning(status || {});
    }, function (e) {
      if (e.status === 401) throw e;
      MPP.clear(document.getElementById('health')).appendChild(el('dd', { text: e.message }));
    });
  }

  function clockWarning(status) {
    var clock = status.clock && typeof status.clock === 'object' ? status.clock : {};
    var synced = [clock.synchronised, clock.synchronized, clock.synced, status.clock_synchronised, status.clock_synced].filter(function (v) {
      return typeof v === 'boolean';
    })[0];
    var behind = clock.clock_behind || clock.behind || status.clock_behind;
    var warning = document.getElementById('clock-warning');
    warning.hidden = !(synced === false || behind === true) || !MPP.atLeast(who, 'admin');
    if (warning.hidden) return;
    var shown = clock.now || clock.time || status.now;
    document.getElementById('clock-detail').textContent = shown ? MPP.t('clock_device_says', { time: MPP.dateTime(shown) }) : '';
    var input = document.getElementById('clock-now');
    if (!input.value) input.value = localInputValue(new Date());
  }

  function localInputValue(d) {
    var p = MPP.pad;
    return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()) + 'T' + p(d.getHours()) + ':' + p(d.getMinutes()) + ':' + p(d.getSeconds());
  }

  /* The browser's zone offset makes the value a full ISO 8601 instant. */
  function isoWithOffset(d) {
    var p = MPP.pad;
    var off = -d.getTimezoneOffset();
    var sign = off >= 0 ? '+' : '-';
    off = Math.abs(off);
    return localInputValue(d) + sign + p(Math.floor(off / 60)) + ':' + p(off % 60);
  }

  document.getElementById('clock-confirm').addEventListener('click', function () {
    var value = document.getElementById('clock-now').value;
    var when = value ? new Date(value) : new Date();
    if (isNaN(when.getTime())) return MPP.toast(MPP.t('clock_invalid'), 'error');
    if (!window.confirm(MPP.t('clock_confirm_q', { time: when.toLocaleString() }))) return;
    MPP.api('POST', '/api/v1/admin/clock', { now: isoWithOffset(when) }).then(function () {
      MPP.toast(MPP.t('clock_confirmed'), 'ok');
      loadStatus();
    }, function (e) {
      MPP.toast(e.message, 'error');
    });
  });

  /* Catalogue import: the whole mpp-catalogue/1 document, checked by the server. */
  var fileInput = document.getElementById('catalogue-file');
  var importButton = document.getElementById('catalogue-import');
  var catalogue = null;
  fileInput.addEventListener('change', function () {
    catalogue = null;
    importButton.disabled = true;
    var file = fileInput.files && fileInput.files[0];
    if (!file) return;
    file.text().then(function (text) {
      try {
        catalogue = JSON.parse(text);
        importButton.disabled = false;
        result([MPP.t('catalogue_ready', { agencies: (catalogue.agencies || []).length, services: (catalogue.services || []).length, counters: (catalogue.counters || []).length })]);
      } catch (e) {
        result([MPP.t('catalogue_not_json')], true);
      }
    });
  });
  importButton.addEventListener('click', function () {
    if (!catalogue) return;
    importButton.disabled = true;
    MPP.api('PUT', '/api/v1/admin/catalogue', catalogue).then(function () {
      result([MPP.t('catalogue_done')]);
      loadReport();
    }, function (e) {
      var lines = [e.message];
      if (Array.isArray(e.details)) lines = lines.concat(e.details.map(String));
      result(lines, true);
      importButton.disabled = false;
    });
  });

  function result(lines, bad) {
    var box = MPP.clear(document.getElementById('catalogue-result'));
    box.appendChild(el('div', { className: 'alert ' + (bad ? 'bad' : 'warn') }, lines.map(function (line) {
      return el('div', { text: line });
    })));
  }

  function listInto(id, path, columns) {
    var box = MPP.clear(document.getElementById(id));
    return MPP.api('GET', path).then(function (data) {
      var rows = MPP.items(data);
      if (!rows.length) return box.appendChild(el('p', { className: 'muted', text: MPP.t('none') }));
      box.appendChild(el('table', null, [
        el('thead', null, [el('tr', null, columns.map(function (c) {
          return el('th', { text: MPP.t(c[1]) });
        }))]),
        el('tbody', null, rows.map(function (row) {
          return el('tr', null, columns.map(function (c) {
            var v = row[c[0]];
            if (Array.isArray(v)) v = v.join(', ');
            if (typeof v === 'boolean') v = v ? MPP.t('yes') : MPP.t('no');
            if (c[0] === 'role') v = MPP.t('role_' + v);
            return el('td', { text: v === null || v === undefined ? '–' : String(v) });
          }));
        })),
      ]));
    }, function (e) {
      box.appendChild(el('p', { className: 'muted', text: e.status === 404 ? MPP.t('not_available') : e.message }));
    });
  }

  MPP.requireStaff('supervisor').then(function (me) {
    who = me;
    var refresh = MPP.serial(function () {
      return Promise.all([loadReport(), loadStatus()]);
    });
    refresh();
    setInterval(refresh, 30000);
    if (MPP.atLeast(me, 'admin')) {
      Array.prototype.forEach.call(document.querySelectorAll('.admin-only'), function (node) {
        node.hidden = false;
      });
      listInto('officers', '/api/v1/admin/officers', [['username', 'col_username'], ['display_name', 'col_name'], ['role', 'col_role'], ['counters', 'col_counters'], ['active', 'col_active']]);
      listInto('tokens', '/api/v1/admin/tokens', [['name', 'col_name'], ['role', 'col_role'], ['created_at', 'col_created'], ['revoked', 'col_revoked']]);
    }
  }, function () {});
})();
