/* Touch kiosk: pick an agency, then a service (or search), tap to take a number.
   The number is shown big on screen whether or not the printer works. */
(function () {
  'use strict';
  var el = MPP.el;
  var tiles = document.getElementById('tiles');
  var search = document.getElementById('search');
  var title = document.getElementById('kiosk-title');
  var agencyTitle = document.getElementById('agency-title');
  var agencyName = document.getElementById('agency-name');
  var overlay = document.getElementById('overlay');
  var dialog = document.getElementById('dialog');
  var TOKEN_KEY = 'mpp_kiosk_token';
  var IDLE_MS = 45000;
  var RETURN_S = 12;

  var services = [];
  var agencies = [];
  var view = { agency: null };
  var busy = false;
  var idleTimer = null;
  var returnTimer = null;

  MPP.tickClock(document.getElementById('clock'));

  /* A kiosk device may be set up with a machine token once: /kiosk?token=... */
  (function adoptToken() {
    var params = new URLSearchParams(location.search);
    var token = params.get('token');
    try {
      if (token) {
        localStorage.setItem(TOKEN_KEY, token);
        params.delete('token');
        var rest = params.toString();
        history.replaceState(null, '', location.pathname + (rest ? '?' + rest : ''));
      }
      MPP.bearer = localStorage.getItem(TOKEN_KEY);
    } catch (e) {
      MPP.bearer = token || null;
    }
  })();

  function load() {
    return MPP.api('GET', '/api/v1/services').then(function (data) {
      if (data.site_name) document.getElementById('site-name').textContent = data.site_name;
      services = data.items.map(MPP.service);
      var byCode = {};
      agencies = [];
      services.forEach(function (s) {
        s.key = MPP.fold(s.name + ' ' + s.code + ' ' + s.agencyName + ' ' + s.prefix);
        var a = byCode[s.agency];
        if (!a) {
          a = byCode[s.agency] = { code: s.agency, name: s.agencyName, services: [], waiting: 0, prefix: s.prefix };
          agencies.push(a);
        }
        a.services.push(s);
        a.waiting += s.waiting;
      });
      if (view.agency) view.agency = byCode[view.agency.code] || null;
      render();
    });
  }

  function render() {
    var query = MPP.fold(search.value);
    MPP.clear(tiles);
    agencyTitle.hidden = !view.agency || !!query;
    if (query) {
      title.textContent = MPP.t('kiosk_results');
      var words = query.split(' ');
      var found = services.filter(function (s) {
        return words.every(function (w) {
          return s.key.indexOf(w) >= 0;
        });
      });
      if (!found.length) tiles.appendChild(el('p', { className: 'muted', text: MPP.t('kiosk_no_match') }));
      found.slice(0, 60).forEach(function (s) {
        tiles.appendChild(serviceTile(s, true));
      });
    } else if (view.agency) {
      title.textContent = MPP.t('kiosk_choose_service');
      agencyName.textContent = view.agency.name;
      view.agency.services.forEach(function (s) {
        tiles.appendChild(serviceTile(s, false));
      });
    } else {
      title.textContent = MPP.t('kiosk_choose_agency');
      if (!agencies.length) tiles.appendChild(el('p', { className: 'muted', text: MPP.t('kiosk_none_open') }));
      agencies.forEach(function (a) {
        tiles.appendChild(agencyTile(a));
      });
    }
  }

  function agencyTile(a) {
    return el('button', { type: 'button', className: 'tile', 'data-agency': a.code, onclick: function () {
      view.agency = a;
      render();
      window.scrollTo(0, 0);
    } }, [
      el('span', { className: 'name' }, [el('span', { className: 'prefix', text: a.prefix }), ' ', a.name]),
      el('span', { className: 'meta' }, [
        el('span', { text: MPP.t('kiosk_services_n', { n: a.services.length }) }),
        el('span', { text: MPP.t('kiosk_waiting_n', { n: a.waiting }) }),
      ]),
    ]);
  }

  function serviceTile(s, withAgency) {
    var meta = [el('span', { text: MPP.t('kiosk_waiting_n', { n: s.waiting }) }), el('span', { text: MPP.t('kiosk_wait_about', { n: s.wait }) })];
    if (!s.open) meta.push(el('span', { className: 'badge bad', text: s.reason || MPP.t('kiosk_closed') }));
    if (withAgency) meta.unshift(el('span', { text: s.agencyName }));
    return el('button', { type: 'button', className: 'tile' + (s.open ? '' : ' closed'), 'data-service': s.code, onclick: function () {
      take(s);
    } }, [
      el('span', { className: 'name' }, [el('span', { className: 'prefix', text: s.prefix }), ' ', s.name]),
      el('span', { className: 'meta' }, meta),
    ]);
  }

  function show(children, kind) {
    dialog.className = 'dialog' + (kind ? ' ' + kind : '');
    MPP.clear(dialog);
    children.forEach(function (c) {
      if (c) dialog.appendChild(c);
    });
    overlay.hidden = false;
  }

  function closeDialog() {
    clearInterval(returnTimer);
    overlay.hidden = true;
    search.value = '';
    view.agency = null;
    render();
  }

  function countdown(button, label) {
    var left = RETURN_S;
    clearInterval(returnTimer);
    button.textContent = label + ' (' + left + ')';
    returnTimer = setInterval(function () {
      left -= 1;
      button.textContent = label + ' (' + left + ')';
      if (left <= 0) closeDialog();
    }, 1000);
  }

  function take(s) {
    if (busy) return;
    busy = true;
    show([el('p', { className: 'lead', id: 'dialog-lead', text: MPP.t('kiosk_taking') }), el('p', { className: 'note', text: s.name })]);
    MPP.api('POST', '/api/v1/tickets', { service: s.code })
      .then(issued, refused)
      .then(function () {
        busy = false;
        load().catch(function () {});
      });
  }

  function issued(ticket) {
    var printerDown = !ticket.printed;
    var done = el('button', { type: 'button', className: 'btn primary big', id: 'done', onclick: closeDialog });
    var facts = el('div', { className: 'facts' }, [
      el('div', null, [el('b', { text: String(ticket.people_ahead) }), MPP.t('people_ahead')]),
      el('div', null, [el('b', { text: MPP.minutes(ticket.estimated_wait_minutes) }), MPP.t('estimated_wait')]),
    ]);
    show([
      el('p', { className: 'lead', id: 'dialog-lead', text: MPP.t('kiosk_your_number') }),
      el('div', { className: 'ticket-number', id: 'ticket-number', text: ticket.number }),
      el('p', { className: 'lead', text: ticket.service_name }),
      el('p', { className: 'muted', text: ticket.agency_name }),
      facts,
      printerDown ? el('p', { className: 'alert warn', text: MPP.t('kiosk_printer_down') }) : el('p', { className: 'note', text: MPP.t('kiosk_take_paper') }),
      el('p', { className: 'note', text: MPP.t('kiosk_listen') }),
      el('div', { className: 'actions' }, [done]),
    ]);
    countdown(done, MPP.t('done_button'));
  }

  function refused(error) {
    if (error.status === 401) {
      try {
        localStorage.removeItem(TOKEN_KEY);
      } catch (e) {
        /* private mode: nothing stored */
      }
      MPP.toLogin();
      return;
    }
    var lead = error.status === 422 ? MPP.t('kiosk_refused') : MPP.t('kiosk_failed');
    var back = el('button', { type: 'button', className: 'btn primary big', onclick: closeDialog });
    show([
      el('p', { className: 'lead', id: 'dialog-lead', text: lead }),
      el('p', { className: 'alert bad', id: 'refusal', text: error.message }),
      el('p', { className: 'note', text: MPP.t('kiosk_ask_desk') }),
      el('div', { className: 'actions' }, [back]),
    ], 'error');
    countdown(back, MPP.t('back_button'));
  }

  function poke() {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(function () {
      if (overlay.hidden && (view.agency || search.value)) closeDialog();
    }, IDLE_MS);
  }

  search.addEventListener('input', render);
  document.getElementById('back').addEventListener('click', function () {
    view.agency = null;
    render();
  });
  ['pointerdown', 'keydown', 'input'].forEach(function (type) {
    document.addEventListener(type, poke, true);
  });
  overlay.addEventListener('click', function (event) {
    if (event.target === overlay && !busy) closeDialog();
  });

  MPP.requireStaff('kiosk').then(function () {
    load().catch(function (e) {
      MPP.clear(tiles).appendChild(el('p', { className: 'alert bad', text: e.message }));
    });
    setInterval(function () {
      if (overlay.hidden) load().catch(function () {});
    }, 20000);
  }, function () {});
})();
