/* Admin: the running text under every display board (PUT /api/v1/board/message). */
(function () {
  'use strict';
  var form = document.getElementById('board-message-form');
  if (!form) return;
  var input = document.getElementById('board-message');
  var result = document.getElementById('board-message-result');

  MPP.api('GET', '/api/v1/board').then(function (board) {
    input.value = board.message || '';
  }, function () {});

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    MPP.api('PUT', '/api/v1/board/message', { text: input.value }).then(
      function (answer) {
        input.value = answer.text;
        result.textContent = answer.text ? MPP.t('board_message_saved') : MPP.t('board_message_removed');
        result.className = 'small';
      },
      function (e) {
        result.textContent = e.message;
        result.className = 'error-text';
      }
    );
  });
})();
