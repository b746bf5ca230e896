/* Central login: JSON to the auth API, then back to the page that asked. */
(function () {
  'use strict';
  var form = document.getElementById('login');
  var error = document.getElementById('error');
  var W = window.centralWords;
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/v1/auth/login');
    xhr.setRequestHeader('Content-Type', 'application/json');
    xhr.onload = function () {
      if (xhr.status === 200) {
        window.location.href = form.getAttribute('data-next') || '/dashboard';
        return;
      }
      // The page's own words for what a person gets wrong; the server's for anything else.
      var message = W.t('login_failed', {status: xhr.status});
      if (xhr.status === 401) {
        message = W.t('wrong_password');
      } else if (xhr.status === 429) {
        message = W.t('too_many_tries');
      } else {
        try { message = JSON.parse(xhr.responseText).error.message; } catch (e) { /* keep */ }
      }
      error.textContent = message;
      error.hidden = false;
    };
    xhr.onerror = function () {
      error.textContent = W.t('unreachable');
      error.hidden = false;
    };
    xhr.send(JSON.stringify({
      username: document.getElementById('username').value,
      password: document.getElementById('password').value
    }));
  });
})();
