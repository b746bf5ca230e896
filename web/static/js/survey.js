/* SKM survey: a citizen's phone (/survey/<token>) or a tablet fixed at a counter
   (/survey?counter=L02). The questions are in the page; this only collects and sends them. */
(function () {
  'use strict';
  var head = document.getElementById('survey-head');
  var mode = head.getAttribute('data-mode');
  var counter = head.getAttribute('data-counter');
  var token = head.getAttribute('data-token');
  var form = document.getElementById('survey-form');
  var done = document.getElementById('survey-done');
  var errorBox = document.getElementById('survey-error');
  var submit = document.getElementById('survey-submit');
  var TOKEN_KEY = 'mpp.survey.token';
  var POLL_MS = 3000;
  var IDLE_MS = 3 * 60 * 1000; // an abandoned form on a tablet goes back to waiting
  var THANKS_MS = 8000;
  var idleTimer = null;
  var pollTimer = null;

  function questions() {
    return Array.prototype.slice.call(form.querySelectorAll('fieldset.question'));
  }

  function answers() {
    var out = {};
    var missing = [];
    questions().forEach(function (fs) {
      var code = fs.getAttribute('data-element');
      var picked = fs.querySelector('input[type=radio]:checked');
      fs.querySelector('.missing').hidden = !!picked;
      fs.classList.toggle('is-missing', !picked);
      if (picked) out[code] = parseInt(picked.value, 10);
      else missing.push(fs);
    });
    return { values: out, missing: missing };
  }

  function respondent() {
    var out = {};
    Array.prototype.forEach.call(form.querySelectorAll('[data-profile]'), function (input) {
      if (input.hidden) return;
      var value = (input.value || '').trim();
      if (value) out[input.getAttribute('data-profile')] = value;
    });
    var hour = new Date().getHours();
    if (hour >= 8 && hour < 12) out.jam_survei = 'PAGI';
    else if (hour >= 13 && hour < 17) out.jam_survei = 'SIANG';
    return out;
  }

  /* "Lainnya (sebutkan)": its text box shows only with that option. */
  Array.prototype.forEach.call(form.querySelectorAll('[data-with]'), function (input) {
    var pair = input.getAttribute('data-with').split('=');
    var select = document.getElementById('p-' + pair[0]);
    function sync() {
      input.hidden = select.value !== pair[1];
    }
    select.addEventListener('change', sync);
    sync();
  });

  form.addEventListener('change', function (event) {
    var fs = event.target.closest && event.target.closest('fieldset.question');
    if (fs && event.target.checked) {
      fs.querySelector('.missing').hidden = true;
      fs.classList.remove('is-missing');
      fs.classList.add('is-answered');
      // The "n questions left" message follows the answers: fewer left, then gone.
      if (!errorBox.hidden && errorBox.getAttribute('data-kind') === 'missing') {
        var left = questions().filter(function (q) {
          return !q.querySelector('input[type=radio]:checked');
        }).length;
        if (left) showError(MPP.t('survey_missing', { n: left }), 'missing');
        else showError('');
      }
    }
    touch();
  });

  function showError(message, kind) {
    errorBox.textContent = message;
    errorBox.hidden = !message;
    errorBox.setAttribute('data-kind', kind || '');
  }

  function finished(message) {
    form.hidden = true;
    done.hidden = false;
    if (message) document.getElementById('survey-done-text').textContent = message;
    window.scrollTo(0, 0);
    if (mode === 'counter') {
      clearTimeout(idleTimer);
      setTimeout(waitForNext, THANKS_MS);
    }
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var got = answers();
    if (got.missing.length) {
      showError(MPP.t('survey_missing', { n: got.missing.length }), 'missing');
      got.missing[0].scrollIntoView({ behavior: 'smooth', block: 'center' });
      return;
    }
    showError('');
    submit.disabled = true;
    MPP.api('POST', '/api/v1/surveys', { status_token: token, answers: got.values, respondent: respondent() }).then(
      function () {
        finished(null);
      },
      function (e) {
        submit.disabled = false;
        if (e.status === 409) finished(e.code === 'already_submitted' ? MPP.t('survey_already') : e.message);
        else showError(e.message);
      }
    );
  });

  /* ---- counter tablet ---- */
  function adoptToken() {
    var params = new URLSearchParams(location.search);
    var given = params.get('token');
    try {
      if (given) {
        localStorage.setItem(TOKEN_KEY, given);
        params.delete('token');
        history.replaceState(null, '', location.pathname + '?' + params.toString());
      }
      MPP.bearer = localStorage.getItem(TOKEN_KEY);
    } catch (e) {
      MPP.bearer = given || null;
    }
  }

  function touch() {
    if (mode !== 'counter') return;
    clearTimeout(idleTimer);
    idleTimer = setTimeout(waitForNext, IDLE_MS);
  }

  function resetForm() {
    form.reset();
    questions().forEach(function (fs) {
      fs.classList.remove('is-missing', 'is-answered');
      fs.querySelector('.missing').hidden = true;
    });
    document.getElementById('profile').open = false;
    showError('');
    submit.disabled = false;
  }

  function waitForNext() {
    token = '';
    resetForm();
    form.hidden = true;
    done.hidden = true;
    document.getElementById('survey-wait').hidden = false;
    document.getElementById('survey-number').textContent = '';
    document.getElementById('survey-service').textContent = '';
    poll();
  }

  function offer(ticket) {
    token = ticket.status_token;
    document.getElementById('survey-number').textContent = ticket.number;
    document.getElementById('survey-service').textContent = ticket.service_name;
    document.getElementById('survey-wait').hidden = true;
    done.hidden = true;
    form.hidden = false;
    window.scrollTo(0, 0);
    touch();
  }

  function poll() {
    clearTimeout(pollTimer);
    if (token) return;
    MPP.api('GET', '/api/v1/surveys/awaiting?counter=' + encodeURIComponent(counter)).then(
      function (data) {
        document.getElementById('wait-error').hidden = true;
        if (data.counter_name) document.getElementById('survey-counter').textContent = data.counter_name;
        if (data.ticket) offer(data.ticket);
        else pollTimer = setTimeout(poll, POLL_MS);
      },
      function (e) {
        var box = document.getElementById('wait-error');
        box.hidden = false;
        if (e.status === 401 || e.status === 403) {
          box.textContent = MPP.t('survey_tablet_setup', { counter: counter });
          pollTimer = setTimeout(poll, POLL_MS * 10);
        } else {
          box.textContent = e.message;
          pollTimer = setTimeout(poll, POLL_MS * 2);
        }
      }
    );
  }

  if (mode === 'counter') {
    adoptToken();
    poll();
  }
})();
