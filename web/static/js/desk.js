/* Greeter's desk: priority tickets by category of need, sending waiting tickets (usually from
   the entrance button) to the service the citizen actually needs, and putting today's no-shows
   who came back into the queue again ("Pulihkan"). */
(function () {
  'use strict';
  var el = MPP.el;
  var reasons = document.getElementById('reasons');
  var issueButton = document.getElementById('issue');
  var issuedBox = document.getElementById('issued');
  var choice = document.getElementById('issue-choice');
  var waitingList = document.getElementById('waiting');
  var noShowList = document.getElementById('no-shows');
  var filter = document.getElementById('ticket-filter');
  var overlay = document.getElementById('overlay');

  var reason = null; // null = nothing chosen yet, '' = general ticket
  var service = null;
  var moving = null;
  var waiting = [];

  function updateIssue() {
    issueButton.disabled = reason === null || !service;
    var parts = [];
    if (reason !== null) parts.push(reason ? MPP.reasonLabel(reason) : MPP.t('general'));
    if (service) parts.push(service.name);
    choice.textContent = parts.join(' · ');
  }

  reasons.addEventListener('click', function (event) {
    var button = event.target.closest('button[data-reason]');
    if (!button) return;
    reason = button.getAttribute('data-reason');
    Array.prototype.forEach.call(reasons.querySelectorAll('button'), function (b) {
      b.setAttribute('aria-pressed', b === button ? 'true' : 'false');
    });
    updateIssue();
  });

  var issuePicker = MPP.servicePicker(document.getElementById('issue-search'), document.getElementById('issue-list'), function (s) {
    service = s;
    updateIssue();
  });

  var refresh = MPP.serial(function () {
    return Promise.all([
      MPP.api('GET', '/api/v1/tickets?state=waiting'),
      MPP.api('GET', '/api/v1/tickets?state=no_show'),
    ]).then(function (lists) {
      // In the server's issue order: the citizen who has waited longest comes first.
      waiting = lists[0].items;
      renderWaiting();
      renderNoShows(lists[1].items);
    }, function (e) {
      if (e.status === 401) throw e;
      MPP.toast(e.message, 'error');
    });
  });

  issueButton.addEventListener('click', function () {
    issueButton.disabled = true;
    var body = { service: service.code, priority: !!reason, priority_reason: reason || null };
    MPP.api('POST', '/api/v1/tickets', body)
      .then(function (ticket) {
        MPP.clear(issuedBox).appendChild(
          el('div', { className: 'panel' }, [
            el('div', { className: 'muted', text: MPP.t('desk_issued') }),
            el('div', { className: 'ticket-number', id: 'issued-number', text: ticket.number }),
            el('div', { text: ticket.service_name + (ticket.priority ? ' · ' + MPP.reasonLabel(ticket.priority_reason) : '') }),
            el('div', { className: 'muted small', text: MPP.t('people_ahead') + ': ' + ticket.people_ahead + ' · ' + MPP.t('estimated_wait') + ': ' + MPP.minutes(ticket.estimated_wait_minutes) }),
          ])
        );
        refresh();
      })
      .catch(function (e) {
        if (e.status === 401) return MPP.toLogin();
        MPP.toast(e.message, 'error');
      })
      .then(updateIssue);
  });

  function renderWaiting() {
    var words = MPP.fold(filter.value).split(' ').filter(Boolean);
    MPP.clear(waitingList);
    var shown = waiting.filter(function (t) {
      var key = MPP.fold(t.number + ' ' + t.number.replace('-', '') + ' ' + t.service_name + ' ' + t.service);
      return words.every(function (w) {
        return key.indexOf(w) >= 0;
      });
    });
    if (!shown.length) waitingList.appendChild(el('li', { className: 'muted', text: MPP.t('queue_empty') }));
    shown.forEach(function (t) {
      waitingList.appendChild(
        el('li', { 'data-ticket': t.number }, [
          el('span', { className: 'num', text: t.number }),
          el('span', { className: 'svc' }, [
            t.service_name,
            t.priority ? el('span', { className: 'badge priority', text: MPP.reasonLabel(t.priority_reason) || MPP.t('priority') }) : null,
            el('div', { className: 'muted small', text: MPP.time(t.issued_at) }),
          ]),
          el('button', { type: 'button', className: 'btn', 'data-move': t.number, text: MPP.t('transfer'), onclick: function () {
            openMove(t);
          } }),
        ])
      );
    });
  }

  /* Today's no-shows, latest first: a citizen who came back goes back to their place. */
  function renderNoShows(items) {
    MPP.clear(noShowList);
    if (!items.length) noShowList.appendChild(el('li', { className: 'muted', text: MPP.t('no_shows_none') }));
    items.slice().reverse().forEach(function (t) {
      noShowList.appendChild(
        el('li', { 'data-ticket': t.number }, [
          el('span', { className: 'num', text: t.number }),
          el('span', { className: 'svc' }, [
            t.service_name,
            el('div', { className: 'muted small', text: (t.counter_name || '') + ' · ' + MPP.time(t.finished_at) }),
          ]),
          el('button', { type: 'button', className: 'btn', 'data-restore': t.number, text: MPP.t('restore'), onclick: function (event) {
            event.target.disabled = true;
            MPP.api('POST', '/api/v1/tickets/' + t.id + '/restore', {})
              .then(function (back) {
                MPP.toast(MPP.t('restored_toast', { number: back.number, n: back.people_ahead }), 'ok');
              }, function (e) {
                if (e.status === 401) return MPP.toLogin();
                MPP.toast(e.message, 'error');
              })
              .then(refresh);
          } }),
        ])
      );
    });
  }

  var movePicker = MPP.servicePicker(document.getElementById('move-search'), document.getElementById('move-list'), function (s) {
    var ticket = moving;
    closeMove();
    MPP.api('POST', '/api/v1/tickets/' + ticket.id + '/transfer', { service: s.code })
      .then(function (t) {
        MPP.toast(MPP.t('transferred_toast', { number: t.number, service: s.name }), 'ok');
      }, function (e) {
        if (e.status === 401) return MPP.toLogin();
        MPP.toast(e.message, 'error');
      })
      .then(refresh);
  }, function () {
    return moving ? moving.service : null;
  });

  function openMove(ticket) {
    moving = ticket;
    document.getElementById('move-title').textContent = MPP.t('desk_move_title', { number: ticket.number });
    overlay.hidden = false;
    movePicker.reset();
    document.getElementById('move-search').focus();
  }

  function closeMove() {
    overlay.hidden = true;
  }

  document.getElementById('move-cancel').addEventListener('click', function () {
    moving = null;
    closeMove();
  });
  document.addEventListener('keydown', function (event) {
    if (event.key === 'Escape') closeMove();
  });
  filter.addEventListener('input', renderWaiting);

  MPP.requireStaff('supervisor').then(function () {
    issuePicker.load().catch(function (e) {
      MPP.toast(e.message, 'error');
    });
    movePicker.load().catch(function () {});
    refresh();
    MPP.doorbell(refresh, {
      pollMs: 5000,
      onMode: function (mode) {
        document.getElementById('conn').textContent = MPP.t('conn_' + mode);
      },
    });
  }, function () {});
})();
