/* The kiosk's "Sudah booking?" check-in (SPEC §8).

   One focused field takes either what a USB QR scanner types (a keyboard wedge: the signed
   token, fast, then Enter) or the 9-character code a citizen types (shown grouped ABC-DEF-GHJ;
   case and dashes do not matter: the server reads it with codes.normalise). Enter or "Check-in"
   sends it to POST /api/v1/bookings/check-in. The answer is the walk-in's own issued screen
   (kiosk.js: printed, spoken) with a line about the slot: called first inside its window, or a
   plain sentence why it queues as a walk-in outside it. A refusal says in plain words what is
   wrong and what to do next. Everything lives in kiosk.js's dialog, so the idle reset and the
   lock apply unchanged; a scan landing in the search field, or typed while nothing has the
   focus, is taken as a check-in too. */
(function () {
  'use strict';
  var el = MPP.el;
  var kiosk = MPP.kiosk;
  var entry = document.getElementById('booking-open');
  var search = document.getElementById('search');
  var TOKEN_PREFIX = 'B1.';
  var CODE_LENGTH = 9;
  var busy = false;
  /* Each refusal of the check-in: a plain lead and what to do next. */
  var REFUSALS = {
    unknown_booking: ['checkin_unknown', 'checkin_unknown_next'],
    bad_signature: ['checkin_bad_signature', 'checkin_bad_signature_next'],
    already_checked_in: ['checkin_already', 'checkin_already_next'],
    wrong_site: ['checkin_wrong_site', 'checkin_wrong_site_next'],
    wrong_day: ['checkin_wrong_day', 'checkin_wrong_day_next'],
    cancelled: ['checkin_cancelled', 'checkin_cancelled_next'],
    bad_code: ['checkin_bad_code', 'checkin_bad_code_next'],
  };

  if (!kiosk || !entry) return;

  function isToken(text) {
    return text.slice(0, TOKEN_PREFIX.length).toUpperCase() === TOKEN_PREFIX;
  }

  /* A typed code as it is printed: ABC-DEF-GHJ (upper case, groups of three). A token is left
     as the scanner typed it (its signature is case-sensitive). */
  function grouped(text) {
    if (isToken(text)) return text;
    var raw = text.toUpperCase().replace(/[^0-9A-Z]/g, '');
    if (raw.length > CODE_LENGTH) return text.toUpperCase();
    return (raw.match(/.{1,3}/g) || []).join('-');
  }

  function clockTime(hhmm) {
    return MPP.lang === 'id' ? String(hhmm).replace(':', '.') : String(hhmm);
  }

  function open() {
    var field = el('input', {
      type: 'text',
      id: 'checkin-code',
      className: 'checkin-code',
      autocomplete: 'off',
      autocapitalize: 'characters',
      spellcheck: 'false',
      maxlength: 600,
      'aria-describedby': 'checkin-help',
    });
    var keyboard = el('div', { id: 'checkin-keyboard', className: 'keyboard', hidden: true });
    var toggle = el('button', {
      type: 'button',
      className: 'btn big',
      id: 'checkin-keyboard-toggle',
      'aria-controls': 'checkin-keyboard',
      'aria-expanded': 'false',
      text: MPP.t('kiosk_keyboard'),
      onclick: function () {
        var shown = toggle.getAttribute('aria-expanded') !== 'true';
        toggle.setAttribute('aria-expanded', String(shown));
        keyboard.hidden = !shown;
        field.focus();
      },
    });
    var send = el('button', { type: 'button', className: 'btn primary big', id: 'checkin-submit', text: MPP.t('checkin_submit'), onclick: function () {
      submit(field.value);
    } });
    var back = el('button', { type: 'button', className: 'btn big', id: 'checkin-back', text: MPP.t('back_button'), onclick: kiosk.close });
    MPP.keyboard(keyboard, field);
    field.addEventListener('input', function () {
      var shown = grouped(field.value);
      if (shown !== field.value) field.value = shown;
      field.focus(); // after an on-screen key too: a scan that follows must land here
    });
    field.addEventListener('keydown', function (event) {
      if (event.key === 'Enter') {
        event.preventDefault();
        submit(field.value);
      }
    });
    kiosk.show([
      el('p', { className: 'lead', id: 'dialog-lead', text: MPP.t('checkin_title') }),
      el('p', { className: 'checkin-help', id: 'checkin-help', text: MPP.t('checkin_help') }),
      el('label', { className: 'checkin-label', 'for': 'checkin-code', text: MPP.t('checkin_field') }),
      field,
      el('div', { className: 'actions' }, [back, toggle, send]),
      keyboard,
    ], 'checkin');
    field.focus();
  }

  function submit(typed) {
    var text = String(typed || '').trim();
    if (busy || !text) return;
    busy = true;
    var body = isToken(text) ? { token: text } : { code: text };
    kiosk.show([el('p', { className: 'lead', id: 'dialog-lead', text: MPP.t('checkin_checking') })]);
    MPP.api('POST', '/api/v1/bookings/check-in', body)
      .then(checkedIn, refused)
      .then(function () {
        busy = false;
        kiosk.refresh();
      });
  }

  /* The number, and why it is called when it is: first inside the slot's window, otherwise as
     a walk-in, with the server's sentence saying whether the citizen came early or late. */
  function checkedIn(ticket) {
    var slot = ticket.booking || {};
    var text = ticket.in_window || !ticket.note
      ? MPP.t('checkin_in_window', { start: clockTime(slot.slot_start || ''), end: clockTime(slot.slot_end || '') })
      : ticket.note.message;
    kiosk.issued(ticket, el('div', { className: 'booking-slot' }, [
      el('p', { className: 'booking-badge', text: MPP.t('checkin_badge') }),
      el('p', { className: 'booking-note' + (ticket.in_window ? ' in-window' : ' walk-in'), id: 'booking-note', text: text }),
    ]));
  }

  function refused(error) {
    var words = REFUSALS[error.code];
    if (!words) {
      kiosk.refused(error);
      return;
    }
    var again = el('button', { type: 'button', className: 'btn primary big', id: 'checkin-again', text: MPP.t('checkin_again'), onclick: function () {
      open();
    } });
    var back = el('button', { type: 'button', className: 'btn big', id: 'checkin-done', onclick: kiosk.close });
    kiosk.show([
      el('p', { className: 'lead', id: 'dialog-lead', text: MPP.t(words[0]) }),
      el('p', { className: 'alert bad', id: 'refusal', 'data-code': error.code, text: error.message }),
      el('p', { className: 'checkin-next', id: 'checkin-next', text: MPP.t(words[1]) }),
      el('div', { className: 'actions' }, [back, again]),
    ], 'error');
    kiosk.countdown(back, MPP.t('back_button'));
  }

  /* Closed by hand, by its countdown or by the kiosk's idle reset: what was typed or scanned
     goes with it, so nothing of one citizen's booking stays in the page for the next. */
  var overlay = document.getElementById('overlay');
  new MutationObserver(function () {
    var dialog = document.getElementById('dialog');
    if (overlay.hidden && document.getElementById('checkin-code')) MPP.clear(dialog);
  }).observe(overlay, { attributes: true, attributeFilter: ['hidden'] });

  entry.addEventListener('click', function () {
    open();
  });
  /* A QR scanned while nothing has the focus (the citizen did not touch "Sudah booking?"): the
     first character opens the check-in and lands in its field with the rest. */
  document.addEventListener('keydown', function (event) {
    if (!overlay.hidden || event.key.length !== 1 || event.ctrlKey || event.altKey || event.metaKey) return;
    var active = document.activeElement;
    if (active && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName)) return;
    if (!document.getElementById('closed').hidden) return;
    open();
  }, true);
  /* A QR scanned while the search field has the focus: the token and its Enter land there. */
  search.addEventListener('keydown', function (event) {
    if (event.key === 'Enter' && isToken(search.value.trim())) {
      event.preventDefault();
      var token = search.value.trim();
      search.value = '';
      search.dispatchEvent(new Event('input', { bubbles: true }));
      open();
      submit(token);
    }
  });
})();
