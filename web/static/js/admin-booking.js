/* Administration: bookings from home (SPEC §8). The site's booking settings (slot length, how
   many days ahead, how early and how late a booked citizen counts as on time) are saved through
   the whole catalogue like the opening hours (only `site.booking` changes; the catalogue check
   explains a refused value); each service's `booking_quota` is edited in its catalogue dialog
   (admin-catalogue.js), and the bookable ones are listed here. Below: the booking keys this box
   trusts (their id and since when), which central delivers with the site's configuration. */
(function () {
  'use strict';
  var el = MPP.el;
  var F = MPP.forms;
  var FIELDS = ['slot_minutes', 'horizon_days', 'early_minutes', 'late_minutes'];
  var DEFAULTS = { slot_minutes: 60, horizon_days: 14, early_minutes: 30, late_minutes: 15 };
  var form = document.getElementById('booking-form');
  var result = document.getElementById('booking-result');
  if (!form) return;

  function input(name) {
    return document.getElementById('booking-' + name);
  }

  /* Called by admin-catalogue.js each time it has read the catalogue. */
  MPP.bookingSettings = function (doc) {
    var settings = (doc.site && doc.site.booking) || DEFAULTS;
    FIELDS.forEach(function (name) {
      input(name).value = String(settings[name] === undefined ? DEFAULTS[name] : settings[name]);
    });
    var bookable = doc.services.filter(function (s) {
      return s.booking_quota > 0;
    });
    var box = MPP.clear(document.getElementById('booking-services'));
    if (!bookable.length) {
      box.appendChild(el('p', { className: 'muted', id: 'booking-none', text: MPP.t('booking_none') }));
      return;
    }
    box.appendChild(F.table([
      { title: MPP.t('col_code'), cell: function (s) {
        return [el('span', { className: 'prefix-tag', text: s.prefix }), ' ' + s.code];
      } },
      { title: MPP.t('col_name'), cell: function (s) {
        return s.name;
      } },
      { title: MPP.t('booking_quota'), num: true, cell: function (s) {
        return String(s.booking_quota);
      } },
    ], bookable, function (s) {
      return { 'data-bookable': s.code };
    }));
  };

  function number(text) {
    var n = Number(String(text).trim());
    return String(text).trim() === '' || isNaN(n) ? text : n; // the server explains a refusal
  }

  function loadKeys() {
    return MPP.api('GET', '/api/v1/admin/booking-keys').then(function (answer) {
      var box = MPP.clear(document.getElementById('booking-keys'));
      if (!answer.items.length) {
        box.appendChild(el('p', { className: 'alert warn', id: 'booking-no-keys', text: MPP.t('booking_no_keys') }));
        return;
      }
      box.appendChild(F.table([
        { title: MPP.t('booking_key_id'), cell: function (k) {
          return el('code', { text: k.kid });
        } },
        { title: MPP.t('booking_key_since'), cell: function (k) {
          return k.since ? MPP.dateTime(k.since) : '–';
        } },
      ], answer.items, function (k) {
        return { 'data-kid': k.kid };
      }));
    }, function (e) {
      F.error(document.getElementById('booking-keys'), e);
    });
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var button = document.getElementById('booking-save');
    var booking = {};
    FIELDS.forEach(function (name) {
      booking[name] = number(input(name).value);
    });
    button.disabled = true;
    // The newest document, so an edit made elsewhere meanwhile is not undone.
    MPP.api('GET', '/api/v1/admin/catalogue').then(function (latest) {
      latest.site.booking = booking;
      delete latest.version;
      return MPP.api('PUT', '/api/v1/admin/catalogue', latest);
    }).then(function (answer) {
      var text = MPP.t('booking_saved') + ' ' + MPP.t('catalogue_now_version', { n: answer.version });
      F.result(result, text, false);
      MPP.toast(text, 'ok');
      if (MPP.refreshDashboard) MPP.refreshDashboard();
    }).catch(function (e) {
      F.error(result, e);
    }).then(function () {
      button.disabled = false;
    });
  });

  /* The period report's bookings (admin-reports.js passes its table builder): the totals, then
     one row per day and service. Nothing booked in the period says so in one line. */
  var BOOKING_FIGURES = [['made', 'booking_made', 1], ['checked_in', 'booking_checked_in', 1], ['in_window', 'booking_in_window', 1], ['no_show', 'booking_no_show', 1], ['cancelled', 'booking_cancelled', 1]];
  MPP.drawBookings = function (figures, table) {
    var box = MPP.clear(document.getElementById('ops-bookings'));
    if (!figures || !figures.days || !figures.days.length) {
      box.appendChild(el('p', { className: 'muted', id: 'ops-bookings-none', text: MPP.t('booking_report_none') }));
      return;
    }
    var totals = el('div', { className: 'stats' });
    BOOKING_FIGURES.forEach(function (f) {
      totals.appendChild(el('div', { className: 'stat', 'data-booking-stat': f[0] }, [el('b', { text: String(figures.totals[f[0]]) }), MPP.t(f[1])]));
    });
    box.appendChild(totals);
    box.appendChild(table(figures.days, [['date', 'booking_date'], ['service_name', 'service']].concat(BOOKING_FIGURES)));
  };

  MPP.adminReady.then(function (me) {
    if (MPP.atLeast(me, 'admin')) loadKeys();
  }, function () {});
})();
