/* Central dashboard, SKM section: asks /api/v1/central/reports/skm for the chosen period and
   site and draws the figures (text only, never HTML); CSV and PDF links carry the same query. */
(function () {
  'use strict';
  var form = document.getElementById('skm-form');
  var error = document.getElementById('skm-error');
  var result = document.getElementById('skm-result');
  var W = window.centralWords;

  function value(v) { return v === null || v === undefined ? '–' : String(v); }
  // Decimals as the page's language writes them: "84,09" (English "84.09").
  function comma(v) {
    if (v === null || v === undefined) return '–';
    return W.lang === 'en' ? String(v) : String(v).replace('.', ',');
  }
  function text(id, v) { document.getElementById(id).textContent = v; }

  function rows(tableId, list) {
    var body = document.querySelector('#' + tableId + ' tbody');
    while (body.firstChild) body.removeChild(body.firstChild);
    list.forEach(function (cells) {
      var tr = document.createElement('tr');
      cells.forEach(function (c) {
        var td = document.createElement('td');
        td.textContent = c;
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }

  function query() {
    var parts = [];
    ['from', 'to', 'site'].forEach(function (name) {
      var v = form.elements[name].value;
      if (v) parts.push(name + '=' + encodeURIComponent(v));
    });
    return parts.join('&');
  }

  function draw(r, q) {
    text('skm-ikm', comma(r.ikm));
    var grade = r.category && (W.lang === 'en' && r.category.label_en ? r.category.label_en : r.category.label);
    text('skm-category', r.category ? r.category.letter + ' (' + grade + ')' : '–');
    text('skm-respondents', value(r.respondents));
    text('skm-population', value(r.population));
    text('skm-minimum', value(r.minimum_sample));
    text('skm-met', W.t(r.sample_met ? 'sample_met' : 'sample_not_met'));
    rows('skm-sites', r.sites.map(function (s) {
      return [s.name + ' (' + s.site + ')', value(s.respondents), value(s.population),
        value(s.minimum_sample), W.t(s.sample_met ? 'yes' : 'no'), comma(s.ikm),
        s.category ? s.category.letter : '–'];
    }));
    rows('skm-elements', r.elements.map(function (e) {
      return [e.code, e.name, value(e.respondents), comma(e.nrr), comma(e.ikm)];
    }));
    var profile = [];
    r.profile.forEach(function (f) {
      f.options.forEach(function (o) { profile.push([f.label, o.label, String(o.count)]); });
      profile.push([f.label, W.t('not_answered'), String(f.not_answered)]);
    });
    rows('skm-profile', profile);
    document.getElementById('skm-csv').href = '/api/v1/central/reports/skm?' + q + '&format=csv';
    document.getElementById('skm-pdf').href = '/api/v1/central/reports/skm.pdf?' + q;
    result.hidden = false;
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var q = query();
    var xhr = new XMLHttpRequest();
    xhr.open('GET', '/api/v1/central/reports/skm?' + q);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.onload = function () {
      if (xhr.status === 401) {
        window.location.href = '/login?next=/dashboard';
        return;
      }
      var body = null;
      try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
      if (xhr.status === 200 && body) {
        error.hidden = true;
        draw(body, q);
      } else {
        error.textContent = (body && body.error && body.error.message) ||
          W.t('skm_answered', {status: xhr.status});
        error.hidden = false;
      }
    };
    xhr.onerror = function () {
      error.textContent = W.t('unreachable');
      error.hidden = false;
    };
    xhr.send();
  });
})();
