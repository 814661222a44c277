// Live updates: the server names what changed over Server-Sent Events, and
// every element with data-live (and, when set, the matching data-device) is
// fetched again from its fragment URL; one with data-live-on="release"
// only when some release started or moved. Pages work without this file.
(function () {
  "use strict";
  if (!window.EventSource || !window.fetch) { return; }
  var pending = {}, all = false, releases = false, timer = null;
  function schedule() { if (!timer) { timer = setTimeout(flush, 150); } }
  function refresh(el) {
    fetch(el.getAttribute("data-live"), { credentials: "same-origin" }).then(function (r) {
      return r.ok ? r.text() : null;
    }).then(function (html) {
      if (html === null) { return; }
      var t = document.createElement("template");
      t.innerHTML = html.trim();
      var next = t.content.firstElementChild;
      if (!next) { return; }
      // Keep what the operator ticked.
      el.querySelectorAll("input[type=checkbox]:checked").forEach(function (box) {
        var same = next.querySelector("input[type=checkbox][value=\"" + CSS.escape(box.value) + "\"]");
        if (same) { same.checked = true; }
      });
      el.replaceWith(next);
      // More phones than when the page was read: offer to read it again.
      var total = next.getAttribute("data-total"), notice = document.getElementById("new-phones");
      if (total !== null && notice && parseInt(total, 10) > parseInt(notice.getAttribute("data-total"), 10)) { notice.hidden = false; }
    }).catch(function () {});
  }
  // Elements with data-live-every (ms) are read at most that often: the
  // counts and the bench list cost more than a tile.
  var last = {}, later = {};
  function throttled(el) {
    var every = parseInt(el.getAttribute("data-live-every") || "0", 10);
    var src = el.getAttribute("data-live"), now = Date.now();
    if (!every || !last[src] || now - last[src] >= every) { last[src] = now; refresh(el); return; }
    if (later[src]) { return; }
    later[src] = setTimeout(function () {
      delete later[src];
      last[src] = Date.now();
      var cur = document.querySelector("[data-live=\"" + CSS.escape(src) + "\"]");
      if (cur) { refresh(cur); }
    }, every - (now - last[src]));
  }
  function flush() {
    timer = null;
    var ids = pending, every = all, rel = releases;
    pending = {}; all = false; releases = false;
    document.querySelectorAll("[data-live]").forEach(function (el) {
      if (el.getAttribute("data-live-on") === "release") {
        if (every || rel) { throttled(el); }
        return;
      }
      var dev = el.getAttribute("data-device");
      if (every || dev === null || Object.prototype.hasOwnProperty.call(ids, dev)) { throttled(el); }
    });
  }
  var es = new EventSource("/events");
  es.addEventListener("change", function (e) {
    try { pending[JSON.parse(e.data)] = true; } catch (err) { all = true; }
    schedule();
  });
  es.addEventListener("release", function (e) {
    releases = true;
    try { pending[JSON.parse(e.data)] = true; } catch (err) { all = true; }
    schedule();
  });
  es.addEventListener("resync", function () { all = true; schedule(); });
  // Back after a lost connection: what changed meanwhile is unknown.
  es.addEventListener("open", function () { all = true; schedule(); });
  window.addEventListener("pagehide", function () { es.close(); });
})();
