/* Administration: officers (add, counters, password reset, disable/enable) and device tokens
   (create, shown once with a copy button, revoke). Only for administrators. */
(function () {
  'use strict';
  var el = MPP.el;
  var F = MPP.forms;
  var counters = [];
  var officerResult = document.getElementById('officers-result');
  var tokenResult = document.getElementById('tokens-result');
  var addOfficerCounters = null;
  var addTokenCounters = null;

  function counterItems() {
    return counters.map(function (c) {
      return { code: c.code, label: c.name, extra: c.agency };
    });
  }

  function loadCounters() {
    return MPP.api('GET', '/api/v1/admin/counters').then(function (data) {
      counters = data.items;
      addOfficerCounters = F.checklist(document.getElementById('o-counters'), counterItems(), [], 'officer-add');
      addTokenCounters = F.checklist(document.getElementById('t-counters'), counterItems(), [], 'token-add');
    });
  }

  /* -- officers ------------------------------------------------------------------------------ */

  function loadOfficers() {
    var box = document.getElementById('officers');
    return MPP.api('GET', '/api/v1/admin/officers').then(function (data) {
      var rows = data.items;
      MPP.clear(box);
      if (!rows.length) return box.appendChild(el('p', { className: 'muted', text: MPP.t('none') }));
      box.appendChild(F.table([
        { title: MPP.t('col_username'), cell: function (o) {
          return o.username;
        } },
        { title: MPP.t('col_name'), cell: function (o) {
          return o.display_name || '–';
        } },
        { title: MPP.t('col_role'), cell: function (o) {
          return MPP.t('role_' + o.role);
        } },
        { title: MPP.t('col_counters'), cell: function (o) {
          return o.counters.length ? o.counters.join(', ') : o.role === 'officer' ? el('span', { className: 'badge warn', text: MPP.t('no_counter') }) : MPP.t('all_counters');
        } },
        { title: MPP.t('col_active'), cell: function (o) {
          return el('span', { className: 'badge ' + (o.active ? 'ok' : 'bad'), text: o.active ? MPP.t('active') : MPP.t('disabled') });
        } },
        { title: '', cell: function (o) {
          return el('span', { className: 'row-actions' }, [
            el('button', { type: 'button', className: 'btn small-btn', 'data-action': 'counters', text: MPP.t('edit_counters'), onclick: function () {
              editCounters(o);
            } }),
            el('button', { type: 'button', className: 'btn small-btn', 'data-action': 'password', text: MPP.t('reset_password'), onclick: function () {
              resetPassword(o);
            } }),
            el('button', { type: 'button', className: 'btn small-btn' + (o.active ? ' danger' : ''), 'data-action': 'active', text: o.active ? MPP.t('disable') : MPP.t('enable'), onclick: function () {
              toggleActive(o);
            } }),
            el('button', { type: 'button', className: 'btn small-btn', 'data-action': 'sessions', text: MPP.t('end_sessions'), onclick: function () {
              endSessions(o);
            } }),
          ]);
        } },
      ], rows, function (o) {
        return { 'data-officer': o.username, className: o.active ? '' : 'inactive' };
      }));
    }, function (e) {
      F.error(officerResult, e);
    });
  }

  function patchOfficer(username, body, message) {
    return MPP.api('PATCH', '/api/v1/admin/officers/' + encodeURIComponent(username), body).then(function () {
      F.result(officerResult, message, false);
      MPP.toast(message, 'ok');
      return loadOfficers();
    });
  }

  function editCounters(o) {
    var holder = el('div', { className: 'checklist-box' });
    var list = F.checklist(holder, counterItems(), o.counters, 'officer-edit');
    F.dialog(MPP.t('counters_of', { name: o.display_name || o.username }), [el('p', { className: 'hint', text: MPP.t('counters_hint') }), holder], {
      onSubmit: function () {
        return patchOfficer(o.username, { counters: list.values() }, MPP.t('officer_counters_saved', { name: o.username }));
      },
    });
  }

  function resetPassword(o) {
    var password = F.field(MPP.t('new_password'), { type: 'password', required: true, minlength: String(MPP.minPassword), autocomplete: 'new-password', id: 'reset-password' }, MPP.t('password_rule', { n: MPP.minPassword }));
    F.dialog(MPP.t('reset_password_of', { name: o.username }), password.nodes, {
      submitText: MPP.t('reset_password'),
      onSubmit: function () {
        return patchOfficer(o.username, { password: password.input.value }, MPP.t('password_saved', { name: o.username }));
      },
    });
  }

  function toggleActive(o) {
    var question = o.active ? MPP.t('disable_q', { name: o.username }) : MPP.t('enable_q', { name: o.username });
    if (!window.confirm(question)) return;
    var done = o.active ? MPP.t('officer_disabled', { name: o.username }) : MPP.t('officer_enabled', { name: o.username });
    patchOfficer(o.username, { active: !o.active }, done).catch(function (e) {
      F.error(officerResult, e);
    });
  }

  // Every open session of the officer ends at once (a lost phone, a password seen by others).
  function endSessions(o) {
    if (!window.confirm(MPP.t('end_sessions_q', { name: o.username }))) return;
    MPP.api('POST', '/api/v1/admin/officers/' + encodeURIComponent(o.username) + '/logout-everywhere', {}).then(function (answer) {
      var message = MPP.t('sessions_ended', { name: o.username, n: answer.sessions_ended });
      F.result(officerResult, message, false);
      MPP.toast(message, 'ok');
    }, function (e) {
      F.error(officerResult, e);
    });
  }

  document.getElementById('officer-add').addEventListener('submit', function (event) {
    event.preventDefault();
    var form = event.target;
    var button = document.getElementById('officer-add-submit');
    var body = {
      username: form.username.value.trim(),
      display_name: form.display_name.value.trim(),
      role: form.role.value,
      password: form.password.value,
      counters: addOfficerCounters ? addOfficerCounters.values() : [],
    };
    button.disabled = true;
    MPP.api('POST', '/api/v1/admin/officers', body).then(function (officer) {
      var message = MPP.t('officer_added', { name: officer.username });
      F.result(officerResult, message, false);
      MPP.toast(message, 'ok');
      form.reset();
      addOfficerCounters = F.checklist(document.getElementById('o-counters'), counterItems(), [], 'officer-add');
      document.getElementById('officer-add-box').open = false;
      return loadOfficers();
    }).catch(function (e) {
      F.error(officerResult, e);
    }).then(function () {
      button.disabled = false;
    });
  });

  /* -- tokens -------------------------------------------------------------------------------- */

  function loadTokens() {
    var box = document.getElementById('tokens');
    return MPP.api('GET', '/api/v1/admin/tokens').then(function (data) {
      var rows = data.items.sort(function (a, b) {
        return (a.revoked ? 1 : 0) - (b.revoked ? 1 : 0);
      });
      MPP.clear(box);
      if (!rows.length) return box.appendChild(el('p', { className: 'muted', text: MPP.t('none') }));
      box.appendChild(F.table([
        { title: MPP.t('col_name'), cell: function (t) {
          return t.name;
        } },
        { title: MPP.t('col_role'), cell: function (t) {
          return MPP.t('role_' + t.role);
        } },
        { title: MPP.t('col_counters'), cell: function (t) {
          return t.counters.length ? t.counters.join(', ') : '–';
        } },
        { title: MPP.t('col_created'), cell: function (t) {
          return MPP.dateTime(t.created_at);
        } },
        { title: MPP.t('col_state'), cell: function (t) {
          return el('span', { className: 'badge ' + (t.revoked ? 'bad' : 'ok'), text: t.revoked ? MPP.t('revoked') : MPP.t('active') });
        } },
        { title: '', cell: function (t) {
          if (t.revoked) return '';
          return el('button', { type: 'button', className: 'btn danger small-btn', 'data-action': 'revoke', text: MPP.t('revoke'), onclick: function () {
            revoke(t);
          } });
        } },
      ], rows, function (t) {
        return { 'data-token': t.name, className: t.revoked ? 'inactive' : '' };
      }));
    }, function (e) {
      F.error(tokenResult, e);
    });
  }

  function revoke(t) {
    var question = MPP.t('revoke_q', { name: t.name }) + (t.role === 'kiosk' ? '\n' + MPP.t('revoke_kiosk_note') : '');
    if (!window.confirm(question)) return;
    MPP.api('DELETE', '/api/v1/admin/tokens/' + encodeURIComponent(t.name)).then(function () {
      var message = MPP.t('token_revoked', { name: t.name });
      F.result(tokenResult, message, false);
      MPP.toast(message, 'ok');
      return loadTokens();
    }).catch(function (e) {
      F.error(tokenResult, e);
    });
  }

  function showToken(created) {
    var box = document.getElementById('token-shown');
    document.getElementById('token-value').textContent = created.token;
    var kiosk = created.role === 'kiosk';
    document.getElementById('token-kiosk').hidden = !kiosk;
    document.getElementById('token-kiosk-url').textContent = kiosk ? created.kiosk_url || kioskUrl(created.token) : '';
    var qr = document.getElementById('token-kiosk-qr');
    qr.hidden = !(kiosk && created.kiosk_qr);
    if (kiosk && created.kiosk_qr) qr.src = created.kiosk_qr;
    else qr.removeAttribute('src');
    box.hidden = false;
    box.scrollIntoView({ block: 'center' });
  }

  function kioskUrl(token) {
    return location.origin + '/kiosk?token=' + encodeURIComponent(token);
  }

  function hideToken() {
    document.getElementById('token-value').textContent = '';
    document.getElementById('token-kiosk-url').textContent = '';
    document.getElementById('token-kiosk-qr').removeAttribute('src');
    document.getElementById('token-shown').hidden = true;
  }

  document.getElementById('token-copy').addEventListener('click', function () {
    var node = document.getElementById('token-value');
    F.copy(node.textContent, node);
  });
  document.getElementById('token-kiosk-copy').addEventListener('click', function () {
    var node = document.getElementById('token-kiosk-url');
    F.copy(node.textContent, node);
  });
  document.getElementById('token-hide').addEventListener('click', hideToken);

  function roleNeedsCounters() {
    var role = document.getElementById('t-role').value;
    document.getElementById('t-counters-box').hidden = role === 'supervisor' || role === 'admin';
  }
  document.getElementById('t-role').addEventListener('change', roleNeedsCounters);

  document.getElementById('token-add').addEventListener('submit', function (event) {
    event.preventDefault();
    var form = event.target;
    var button = document.getElementById('token-add-submit');
    var role = form.role.value;
    var body = { name: form.name.value.trim(), role: role };
    if (role === 'kiosk' || role === 'officer') body.counters = addTokenCounters ? addTokenCounters.values() : [];
    button.disabled = true;
    hideToken();
    MPP.api('POST', '/api/v1/admin/tokens', body).then(function (created) {
      var message = MPP.t('token_created', { name: created.name });
      F.result(tokenResult, message, false);
      form.reset();
      roleNeedsCounters();
      addTokenCounters = F.checklist(document.getElementById('t-counters'), counterItems(), [], 'token-add');
      document.getElementById('token-add-box').open = false;
      showToken(created);
      return loadTokens();
    }).catch(function (e) {
      F.error(tokenResult, e);
    }).then(function () {
      button.disabled = false;
    });
  });

  MPP.minPassword = parseInt(document.getElementById('o-password').getAttribute('minlength'), 10) || 10;
  MPP.adminReady.then(function (me) {
    if (!MPP.atLeast(me, 'admin')) return;
    roleNeedsCounters();
    loadCounters().catch(function (e) {
      F.error(officerResult, e);
    });
    loadOfficers();
    loadTokens();
  }, function () {});
})();
