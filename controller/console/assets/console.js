// Live updates: the server names what changed over Server-Sent Events, and
// every element with data-live (and, when set, the matching data-device) is
// fetched again from its fragment URL; one with data-live-on="release"
// only when some release started or moved. Pages work without this file.
//
// The same stream tells whether the controller is still there: when it
// ends, or is silent for two heartbeats, the page says so in a banner,
// greys what it shows and turns every action off until it is back.
//
// Times come from the server in UTC (<time datetime=…>); they are shown in
// the viewer's zone, with the UTC on hover.
(function () {
  "use strict";

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function zoneName(d) {
    try {
      var part = new Intl.DateTimeFormat(undefined, { timeZoneName: "short" }).formatToParts(d)
        .filter(function (p) { return p.type === "timeZoneName"; })[0];
      return part ? part.value : "";
    } catch (e) { return ""; }
  }
  // localTime is "YYYY-MM-DD HH:MM:SS zone" in the viewer's zone.
  function localTime(d) {
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " +
      pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds()) + " " + zoneName(d);
  }
  function utcTime(d) { return d.toISOString().slice(0, 19).replace("T", " ") + " UTC"; }
  function localise(root) {
    root.querySelectorAll("time[datetime]:not([data-local])").forEach(function (el) {
      var d = new Date(el.getAttribute("datetime"));
      if (isNaN(d.getTime())) { return; }
      el.title = utcTime(d);
      el.textContent = localTime(d);
      el.setAttribute("data-local", "");
    });
  }
  localise(document);
  window.unbindLocalise = localise;

  var body = document.body, stream = body.getAttribute("data-stream");
  if (!stream || !window.EventSource || !window.fetch) { return; }

  // Connection state. lastTouch is when the controller was last heard.
  var lost = false, lastTouch = Date.now(), banner = document.getElementById("lost-banner");
  var pageTitle = document.title, signedOut = false;
  // The actions a lost connection turns off: every button of a form that
  // posts, and what ticks phones for one.
  var actionSel = "form[method=post] button, form[method=post] input[type=submit], button[form], input[type=checkbox][form]";
  function disableActions(root) {
    root.querySelectorAll(actionSel).forEach(function (el) {
      if (el.disabled) { return; }
      el.disabled = true;
      el.setAttribute("data-lost-disabled", "");
    });
  }
  function enableActions() {
    document.querySelectorAll("[data-lost-disabled]").forEach(function (el) {
      el.disabled = false;
      el.removeAttribute("data-lost-disabled");
    });
  }
  function say() {
    if (!banner) { return; }
    banner.textContent = "";
    var strong = document.createElement("strong");
    strong.textContent = signedOut ? "Signed out. " : "Not connected to the controller. ";
    banner.appendChild(strong);
    banner.appendChild(document.createTextNode(signedOut
      ? "The controller no longer knows this sign-in; "
      : "Last in touch at "));
    if (signedOut) {
      var a = document.createElement("a");
      a.href = "/login?next=" + encodeURIComponent(location.pathname + location.search);
      a.textContent = "sign in again";
      banner.appendChild(a);
      banner.appendChild(document.createTextNode(". "));
    } else {
      var t = document.createElement("time");
      t.setAttribute("datetime", new Date(lastTouch).toISOString());
      t.textContent = utcTime(new Date(lastTouch));
      banner.appendChild(t);
      localise(banner);
      banner.appendChild(document.createTextNode(". "));
    }
    banner.appendChild(document.createTextNode("What this page shows may be out of date, and actions are off until it is back" +
      (signedOut ? "." : ": trying again on its own.")));
  }
  function lose() {
    if (lost) { return; }
    lost = true;
    body.classList.add("disconnected");
    disableActions(document);
    say();
    // An alert only while shown: a hidden one would still be found as the
    // page's alert.
    if (banner) { banner.setAttribute("role", "alert"); banner.hidden = false; }
    showTitle();
  }
  function regain() {
    lastTouch = Date.now();
    if (!lost) { return; }
    lost = false;
    signedOut = false;
    body.classList.remove("disconnected");
    if (banner) { banner.removeAttribute("role"); banner.hidden = true; }
    enableActions();
    showTitle();
  }
  // The tab's title says what needs the operator: a lost controller, and
  // how many phones wait for the person at them.
  function showTitle() {
    var alert = document.querySelector(".waiting-alert[data-waiting]");
    var n = alert ? parseInt(alert.getAttribute("data-waiting"), 10) : 0;
    document.title = (lost ? "Not connected · " : "") + (n > 0 ? "(" + n + " waiting) " : "") + pageTitle;
  }
  showTitle();
  // A form sent while the controller is away would only end on the
  // browser's own error page, the page's state lost: refuse it here.
  document.addEventListener("submit", function (e) {
    if (lost) { e.preventDefault(); e.stopPropagation(); }
  }, true);

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
      localise(next);
      if (lost) { disableActions(next); }
      el.replaceWith(next);
      showTitle();
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

  // The stream. The server sends "alive" every 15 s; silence for longer
  // than silentAfter means it stopped answering.
  // (data-silent-after on the body overrides it, in milliseconds.)
  function silentAfter() { return parseInt(body.getAttribute("data-silent-after") || "40000", 10); }
  var es = null, retry = null, graceTimer = null;
  function open() {
    retry = null;
    es = new EventSource(stream);
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
    // Any event, the heartbeat included, proves the controller is there.
    ["change", "release", "resync", "alive"].forEach(function (name) {
      es.addEventListener(name, function () { lastTouch = Date.now(); });
    });
    // Back after a lost connection: what changed meanwhile is unknown.
    es.addEventListener("open", function () { regain(); all = true; schedule(); });
    es.addEventListener("error", function () {
      // The browser retries a dropped stream by itself; give it a moment
      // before saying the controller is gone.
      if (!graceTimer) {
        graceTimer = setTimeout(function () {
          graceTimer = null;
          if (es && es.readyState !== EventSource.OPEN) { lose(); }
        }, 4000);
      }
      if (es.readyState === EventSource.CLOSED) { closed(); }
    });
  }
  // A stream the browser gave up on (an answer that was not a stream:
  // signed out, too many streams, a proxy's error page) is opened again by
  // hand, after asking whether the sign-in still holds.
  function closed() {
    if (retry) { return; }
    lose();
    if (signedOut) { return; } // only signing in again helps
    fetch("/fragments/counts", { credentials: "same-origin" }).then(function (r) {
      if (r.status === 401) { signedOut = true; say(); }
    }).catch(function () {});
    retry = setTimeout(function () { if (es) { es.close(); } open(); }, 3000);
  }
  setInterval(function () {
    if (!lost && es && es.readyState === EventSource.OPEN && Date.now() - lastTouch > silentAfter()) {
      es.close();
      closed();
    }
  }, 1000);
  open();
  window.addEventListener("pagehide", function () { if (es) { es.close(); } });
})();
