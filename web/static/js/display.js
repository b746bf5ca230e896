/* The TV board. The stream is only a doorbell; the board is fetched `since` the last call we
   announced, so a lost event or a reconnect can neither skip nor repeat an announcement.
   Each call's WAV is fetched once and played in order, one after another.
   Long lists (lokets, services waiting) are shown a page at a time and turn every PAGE_MS, so
   every row is shown whole, in letters sized for 5 m (docs/web.md, "The display board"). */
(function () {
  'use strict';
  var el = MPP.el;
  var SEQ_KEY = 'mpp_board_announced';
  // Rows that fit at the board's letter size; one fewer of each while the running text shows.
  var RECENT = 2;
  var LOKETS_PER_PAGE = 6;
  var WAITING_PER_PAGE = 6;
  var PAGE_MS = 8000;
  var STALL_MS = 30000;

  var announced = readPlayed(); // highest seq queued for announcement in this page
  var queue = [];
  var playing = null;
  var blocked = false;
  var player = new Audio();
  var hint = document.getElementById('sound-hint');
  var stallTimer = null;
  var last = null; // the last board fetched
  var turn = 0; // how many times the pages have turned
  var siteClock = null; // {skewMs, offsetMin}: the site's time is Date.now() + skew, at offset

  /* The site's time, from the server's `now` (ISO with the site's offset): neither the TV's zone
     nor its clock matter, and the board shows what the receipts print. */
  function setSiteClock(iso) {
    var m = /([+-])(\d\d):(\d\d)$/.exec(iso || '');
    var at = Date.parse(iso || '');
    if (!m || isNaN(at)) return;
    var offset = (m[1] === '-' ? -1 : 1) * (parseInt(m[2], 10) * 60 + parseInt(m[3], 10));
    siteClock = { skewMs: at - Date.now(), offsetMin: offset };
    tickClock();
  }

  function siteNow() {
    // A Date whose UTC fields read as the site's wall clock.
    return new Date(Date.now() + siteClock.skewMs + siteClock.offsetMin * 60000);
  }

  function tickClock() {
    if (!siteClock) return;
    var d = siteNow();
    document.getElementById('clock').textContent = MPP.pad(d.getUTCHours()) + ':' + MPP.pad(d.getUTCMinutes());
    var days = MPP.t('weekdays').split(',');
    var months = MPP.t('months').split(',');
    document.getElementById('date').textContent =
      days[d.getUTCDay()] + ', ' + d.getUTCDate() + ' ' + months[d.getUTCMonth()] + ' ' + d.getUTCFullYear();
  }
  setInterval(tickClock, 1000);

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
    last = board;
    if (board.site_name) document.getElementById('site-name').textContent = board.site_name;
    setSiteClock(board.now);
    var closed = !!board.closed && playing === null && !queue.length;
    var root = document.getElementById('board');
    root.setAttribute('data-state', closed ? 'closed' : board.current ? 'calling' : 'idle');
    document.getElementById('now').hidden = closed;
    document.getElementById('closed').hidden = !closed;
    if (closed) showClosed(board.opening || {});
    else if (playing === null) showNow(board.current);
    renderTicker(board.message || '');
    renderRecent(board.recent);
    renderPages();
  }

  /* The admin's running text: one line scrolling at a reading pace (about 8 characters a
     second), or a still line for viewers who asked for less motion (CSS). */
  function renderTicker(message) {
    var ticker = document.getElementById('ticker');
    var text = document.getElementById('ticker-text');
    ticker.hidden = !message;
    if (text.textContent === message) return;
    text.textContent = message;
    text.style.setProperty('--ticker-s', Math.max(15, Math.round(message.length / 8) + 10) + 's');
  }

  function ticking() {
    return !!(last && last.message);
  }

  function showClosed(opening) {
    var title = opening.reason === 'before_opening' ? 'board_before_opening' : 'board_closed';
    document.getElementById('closed-title').textContent = MPP.t(title);
    document.getElementById('closed-hours').textContent =
      opening.opens && opening.closes ? MPP.t('board_hours', { opens: opening.opens, closes: opening.closes }) : '';
  }

  /* The latest calls, each number once: a recall is marked as one, not shown as a second row. */
  function renderRecent(calls) {
    var seen = {};
    var list = MPP.clear(document.getElementById('recent'));
    calls
      .filter(function (c) {
        if (seen[c.number]) return false;
        seen[c.number] = true;
        return true;
      })
      .slice(0, ticking() ? RECENT - 1 : RECENT)
      .forEach(function (c) {
        list.appendChild(el('li', { className: c.recall ? 'is-recall' : null }, [
          el('span', { className: 'n ticket-font', text: c.number }),
          c.recall ? el('span', { className: 'recall-tag', text: MPP.t('board_recall') }) : null,
          el('span', { className: 'c', text: c.counter_name }),
        ]));
      });
  }

  /* Page `turn` of `items`, `size` at a time; writes "2/5" into `label` when there is more than one. */
  function page(items, size, label) {
    var pages = Math.max(1, Math.ceil(items.length / size));
    var at = turn % pages;
    document.getElementById(label).textContent = pages > 1 ? MPP.t('board_page', { n: at + 1, of: pages }) : '';
    return items.slice(at * size, at * size + size);
  }

  function renderPages() {
    if (!last) return;
    // Lokets with something to show: a number at it, a next number, or a pause.
    var lokets = (last.lokets || []).filter(function (l) {
      return l.serving || l.next || l.paused;
    });
    var body = MPP.clear(document.getElementById('lokets'));
    if (!lokets.length) {
      body.appendChild(el('tr', null, [el('td', { colspan: '3', className: 'empty', text: MPP.t('board_no_lokets') })]));
    }
    page(lokets, ticking() ? LOKETS_PER_PAGE - 1 : LOKETS_PER_PAGE, 'lokets-page').forEach(function (l) {
      body.appendChild(el('tr', { className: l.paused ? 'is-paused' : null }, [
        el('th', { scope: 'row', text: l.name }),
        l.paused && !l.serving
          ? el('td', { className: 'paused', colspan: '2', text: MPP.t('board_paused') })
          : el('td', { className: 'n ticket-font', text: l.serving || '–' }),
        l.paused && !l.serving ? null : el('td', { className: 'n next ticket-font', text: l.paused ? MPP.t('board_paused') : l.next || '–' }),
      ]));
    });

    var waiting = last.waiting
      .filter(function (w) {
        return w.waiting > 0;
      })
      .sort(function (a, b) {
        return b.waiting - a.waiting || (a.prefix + a.service_name).localeCompare(b.prefix + b.service_name);
      });
    var box = MPP.clear(document.getElementById('waiting'));
    if (!waiting.length) box.appendChild(el('span', { className: 'w none', text: MPP.t('board_no_waiting') }));
    page(waiting, WAITING_PER_PAGE, 'waiting-page').forEach(function (w) {
      box.appendChild(el('span', { className: 'w' }, [
        w.prefix ? el('span', { className: 'p ticket-font', text: w.prefix }) : null,
        el('span', { className: 's', text: w.service_name }),
        el('b', { text: String(w.waiting) }),
      ]));
    });
  }

  function turnPages() {
    turn += 1;
    renderPages();
  }
  setInterval(turnPages, PAGE_MS);

  function showNow(call) {
    document.getElementById('now-number').textContent = call ? call.number : '—';
    document.getElementById('now-counter').textContent = call ? call.counter_name : '\u00a0';
    document.getElementById('now-service').textContent = call ? call.service_name : '';
    document.getElementById('now-recall').hidden = !(call && call.recall);
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
    document.getElementById('now').hidden = false;
    document.getElementById('closed').hidden = true;
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
          hint.focus(); // a remote's OK or a keyboard's Enter presses it
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

  /* Unblocking must happen inside a user gesture: a tap, or a key (a TV remote's OK sends Enter). */
  function unblock() {
    blocked = false;
    hint.hidden = true;
    if (queue.length && queue[0].blob) {
      playing = queue[0];
      start(playing);
    } else if (queue.length) {
      playNext();
    } else {
      player.src = hint.getAttribute('data-chime'); // a short sound says "audio works now"
      player.play().catch(function () {});
    }
  }
  hint.addEventListener('click', unblock);
  document.addEventListener('keydown', function (event) {
    if (hint.hidden || event.target === hint) return; // the button's own Enter is a click
    event.preventDefault();
    unblock();
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
    turn: turnPages, // for tests: turn the pages now instead of waiting PAGE_MS
    announced: function () {
      return announced;
    },
    pending: function () {
      return queue.length;
    },
  };
})();
