/* Citizen status: polled (not streamed) so hundreds of phones cost no server threads. */
(function () {
  'use strict';
  var card = document.getElementById('status');
  var token = card.getAttribute('data-token');
  var POLL_MS = 8000;
  var FINAL = ['done', 'no_show', 'cancelled', 'expired'];
  var timer = null;

  function set(id, text) {
    document.getElementById(id).textContent = text;
  }

  function show(t) {
    set('number', t.number);
    set('service', t.service_name);
    set('agency', t.agency_name);
    var state = document.getElementById('state');
    state.textContent = MPP.stateLabel(t.state) + (t.priority ? ' · ' + MPP.t('priority') : '');
    state.className = 'state state-' + t.state;
    var waiting = t.state === 'waiting';
    set('ahead', waiting ? String(t.people_ahead) : '–');
    set('wait', waiting ? MPP.minutes(t.estimated_wait_minutes) : '–');
    set('issued', MPP.time(t.issued_at) || '–');
    set('counter', t.counter_name || '–');
    var go = document.getElementById('go');
    go.hidden = !(t.state === 'called' || t.state === 'serving');
    go.textContent = t.state === 'called' ? MPP.t('status_go', { counter: t.counter_name }) : MPP.t('status_serving');
    document.getElementById('survey').hidden = t.state !== 'done';
    document.getElementById('status-error').hidden = true;
    var now = new Date();
    set('updated', MPP.t('updated_at', { time: MPP.pad(now.getHours()) + ':' + MPP.pad(now.getMinutes()) }));
    return FINAL.indexOf(t.state) < 0;
  }

  function poll() {
    MPP.api('GET', '/api/v1/track/' + encodeURIComponent(token)).then(
      function (ticket) {
        if (show(ticket)) timer = setTimeout(poll, POLL_MS);
      },
      function (e) {
        var box = document.getElementById('status-error');
        box.textContent = e.status === 404 ? MPP.t('status_unknown') : e.message;
        box.hidden = false;
        if (e.status === 404) set('number', '—');
        else timer = setTimeout(poll, POLL_MS * 2);
      }
    );
  }

  document.addEventListener('visibilitychange', function () {
    if (!document.hidden && timer) {
      clearTimeout(timer);
      poll();
    }
  });
  poll();
})();
