/* The TV board. The stream is only a doorbell; the board is fetched `since` the last call we
   announced, so a lost event or a reconnect can neither skip nor repeat an announcement.
   Each call's WAV is fetched once and played in order, one after another. */
(function () {
  'use strict';
  var el = MPP.el;
  var SEQ_KEY = 'mpp_board_announced';
  var RECENT = 7;
  var WAITING = 18;
  var STALL_MS = 30000;

  var announced = readPlayed(); // highest seq queued for announcement in this page
  var queue = [];
  var playing = null;
  var blocked = false;
  var player = new Audio();
  var hint = document.getElementById('sound-hint');
  var stallTimer = null;

  MPP.tickClock(document.getElementById('clock'));
  document.getElementById('date').textContent = MPP.today();
  setInterval(function () {
    document.getElementById('date').textContent = MPP.today();
  }, 60000);

  function readPlayed() {
    try {
      var raw = sessionStorage.getItem(SEQ_KEY);
      return raw === null ? null : parseInt(raw, 10);
    } catch (e) {
      return null;
    }
  }

  function markPlayed(seq) {
    try {
      var before = readPlayed();
      if (before === null || seq > before) sessionStorage.setItem(SEQ_KEY, String(seq));
    } catch (e) {
      /* no storage: memory alone still prevents repeats in this page */
    }
  }

  var fetchBoard = MPP.serial(function () {
    var url = '/api/v1/board' + (announced !== null ? '?since=' + encodeURIComponent(announced) : '');
    return MPP.api('GET', url).then(function (board) {
      render(board);
      if (announced === null) {
        // A board switched on now announces only what happens from now on.
        announced = board.version;
        markPlayed(announced);
        return;
      }
      // The calls after `since`, in the server's order (their seq).
      board.calls.forEach(function (call) {
        if (call.seq > announced) {
          announced = call.seq;
          queue.push(call);
        }
      });
      playNext();
    }, function () {
      setConn('offline');
    });
  });

  function render(board) {
    if (board.site_name) document.getElementById('site-name').textContent = board.site_name;
    if (playing === null) showNow(board.current);

    var recent = board.recent.slice(0, RECENT);
    var list = MPP.clear(document.getElementById('recent'));
    recent.forEach(function (c) {
      list.appendChild(el('li', null, [
        el('span', { className: 'n', text: c.number }),
        el('span', { className: 'c', text: c.counter_name }),
      ]));
    });

    // The longest queues, when there are more services waiting than the board has room for.
    var waiting = board.waiting
      .map(function (w) {
        return { label: (w.prefix ? w.prefix + ' · ' : '') + w.service_name, count: w.waiting };
      })
      .sort(function (a, b) {
        return b.count - a.count;
      })
      .slice(0, WAITING);
    var box = MPP.clear(document.getElementById('waiting'));
    if (!waiting.length) box.appendChild(el('span', { className: 'w', text: MPP.t('board_no_waiting') }));
    waiting.forEach(function (w) {
      box.appendChild(el('span', { className: 'w' }, [w.label, el('b', { text: String(w.count) })]));
    });
  }

  function showNow(call) {
    document.getElementById('now-number').textContent = call ? call.number : '—';
    document.getElementById('now-counter').textContent = call ? call.counter_name : '\u00a0';
    document.getElementById('now-service').textContent = call ? call.service_name : '';
  }

  function flash() {
    var now = document.getElementById('now');
    now.classList.remove('flash');
    void now.offsetWidth; // restart the animation
    now.classList.add('flash');
  }

  /* Play the head of the queue; a failed or stalled clip moves on so one bad file stops nothing. */
  function playNext() {
    if (playing || blocked || !queue.length) return;
    playing = queue[0];
    showNow(playing);
    flash();
    var call = playing;
    // Remembered as announced from the moment its sound is asked for: a reload mid-way must not
    // play it a second time (calls still queued behind it are not marked, so none is skipped).
    markPlayed(call.seq);
    var source = call.blob ? Promise.resolve(call.blob) : loadClip(call);
    source.then(function (blobUrl) {
      if (playing !== call) return;
      if (!blobUrl) return finish(call);
      call.blob = blobUrl;
      start(call);
    });
  }

  function loadClip(call) {
    return fetch(call.audio_url, { credentials: 'same-origin' })
      .then(function (response) {
        if (!response.ok) throw new Error('HTTP ' + response.status);
        return response.blob();
      })
      .then(function (blob) {
        return URL.createObjectURL(blob);
      })
      .catch(function () {
        return null;
      });
  }

  function start(call) {
    player.src = call.blob;
    clearTimeout(stallTimer);
    stallTimer = setTimeout(function () {
      finish(call);
    }, STALL_MS);
    var attempt = player.play();
    if (attempt && attempt.catch) {
      attempt.catch(function (error) {
        if (playing !== call) return;
        clearTimeout(stallTimer);
        if (error && error.name === 'NotAllowedError') {
          blocked = true;
          playing = null; // stays at the head of the queue until someone taps
          hint.hidden = false;
        } else {
          finish(call);
        }
      });
    }
  }

  function finish(call) {
    clearTimeout(stallTimer);
    if (playing !== call) return;
    if (call.blob) URL.revokeObjectURL(call.blob);
    call.blob = null;
    queue.shift();
    playing = null;
    playNext();
  }

  player.addEventListener('ended', function () {
    if (playing) finish(playing);
  });
  player.addEventListener('error', function () {
    if (playing) finish(playing);
  });

  hint.addEventListener('click', function () {
    blocked = false;
    hint.hidden = true;
    // Playing inside the tap is what unlocks audio for the rest of the session.
    if (queue.length && queue[0].blob) {
      playing = queue[0];
      start(playing);
    } else if (queue.length) {
      playNext();
    } else {
      player.src = hint.getAttribute('data-chime'); // a short sound says "audio works now"
      player.play().catch(function () {});
    }
  });

  function setConn(mode) {
    document.getElementById('conn').textContent = MPP.t('conn_' + mode);
  }

  fetchBoard();
  MPP.doorbell(function () {
    fetchBoard();
  }, { pollMs: 2000, onMode: setConn });
  setInterval(fetchBoard, 30000); // belt and braces: a doorbell that rang into the void
  window.MPPBoard = {
    announced: function () {
      return announced;
    },
    pending: function () {
      return queue.length;
    },
  };
})();
