/* Administration: the catalogue without writing JSON. Services, counters and agencies are edited
   one at a time through /api/v1/admin/{section}; opening hours and breaks through the whole
   document (only `hours` changes, `version` dropped so the server makes the next one). Every edit
   is a new catalogue version. Also export (download) and import of the whole document. */
(function () {
  'use strict';
  var el = MPP.el;
  var F = MPP.forms;
  var DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
  var KINDS = ['opd', 'vertikal', 'bumn', 'bumd', 'swasta'];
  var LIST_LIMIT = 60; // rows drawn at once: a 2015 office PC stays quick with 246 services
  var doc = null;
  var result = document.getElementById('catalogue-edit-result');
  var svcFilter = document.getElementById('svc-filter');
  var ctrFilter = document.getElementById('ctr-filter');

  function dayName(day) {
    // MPP.t('weekdays') starts on Sunday, the catalogue on Monday.
    var names = MPP.t('weekdays').split(',');
    return names[(DAYS.indexOf(day) + 1) % 7] || day;
  }

  function agencyName(code) {
    var a = doc.agencies.filter(function (x) {
      return x.code === code;
    })[0];
    return a ? a.name : code;
  }

  function servedBy(service) {
    return doc.counters.filter(function (c) {
      return c.services.indexOf(service) >= 0;
    }).map(function (c) {
      return c.code;
    });
  }

  function load() {
    return MPP.api('GET', '/api/v1/admin/catalogue').then(function (data) {
      doc = data;
      var version = document.getElementById('catalogue-version');
      version.textContent = MPP.t('catalogue_version', { n: doc.version });
      version.dataset.version = String(doc.version);
      var link = document.getElementById('catalogue-export');
      link.setAttribute('download', 'katalog-' + doc.site.code + '-v' + doc.version + '.json');
      renderServices();
      renderCounters();
      renderAgencies();
      renderHours();
      if (MPP.bookingSettings) MPP.bookingSettings(doc); // admin-booking.js
    }, function (e) {
      F.error(result, e);
    });
  }

  /* Every edit ends here: say which version it became, then read the catalogue again. */
  function applied(message) {
    return function (answer) {
      var text = message + ' ' + MPP.t('catalogue_now_version', { n: answer.version });
      F.result(result, text, false);
      MPP.toast(text, 'ok');
      if (MPP.refreshDashboard) MPP.refreshDashboard();
      return load();
    };
  }

  function more(box, shown, total) {
    if (total > shown) box.appendChild(el('p', { className: 'muted small', text: MPP.t('more_rows', { n: total - shown }) }));
  }

  function matches(filter, text) {
    var words = MPP.fold(filter.value).split(' ').filter(Boolean);
    var key = MPP.fold(text);
    return words.every(function (w) {
      return key.indexOf(w) >= 0;
    });
  }

  function actions(kind, code, onEdit, onDelete) {
    return el('span', { className: 'row-actions' }, [
      el('button', { type: 'button', className: 'btn small-btn', 'data-edit': code, text: MPP.t('edit'), onclick: onEdit }),
      el('button', { type: 'button', className: 'btn danger small-btn', 'data-delete': code, text: MPP.t('delete'), onclick: onDelete }),
    ]);
  }

  function remove(section, code, question) {
    if (!window.confirm(question)) return;
    MPP.api('DELETE', '/api/v1/admin/' + section + '/' + encodeURIComponent(code)).then(applied(MPP.t('deleted', { code: code }))).catch(function (e) {
      F.error(result, e);
    });
  }

  function numberOrNull(text) {
    var s = String(text).trim();
    if (!s) return null;
    var n = Number(s);
    return isNaN(n) ? s : n; // a non-number goes to the server, which explains the refusal
  }

  /* -- services ------------------------------------------------------------------------------ */

  function renderServices() {
    var box = MPP.clear(document.getElementById('svc-list'));
    var rows = doc.services.filter(function (s) {
      return matches(svcFilter, s.code + ' ' + s.name + ' ' + s.prefix + ' ' + agencyName(s.agency));
    });
    box.appendChild(F.table([
      { title: MPP.t('col_code'), cell: function (s) {
        return [el('span', { className: 'prefix-tag', text: s.prefix }), ' ' + s.code];
      } },
      { title: MPP.t('col_name'), cell: function (s) {
        return [el('span', { title: agencyName(s.agency), text: s.name })];
      } },
      { title: MPP.t('col_quota'), num: true, cell: function (s) {
        return s.daily_quota === null ? '–' : String(s.daily_quota);
      } },
      { title: MPP.t('col_avg'), num: true, cell: function (s) {
        return String(s.avg_service_minutes);
      } },
      { title: MPP.t('col_counters'), cell: function (s) {
        var list = servedBy(s.code);
        return list.length ? list.join(' ') : el('span', { className: 'badge bad', text: MPP.t('no_counter') });
      } },
      { title: '', cell: function (s) {
        return actions('services', s.code, function () {
          serviceDialog(s);
        }, function () {
          remove('services', s.code, MPP.t('delete_service_q', { name: s.name }));
        });
      } },
    ], rows.slice(0, LIST_LIMIT), function (s) {
      return { 'data-service': s.code };
    }));
    more(box, Math.min(rows.length, LIST_LIMIT), rows.length);
  }

  function counterItems() {
    return doc.counters.map(function (c) {
      return { code: c.code, label: c.name, extra: agencyName(c.agency) };
    });
  }

  function serviceDialog(s) {
    var fresh = !s;
    s = s || { code: '', agency: doc.agencies[0] && doc.agencies[0].code, name: '', prefix: '', avg_service_minutes: 10, daily_quota: null, requirements: [], fee: '' };
    var nodes = [];
    var code = null;
    var agency = null;
    var prefix = null;
    if (fresh) {
      code = F.field(MPP.t('col_code'), { id: 'svc-code', required: true, placeholder: 'DUKCAPIL-AKTA-LAHIR', autocapitalize: 'characters', spellcheck: 'false' }, MPP.t('code_hint'));
      agency = F.field(MPP.t('agency'), { tag: 'select', id: 'svc-agency', options: doc.agencies.map(function (a) {
        return [a.code, a.code + ' — ' + a.name];
      }) });
      prefix = F.field(MPP.t('col_prefix'), { id: 'svc-prefix', required: true, maxlength: '2', value: prefixOf(s.agency) }, MPP.t('prefix_hint'));
      agency.input.addEventListener('change', function () {
        prefix.input.value = prefixOf(agency.input.value);
      });
      nodes = nodes.concat(code.nodes, agency.nodes, prefix.nodes);
    }
    var name = F.field(MPP.t('col_name'), { id: 'svc-name', required: true, value: s.name });
    var quota = F.field(MPP.t('daily_quota'), { id: 'svc-quota', type: 'number', min: '1', step: '1', value: s.daily_quota === null ? '' : String(s.daily_quota) }, MPP.t('quota_hint'));
    var booking = F.field(MPP.t('booking_quota'), { id: 'svc-booking', type: 'number', min: '0', step: '1', value: String(s.booking_quota || 0) }, MPP.t('booking_quota_hint'));
    var avg = F.field(MPP.t('avg_minutes'), { id: 'svc-avg', type: 'number', min: '1', step: '1', required: true, value: String(s.avg_service_minutes) });
    var fee = F.field(MPP.t('fee'), { id: 'svc-fee', value: s.fee });
    var reqs = F.field(MPP.t('requirements'), { tag: 'textarea', id: 'svc-req', rows: '4', value: s.requirements.join('\n') }, MPP.t('requirements_hint'));
    var holder = el('fieldset', { className: 'checklist-box' }, [el('legend', { text: MPP.t('served_by') })]);
    var inner = el('div');
    holder.appendChild(inner);
    var list = F.checklist(inner, counterItems(), fresh ? [] : servedBy(s.code), 'service-counters');
    nodes = nodes.concat(name.nodes, quota.nodes, booking.nodes, avg.nodes, fee.nodes, reqs.nodes, [holder]);
    F.dialog(fresh ? MPP.t('add_service') : MPP.t('edit_service', { name: s.name }), nodes, {
      onSubmit: function () {
        var body = {
          name: name.input.value.trim(),
          daily_quota: numberOrNull(quota.input.value),
          booking_quota: numberOrNull(booking.input.value) || 0, // SPEC §8: 0 = not bookable
          avg_service_minutes: numberOrNull(avg.input.value),
          fee: fee.input.value.trim(),
          requirements: reqs.input.value.split('\n').map(function (line) {
            return line.trim();
          }).filter(Boolean),
          counters: list.values(),
        };
        if (fresh) {
          body.code = code.input.value.trim().toUpperCase();
          body.agency = agency.input.value;
          body.prefix = prefix.input.value.trim().toUpperCase();
          svcFilter.value = body.code; // a new service is last of hundreds: show it
          return MPP.api('POST', '/api/v1/admin/services', body).then(applied(MPP.t('service_added', { name: body.name })));
        }
        return MPP.api('PATCH', '/api/v1/admin/services/' + encodeURIComponent(s.code), body).then(applied(MPP.t('service_saved', { name: body.name })));
      },
    });
  }

  function prefixOf(agency) {
    var same = doc.services.filter(function (x) {
      return x.agency === agency;
    })[0];
    return same ? same.prefix : '';
  }

  /* -- counters ------------------------------------------------------------------------------ */

  function renderCounters() {
    var box = MPP.clear(document.getElementById('ctr-list'));
    var rows = doc.counters.filter(function (c) {
      return matches(ctrFilter, c.code + ' ' + c.name + ' ' + agencyName(c.agency));
    });
    box.appendChild(F.table([
      { title: MPP.t('col_code'), cell: function (c) {
        return c.code;
      } },
      { title: MPP.t('col_name'), cell: function (c) {
        return [c.name, el('span', { className: 'muted small', text: ' · ' + agencyName(c.agency) })];
      } },
      { title: MPP.t('col_services'), cell: function (c) {
        var names = c.services.slice(0, 4).join(', ');
        return c.services.length > 4 ? names + ' ' + MPP.t('and_more', { n: c.services.length - 4 }) : names || '–';
      } },
      { title: '', cell: function (c) {
        return actions('counters', c.code, function () {
          counterDialog(c);
        }, function () {
          remove('counters', c.code, MPP.t('delete_counter_q', { name: c.name }));
        });
      } },
    ], rows.slice(0, LIST_LIMIT), function (c) {
      return { 'data-counter': c.code };
    }));
    more(box, Math.min(rows.length, LIST_LIMIT), rows.length);
  }

  function counterDialog(c) {
    var fresh = !c;
    c = c || { code: '', name: '', agency: doc.agencies[0] && doc.agencies[0].code, services: [] };
    var nodes = [];
    var code = null;
    var agency = null;
    if (fresh) {
      code = F.field(MPP.t('col_code'), { id: 'ctr-code', required: true, placeholder: 'L59', spellcheck: 'false' });
      agency = F.field(MPP.t('agency'), { tag: 'select', id: 'ctr-agency', options: doc.agencies.map(function (a) {
        return [a.code, a.code + ' — ' + a.name];
      }) });
      nodes = nodes.concat(code.nodes, agency.nodes);
    }
    var name = F.field(MPP.t('col_name'), { id: 'ctr-name', required: true, value: c.name });
    var holder = el('fieldset', { className: 'checklist-box' }, [el('legend', { text: MPP.t('col_services') })]);
    var inner = el('div');
    holder.appendChild(inner);
    var list = F.checklist(inner, doc.services.map(function (s) {
      return { code: s.code, label: s.name, extra: agencyName(s.agency) };
    }), c.services, 'counter-services');
    nodes = nodes.concat(name.nodes, [holder]);
    F.dialog(fresh ? MPP.t('add_counter') : MPP.t('edit_counter', { name: c.name }), nodes, {
      onSubmit: function () {
        var body = { name: name.input.value.trim(), services: list.values() };
        if (fresh) {
          body.code = code.input.value.trim().toUpperCase();
          body.agency = agency.input.value;
          ctrFilter.value = body.code;
          return MPP.api('POST', '/api/v1/admin/counters', body).then(applied(MPP.t('counter_added', { name: body.name })));
        }
        return MPP.api('PATCH', '/api/v1/admin/counters/' + encodeURIComponent(c.code), body).then(applied(MPP.t('counter_saved', { name: body.name })));
      },
    });
  }

  /* -- agencies ------------------------------------------------------------------------------ */

  function renderAgencies() {
    var box = MPP.clear(document.getElementById('agc-list'));
    box.appendChild(F.table([
      { title: MPP.t('col_code'), cell: function (a) {
        return a.code;
      } },
      { title: MPP.t('col_name'), cell: function (a) {
        return a.name;
      } },
      { title: MPP.t('col_kind'), cell: function (a) {
        return a.kind;
      } },
      { title: MPP.t('col_services'), num: true, cell: function (a) {
        return String(doc.services.filter(function (s) {
          return s.agency === a.code;
        }).length);
      } },
      { title: '', cell: function (a) {
        return actions('agencies', a.code, function () {
          agencyDialog(a);
        }, function () {
          remove('agencies', a.code, MPP.t('delete_agency_q', { name: a.name }));
        });
      } },
    ], doc.agencies, function (a) {
      return { 'data-agency': a.code };
    }));
  }

  function agencyDialog(a) {
    var fresh = !a;
    a = a || { code: '', name: '', kind: 'opd' };
    var nodes = [];
    var code = null;
    if (fresh) {
      code = F.field(MPP.t('col_code'), { id: 'agc-code', required: true, placeholder: 'DINSOS', spellcheck: 'false' }, MPP.t('code_hint'));
      nodes = nodes.concat(code.nodes);
    }
    var name = F.field(MPP.t('col_name'), { id: 'agc-name', required: true, value: a.name });
    var kind = F.field(MPP.t('col_kind'), { tag: 'select', id: 'agc-kind', selected: a.kind, options: KINDS.map(function (k) {
      return [k, k];
    }) });
    nodes = nodes.concat(name.nodes, kind.nodes);
    F.dialog(fresh ? MPP.t('add_agency') : MPP.t('edit_agency', { name: a.name }), nodes, {
      onSubmit: function () {
        var body = { name: name.input.value.trim(), kind: kind.input.value };
        if (fresh) {
          body.code = code.input.value.trim().toUpperCase();
          return MPP.api('POST', '/api/v1/admin/agencies', body).then(applied(MPP.t('agency_added', { name: body.name })));
        }
        return MPP.api('PATCH', '/api/v1/admin/agencies/' + encodeURIComponent(a.code), body).then(applied(MPP.t('agency_saved', { name: body.name })));
      },
    });
  }

  /* -- hours and breaks ---------------------------------------------------------------------- */

  function timeInput(value, cls, label) {
    // Text, not type=time: some browsers show 12-hour AM/PM, Indonesian offices read 24-hour.
    return el('input', { type: 'text', className: 'hhmm ' + cls, value: value || '', 'aria-label': label, pattern: '([01][0-9]|2[0-3]):[0-5][0-9]', placeholder: 'HH:MM', maxlength: '5', inputmode: 'numeric', required: true });
  }

  function renderHours() {
    var weekly = (doc.hours && doc.hours.weekly) || {};
    var body = MPP.clear(document.getElementById('hours-days'));
    DAYS.forEach(function (day) {
      var span = weekly[day];
      var open = el('input', { type: 'checkbox', className: 'day-open', checked: !!span, 'aria-label': MPP.t('open_on', { day: dayName(day) }) });
      var from = timeInput(span ? span[0] : '08:00', 'day-from', MPP.t('opens_at', { day: dayName(day) }));
      var to = timeInput(span ? span[1] : '15:00', 'day-to', MPP.t('closes_at', { day: dayName(day) }));
      function sync() {
        from.disabled = to.disabled = !open.checked;
      }
      open.addEventListener('change', sync);
      sync();
      body.appendChild(el('tr', { 'data-day': day }, [el('th', { text: dayName(day) }), el('td', null, [open]), el('td', null, [from]), el('td', null, [to])]));
    });
    var breaks = MPP.clear(document.getElementById('hours-breaks'));
    ((doc.hours && doc.hours.breaks) || []).forEach(function (b) {
      breaks.appendChild(breakRow(b));
    });
    MPP.clear(document.getElementById('hours-result'));
  }

  function breakRow(b) {
    var days = el('span', { className: 'break-days' }, DAYS.map(function (day) {
      return el('label', { className: 'check inline' }, [el('input', { type: 'checkbox', value: day, checked: b.days.indexOf(day) >= 0 }), ' ' + dayName(day).slice(0, 3)]);
    }));
    var row = el('div', { className: 'break-row row' }, [
      days,
      timeInput(b.from, 'break-from', MPP.t('break_from')),
      '–',
      timeInput(b.to, 'break-to', MPP.t('break_to')),
      el('input', { type: 'text', className: 'break-label', value: b.label || '', 'aria-label': MPP.t('break_label'), placeholder: MPP.t('break_label') }),
    ]);
    row.appendChild(el('button', { type: 'button', className: 'btn danger small-btn', text: MPP.t('delete'), onclick: function () {
      row.parentNode.removeChild(row);
    } }));
    return row;
  }

  function readHours() {
    var weekly = {};
    Array.prototype.forEach.call(document.querySelectorAll('#hours-days tr'), function (tr) {
      var open = tr.querySelector('.day-open').checked;
      weekly[tr.dataset.day] = open ? [tr.querySelector('.day-from').value, tr.querySelector('.day-to').value] : null;
    });
    var breaks = Array.prototype.map.call(document.querySelectorAll('#hours-breaks .break-row'), function (row) {
      return {
        days: Array.prototype.filter.call(row.querySelectorAll('.break-days input'), function (i) {
          return i.checked;
        }).map(function (i) {
          return i.value;
        }),
        from: row.querySelector('.break-from').value,
        to: row.querySelector('.break-to').value,
        label: row.querySelector('.break-label').value.trim() || MPP.t('break_default'),
      };
    });
    return { weekly: weekly, breaks: breaks };
  }

  document.getElementById('break-add').addEventListener('click', function () {
    document.getElementById('hours-breaks').appendChild(breakRow({ days: [], from: '12:00', to: '13:00', label: MPP.t('break_default') }));
  });

  document.getElementById('hours-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var box = document.getElementById('hours-result');
    var button = document.getElementById('hours-save');
    var hours = readHours();
    button.disabled = true;
    // The newest document, so an edit made elsewhere meanwhile is not undone; only hours change.
    MPP.api('GET', '/api/v1/admin/catalogue').then(function (latest) {
      latest.hours = hours;
      delete latest.version;
      return MPP.api('PUT', '/api/v1/admin/catalogue', latest);
    }).then(function (answer) {
      var text = MPP.t('hours_saved') + ' ' + MPP.t('catalogue_now_version', { n: answer.version });
      MPP.toast(text, 'ok');
      return load().then(function () {
        F.result(box, text, false);
      });
    }).catch(function (e) {
      F.error(box, e);
    }).then(function () {
      button.disabled = false;
    });
  });

  /* -- tabs, filters, import ----------------------------------------------------------------- */

  Array.prototype.forEach.call(document.querySelectorAll('#catalogue-panel .tab'), function (tab) {
    tab.addEventListener('click', function () {
      Array.prototype.forEach.call(document.querySelectorAll('#catalogue-panel .tab'), function (t) {
        t.setAttribute('aria-selected', t === tab ? 'true' : 'false');
      });
      Array.prototype.forEach.call(document.querySelectorAll('#catalogue-panel .tab-body'), function (body) {
        body.hidden = body.dataset.body !== tab.dataset.tab;
      });
    });
  });

  var filterTimer = null;
  function debounced(render) {
    return function () {
      clearTimeout(filterTimer);
      filterTimer = setTimeout(function () {
        if (doc) render();
      }, 120);
    };
  }
  svcFilter.addEventListener('input', debounced(renderServices));
  ctrFilter.addEventListener('input', debounced(renderCounters));
  document.getElementById('svc-add').addEventListener('click', function () {
    serviceDialog(null);
  });
  document.getElementById('ctr-add').addEventListener('click', function () {
    counterDialog(null);
  });
  document.getElementById('agc-add').addEventListener('click', function () {
    agencyDialog(null);
  });

  var fileInput = document.getElementById('catalogue-file');
  var importButton = document.getElementById('catalogue-import');
  var importBox = document.getElementById('catalogue-result');
  var incoming = null;
  fileInput.addEventListener('change', function () {
    incoming = null;
    importButton.disabled = true;
    var file = fileInput.files && fileInput.files[0];
    if (!file) return;
    file.text().then(function (text) {
      try {
        incoming = JSON.parse(text);
        importButton.disabled = false;
        F.result(importBox, MPP.t('catalogue_ready', { agencies: (incoming.agencies || []).length, services: (incoming.services || []).length, counters: (incoming.counters || []).length }), false);
      } catch (e) {
        F.result(importBox, MPP.t('catalogue_not_json'), true);
      }
    });
  });
  importButton.addEventListener('click', function () {
    if (!incoming) return;
    importButton.disabled = true;
    MPP.api('PUT', '/api/v1/admin/catalogue', incoming).then(function (answer) {
      F.result(importBox, MPP.t('catalogue_done') + ' ' + MPP.t('catalogue_now_version', { n: answer.version }), false);
      if (MPP.refreshDashboard) MPP.refreshDashboard();
      return load();
    }, function (e) {
      F.error(importBox, e);
      importButton.disabled = false;
    });
  });

  MPP.adminReady.then(function (me) {
    if (MPP.atLeast(me, 'admin')) load();
  }, function () {});
})();
