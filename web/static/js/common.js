/* Shared helpers for every page: strings, the JSON API, login check, the live doorbell.
   Plain ES2017 without a build step so it runs on a cheap tablet and an old office PC. */
(function () {
  'use strict';
  var MPP = (window.MPP = {});
  var strings = {};
  try {
    strings = JSON.parse(document.getElementById('mpp-strings').textContent || '{}');
  } catch (e) {
    strings = {};
  }

  /* A string of the page's language; {name} placeholders are filled from vars. */
  MPP.t = function (key, vars) {
    var has = function (k) {
      return Object.prototype.hasOwnProperty.call(strings, k);
    };
    // English changes its noun for exactly one ("1 person"): such words have a `_one` form.
    if (vars && Number(vars.n) === 1 && has(key + '_one')) key += '_one';
    var text = has(key) ? strings[key] : key;
    if (vars) {
      text = text.replace(/\{(\w+)\}/g, function (whole, name) {
        return vars[name] !== undefined && vars[name] !== null ? String(vars[name]) : whole;
      });
    }
    return text;
  };

  MPP.lang = document.documentElement.lang || 'id';
  MPP.csrf = null;
  MPP.bearer = null; // a machine token (kiosk device), sent instead of the session

  /* Build an element without innerHTML, so data from the API can never become markup. */
  MPP.el = function (tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (key) {
        var value = attrs[key];
        if (value === null || value === undefined || value === false) return;
        if (key === 'text') node.textContent = value;
        else if (key === 'className') node.className = value;
        else if (key.slice(0, 2) === 'on') node.addEventListener(key.slice(2), value);
        else node.setAttribute(key, value === true ? '' : value);
      });
    }
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    });
    return node;
  };

  MPP.clear = function (node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  };

  MPP.$ = function (selector) {
    return document.querySelector(selector);
  };

  /* An API error carries the server's code and (Indonesian) message. */
  function ApiError(status, code, message, details) {
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.message = message;
    this.details = details;
  }
  ApiError.prototype = Object.create(Error.prototype);
  MPP.ApiError = ApiError;

  MPP.api = function (method, path, body) {
    var headers = { Accept: 'application/json' };
    var options = { method: method, headers: headers, credentials: 'same-origin', cache: 'no-store' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      options.body = JSON.stringify(body);
    }
    if (MPP.bearer) headers.Authorization = 'Bearer ' + MPP.bearer;
    else if (method !== 'GET' && MPP.csrf) headers['X-CSRF-Token'] = MPP.csrf;
    return fetch(path, options).then(
      function (response) {
        return response.text().then(function (text) {
          var data = null;
          try {
            data = text ? JSON.parse(text) : null;
          } catch (e) {
            data = null;
          }
          if (response.ok) return data;
          var error = (data && data.error) || {};
          throw new ApiError(
            response.status,
            error.code || 'http_' + response.status,
            error.message || MPP.t('error_generic', { status: response.status }),
            error.details || null
          );
        });
      },
      function () {
        throw new ApiError(0, 'offline', MPP.t('error_offline'));
      }
    );
  };

  var ROLES = ['kiosk', 'officer', 'supervisor', 'admin'];
  /* `who` is the body of /auth/me (or anything with its `role`). */
  MPP.atLeast = function (who, role) {
    return ROLES.indexOf(who.role) >= ROLES.indexOf(role);
  };

  MPP.toLogin = function () {
    var here = location.pathname + location.search;
    location.replace('/login?next=' + encodeURIComponent(here));
  };

  /* Staff pages: who is logged in? Resolves to the body of /auth/me (a session's carries the
     CSRF token; a bearer token's does not). Redirects to /login on 401 and explains a 403. */
  MPP.requireStaff = function (role) {
    return MPP.api('GET', '/api/v1/auth/me').then(
      function (me) {
        MPP.csrf = me.csrf_token || MPP.csrf;
        if (role && !MPP.atLeast(me, role)) {
          MPP.fatal(MPP.t('need_role', { role: MPP.t('role_' + role) }));
          throw new ApiError(403, 'forbidden', MPP.t('need_role', { role: role }));
        }
        MPP.showUser(me);
        return me;
      },
      function (error) {
        if (error.status === 401) MPP.toLogin();
        else MPP.fatal(error.message);
        throw error;
      }
    );
  };

  MPP.showUser = function (me) {
    var slot = document.getElementById('user');
    if (!slot) return;
    // Officers have a display name; a machine token has only its name.
    var name = me.display_name || me.name;
    MPP.clear(slot).appendChild(
      MPP.el('span', { className: 'who', text: name + ' · ' + MPP.t('role_' + me.role) })
    );
    slot.appendChild(
      MPP.el('button', {
        type: 'button',
        className: 'link',
        text: MPP.t('logout'),
        onclick: function () {
          MPP.api('POST', '/api/v1/auth/logout', {}).then(MPP.toLogin, MPP.toLogin);
        },
      })
    );
    if (me.kind !== 'officer') return; // a machine token has no sessions to end
    // Every session of this account, on every device (a lost phone, a password seen by others).
    slot.appendChild(
      MPP.el('button', {
        type: 'button',
        className: 'link',
        id: 'logout-everywhere',
        text: MPP.t('logout_everywhere'),
        onclick: function () {
          if (!window.confirm(MPP.t('logout_everywhere_confirm'))) return;
          MPP.api('POST', '/api/v1/auth/logout-everywhere', {}).then(MPP.toLogin, MPP.toLogin);
        },
      })
    );
  };

  /* A page a citizen must not leave: the kiosk stands locked in the hall, with no way to the
     staff menu (it keeps only its language switch, which stays on the kiosk). */
  MPP.locked = function () {
    return document.body.classList.contains('page-kiosk');
  };

  /* The page cannot work: say why. Staff get a way home; a locked page offers only to try
     again (a reload), never a link out. */
  MPP.fatal = function (message) {
    var main = document.getElementById('main');
    if (!main) return;
    var way = MPP.locked()
      ? MPP.el('button', {
          type: 'button',
          className: 'btn primary big',
          id: 'fatal-retry',
          text: MPP.t('try_again'),
          onclick: function () {
            location.reload();
          },
        })
      : MPP.el('a', { href: '/home', text: MPP.t('back_home') });
    MPP.clear(main).appendChild(
      MPP.el('div', { className: 'panel fatal', role: 'alert' }, [
        MPP.el('p', { text: message }),
        way,
      ])
    );
  };

  var toastTimer = null;
  MPP.toast = function (message, kind) {
    var box = document.getElementById('toast');
    if (!box) return;
    box.textContent = message;
    box.className = 'toast ' + (kind || 'info');
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () {
      box.hidden = true;
    }, kind === 'error' ? 6000 : 3000);
  };

  /* Times are shown as the appliance wrote them (the site's zone), not the browser's zone. */
  MPP.time = function (iso) {
    if (!iso) return '';
    var own = /T(\d\d):(\d\d)/.exec(String(iso));
    if (own) return own[1] + ':' + own[2];
    var d = new Date(iso);
    if (isNaN(d.getTime())) return '';
    return pad(d.getHours()) + ':' + pad(d.getMinutes());
  };

  MPP.dateTime = function (iso) {
    var m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)/.exec(String(iso || ''));
    return m ? m[3] + '-' + m[2] + '-' + m[1] + ' ' + m[4] + ':' + m[5] : String(iso || '');
  };

  function pad(n) {
    return (n < 10 ? '0' : '') + n;
  }
  MPP.pad = pad;

  MPP.minutes = function (value) {
    if (value === null || value === undefined) return '–';
    return MPP.t('minutes', { n: value });
  };

  MPP.stateLabel = function (state) {
    return MPP.t('state_' + state);
  };

  MPP.reasonLabel = function (reason) {
    return reason ? MPP.t('reason_' + reason) : '';
  };

  /* Lower-case, accents and punctuation folded, for forgiving search. */
  MPP.fold = function (text) {
    var s = String(text || '').toLowerCase();
    if (s.normalize) s = s.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
    return s.replace(/[^a-z0-9]+/g, ' ').trim();
  };

  /* A service of GET /api/v1/services, as the kiosk and the pickers use it. */
  MPP.service = function (raw) {
    return {
      code: raw.code,
      name: raw.name,
      prefix: raw.prefix,
      agency: raw.agency,
      agencyName: raw.agency_name,
      waiting: raw.waiting,
      wait: raw.estimated_wait_minutes,
      open: raw.open,
      reason: raw.closed_reason || '',
    };
  };

  /* The live doorbell: SSE `version` events; polling every `pollMs` when streams fail.
     onRing() is called for each ring and for each poll tick: the ring says only that something
     changed, the page then fetches what it shows. */
  MPP.doorbell = function (onRing, options) {
    options = options || {};
    var pollMs = options.pollMs || 2000;
    var retryMs = options.retryMs || 30000;
    var source = null;
    var poller = null;
    var state = { mode: 'connecting' };
    var notify = options.onMode || function () {};

    function setMode(mode) {
      state.mode = mode;
      notify(mode);
    }

    function startPolling() {
      if (poller) return;
      setMode('polling');
      poller = setInterval(function () {
        onRing();
      }, pollMs);
      setTimeout(function () {
        if (state.mode !== 'live') connect();
      }, retryMs);
    }

    function stopPolling() {
      if (poller) clearInterval(poller);
      poller = null;
    }

    function connect() {
      if (!window.EventSource) return startPolling();
      if (source) source.close();
      try {
        source = new EventSource('/api/v1/stream');
      } catch (e) {
        return startPolling();
      }
      source.addEventListener('open', function () {
        stopPolling();
        setMode('live');
        onRing(); // catch up on whatever happened while we were away
      });
      source.addEventListener('version', function () {
        onRing();
      });
      source.addEventListener('error', function () {
        // A non-200 answer closes an EventSource for good; a dropped stream retries by itself.
        if (source.readyState === 2) {
          source.close();
          source = null;
          startPolling();
        } else {
          startPolling(); // the browser retries the stream by itself; poll meanwhile
        }
        setMode('polling');
      });
    }

    connect();
    return {
      state: state,
      close: function () {
        stopPolling();
        if (source) source.close();
      },
    };
  };

  /* Run `task` now and then at most once at a time; rings during a run cause one more run. */
  MPP.serial = function (task) {
    var running = false;
    var again = false;
    function run() {
      if (running) {
        again = true;
        return;
      }
      running = true;
      again = false;
      Promise.resolve()
        .then(task)
        .catch(function (error) {
          if (error && error.status === 401) MPP.toLogin();
        })
        .then(function () {
          running = false;
          if (again) run();
        });
    }
    return run;
  };

  MPP.tickClock = function (node, withSeconds) {
    function tick() {
      var d = new Date();
      node.textContent =
        pad(d.getHours()) + ':' + pad(d.getMinutes()) + (withSeconds ? ':' + pad(d.getSeconds()) : '');
    }
    tick();
    setInterval(tick, 1000);
  };

  MPP.today = function () {
    var d = new Date();
    var days = MPP.t('weekdays').split(',');
    var months = MPP.t('months').split(',');
    return days[d.getDay()] + ', ' + d.getDate() + ' ' + months[d.getMonth()] + ' ' + d.getFullYear();
  };
  /* A searchable list of services in `list`, filtered by the text of `input`; onPick(service). */
  MPP.servicePicker = function (input, list, onPick, exclude) {
    var all = [];
    var chosen = null;
    function render() {
      var words = MPP.fold(input.value).split(' ').filter(Boolean);
      MPP.clear(list);
      all
        .filter(function (s) {
          if (exclude && exclude() === s.code) return false;
          return words.every(function (w) {
            return s.key.indexOf(w) >= 0;
          });
        })
        .slice(0, 80)
        .forEach(function (s) {
          list.appendChild(
            MPP.el('li', null, [
              MPP.el('button', {
                type: 'button',
                'data-service': s.code,
                className: chosen === s.code ? 'selected' : '',
                onclick: function () {
                  chosen = s.code;
                  onPick(s);
                  render();
                },
              }, [MPP.el('b', { text: s.prefix + ' ' }), s.name, MPP.el('span', { className: 'muted small', text: ' · ' + s.agencyName })]),
            ])
          );
        });
    }
    input.addEventListener('input', render);
    return {
      load: function () {
        return MPP.api('GET', '/api/v1/services').then(function (data) {
          all = data.items.map(MPP.service);
          all.forEach(function (s) {
            s.key = MPP.fold(s.name + ' ' + s.code + ' ' + s.agencyName + ' ' + s.prefix);
          });
          render();
          return all;
        });
      },
      reset: function () {
        chosen = null;
        input.value = '';
        render();
      },
      render: render,
      find: function (code) {
        return all.filter(function (s) {
          return s.code === code;
        })[0];
      },
    };
  };
})();
