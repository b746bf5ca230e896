/* Small form helpers for the administration page: a dialog with a form, a filterable checklist,
   a result box. Everything is built with MPP.el, so names from the catalogue never become markup. */
(function () {
  'use strict';
  var el = MPP.el;
  var overlay = document.getElementById('overlay');
  var box = document.getElementById('dialog');
  var F = (MPP.forms = {});
  var uid = 0;

  /* A labelled input; `attrs` go on the input (type, value, required, ...). */
  F.field = function (label, attrs, hint) {
    uid += 1;
    var id = attrs.id || 'f-' + uid;
    var input = attrs.tag === 'textarea' ? el('textarea', Object.assign({ id: id }, attrs, { tag: null })) : attrs.tag === 'select' ? el('select', Object.assign({ id: id }, attrs, { tag: null, options: null, selected: null }), (attrs.options || []).map(function (o) {
      return el('option', { value: o[0], text: o[1], selected: o[0] === attrs.selected });
    })) : el('input', Object.assign({ id: id, type: 'text' }, attrs));
    if (attrs.tag === 'textarea' && attrs.value !== undefined) input.value = attrs.value;
    var nodes = [el('label', { for: id, text: label }), input];
    if (hint) nodes.push(el('p', { className: 'hint', text: hint }));
    return { nodes: nodes, input: input };
  };

  /* Checkboxes for many codes (58 counters, 246 services) with a filter box above them. */
  F.checklist = function (container, items, selected, name) {
    var chosen = {};
    (selected || []).forEach(function (code) {
      chosen[code] = true;
    });
    var rows = [];
    var filter = el('input', { type: 'search', className: 'checklist-filter', placeholder: MPP.t('filter_placeholder'), 'aria-label': MPP.t('filter_placeholder') });
    var list = el('div', { className: 'checklist', 'data-checklist': name || '' });
    items.forEach(function (item) {
      var input = el('input', { type: 'checkbox', value: item.code, checked: !!chosen[item.code] });
      var row = el('label', { className: 'check' }, [input, ' ', el('b', { text: item.code }), ' ', item.label || '']);
      row.dataset.key = MPP.fold(item.code + ' ' + (item.label || '') + ' ' + (item.extra || ''));
      rows.push({ row: row, input: input });
      list.appendChild(row);
    });
    filter.addEventListener('input', function () {
      var words = MPP.fold(filter.value).split(' ').filter(Boolean);
      rows.forEach(function (r) {
        r.row.hidden = !words.every(function (w) {
          return r.row.dataset.key.indexOf(w) >= 0;
        });
      });
    });
    MPP.clear(container);
    if (items.length > 8) container.appendChild(filter);
    container.appendChild(list);
    return {
      values: function () {
        return rows.filter(function (r) {
          return r.input.checked;
        }).map(function (r) {
          return r.input.value;
        });
      },
    };
  };

  /* A success or error message; `details` (the server's list of problems) under it. */
  F.result = function (node, message, bad, details) {
    var lines = [el('div', { text: message })];
    if (details && details.length) {
      lines.push(el('ul', { className: 'small' }, details.slice(0, 20).map(function (d) {
        return el('li', { text: String(d) });
      })));
    }
    MPP.clear(node).appendChild(el('div', { className: 'alert ' + (bad ? 'bad' : 'ok'), role: bad ? 'alert' : 'status' }, lines));
  };

  F.error = function (node, e) {
    if (e && e.status === 401) return MPP.toLogin();
    F.result(node, (e && e.message) || String(e), true, e && e.details);
  };

  /* A modal form. `onSubmit()` returns a promise: resolved closes, rejected shows the error. */
  F.dialog = function (title, nodes, options) {
    var error = el('div', { className: 'dialog-error', 'aria-live': 'assertive' });
    var submit = el('button', { type: 'submit', className: 'btn primary', id: 'dialog-submit', text: options.submitText || MPP.t('save') });
    if (options.danger) submit.className = 'btn danger';
    var cancel = el('button', { type: 'button', className: 'btn', id: 'dialog-cancel', text: MPP.t('cancel'), onclick: close });
    var form = el('form', { className: 'form-grid', autocomplete: 'off' }, [el('h2', { id: 'dialog-title', text: title })].concat(nodes, [error, el('div', { className: 'actions' }, [cancel, submit])]));
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      submit.disabled = true;
      Promise.resolve().then(options.onSubmit).then(function () {
        close();
      }, function (e) {
        submit.disabled = false;
        if (e && e.status === 401) return MPP.toLogin();
        F.result(error, (e && e.message) || String(e), true, e && e.details);
      });
    });
    function close() {
      overlay.hidden = true;
      MPP.clear(box);
      document.removeEventListener('keydown', onKey);
    }
    function onKey(event) {
      if (event.key === 'Escape') close();
    }
    MPP.clear(box).appendChild(form);
    overlay.hidden = false;
    document.addEventListener('keydown', onKey);
    var first = form.querySelector('input, select, textarea');
    if (first) first.focus();
    return { close: close, form: form };
  };

  F.table = function (columns, rows, rowAttrs) {
    return el('table', null, [
      el('thead', null, [el('tr', null, columns.map(function (c) {
        return el('th', { className: c.num ? 'num' : null, text: c.title });
      }))]),
      el('tbody', null, rows.map(function (row) {
        return el('tr', rowAttrs ? rowAttrs(row) : null, columns.map(function (c) {
          var v = c.cell(row);
          if (v === null || v === undefined) v = '–';
          return el('td', { className: c.num ? 'num' : null }, Array.isArray(v) ? v : [typeof v === 'string' ? v : v.nodeType ? v : String(v)]);
        }));
      })),
    ]);
  };

  /* Copy text: the clipboard API needs a secure context, which a LAN appliance over http is not. */
  F.copy = function (text, source) {
    function fallback() {
      var range = document.createRange();
      range.selectNodeContents(source);
      var sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      var ok = false;
      try {
        ok = document.execCommand('copy');
      } catch (e) {
        ok = false;
      }
      MPP.toast(ok ? MPP.t('copied') : MPP.t('copy_manually'), ok ? 'ok' : 'info');
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () {
        MPP.toast(MPP.t('copied'), 'ok');
      }, fallback);
    } else {
      fallback();
    }
  };
})();
