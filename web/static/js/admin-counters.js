/* Administration: each counter's state now — paused (with the officer's reason and since when),
   calling, serving or idle — refreshed with the live doorbell. */
(function () {
  'use strict';
  var el = MPP.el;
  var list = document.getElementById('counters-now');
  if (!list) return;

  function badge(kind, text) {
    return el('span', { className: 'badge ' + kind, text: text });
  }

  function stateOf(c) {
    if (c.paused) {
      var text = c.pause_reason ? MPP.t('counter_paused_for', { reason: MPP.t('pause_reason_' + c.pause_reason) }) : MPP.t('counter_paused_plain');
      return [badge('warn', text), c.paused_since ? ' ' + MPP.t('since_time', { time: MPP.time(c.paused_since) }) : ''];
    }
    var t = c.current;
    if (t && t.state === 'serving') return [badge('ok', MPP.t('counter_serving', { number: t.number })), ' ' + MPP.t('since_time', { time: MPP.time(t.started_at || t.called_at) })];
    if (t) return [badge('ok', MPP.t('counter_calling', { number: t.number })), ' ' + MPP.t('since_time', { time: MPP.time(t.called_at) })];
    return [badge('', MPP.t('counter_idle'))];
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
