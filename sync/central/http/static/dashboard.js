/* Central dashboard: polls the sites API and redraws the table (text only, never HTML). */
(function () {
  'use strict';
  var box = document.getElementById('dashboard');
  var POLL_MS = parseInt(box.getAttribute('data-poll-ms'), 10) || 15000;
  var csrf = box.getAttribute('data-csrf') || '';
  var body = document.getElementById('sites');
  var error = document.getElementById('error');

  var W = window.centralWords;
  var NAMES = W.table('states');
  var STATES = {
    online: [NAMES.online, 'ok'],
    offline: [NAMES.offline, 'bad'],
    unknown: [NAMES.unknown, 'muted']
  };
  var PRINTERS = W.table('printers');
  var brokerDown = document.getElementById('broker-down');

  // Central's own broker link: a banner while it is down, so no "Daring" is taken at its word.
  function drawBroker(link) {
    brokerDown.hidden = !link || link.up;
    if (link && !link.up) document.getElementById('broker-since').textContent = when(link.since);
  }

  function pad(n) { return (n < 10 ? '0' : '') + n; }

  // A time in the site's own zone, written as the server writes it (sync/central/http/formats.py):
  // "03/12 19.54 WIB" ("03/12 19:54 WIB" in English). The parts come from the Indonesian format
  // in both languages: only it names the zones WIB, WITA and WIT as the server does (English
  // writes "GMT+7").
  var CENTRAL_ZONE = box.getAttribute('data-zone') || undefined;
  function when(iso, zone) {
    if (!iso) return '–';
    var d = new Date(iso);
    if (isNaN(d.getTime())) return iso;
    var options = {day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit',
      hourCycle: 'h23', timeZoneName: 'short', timeZone: zone || CENTRAL_ZONE};
    var parts;
    try {
      parts = new Intl.DateTimeFormat('id-ID', options).formatToParts(d);
    } catch (e) {  // a zone this browser does not know: its own
      delete options.timeZone;
      parts = new Intl.DateTimeFormat('id-ID', options).formatToParts(d);
    }
    var p = {};
    parts.forEach(function (part) { p[part.type] = part.value; });
    return p.day + '/' + p.month + ' ' + p.hour + (W.lang === 'en' ? ':' : '.') + p.minute + ' ' +
      p.timeZoneName;
  }

  // How old a figure is, in words: the backlog is only as true as the site's last message.
  function age(iso) {
    if (!iso) return '';
    var seconds = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
    if (isNaN(seconds)) return '';
    if (seconds < 60) return W.t('just_now');
    if (seconds < 3600) return W.t('minutes_ago', {n: Math.floor(seconds / 60)});
    if (seconds < 86400) return W.t('hours_ago', {n: Math.floor(seconds / 3600)});
    return W.t('days_ago', {n: Math.floor(seconds / 86400)});
  }

  // Numbers as the server writes them: "84,09", "12.345" (English: "84.09", "12,345").
  var NUMBER = new Intl.NumberFormat(W.locale);
  function value(v) { return v === null || v === undefined ? '–' : NUMBER.format(v); }

  function cell(row, text, cls) {
    var td = document.createElement('td');
    td.textContent = text;
    if (cls) td.className = cls;
    row.appendChild(td);
    return td;
  }

  function draw(items) {
    while (body.firstChild) body.removeChild(body.firstChild);
    if (!items.length) {
      var empty = document.createElement('tr');
      var td = cell(empty, W.t('no_sites'));
      td.colSpan = 13;
      body.appendChild(empty);
      return;
    }
    items.forEach(function (s) {
      var tr = document.createElement('tr');
      tr.setAttribute('data-site', s.site);
      var name = cell(tr, '');
      var strong = document.createElement('strong');
      strong.textContent = s.name;
      var code = document.createElement('span');
      code.className = 'muted small';
      code.textContent = s.site;
      name.appendChild(strong);
      name.appendChild(document.createElement('br'));
      name.appendChild(code);
      if (s.twin) {
        // Two appliances with this site code (a copied SD card): docs/sync.md says what to do.
        var twin = document.createElement('div');
        twin.className = 'bad small twin';
        twin.textContent = W.t('twin', {installations: s.twin.installations.join(', '),
          when: when(s.twin.last_clash_at, s.timezone)});
        name.appendChild(twin);
      }
      // "unknown" while central itself has lost the broker: nothing from the site is heard then.
      var state = STATES[s.state] || STATES.unknown;
      cell(tr, state[0], 'site-state ' + state[1]);
      cell(tr, when(s.last_contact, s.timezone));
      var backlog = cell(tr, value(s.backlog_reported));
      if (s.backlog_as_of) {
        backlog.title = W.t('as_of', {when: when(s.backlog_as_of, s.timezone)});
        var old = document.createElement('span');
        old.className = 'muted small backlog-age';
        old.textContent = age(s.backlog_as_of);
        backlog.appendChild(document.createElement('br'));
        backlog.appendChild(old);
      }
      cell(tr, value(s.stored_through));
      cell(tr, value(s.today.issued));
      cell(tr, value(s.today.served));
      cell(tr, value(s.today.waiting));
      cell(tr, value(s.today.waiting_p50_minutes));
      cell(tr, value(s.today.handling_p50_minutes));
      cell(tr, value(s.today.ikm));
      cell(tr, value(s.ikm_30_days.ikm));
      // Device health: the printer as its last printer.* event says, the clock as the hello says.
      var printer = s.printer ? (PRINTERS[s.printer.state] || s.printer.state) : '–';
      var printerBad = s.printer && s.printer.state !== 'ok' && s.printer.state !== 'disabled';
      var clock = s.clock_synced === null || s.clock_synced === undefined ? '–'
        : W.t(s.clock_synced ? 'clock_synced' : 'clock_not_synced');
      var health = cell(tr, W.t('printer', {state: printer}),
        'health' + (printerBad || s.clock_synced === false ? ' bad' : ''));
      health.appendChild(document.createElement('br'));
      health.appendChild(document.createTextNode(W.t('clock', {state: clock})));
      body.appendChild(tr);
    });
  }

  function poll() {
    var xhr = new XMLHttpRequest();
    xhr.open('GET', '/api/v1/central/sites');
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.onload = function () {
      if (xhr.status === 401) {
        window.location.href = '/login?next=/dashboard';
        return;
      }
      if (xhr.status === 200) {
        var answer = JSON.parse(xhr.responseText);
        draw(answer.items);
        drawBroker(answer.broker);
        error.hidden = true;
        var now = new Date();
        document.getElementById('updated').textContent = W.t('updated', {
          time: pad(now.getHours()) + ':' + pad(now.getMinutes()) + ':' + pad(now.getSeconds())
        });
      } else {
        error.textContent = W.t('server_answered', {status: xhr.status});
        error.hidden = false;
      }
      setTimeout(poll, POLL_MS);
    };
    xhr.onerror = function () {
      error.textContent = W.t('unreachable_retrying');
      error.hidden = false;
      setTimeout(poll, POLL_MS);
    };
    xhr.send();
  }

  function leave(path) {
    var xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.setRequestHeader('X-CSRF-Token', csrf);
    xhr.onloadend = function () { window.location.href = '/login'; };
    xhr.send();
  }

  document.getElementById('logout').addEventListener('click', function () {
    leave('/api/v1/auth/logout');
  });
  // Every session of this account, on every device (a lost laptop, a password seen by others).
  document.getElementById('logout-everywhere').addEventListener('click', function () {
    if (window.confirm(W.t('logout_everywhere_confirm'))) {
      leave('/api/v1/auth/logout-everywhere');
    }
  });

  setTimeout(poll, POLL_MS);
})();
