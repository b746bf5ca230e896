/* Officer console: one counter, its current ticket, its queue, and one key per action.
   No-show is offered once the ticket was recalled as often as the site asks (the engine's rule);
   a no-show, done or transfer can be undone for a few seconds (U); C calls a given number. */
(function () {
  'use strict';
  var el = MPP.el;
  var select = document.getElementById('counter-select');
  var queueList = document.getElementById('queue');
  var overlay = document.getElementById('overlay');
  var pauseOverlay = document.getElementById('pause-overlay');
  var callOverlay = document.getElementById('call-overlay');
  var callNumber = document.getElementById('call-number');
  var undoBar = document.getElementById('undo-bar');
  var transferSearch = document.getElementById('transfer-search');
  var COUNTER_KEY = 'mpp_counter';
  var UNDO_MS = 10000; // the engine allows 30 s; the offer is shorter so it is not pressed by habit
  var PAUSE_REASONS = ['istirahat', 'sholat', 'rapat', 'gangguan', 'lainnya'];
  var ACTIONS = {
    n: { id: 'act-next', path: 'next' },
    r: { id: 'act-recall', path: 'recall' },
    s: { id: 'act-start', path: 'start' },
    d: { id: 'act-done', path: 'done' },
    x: { id: 'act-noshow', path: 'no-show' },
    t: { id: 'act-transfer', path: null },
    p: { id: 'act-pause', path: null },
    c: { id: 'act-call', path: null },
    u: { id: 'act-undo', path: 'undo' },
  };

  var who = null;
  var counters = [];
  var counter = null;
  var busy = false;
  var undoTimer = null;

  function counterCode() {
    return counter ? counter.code : null;
  }

  function currentTicket(c) {
    return c ? c.current : null;
  }

  function loadCounters() {
    return MPP.api('GET', '/api/v1/counters').then(function (data) {
      var all = data.items;
      counters = MPP.atLeast(who, 'supervisor')
        ? all
        : all.filter(function (c) {
            return !who.counters.length || who.counters.indexOf(c.code) >= 0;
          });
      var wanted = counterCode() || safeGet(COUNTER_KEY);
      counter = counters.filter(function (c) {
        return c.code === wanted;
      })[0] || counters[0] || null;
      var options = counters.map(function (c) {
        return el('option', { value: c.code, text: c.code + ' · ' + (c.name || '') + (c.agency_name ? ' (' + c.agency_name + ')' : '') });
      });
      if (select.options.length !== options.length) {
        MPP.clear(select);
        options.forEach(function (o) {
          select.appendChild(o);
        });
      }
      if (counter) select.value = counter.code;
      if (!counters.length) MPP.toast(MPP.t('counter_none'), 'error');
    });
  }

  function loadQueue() {
    if (!counter) return Promise.resolve();
    return Promise.all([
      // This counter's queue in the order its "next" calls it (the server applies the rule).
      MPP.api('GET', '/api/v1/counters/' + encodeURIComponent(counter.code) + '/queue'),
      MPP.api('GET', '/api/v1/tickets?state=done'),
      MPP.api('GET', '/api/v1/tickets?state=no_show'),
    ]).then(function (lists) {
      var waiting = lists[0].items;
      var mine = function (t) {
        return t.counter === counter.code;
      };
      document.getElementById('tally-done').textContent = lists[1].items.filter(mine).length;
      document.getElementById('tally-noshow').textContent = lists[2].items.filter(mine).length;
      document.getElementById('tally-waiting').textContent = lists[0].total;
      document.getElementById('queue-count').textContent = lists[0].total;
      MPP.clear(queueList);
      if (!waiting.length) queueList.appendChild(el('li', { className: 'muted', text: MPP.t('queue_empty') }));
      waiting.forEach(function (t) {
        queueList.appendChild(
          el('li', { 'data-ticket': t.number }, [
            el('span', { className: 'num', text: t.number }),
            el('span', { className: 'svc' }, [
              t.service_name,
              t.priority ? el('span', { className: 'badge priority', text: ' ' + (MPP.reasonLabel(t.priority_reason) || MPP.t('priority')) }) : null,
            ]),
            el('span', { className: 'muted small', text: MPP.time(t.issued_at) }),
          ])
        );
      });
    });
  }

  function recallsLeft(t) {
    var needed = counter ? counter.recalls_before_no_show || 0 : 0;
    return t && t.state === 'called' ? Math.max(0, needed - (t.recalls || 0)) : 0;
  }

  function renderCurrent() {
    var t = currentTicket(counter);
    var paused = !!(counter && counter.paused);
    document.getElementById('paused').hidden = !paused;
    document.getElementById('paused-reason').textContent = paused && counter.pause_reason
      ? '(' + MPP.t('pause_reason_' + counter.pause_reason) + (counter.paused_since ? ', ' + MPP.t('since_time', { time: MPP.time(counter.paused_since) }) : '') + ')'
      : '';
    document.getElementById('pause-label').textContent = paused ? MPP.t('resume') : MPP.t('pause');
    document.getElementById('current-number').textContent = t ? t.number : '—';
    document.getElementById('current-state').textContent = t ? MPP.stateLabel(t.state) : MPP.t('no_current');
    document.getElementById('current-service').textContent = t ? t.service_name + (t.priority ? ' · ' + (MPP.reasonLabel(t.priority_reason) || MPP.t('priority')) : '') : '';
    document.getElementById('current-meta').textContent = t
      ? MPP.t('called_at', { time: MPP.time(t.called_at) }) + (t.recalls ? ' · ' + MPP.t('recalls_n', { n: t.recalls }) : '')
      : '';
    var state = t ? t.state : null;
    var left = recallsLeft(t);
    document.getElementById('noshow-hint').textContent = left ? MPP.t('noshow_after', { n: left }) : '';
    var enabled = {
      n: !paused && state !== 'called',
      r: state === 'called', // a recall announces the citizen again: not once they are served
      s: state === 'called',
      d: state === 'called' || state === 'serving',
      x: state === 'called' && !left,
      t: state === 'called' || state === 'serving',
      p: !!counter,
      c: !paused && state !== 'called',
      u: !undoBar.hidden,
    };
    Object.keys(ACTIONS).forEach(function (key) {
      document.getElementById(ACTIONS[key].id).disabled = !counter || busy || !enabled[key];
    });
  }

  var refresh = MPP.serial(function () {
    return loadCounters()
      .then(function () {
        renderCurrent();
        return loadQueue();
      })
      .catch(function (e) {
        if (e.status === 401) throw e;
        MPP.toast(e.message, 'error');
      });
  });

  function act(key) {
    var action = ACTIONS[key];
    if (!action || !counter || busy) return;
    if (document.getElementById(action.id).disabled) return;
    if (key === 't') return openTransfer();
    if (key === 'c') return openCall();
    if (key === 'p' && !counter.paused) return openPause();
    var path = key === 'p' ? 'resume' : action.path;
    if (key !== 'u') hideUndo();
    post(path, {}).then(function (ticket) {
      if (!ticket) return;
      if (key === 'n') MPP.toast(MPP.t('called_toast', { number: ticket.number }), 'ok');
      if (key === 'd') offerUndo(MPP.t('undo_done', { number: ticket.number }));
      if (key === 'x') offerUndo(MPP.t('undo_no_show', { number: ticket.number }));
      if (key === 'u') {
        hideUndo();
        MPP.toast(MPP.t('undone_toast', { number: ticket.number, state: MPP.stateLabel(ticket.state) }), 'ok');
      }
    });
  }

  /* Undo: offered for a few seconds after a no-show, done or transfer (the engine checks it is
     still this officer's own last step). */
  function offerUndo(text) {
    document.getElementById('undo-text').textContent = text;
    undoBar.hidden = false;
    clearTimeout(undoTimer);
    undoTimer = setTimeout(function () {
      hideUndo();
      renderCurrent();
    }, UNDO_MS);
    renderCurrent();
  }

  function hideUndo() {
    clearTimeout(undoTimer);
    undoBar.hidden = true;
  }

  /* Pause asks why (the admin sees it); digits 1-5 choose. */
  function openPause() {
    pauseOverlay.hidden = false;
    pauseOverlay.querySelector('button[data-reason]').focus();
  }

  function pauseFor(reason) {
    closeDialogs();
    post('pause', { reason: reason });
  }

  document.getElementById('pause-reasons').addEventListener('click', function (event) {
    var button = event.target.closest('button[data-reason]');
    if (button) pauseFor(button.getAttribute('data-reason'));
  });

  /* Call a given number: a citizen who was missed and came back. */
  function openCall() {
    callOverlay.hidden = false;
    callNumber.value = '';
    callNumber.focus();
  }

  document.getElementById('call-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var number = callNumber.value.trim();
    if (!number) return;
    closeDialogs();
    hideUndo();
    post('call', { number: number }).then(function (ticket) {
      if (ticket) MPP.toast(MPP.t('called_toast', { number: ticket.number }), 'ok');
    });
  });

  function post(path, body) {
    busy = true;
    renderCurrent();
    return MPP.api('POST', '/api/v1/counters/' + encodeURIComponent(counter.code) + '/' + path, body)
      .catch(function (e) {
        if (e.status === 401) MPP.toLogin();
        MPP.toast(e.code === 'queue_empty' ? MPP.t('queue_empty') : e.message, e.code === 'queue_empty' ? 'info' : 'error');
        return null;
      })
      .then(function (result) {
        busy = false;
        refresh();
        return result;
      });
  }

  /* Transfer: pick the service the current ticket should join. */
  var picker = MPP.servicePicker(transferSearch, document.getElementById('transfer-list'), function (service) {
    closeTransfer();
    hideUndo();
    post('transfer', { service: service.code }).then(function (ticket) {
      if (ticket) offerUndo(MPP.t('transferred_toast', { number: ticket.number, service: service.name }));
    });
  }, function () {
    var t = currentTicket(counter);
    return t ? t.service : null;
  });

  function openTransfer() {
    overlay.hidden = false;
    picker.reset();
    picker.load().then(function (all) {
      // The officer's own agency's services first (most transfers stay within it), then the rest
      // in catalogue order.
      var own = counter ? counter.agency : null;
      all.sort(function (a, b) {
        return (a.agency === own ? 0 : 1) - (b.agency === own ? 0 : 1);
      });
      picker.render();
    }).catch(function (e) {
      MPP.toast(e.message, 'error');
    });
    transferSearch.focus();
  }

  function closeTransfer() {
    overlay.hidden = true;
  }

  function closeDialogs() {
    overlay.hidden = true;
    pauseOverlay.hidden = true;
    callOverlay.hidden = true;
  }

  function dialogOpen() {
    return !overlay.hidden || !pauseOverlay.hidden || !callOverlay.hidden;
  }

  document.getElementById('transfer-cancel').addEventListener('click', closeTransfer);
  document.getElementById('pause-cancel').addEventListener('click', closeDialogs);
  document.getElementById('call-cancel').addEventListener('click', closeDialogs);
  [overlay, pauseOverlay, callOverlay].forEach(function (layer) {
    layer.addEventListener('click', function (event) {
      if (event.target === layer) closeDialogs();
    });
  });

  Object.keys(ACTIONS).forEach(function (key) {
    document.getElementById(ACTIONS[key].id).addEventListener('click', function () {
      act(key);
    });
  });

  document.addEventListener('keydown', function (event) {
    if (event.key === 'Escape') return closeDialogs();
    if (event.ctrlKey || event.altKey || event.metaKey) return;
    if (!pauseOverlay.hidden && /^[1-5]$/.test(event.key)) {
      event.preventDefault();
      return pauseFor(PAUSE_REASONS[Number(event.key) - 1]);
    }
    if (dialogOpen()) return;
    var tag = (event.target && event.target.tagName) || '';
    if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT') return;
    var key = (event.key || '').toLowerCase();
    if (ACTIONS[key]) {
      event.preventDefault();
      act(key);
    }
  });

  select.addEventListener('change', function () {
    counter = counters.filter(function (c) {
      return c.code === select.value;
    })[0] || null;
    safeSet(COUNTER_KEY, select.value);
    hideUndo(); // an undo belongs to the counter it was offered at
    select.blur(); // give the keys back to the shortcuts
    renderCurrent();
    refresh();
  });

  function safeGet(key) {
    try {
      return localStorage.getItem(key);
    } catch (e) {
      return null;
    }
  }

  function safeSet(key, value) {
    try {
      localStorage.setItem(key, value);
    } catch (e) {
      /* private mode: the choice lasts this page only */
    }
  }

  renderCurrent();
  MPP.requireStaff('officer').then(function (me) {
    who = me;
    refresh();
    MPP.doorbell(function () {
      refresh();
    }, {
      pollMs: 5000,
      onMode: function (mode) {
        document.getElementById('conn').textContent = MPP.t('conn_' + mode);
      },
    });
  }, function () {});
})();
