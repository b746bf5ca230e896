/* The printer's fault where the officers and greeters look (desk, counters), not only on /admin:
   during an outage the entrance button still issues numbers without paper, so the people at the
   desk and the counters see which numbers were not printed and can reprint each one
   (POST /api/v1/tickets/{id}/reprint). Its own script, shared by both pages, reading
   GET /api/v1/status every few seconds; markup in templates/_printer_fault.html. */
(function () {
  'use strict';
  var box = document.getElementById('printer-fault');
  if (!box) return;
  var el = MPP.el;
  var POLL_MS = 5000; // a fault shows within a few seconds on every staff page
  var SHOWN_POLL_MS = 2000; // while shown: the printer coming back and the drops show sooner
  var FINE = { ok: true, unknown: true, disabled: true };
  var text = document.getElementById('printer-fault-text');
  var pendingLine = document.getElementById('printer-fault-pending');
  var droppedTitle = document.getElementById('printer-fault-dropped-title');
  var droppedList = document.getElementById('printer-fault-dropped');

  function minutes(printer) {
    return Math.max(1, Math.round((printer.stale_after_s || 120) / 60));
  }

  function render(printer) {
    var faulted = !Object.prototype.hasOwnProperty.call(FINE, printer.state);
    var pending = faulted ? printer.pending || [] : [];
    var dropped = printer.unprinted || [];
    box.hidden = !faulted && !dropped.length;
    if (box.hidden) return;
    box.setAttribute('data-state', printer.state);
    text.textContent = faulted ? printer.message : MPP.t('printer_fault_back');
    pendingLine.textContent = pending.length
      ? MPP.t('printer_fault_pending', {
          n: pending.length,
          numbers: pending.map(function (p) {
            return p.label;
          }).join(', '),
          minutes: minutes(printer),
        })
      : '';
    droppedTitle.hidden = !dropped.length;
    droppedTitle.textContent = MPP.t('printer_fault_dropped', { n: dropped.length, minutes: minutes(printer) });
    MPP.clear(droppedList);
    dropped.forEach(function (item) {
      if (item.ticket_id === null || item.ticket_id === undefined) return;
      droppedList.appendChild(
        el('li', { 'data-unprinted': item.label }, [
          el('span', { className: 'num', text: item.label }),
          item.dropped_at ? el('span', { className: 'muted small', text: ' ' + MPP.time(item.dropped_at) + ' ' }) : null,
          el('button', {
            type: 'button',
            className: 'btn small-btn',
            'data-reprint': String(item.ticket_id),
            text: MPP.t('printer_reprint'),
            onclick: function (event) {
              reprint(item, event.currentTarget);
            },
          }),
        ])
      );
    });
  }

  var refresh = MPP.serial(function () {
    return MPP.api('GET', '/api/v1/status').then(function (status) {
      render(status.printer || { state: 'disabled' });
    }, function () {
      // Not logged in yet or the server is away: the page's own script says so.
    });
  });

  function csrf() {
    if (MPP.csrf) return Promise.resolve();
    return MPP.api('GET', '/api/v1/auth/me').then(function (me) {
      MPP.csrf = me.csrf_token || MPP.csrf;
    });
  }

  function reprint(item, button) {
    button.disabled = true;
    csrf()
      .then(function () {
        return MPP.api('POST', '/api/v1/tickets/' + item.ticket_id + '/reprint', {});
      })
      .then(function (answer) {
        MPP.toast(MPP.t('printer_reprint_sent', { number: answer.number }), 'ok');
        refresh();
      }, function (e) {
        if (e.status === 401) return MPP.toLogin();
        button.disabled = false;
        MPP.toast(e.message, 'error');
      });
  }

  function tick() {
    refresh();
    setTimeout(tick, box.hidden ? POLL_MS : SHOWN_POLL_MS);
  }
  tick();
})();
