/* The kiosk's search and on-screen keyboard (kiosk.js uses both).

   A citizen types as they speak: "pasport", "bikin ktp", "surat pindah". Search forgives one
   typo per short word (two in a long one), ignores the common words of a request, and ranks a
   whole-word match above the start of a word, a typo, and last a piece of a word ("ktp" inside
   BPJS's "FKTP"), so the service meant comes first. Aliases from the catalogue count as words of
   the service's name. */
(function () {
  'use strict';

  /* Words that say "I want a service", not which one; dropped unless nothing else is typed. */
  var COMMON = ['surat', 'layanan', 'pelayanan', 'pembuatan', 'buat', 'bikin', 'membuat', 'urus',
    'mengurus', 'pengurusan', 'permohonan', 'mau', 'ingin', 'saya', 'yang', 'dan', 'di', 'ke',
    'untuk', 'dengan', 'atau', 'the', 'a', 'an', 'of', 'for', 'to', 'and', 'make', 'new', 'baru'];
  var WHOLE = 4;
  var START = 3;
  var TYPO = 2;
  var INSIDE = 1;

  /* Edit distance with swaps ("pasprot"), giving up beyond `limit`. */
  function distance(a, b, limit) {
    if (Math.abs(a.length - b.length) > limit) return limit + 1;
    var prev2 = null;
    var prev = [];
    var i;
    var j;
    for (j = 0; j <= b.length; j++) prev.push(j);
    for (i = 1; i <= a.length; i++) {
      var row = [i];
      var best = i;
      for (j = 1; j <= b.length; j++) {
        var cost = a[i - 1] === b[j - 1] ? 0 : 1;
        var value = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost);
        if (prev2 && i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
          value = Math.min(value, prev2[j - 2] + 1);
        }
        row.push(value);
        if (value < best) best = value;
      }
      if (best > limit) return limit + 1;
      prev2 = prev;
      prev = row;
    }
    return prev[b.length];
  }

  function allowed(word) {
    if (word.length < 4) return 0;
    return word.length < 7 ? 1 : 2;
  }

  /* How well one typed word matches one of the service's words (0: not at all). */
  function wordScore(typed, words) {
    var best = 0;
    var typos = allowed(typed);
    for (var i = 0; i < words.length && best < WHOLE; i++) {
      var w = words[i];
      if (w === typed) best = WHOLE;
      else if (w.indexOf(typed) === 0) best = Math.max(best, START);
      else if (typos && (distance(typed, w, typos) <= typos ||
          (w.length > typed.length && distance(typed, w.slice(0, typed.length), 1) <= 1))) {
        best = Math.max(best, TYPO);
      } else if (typed.length >= 3 && w.indexOf(typed) > 0) best = Math.max(best, INSIDE);
    }
    return best;
  }

  function terms(query) {
    var words = MPP.fold(query).split(' ').filter(Boolean);
    var kept = words.filter(function (w) {
      return COMMON.indexOf(w) < 0;
    });
    return kept.length ? kept : words;
  }

  MPP.kioskSearch = {
    /* The words a service is found by: its name, aliases, agency's names, code and prefix. */
    words: function (s) {
      var text = [s.name, s.code, s.agencyName, s.agencyShort || '', s.prefix].concat(s.aliases || []);
      return MPP.fold(text.join(' ')).split(' ').filter(Boolean);
    },
    /* The services every typed word matches, best first (ties keep the catalogue's order). */
    find: function (services, query) {
      var typed = terms(query);
      if (!typed.length) return [];
      var scored = [];
      services.forEach(function (s, position) {
        var total = 0;
        for (var i = 0; i < typed.length; i++) {
          var score = wordScore(typed[i], s.words);
          if (!score) return;
          total += score;
        }
        scored.push({ s: s, score: total, position: position });
      });
      scored.sort(function (a, b) {
        return b.score - a.score || a.position - b.position;
      });
      return scored.map(function (x) {
        return x.s;
      });
    },
  };

  var ROWS = ['1234567890', 'qwertyuiop', 'asdfghjkl', 'zxcvbnm'];

  /* An on-screen keyboard in `box` typing into `input` (for a kiosk without a physical one);
     each key is a 44 px+ button; typing fires the input's own `input` event. */
  MPP.keyboard = function (box, input) {
    var el = MPP.el;
    function type(change) {
      input.value = change(input.value);
      input.dispatchEvent(new Event('input', { bubbles: true }));
    }
    ROWS.forEach(function (row) {
      box.appendChild(el('div', { className: 'keys' }, row.split('').map(function (ch) {
        return el('button', { type: 'button', className: 'key', 'data-key': ch, text: ch.toUpperCase(), onclick: function () {
          type(function (v) {
            return v + ch;
          });
        } });
      })));
    });
    box.appendChild(el('div', { className: 'keys' }, [
      el('button', { type: 'button', className: 'key wide', 'data-key': 'space', text: MPP.t('kiosk_key_space'), onclick: function () {
        type(function (v) {
          return v + ' ';
        });
      } }),
      el('button', { type: 'button', className: 'key wide', 'data-key': 'back', text: '⌫ ' + MPP.t('kiosk_key_back'), onclick: function () {
        type(function (v) {
          return v.slice(0, -1);
        });
      } }),
      el('button', { type: 'button', className: 'key wide', 'data-key': 'clear', text: MPP.t('kiosk_key_clear'), onclick: function () {
        type(function () {
          return '';
        });
      } }),
    ]));
  };
})();
