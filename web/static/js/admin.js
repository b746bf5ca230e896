/* Administration: today's dashboard, appliance health, printer alert, clock confirmation.
   Officers and tokens live in admin-people.js, the catalogue and hours in admin-catalogue.js.
   The chart is inline SVG: no outside script, no canvas library. */
(function () {
  'use strict';
  var el = MPP.el;
  var SVG = 'http://www.w3.org/2000/svg'; // an XML namespace name, never fetched
  var who = null;
  var site = null; // the site clock of the last status: {local, offset, zone}

  MPP.tickClock(document.getElementById('clock'));

  function loadReport() {
    return MPP.api('GET', '/api/v1/reports/daily').then(function (data) {
      var rows = data.items.map(function (r) {
        return { code: r.service, name: r.service_name, issued: r.issued, served: r.served, noShow: r.no_show, waiting: r.waiting || 0, raw: r };
      });
      document.getElementById('report-date').textContent = data.date;
      var sum = function (key) {
        return rows.reduce(function (acc, r) {
          return acc + r[key];
        }, 0);
      };
      var stats = MPP.clear(document.getElementById('stats'));
      // Each figure with its unit: "3 orang", "12 tiket", "4 layanan".
      [['waiting', sum('waiting'), 'n_people'], ['issued', sum('issued'), 'n_tickets'], ['served', sum('served'), 'n_people'], ['no_show', sum('noShow'), 'n_people'], ['services_active', rows.filter(function (r) {
        return r.issued > 0;
      }).length, 'n_services']].forEach(function (stat) {
        stats.appendChild(el('div', { className: 'stat', 'data-stat': stat[0] }, [el('b', { text: MPP.t(stat[2], { n: stat[1] }) }), MPP.t('stat_' + stat[0])]));
      });
      drawChart(rows.filter(function (r) {
        return r.issued > 0 || r.served > 0;
      }).sort(function (a, b) {
        return b.issued - a.issued;
      }).slice(0, 12));
      drawTable(rows.filter(function (r) {
        return r.issued > 0 || r.served > 0 || r.noShow > 0 || r.waiting > 0;
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
    /* Room on the left for a service name of 32 characters at 11px and on the right for
       "123/456 dilayani", so neither is cut at 1280x800; a longer name keeps its full text in
       a <title> (a hover shows it). */
    var width = 640;
    var label = 210;
    var room = 110;
    var barH = 22;
    var gap = 8;
    var height = rows.length * (barH + gap) + 10;
    var max = Math.max.apply(null, rows.map(function (r) {
      return Math.max(r.issued, r.served, 1);
    }));
    var scale = (width - label - room) / max;
    var chart = svg('svg', { viewBox: '0 0 ' + width + ' ' + height, role: 'img', 'aria-label': MPP.t('chart_label') });
    rows.forEach(function (r, i) {
      var y = 5 + i * (barH + gap);
      var name = r.name.length > 32 ? r.name.slice(0, 31) + '…' : r.name;
      var text = svg('text', { x: label - 6, y: y + barH * 0.7, 'text-anchor': 'end' }, name);
      if (name !== r.name) text.appendChild(svg('title', {}, r.name));
      chart.appendChild(text);
      chart.appendChild(svg('rect', { x: label, y: y, width: Math.max(1, r.issued * scale), height: barH, class: 'bar-issued' }));
      chart.appendChild(svg('rect', { x: label, y: y + barH * 0.25, width: Math.max(0, r.served * scale), height: barH * 0.5, class: 'bar-served' }));
      chart.appendChild(svg('text', { x: label + r.issued * scale + 4, y: y + barH * 0.7, 'data-figure': 'served-of-issued' }, MPP.t('chart_served_of', { served: r.served, issued: r.issued })));
    });
    box.appendChild(chart);
  }

  function drawTable(rows) {
    var box = MPP.clear(document.getElementById('report-table'));
    if (!rows.length) {
      box.appendChild(el('p', { className: 'muted', text: MPP.t('no_tickets_today') }));
      return;
    }
    var extra = ['wait_p50_minutes', 'wait_p90_minutes', 'handling_p50_minutes', 'handling_p90_minutes'];
    var head = el('tr', null, [el('th', { text: MPP.t('service') }), el('th', { className: 'num', text: MPP.t('col_waiting_people') }), el('th', { className: 'num', text: MPP.t('col_issued_tickets') }), el('th', { className: 'num', text: MPP.t('col_served_people') }), el('th', { className: 'num', text: MPP.t('col_no_show_people') })].concat(extra.map(function (k) {
      return el('th', { className: 'num', text: MPP.t('col_' + k) });
    })));
    var body = rows.map(function (r) {
      return el('tr', { 'data-report-service': r.code }, [el('td', { text: r.name }), el('td', { className: 'num', 'data-figure': 'waiting', text: String(r.waiting) }), el('td', { className: 'num', text: String(r.issued) }), el('td', { className: 'num', text: String(r.served) }), el('td', { className: 'num', text: String(r.noShow) })].concat(extra.map(function (k) {
        var v = r.raw[k];
        return el('td', { className: 'num', text: v === null || v === undefined ? '–' : String(typeof v === 'number' ? Math.round(v * 10) / 10 : v) });
      })));
    });
    box.appendChild(el('table', null, [el('thead', null, [head]), el('tbody', null, body)]));
  }

  /* Health, read for an administrator: one line per part with a coloured badge. */
  var PRINTER_OK = { ok: 'ok', disabled: '', unknown: 'warn' };

  function badge(kind, text) {
    return el('span', { className: 'badge ' + kind, text: text });
  }

  function row(dl, key, label, parts) {
    dl.appendChild(el('dt', { text: label }));
    dl.appendChild(el('dd', { 'data-health': key }, parts));
  }

  function gigabytes(bytes) {
    return (Math.round((bytes / 1073741824) * 10) / 10).toLocaleString(MPP.lang === 'en' ? 'en' : 'id-ID');
  }

  /* Without hardware (a development box) the printer is only {driver, state: 'disabled'}. */
  function printerParts(printer) {
    var state = printer.state;
    var kind = Object.prototype.hasOwnProperty.call(PRINTER_OK, state) ? PRINTER_OK[state] : 'bad';
    var unprinted = printer.unprinted || [];
    var parts = [badge(kind, MPP.t('printer_' + state) === 'printer_' + state ? state : MPP.t('printer_' + state)), ' ', printer.message || ''];
    if (printer.detail) parts.push(rawDetail(printer.detail)); // the driver's English, for the log
    var facts = [MPP.t('printer_printed', { n: printer.printed || 0 })];
    if (printer.queued) facts.push(MPP.t('printer_queued', { n: printer.queued }));
    if (printer.since && state !== 'ok') facts.push(MPP.t('since_time', { time: MPP.dateTime(printer.since) }));
    parts.push(el('div', { className: 'muted small', text: facts.join(' · ') }));
    if (unprinted.length) {
      parts.push(el('div', { className: 'unprinted', 'data-unprinted': String(unprinted.length) }, [
        el('strong', { text: MPP.t('printer_dropped', { n: unprinted.length, minutes: Math.max(1, Math.round((printer.stale_after_s || 120) / 60)) }) }),
        ' ',
        unprinted.slice(0, 12).map(function (u) {
          return u.label + (u.dropped_at ? ' (' + MPP.time(u.dropped_at) + ')' : '');
        }).join(', ') + (unprinted.length > 12 ? ' …' : ''),
        el('div', { className: 'muted small', text: MPP.t('printer_reprint_hint') }),
      ]));
    }
    return parts;
  }

  function printerAlert(printer) {
    var box = document.getElementById('printer-alert');
    var bad = !Object.prototype.hasOwnProperty.call(PRINTER_OK, printer.state);
    box.hidden = !bad;
    if (!bad) return;
    var text = printer.message;
    var count = printer.unprinted.length;
    if (count) text += ' ' + MPP.t('printer_unprinted', { n: count });
    document.getElementById('printer-alert-text').textContent = text;
  }

  function buttonParts(buttons) {
    if (!buttons.length) return [el('span', { className: 'muted', text: MPP.t('buttons_none') })];
    return buttons.map(function (b) {
      var last = b.last_press ? ' · ' + MPP.t('last_press', { time: MPP.dateTime(b.last_press) }) : '';
      return el('div', { text: 'GPIO' + b.pin + ' → ' + b.service + (b.priority ? ' (' + MPP.t('priority') + ')' : '') + ' · ' + MPP.t('presses_n', { n: b.presses }) + last });
    });
  }

  /* The box's speaker says the numbers the ticket buttons issue (absent: none configured). */
  function speakerParts(speaker) {
    var fault = !!speaker.last_error;
    var parts = [badge(fault ? 'bad' : 'ok', MPP.t(fault ? 'speaker_fault' : 'speaker_ok'))];
    var facts = [MPP.t('speaker_spoken', { n: speaker.spoken })];
    if (speaker.dropped) facts.push(MPP.t('speaker_dropped', { n: speaker.dropped }));
    parts.push(' ' + facts.join(' · '));
    if (fault) {
      parts.push(el('div', { className: 'small', text: MPP.t('speaker_hint') }));
      parts.push(rawDetail(speaker.last_error)); // the player's own words, for the log
    }
    return parts;
  }

  function syncParts(sync) {
    if (!sync.configured) return [badge('', MPP.t('sync_off')), ' ', el('span', { className: 'muted small', text: MPP.t('sync_backlog', { n: sync.backlog }) })];
    var parts = [badge(sync.connected ? 'ok' : 'warn', sync.connected ? MPP.t('sync_connected') : MPP.t('sync_disconnected'))];
    parts.push(' ' + MPP.t('sync_last_contact', { time: sync.last_contact ? MPP.dateTime(sync.last_contact) : MPP.t('never') }));
    var facts = [MPP.t('sync_backlog', { n: sync.backlog })];
    if (sync.oldest_pending_at) facts.push(MPP.t('sync_oldest', { time: MPP.dateTime(sync.oldest_pending_at) }));
    parts.push(el('div', { className: sync.backlog > 500 ? 'small warn-text' : 'muted small', text: facts.join(' · ') }));
    if (sync.alarm && sync.alarm.code === 'twin_site') {
      parts.push(el('div', { className: 'warn-text sync-alarm', text: MPP.t('sync_twin', { site: sync.alarm.site, central: sync.alarm.central_through, last: sync.alarm.last_seq }) }));
    }
    if (sync.last_error) parts.push(syncError(sync.last_error));
    return parts;
  }

  /* What `mpp sync` records in sync.last_error is an English line for the log (sync/edge.py,
     sync/mqtt.py). The page says it in the officer's words, known line by known line, and keeps
     the raw line folded away for whoever reads the log. */
  var SYNC_ERRORS = [
    [/^no progress from central for (\d+) s/, 'sync_err_stall'],
    [/^no connection within (\d+) s/, 'sync_err_no_connection'],
    [/^connect refused/, 'sync_err_refused'],
    [/^disconnected/, 'sync_err_disconnected'],
    [/^central refused a message/, 'sync_err_message_refused'],
    [/^another appliance uses site code/, 'sync_err_twin'],
    [/^outbox event cannot be sent/, 'sync_err_unsendable'],
    [/^central lacks seq/, 'sync_err_lost'],
    [/^catalogue (\d+) refused/, 'sync_err_catalogue'],
    [/^stopped$/, 'sync_err_stopped'],
  ];

  function syncError(raw) {
    var key = 'sync_err_other';
    var n = '';
    SYNC_ERRORS.some(function (pair) {
      var m = pair[0].exec(raw);
      if (m) {
        key = pair[1];
        n = m[1] || '';
      }
      return Boolean(m);
    });
    return el('div', { className: 'small warn-text', 'data-sync-error': key }, [
      MPP.t(key, { n: n }),
      rawDetail(raw),
    ]);
  }

  /* A line written for the log, folded away under "Rincian teknis". */
  function rawDetail(raw) {
    return el('details', { className: 'muted small raw-detail' }, [el('summary', { text: MPP.t('technical_detail') }), el('code', { lang: 'en', text: raw })]);
  }

  function clockParts(clock) {
    var ok = clock.synchronised && !clock.clock_behind;
    var parts = [badge(ok ? 'ok' : 'warn', clock.synchronised ? MPP.t('clock_synced') : MPP.t('clock_unsynced')), ' ' + MPP.dateTime(clock.now)];
    parts.push(el('div', { className: 'muted small', text: MPP.t('business_date', { date: clock.business_date }) }));
    if (clock.clock_behind) parts.push(el('div', { className: 'small warn-text', text: MPP.t('clock_behind') }));
    return parts;
  }

  function diskParts(disk) {
    if (disk.free_bytes === null) return [badge('warn', MPP.t('disk_unknown'))];
    var text = MPP.t('disk_free', { free: gigabytes(disk.free_bytes), total: gigabytes(disk.total_bytes) });
    return disk.low ? [badge('bad', MPP.t('disk_low')), ' ' + text] : [badge('ok', MPP.t('disk_ok')), ' ' + text];
  }

  function loadStatus() {
    return MPP.api('GET', '/api/v1/status').then(function (status) {
      var dl = MPP.clear(document.getElementById('health'));
      row(dl, 'printer', MPP.t('health_printer'), printerParts(status.printer));
      row(dl, 'buttons', MPP.t('health_buttons'), buttonParts(status.buttons));
      if (status.speaker) row(dl, 'speaker', MPP.t('health_speaker'), speakerParts(status.speaker));
      row(dl, 'sync', MPP.t('health_sync'), syncParts(status.sync));
      row(dl, 'clock', MPP.t('health_clock'), clockParts(status.clock));
      row(dl, 'disk', MPP.t('health_disk'), diskParts(status.disk));
      row(dl, 'version', MPP.t('health_version'), [status.version]);
      printerAlert(status.printer);
      clockWarning(status.clock);
    }, function (e) {
      if (e.status === 401) throw e;
      MPP.clear(document.getElementById('health')).appendChild(el('dd', { text: e.message }));
    });
  }

  function clockWarning(clock) {
    var warning = document.getElementById('clock-warning');
    warning.hidden = (clock.synchronised && !clock.clock_behind) || !MPP.atLeast(who, 'admin');
    if (warning.hidden) return;
    /* Pre-filled with the device's own time in the site's zone, never the browser's: an admin
       on a laptop in another zone would otherwise set the device hours wrong in one click. */
    site = siteClock(clock);
    var browser = new Date();
    document.getElementById('clock-detail').textContent = site
      ? MPP.t('clock_both', {
          device: MPP.dateTime(clock.now),
          zone: site.zone,
          offset: site.offset,
          browser: MPP.dateTime(localInputValue(browser)),
          browser_offset: zoneOffset(browser),
        })
      : MPP.t('clock_device_says', { time: MPP.dateTime(clock.now) });
    document.getElementById('clock-zone').textContent = site ? MPP.t('clock_in_zone', { zone: site.zone, offset: site.offset }) : '';
    var input = document.getElementById('clock-now');
    if (!input.value && site) input.value = site.local;
  }

  /* clock.now is the site's wall clock with its offset, e.g. 2025-03-12T09:00:00+07:00. */
  function siteClock(clock) {
    var m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.\d+)?(Z|[+-]\d\d:\d\d)$/.exec(String(clock.now || ''));
    if (!m) return null;
    return { local: m[1], offset: m[2] === 'Z' ? '+00:00' : m[2], zone: clock.zone || '' };
  }

  function zoneOffset(d) {
    var p = MPP.pad;
    var off = -d.getTimezoneOffset();
    var sign = off >= 0 ? '+' : '-';
    off = Math.abs(off);
    return sign + p(Math.floor(off / 60)) + ':' + p(off % 60);
  }

  function localInputValue(d) {
    var p = MPP.pad;
    return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()) + 'T' + p(d.getHours()) + ':' + p(d.getMinutes()) + ':' + p(d.getSeconds());
  }

  document.getElementById('clock-confirm').addEventListener('click', function () {
    /* The typed value is the site's wall clock: the site's offset (not the browser's) makes it
       an instant. */
    var value = document.getElementById('clock-now').value;
    var m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d)(:\d\d)?/.exec(value);
    if (!m || !site || isNaN(new Date(m[1]).getTime())) return MPP.toast(MPP.t('clock_invalid'), 'error');
    var local = m[1] + (m[2] || ':00');
    var shown = MPP.dateTime(local) + ' ' + site.zone + ' (UTC' + site.offset + ')';
    if (!window.confirm(MPP.t('clock_confirm_q', { time: shown }))) return;
    MPP.api('POST', '/api/v1/admin/clock', { now: local + site.offset }).then(function () {
      MPP.toast(MPP.t('clock_confirmed'), 'ok');
      loadStatus();
    }, function (e) {
      MPP.toast(e.message, 'error');
    });
  });

  /* The other admin scripts wait on this instead of asking /auth/me again. */
  MPP.adminReady = MPP.requireStaff('supervisor');
  MPP.adminReady.then(function (me) {
    who = me;
    var refresh = MPP.serial(function () {
      return Promise.all([loadReport(), loadStatus()]);
    });
    MPP.refreshDashboard = refresh;
    refresh();
    setInterval(refresh, 30000);
    if (MPP.atLeast(me, 'admin')) {
      Array.prototype.forEach.call(document.querySelectorAll('.admin-only'), function (node) {
        node.hidden = false;
      });
    }
  }, function () {});
})();
