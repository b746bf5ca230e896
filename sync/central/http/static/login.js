/* Central login: JSON to the auth API, then back to the page that asked. */
(function () {
  'use strict';
  var form = document.getElementById('login');
  var error = document.getElementById('error');
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
      var message = 'Gagal masuk (' + xhr.status + ').';
      try { message = JSON.parse(xhr.responseText).error.message; } catch (e) { /* keep */ }
      error.textContent = message;
      error.hidden = false;
    };
    xhr.onerror = function () {
      error.textContent = 'Server pusat tidak terjangkau.';
      error.hidden = false;
    };
    xhr.send(JSON.stringify({
      username: document.getElementById('username').value,
      password: document.getElementById('password').value
    }));
  });
})();
