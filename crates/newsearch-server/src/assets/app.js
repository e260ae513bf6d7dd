// newsearch's page works without this script; it adds what only a script can:
// "/" focuses the search box, the order, words and grouping controls apply at once,
// a drag across timeline bars narrows the dates to all of them, and an article's
// back link returns to the search this tab came from.
(function () {
  'use strict';

  var KEY = 'newsearch.search';

  function remember(url) {
    try { window.sessionStorage.setItem(KEY, url); } catch (e) { /* storage off: no memory */ }
  }

  function recall() {
    try { return window.sessionStorage.getItem(KEY); } catch (e) { return null; }
  }

  // A path on this site only: never another host.
  function isLocal(url) {
    return typeof url === 'string' && url.charAt(0) === '/' && url.charAt(1) !== '/' && url.indexOf('\\') < 0;
  }

  function isTyping(target) {
    if (!target) { return false; }
    var tag = target.tagName;
    return target.isContentEditable || tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT';
  }

  document.addEventListener('keydown', function (event) {
    if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) { return; }
    var box = document.getElementById('q');
    if (!box) { return; }
    event.preventDefault();
    box.focus();
    box.select();
  });

  var form = document.getElementById('search');
  if (form) {
    var submit = function () {
      if (typeof form.requestSubmit === 'function') { form.requestSubmit(); } else { form.submit(); }
    };
    // Fields left empty ask for nothing: keep them out of the URL.
    form.addEventListener('formdata', function (event) {
      var data = event.formData;
      var keys = [];
      data.forEach(function (value, key) { if (keys.indexOf(key) < 0) { keys.push(key); } });
      keys.forEach(function (key) {
        if (data.getAll(key).every(function (value) { return value === ''; })) { data.delete(key); }
      });
    });
    ['sort', 'mode', 'collapse'].forEach(function (id) {
      var control = document.getElementById(id);
      if (control) { control.addEventListener('change', submit); }
    });
  }

  if (document.getElementById('results')) {
    remember(window.location.pathname + window.location.search);
  }

  var back = document.getElementById('back');
  if (back && back.getAttribute('data-fallback') === '1') {
    var last = recall();
    if (isLocal(last)) { back.setAttribute('href', last); }
  }

  var timeline = document.getElementById('timeline');
  if (!timeline) { return; }
  var bars = Array.prototype.slice.call(timeline.querySelectorAll('a.bar'));
  var start = -1;
  var end = -1;
  var dragged = false;

  function barAt(x, y) {
    var element = document.elementFromPoint(x, y);
    var bar = element && element.closest ? element.closest('a.bar') : null;
    return bar ? bars.indexOf(bar) : -1;
  }

  function paint() {
    var lo = Math.min(start, end);
    var hi = Math.max(start, end);
    bars.forEach(function (bar, i) {
      bar.classList.toggle('selected', start >= 0 && i >= lo && i <= hi);
    });
  }

  timeline.addEventListener('pointerdown', function (event) {
    if (event.button !== 0) { return; }
    var i = barAt(event.clientX, event.clientY);
    if (i < 0) { return; }
    start = i;
    end = i;
    dragged = false;
    // No native drag of the link, no text selection while sweeping.
    event.preventDefault();
    paint();
  });

  document.addEventListener('pointermove', function (event) {
    if (start < 0) { return; }
    var i = barAt(event.clientX, event.clientY);
    if (i >= 0 && i !== end) {
      end = i;
      dragged = true;
      paint();
    }
  });

  document.addEventListener('pointerup', function () {
    if (start < 0) { return; }
    var lo = Math.min(start, end);
    var hi = Math.max(start, end);
    start = -1;
    if (!dragged || lo === hi) { paint(); return; }
    // The first bar's link with the last bar's end: every other parameter stays.
    var url = new URL(bars[lo].href);
    url.searchParams.set('until', bars[hi].getAttribute('data-until'));
    window.location.assign(url.toString());
  });

  timeline.addEventListener('click', function (event) {
    // A drag ends over a bar: its click must not replace the range just chosen.
    if (dragged) {
      event.preventDefault();
      dragged = false;
    }
  });
})();
