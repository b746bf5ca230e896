/* Central's pages: the words of the page's language, embedded by the server as JSON
   (sync/central/http/words.py), and how numbers and times read in it. Loaded before the page's
   own script, which calls centralWords.t('key', {name: value}). */
(function () {
  'use strict';
  var block = document.getElementById('words');
  var words = block ? JSON.parse(block.textContent) : {};
  var lang = document.documentElement.lang === 'en' ? 'en' : 'id';
  window.centralWords = {
    lang: lang,
    locale: lang === 'en' ? 'en-GB' : 'id-ID',
    table: function (key) { return words[key] || {}; },
    t: function (key, values) {
      var text = typeof words[key] === 'string' ? words[key] : key;
      Object.keys(values || {}).forEach(function (name) {
        text = text.split('{' + name + '}').join(String(values[name]));
      });
      return text;
    }
  };
})();
