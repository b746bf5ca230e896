/* Officer console: one counter, its current ticket, its queue, and one key per action. */
(function () {
  'use strict';
  var el = MPP.el;
  var select = document.getElementById('counter-select');
  var queueList = document.getElementById('queue');
  var overlay = document.getElementById('overlay');
  var transferSearch = document.getElementById('transfer-search');
  var COUNTER_KEY = 'mpp_counter';
  var ACTIONS = {
    n: { id: 'act-next', path: 'next' },
    r: { id: 'act-recall', path: 'recall' },
    s: { id: 'act-start', path: 'start' },
    d: { id: 'act-done', path: 'done' },
    x: { id: 'act-noshow', path: 'no-show' },
    t: { id: 'act-transfer', path: null },
    p: { id: 'act-pause', path: null },
  };

  var who = null;
  var counters = [];
  var counter = null;
  var busy = false;

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

  function renderCurrent() {
    var t = currentTicket(counter);
    var paused = !!(counter && counter.paused);
    document.getElementById('paused').hidden = !paused;
    document.getElementById('pause-label').textContent = paused ? MPP.t('resume') : MPP.t('pause');
    document.getElementById('current-number').textContent = t ? t.number : '—';
    document.getElementById('current-state').textContent = t ? MPP.stateLabel(t.state) : MPP.t('no_current');
    document.getElementById('current-service').textContent = t ? t.service_name + (t.priority ? ' · ' + (MPP.reasonLabel(t.priority_reason) || MPP.t('priority')) : '') : '';
    document.getElementById('current-meta').textContent = t
      ? MPP.t('called_at', { time: MPP.time(t.called_at) }) + (t.recalls ? ' · ' + MPP.t('recalls_n', { n: t.recalls }) : '')
      : '';
    var state = t ? t.state : null;
    var enabled = {
      n: !paused && state !== 'called',
      r: state === 'called' || state === 'serving',
      s: state === 'called',
      d: state === 'called' || state === 'serving',
      x: state === 'called',
      t: state === 'called' || state === 'serving',
      p: !!counter,
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
    var path = action.path;
    if (key === 'p') path = counter.paused ? 'resume' : 'pause';
    post(path, {}).then(function (ticket) {
      if (key === 'n' && ticket) MPP.toast(MPP.t('called_toast', { number: ticket.number }), 'ok');
    });
  }

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
    post('transfer', { service: service.code }).then(function (ticket) {
      if (ticket) MPP.toast(MPP.t('transferred_toast', { number: ticket.number, service: service.name }), 'ok');
    });
  }, function () {
    var t = currentTicket(counter);
    return t ? t.service : null;
  });

  function openTransfer() {
    overlay.hidden = false;
    picker.reset();
    picker.load().catch(function (e) {
      MPP.toast(e.message, 'error');
    });
    transferSearch.focus();
  }

  function closeTransfer() {
    overlay.hidden = true;
  }

  document.getElementById('transfer-cancel').addEventListener('click', closeTransfer);
  overlay.addEventListener('click', function (event) {
    if (event.target === overlay) closeTransfer();
  });

  Object.keys(ACTIONS).forEach(function (key) {
    document.getElementById(ACTIONS[key].id).addEventListener('click', function () {
      act(key);
    });
  });

  document.addEventListener('keydown', function (event) {
    if (event.key === 'Escape') return closeTransfer();
    if (event.ctrlKey || event.altKey || event.metaKey || !overlay.hidden) return;
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
