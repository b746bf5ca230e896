/* Login: POST /api/v1/auth/login, then back to the page that sent us here. */
(function () {
  'use strict';
  var form = document.getElementById('login-form');
  var error = document.getElementById('login-error');
  var submit = document.getElementById('login-submit');

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    error.hidden = true;
    submit.disabled = true;
    MPP.api('POST', '/api/v1/auth/login', {
      username: form.username.value.trim(),
      password: form.password.value,
    })
      .then(function () {
        location.replace(form.getAttribute('data-next') || '/home');
      })
      .catch(function (e) {
        error.textContent =
          e.status === 401 ? MPP.t('login_failed') : e.status === 429 ? MPP.t('login_slow') : e.message;
        error.hidden = false;
        form.password.value = '';
        form.password.focus();
      })
      .then(function () {
        submit.disabled = false;
      });
  });
})();
