/* Administration: each counter's state now — paused (with the officer's reason), calling,
   serving or free — and for how long ("Melayani A-012 · 6 menit", the start in the tooltip),
   refreshed with the live doorbell. The minutes come from the device's clock (state_minutes),
   not this computer's, which may be set wrong. */
(function () {
  'use strict';
  var el = MPP.el;
  var list = document.getElementById('counters-now');
  if (!list) return;

  function badge(kind, text) {
    return el('span', { className: 'badge ' + kind, text: text });
  }

  function stateOf(c) {
    var kind = 'ok';
    var text;
    var t = c.current;
    if (c.paused) {
      kind = 'warn';
      text = c.pause_reason ? MPP.t('counter_paused_for', { reason: MPP.t('pause_reason_' + c.pause_reason) }) : MPP.t('counter_paused_plain');
    } else if (t && t.state === 'serving') {
      text = MPP.t('counter_serving', { number: t.number });
    } else if (t) {
      text = MPP.t('counter_calling', { number: t.number });
    } else {
      kind = '';
      text = MPP.t('counter_idle');
    }
    var parts = [badge(kind, text)];
    if (c.state_minutes !== null && c.state_minutes !== undefined) {
      parts.push(el('span', { 'data-counter-minutes': c.code, title: MPP.t('since_time', { time: MPP.time(c.state_since) }), text: ' · ' + MPP.t('minutes', { n: c.state_minutes }) }));
    }
    return parts;
  }

  function render(items) {
    MPP.clear(list);
    items.forEach(function (c) {
      list.appendChild(el('li', { 'data-live-counter': c.code }, [
        el('b', { text: c.name }),
        el('span', { className: 'muted small', text: ' ' + c.code + (c.officer ? ' · ' + MPP.t('counter_officer', { name: c.officer }) : '') }),
        el('div', { 'data-counter-state': c.code }, stateOf(c)),
      ]));
    });
    if (!items.length) list.appendChild(el('li', { className: 'muted', text: MPP.t('none') }));
  }

  var refresh = MPP.serial(function () {
    return MPP.api('GET', '/api/v1/counters').then(function (data) {
      render(data.items);
    }, function (e) {
      if (e.status === 401) throw e;
      MPP.clear(list).appendChild(el('li', { text: e.message }));
    });
  });

  MPP.adminReady.then(function () {
    refresh();
    MPP.doorbell(refresh, { pollMs: 10000 });
  }, function () {});
})();
