/* Citizen status: polled (not streamed) so hundreds of phones cost no server threads. */
(function () {
  'use strict';
  var card = document.getElementById('status');
  var token = card.getAttribute('data-token');
  var POLL_MS = 8000;
  var FINAL = ['done', 'no_show', 'cancelled', 'expired'];
  var timer = null;
  var GUIDE = { no_show: 'status_guide_no_show', cancelled: 'status_guide_cancelled', expired: 'status_guide_expired' };

  /* "2025-03-12" → "12-03-2025", as the receipt prints the date. */
  function dateOnly(iso) {
    var m = /^(\d{4})-(\d\d)-(\d\d)/.exec(String(iso || ''));
    return m ? m[3] + '-' + m[2] + '-' + m[1] : String(iso || '');
  }

  /* Now on the site's clock, at the offset the ticket's own times carry (+07:00 in WIB), so the
     page says what the receipt and the board say whatever zone the phone is set to. */
  function siteTime(stamp) {
    var m = /([+-])(\d\d):(\d\d)$/.exec(String(stamp || ''));
    var offset = m ? (m[1] === '-' ? -1 : 1) * (parseInt(m[2], 10) * 60 + parseInt(m[3], 10)) : null;
    var d = offset === null ? new Date() : new Date(Date.now() + offset * 60000);
    return offset === null
      ? MPP.pad(d.getHours()) + ':' + MPP.pad(d.getMinutes())
      : MPP.pad(d.getUTCHours()) + ':' + MPP.pad(d.getUTCMinutes());
  }

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
    // What to do now, for the states where the number alone says nothing.
    var guide = document.getElementById('guide');
    var words = GUIDE[t.state];
    guide.hidden = !words;
    guide.textContent = words ? MPP.t(words, { date: dateOnly(t.business_date) }) : '';
    document.getElementById('status-error').hidden = true;
    set('updated', MPP.t('updated_at', { time: siteTime(t.issued_at) }));
    return FINAL.indexOf(t.state) < 0;
  }

  function poll() {
    MPP.api('GET', '/api/v1/track/' + encodeURIComponent(token)).then(
      function (ticket) {
        if (show(ticket)) timer = setTimeout(poll, POLL_MS);
      },
      function (e) {
        if (e.status === 404) {
          // Not a ticket of this office: say so plainly instead of an empty card.
          document.getElementById('details').hidden = true;
          document.getElementById('auto').hidden = true;
          document.getElementById('unknown').hidden = false;
          return;
        }
        var box = document.getElementById('status-error');
        box.textContent = e.message;
        box.hidden = false;
        timer = setTimeout(poll, POLL_MS * 2);
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
