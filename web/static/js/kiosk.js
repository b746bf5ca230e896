/* Touch kiosk: pick an agency, then a service (or search); the service screen says what to
   bring, what it costs and how long the wait is before one big "Ambil nomor". The number is
   shown big on screen whether or not the printer works.

   Locked: no link leads out of the page (the brand is no link), and after IDLE_MS without a
   touch every choice is undone and the page returns to the site's own language, so the next
   citizen starts from the beginning. Outside opening hours one full screen says when the MPP
   opens again instead of a refusal on every tile. */
(function () {
  'use strict';
  var el = MPP.el;
  var root = document.getElementById('kiosk');
  var tiles = document.getElementById('tiles');
  var search = document.getElementById('search');
  var title = document.getElementById('kiosk-title');
  var head = document.querySelector('.kiosk-head');
  var agencyTitle = document.getElementById('agency-title');
  var agencyName = document.getElementById('agency-name');
  var screen = document.getElementById('service-screen');
  var closed = document.getElementById('closed');
  var keyboard = document.getElementById('keyboard');
  var keyboardToggle = document.getElementById('keyboard-toggle');
  var overlay = document.getElementById('overlay');
  var dialog = document.getElementById('dialog');
  var TOKEN_KEY = 'mpp_kiosk_token';
  var IDLE_MS = 45000;
  var RETURN_S = 12;
  var ICONS = root.getAttribute('data-icons') || '';
  var NEEDS = ['lansia', 'disabilitas', 'ibu_hamil', 'anak'];
  var DAYS = ['day_sun', 'day_mon', 'day_tue', 'day_wed', 'day_thu', 'day_fri', 'day_sat'];

  var services = [];
  var agencies = [];
  var opening = { open: true };
  var priorityButton = false;
  var takesBookings = false; // the site checks bookings in: "Sudah booking?" is offered
  var today = '';
  var view = { agency: null, service: null };
  var busy = false;
  var idleTimer = null;
  var returnTimer = null;

  MPP.tickClock(document.getElementById('clock'));
  MPP.keyboard(keyboard, search);

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
        /* The server wrote the language link from this address: the token leaves it too. */
        Array.prototype.forEach.call(document.querySelectorAll('.lang a'), function (link) {
          var url = new URL(link.href);
          url.searchParams.delete('token');
          link.href = url.pathname + url.search;
        });
      }
      MPP.bearer = localStorage.getItem(TOKEN_KEY);
    } catch (e) {
      MPP.bearer = token || null;
    }
  })();

  function load() {
    return MPP.api('GET', '/api/v1/services').then(function (data) {
      if (data.site_name) document.getElementById('site-name').textContent = data.site_name;
      opening = data.opening || { open: true };
      priorityButton = data.kiosk_priority !== false;
      takesBookings = data.bookings === true;
      today = data.business_date;
      services = data.items.map(function (raw) {
        var s = MPP.service(raw);
        s.openCounters = raw.open_counters;
        s.fee = raw.fee || '';
        s.requirements = raw.requirements || [];
        s.quotaRemaining = raw.quota_remaining;
        s.agencyShort = raw.agency_short_name || '';
        s.agencyIcon = raw.agency_icon || '';
        s.group = raw.group || '';
        s.aliases = raw.aliases || [];
        s.words = MPP.kioskSearch.words(s);
        return s;
      });
      var byCode = {};
      agencies = [];
      services.forEach(function (s) {
        var a = byCode[s.agency];
        if (!a) {
          a = byCode[s.agency] = { code: s.agency, name: s.agencyName, short: s.agencyShort, icon: s.agencyIcon, services: [], waiting: 0, prefix: s.prefix };
          agencies.push(a);
        }
        a.services.push(s);
        a.waiting += s.waiting;
      });
      if (view.agency) view.agency = byCode[view.agency.code] || null;
      if (view.service) {
        view.service = services.filter(function (s) {
          return s.code === view.service.code;
        })[0] || null;
      }
      render();
    });
  }

  /* What a citizen can be told about the wait, and nothing the system cannot stand behind. */
  function waitText(s) {
    if (!s.openCounters) return MPP.t('kiosk_counter_not_open');
    if (!s.waiting) return MPP.t('kiosk_no_queue');
    return MPP.t('kiosk_wait_about', { n: s.wait });
  }

  function clockTime(hhmm) {
    return MPP.lang === 'id' ? hhmm.replace(':', '.') : hhmm;
  }

  function renderClosed() {
    var next = opening.next_open;
    title.textContent = '';
    document.getElementById('closed-title').textContent = MPP.t(opening.reason === 'before_opening' ? 'kiosk_not_open_yet' : 'kiosk_site_closed');
    var when = '';
    if (next && next.date === today && opening.reason === 'before_opening') {
      when = MPP.t('kiosk_opens_today', { time: clockTime(next.time) });
    } else if (next) {
      var day = MPP.t(DAYS[new Date(next.date + 'T12:00:00').getDay()]);
      when = MPP.t('kiosk_reopens', { day: day, time: clockTime(next.time) });
    }
    document.getElementById('closed-when').textContent = when;
  }

  function render() {
    var isClosed = !opening.open;
    closed.hidden = !isClosed;
    screen.hidden = isClosed || !view.service;
    var listing = !isClosed && !view.service;
    /* "Sudah booking?" (kiosk-booking.js) belongs to the first screen only */
    document.getElementById('booking-entry').hidden = !takesBookings || !listing || !!view.agency || !!search.value.trim();
    head.hidden = !listing;
    tiles.hidden = !listing;
    if (!listing) {
      agencyTitle.hidden = true;
      keyboard.hidden = true;
      if (isClosed) renderClosed();
      else renderService(view.service);
      return;
    }
    keyboard.hidden = keyboardToggle.getAttribute('aria-expanded') !== 'true';
    var query = search.value.trim();
    MPP.clear(tiles);
    agencyTitle.hidden = !view.agency || !!query;
    if (query) {
      title.textContent = MPP.t('kiosk_results');
      var found = MPP.kioskSearch.find(services, query);
      if (!found.length) tiles.appendChild(el('p', { className: 'muted', text: MPP.t('kiosk_no_match') }));
      found.slice(0, 60).forEach(function (s) {
        tiles.appendChild(serviceTile(s, true));
      });
    } else if (view.agency) {
      title.textContent = MPP.t('kiosk_choose_service');
      agencyName.textContent = view.agency.short || view.agency.name;
      var group = null;
      grouped(view.agency.services).forEach(function (s) {
        if (s.group !== group) {
          group = s.group;
          if (group) tiles.appendChild(el('h3', { className: 'tile-group', text: group }));
        }
        tiles.appendChild(serviceTile(s, false));
      });
    } else {
      title.textContent = MPP.t('kiosk_choose_agency');
      if (!agencies.length) tiles.appendChild(el('p', { className: 'muted', text: MPP.t('kiosk_none_open') }));
      agencies.forEach(function (a) {
        tiles.appendChild(agencyTile(a));
      });
    }
    renderPriority(!query && !view.agency && priorityButton);
  }

  /* An agency's services with each group together, groups in order of first appearance. */
  function grouped(list) {
    var order = [];
    list.forEach(function (s) {
      if (order.indexOf(s.group) < 0) order.push(s.group);
    });
    return list.slice().sort(function (a, b) {
      return order.indexOf(a.group) - order.indexOf(b.group);
    });
  }

  /* Priority is a button, not a footnote: the citizen says the category of need (no personal
     data) and is sent to the front desk, which issues priority tickets (SPEC: not the kiosk). */
  function renderPriority(shown) {
    var slot = MPP.clear(document.getElementById('priority-slot'));
    if (!shown) return;
    slot.appendChild(el('button', { type: 'button', className: 'btn big priority-button', id: 'priority', onclick: choosePriority }, [
      el('span', { text: MPP.t('kiosk_priority') }),
      el('span', { className: 'needs', text: NEEDS.map(MPP.reasonLabel).join(' · ') }),
    ]));
  }

  function choosePriority() {
    var back = el('button', { type: 'button', className: 'btn big', id: 'priority-back', text: MPP.t('back_button'), onclick: closeDialog });
    show([
      el('p', { className: 'lead', id: 'dialog-lead', text: MPP.t('kiosk_priority_ask') }),
      el('div', { className: 'needs-choice' }, NEEDS.map(function (need) {
        return el('button', { type: 'button', className: 'btn big', 'data-need': need, text: MPP.reasonLabel(need), onclick: function () {
          priorityChosen(need);
        } });
      })),
      el('div', { className: 'actions' }, [back]),
    ], 'left');
  }

  function priorityChosen(need) {
    var done = el('button', { type: 'button', className: 'btn primary big', id: 'done', onclick: closeDialog });
    show([
      el('p', { className: 'lead', id: 'dialog-lead', text: MPP.reasonLabel(need) }),
      el('p', { className: 'priority-go', id: 'priority-go', text: MPP.t('kiosk_priority_go') }),
      el('p', { className: 'note', text: MPP.t('kiosk_priority_note') }),
      el('div', { className: 'actions' }, [done]),
    ]);
    countdown(done, MPP.t('done_button'));
  }

  /* The short name big and the official one small under it, with the agency's icon. */
  function agencyTile(a) {
    var icon = a.icon ? el('img', { className: 'agency-icon', src: ICONS + a.icon + '.svg', alt: '', width: 48, height: 48 }) : null;
    return el('button', { type: 'button', className: 'tile agency', 'data-agency': a.code, onclick: function () {
      view.agency = a;
      render();
      window.scrollTo(0, 0);
    } }, [
      el('span', { className: 'name' }, [icon, el('span', { className: 'prefix', text: a.prefix }), ' ', a.short || a.name]),
      a.short ? el('span', { className: 'official', text: a.name }) : null,
      el('span', { className: 'meta' }, [
        el('span', { text: MPP.t('kiosk_services_n', { n: a.services.length }) }),
        el('span', { text: MPP.t('kiosk_waiting_n', { n: a.waiting }) }),
      ]),
    ]);
  }

  function serviceTile(s, withAgency) {
    var meta = [el('span', { text: MPP.t('kiosk_waiting_n', { n: s.waiting }) }), el('span', { text: waitText(s) })];
    if (!s.open) meta.push(el('span', { className: 'badge bad', text: s.reason || MPP.t('kiosk_closed') }));
    if (withAgency) meta.unshift(el('span', { text: s.agencyShort || s.agencyName }));
    return el('button', { type: 'button', className: 'tile' + (s.open ? '' : ' closed'), 'data-service': s.code, onclick: function () {
      view.service = s;
      render();
      window.scrollTo(0, 0);
      document.getElementById('take').focus();
    } }, [
      el('span', { className: 'name' }, [el('span', { className: 'prefix', text: s.prefix }), ' ', s.name]),
      el('span', { className: 'meta' }, meta),
    ]);
  }

  /* Before the citizen waits: what to bring, what it costs, how long, then one big button. */
  function renderService(s) {
    document.getElementById('service-title').textContent = s.name;
    document.getElementById('service-agency').textContent = s.agencyName;
    document.getElementById('service-wait').textContent = waitText(s);
    document.getElementById('service-waiting').textContent = s.openCounters ? MPP.t('kiosk_waiting_n', { n: s.waiting }) : '';
    document.getElementById('service-fee').textContent = s.fee || '–';
    var list = MPP.clear(document.getElementById('service-requirements'));
    if (!s.requirements.length) list.appendChild(el('li', { className: 'none', text: MPP.t('kiosk_no_requirements') }));
    s.requirements.forEach(function (r) {
      list.appendChild(el('li', { text: String(r) }));
    });
    document.getElementById('service-check').hidden = !s.requirements.length;
    var note = document.getElementById('service-closed');
    note.hidden = s.open;
    note.textContent = s.open ? '' : s.reason || MPP.t('kiosk_closed');
    document.getElementById('take').hidden = !s.open;
  }

  function show(children, kind) {
    dialog.className = 'dialog' + (kind ? ' ' + kind : '');
    MPP.clear(dialog);
    children.forEach(function (c) {
      if (c) dialog.appendChild(c);
    });
    overlay.hidden = false;
  }

  /* Back to the start: every choice undone (the language is reset by resetAll). */
  function closeDialog() {
    clearInterval(returnTimer);
    overlay.hidden = true;
    search.value = '';
    view.agency = null;
    view.service = null;
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
      .then(function (ticket) {
        issued(ticket, s);
      }, refused)
      .then(function () {
        busy = false;
        load().catch(function () {});
      });
  }

  /* `extra`: nodes under the service's name (a booking's slot and why it queues as it does). */
  function issued(ticket, s, extra) {
    var printerDown = !ticket.printed;
    var done = el('button', { type: 'button', className: 'btn primary big', id: 'done', onclick: closeDialog });
    var wait = s.openCounters ? MPP.minutes(ticket.estimated_wait_minutes) : MPP.t('kiosk_counter_not_open');
    var facts = el('div', { className: 'facts' }, [
      el('div', null, [el('b', { text: String(ticket.people_ahead) }), MPP.t('people_ahead')]),
      el('div', null, [el('b', { text: wait }), MPP.t('estimated_wait')]),
    ]);
    show([
      el('p', { className: 'lead', id: 'dialog-lead', text: MPP.t('kiosk_your_number') }),
      el('div', { className: 'ticket-number', id: 'ticket-number', text: ticket.number }),
      el('p', { className: 'lead', text: ticket.service_name }),
      el('p', { className: 'agency-line', text: ticket.agency_name }),
      extra || null,
      facts,
      printerDown ? el('p', { className: 'alert warn', id: 'printer-down', text: MPP.t('kiosk_printer_down') }) : el('p', { className: 'note', text: MPP.t('kiosk_take_paper') }),
      el('p', { className: 'note', text: MPP.t('kiosk_listen') }),
      el('div', { className: 'actions' }, [done]),
    ]);
    countdown(done, MPP.t('done_button'));
    speak(ticket.number);
  }

  /* Say the number aloud ("Nomor antrean A dua belas"): a blind citizen knows what they hold.
     The tap that took the number lets the page play sound; silence if it cannot. */
  function speak(number) {
    try {
      var voice = new Audio('/api/v1/announcements/number/' + encodeURIComponent(number) + '.wav');
      var playing = voice.play();
      if (playing && playing.catch) playing.catch(function () {});
    } catch (e) {
      /* no audio device: the number is on screen and on paper */
    }
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

  /* Idle: everything back as the next citizen should find it, the language too. */
  function resetAll() {
    var language = root.getAttribute('data-default-lang') || 'id';
    if (MPP.lang !== language) {
      location.replace(location.pathname + '?lang=' + encodeURIComponent(language));
      return;
    }
    if (busy) return;
    keyboardToggle.setAttribute('aria-expanded', 'false');
    closeDialog();
    window.scrollTo(0, 0);
  }

  function poke() {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(resetAll, IDLE_MS);
  }

  search.addEventListener('input', render);
  keyboardToggle.addEventListener('click', function () {
    var open = keyboardToggle.getAttribute('aria-expanded') !== 'true';
    keyboardToggle.setAttribute('aria-expanded', String(open));
    keyboard.hidden = !open;
  });
  document.getElementById('back').addEventListener('click', function () {
    view.agency = null;
    render();
  });
  document.getElementById('service-back').addEventListener('click', function () {
    view.service = null;
    render();
  });
  document.getElementById('take').addEventListener('click', function () {
    if (view.service) take(view.service);
  });
  ['pointerdown', 'keydown', 'input'].forEach(function (type) {
    document.addEventListener(type, poke, true);
  });
  document.addEventListener('contextmenu', function (event) {
    event.preventDefault(); // a long press opens no browser menu on the kiosk
  });
  overlay.addEventListener('click', function (event) {
    if (event.target === overlay && !busy) closeDialog();
  });
  poke();

  /* What the booking check-in (kiosk-booking.js) shares with the walk-in screens: the same
     dialog, the same issued screen (print, speak), the same reset. */
  MPP.kiosk = {
    show: show,
    close: closeDialog,
    countdown: countdown,
    refused: refused,
    refresh: function () {
      return load().catch(function () {});
    },
    issued: function (ticket, extra) {
      var s = services.filter(function (x) {
        return x.code === ticket.service;
      })[0] || { openCounters: 1 };
      issued(ticket, s, extra);
    },
  };

  MPP.requireStaff('kiosk').then(function () {
    load().catch(function (e) {
      MPP.clear(tiles).appendChild(el('p', { className: 'alert bad', text: e.message }));
    });
    setInterval(function () {
      if (overlay.hidden) load().catch(function () {});
    }, 20000);
  }, function () {});
})();
