/* Wangge · the checkpoint's phone page (duty:post): the entry log (卡点登记).
 *
 * Offline-safe like the sampling table (table.js): every entry is first written to a queue kept
 * in localStorage under a versioned key (wangge.checkpoint.v1.<checkpoint>), with an id made
 * here (client_id), then sent in order, in batches, to POST …/entries. An entry leaves the queue
 * only when the server has answered it (accepted, already received, or refused with a reason);
 * network errors and 5xx keep it, with backoff. The server knows each entry by its client_id, so
 * a batch sent twice is stored once. One tab at a time sends the queue (Web Locks). Plain ES5-ish
 * script, no build step, no inline handlers.
 *
 * Signing in and out of a duty goes through the same storage: each sign gets its own id and the
 * phone's time, waits in `signs` (shown on the duty as waiting to send) and is sent to
 * POST …/signs once the entries are sent; the server does each exactly once.
 */
(function () {
  "use strict";

  var app = document.getElementById("checkpoint-app");
  if (!app) { return; }
  var S = JSON.parse(document.getElementById("checkpoint-strings").textContent);
  var cfg = { csrf: app.dataset.csrf, uploadUrl: app.dataset.uploadUrl, signUrl: app.dataset.signUrl, key: app.dataset.storageKey };
  var FORMAT = 1;
  var BATCH = 50;
  var TICK_MS = 3000;
  var MAX_BACKOFF_MS = 60000;
  var flushing = false, failures = 0, nextTryAt = 0, lastNet = "unknown";

  var shared = window.Wangge;  /* app.js: helpers every field page uses */
  var $ = shared.byId, fmt = shared.fmt, uuid4 = shared.uuid4, maskId = shared.maskId;

  /* ---------------------------------------------------------------- state */

  function blank() { return { format: FORMAT, queue: [], recent: [], problems: [], signs: [], duties: {} }; }
  function loadState() {
    var s = null;
    try { var raw = window.localStorage.getItem(cfg.key); s = raw ? JSON.parse(raw) : null; } catch (e) { s = null; }
    if (!s || typeof s !== "object") { return blank(); }
    var b = blank();
    for (var k in b) {
      if (k === "format") { continue; }
      if (b[k] instanceof Array ? !(s[k] instanceof Array) : (!s[k] || typeof s[k] !== "object" || s[k] instanceof Array)) { s[k] = b[k]; }
    }
    s.format = FORMAT;
    return s;
  }
  var state = loadState();
  function save() { window.localStorage.setItem(cfg.key, JSON.stringify(state)); }

  /* ---------------------------------------------------------------- logging */

  function kind() { return document.querySelector("input[name=kind]:checked").value; }
  function direction() { return document.querySelector("input[name=direction]:checked").value; }
  function say(cls, text) { var el = $("entry-say"); el.className = "msg " + cls; el.textContent = text; }

  function logEntry() {
    var e = {
      client_id: uuid4(), kind: kind(), code: "", id_type: "resident_id", id_number: "", name: "",
      plate: "", passengers: 0, origin: $("entry-origin").value.trim(), code_colour: $("entry-colour").value,
      temperature: null, purpose: $("entry-purpose").value.trim(), direction: direction(),
      at: new Date().toISOString()
    };
    var t = $("entry-temp").value.trim().replace(",", ".");
    if (t) { e.temperature = parseFloat(t); if (isNaN(e.temperature)) { e.temperature = null; } }
    var label;
    if (e.kind === "vehicle") {
      e.plate = $("entry-plate").value.replace(/[\s·.\-]/g, "").toUpperCase();
      if (!e.plate) { say("refused", S.need_plate); return false; }
      if (!/^[\u4e00-\u9fa5][A-Z][A-Z0-9\u4e00-\u9fa5]{5,6}$/.test(e.plate)) { say("refused", S.bad_plate); return false; }
      e.passengers = parseInt($("entry-passengers").value, 10) || 0;
      label = e.plate;
    } else {
      e.code = $("entry-code").value.trim();
      e.id_type = $("entry-id-type").value;
      e.id_number = $("entry-id-number").value.trim();
      e.name = $("entry-name").value.trim();
      if (!e.code && !e.id_number) { say("refused", S.need_person); return false; }
      label = [e.name, e.id_number ? maskId(e.id_number) : ""].filter(Boolean).join(" · ") || "…";
    }
    state.queue.push(e);
    state.recent.unshift({ client_id: e.client_id, label: label, origin: e.origin, dir: e.direction, at: e.at, status: "queued" });
    state.recent = state.recent.slice(0, 30);
    save();  /* persisted before any network call */
    say("queued", S.queued + " · " + label);
    flushSoon();
    return true;
  }

  /* ---------------------------------------------------------------- signing in and out */

  function signDuty(dutyId, action) {
    var at = new Date().toISOString();
    var d = state.duties[dutyId] || {};
    if (action === "in") { d.in_at = at; d.in_status = "queued"; } else { d.out_at = at; d.out_status = "queued"; }
    state.duties[dutyId] = d;
    state.signs.push({ client_id: uuid4(), duty_id: parseInt(dutyId, 10), action: action, at: at });
    save();  /* persisted before any network call */
    render();
    flushSoon();
  }
  function applySigns(sent, results) {
    var byId = {};
    results.forEach(function (r) { byId[r.client_id] = r; });
    var done = {};
    sent.forEach(function (x) {
      var r = byId[x.client_id];
      if (!r) { return; }
      done[x.client_id] = true;
      var d = state.duties[x.duty_id] || {};
      if (r.status === "refused") {
        if (x.action === "in") { delete d.in_at; delete d.in_status; } else { delete d.out_at; delete d.out_status; }
        state.problems.unshift({ id: x.client_id, message: fmt(S.sign_refused, { m: r.message }), entry: { name: duty_name(x.duty_id) } });
        state.problems = state.problems.slice(0, 50);
      } else {
        if (r.signed_in_at) { d.in_at = r.signed_in_at; d.in_status = "accepted"; }
        if (r.signed_out_at) { d.out_at = r.signed_out_at; d.out_status = "accepted"; }
      }
      state.duties[x.duty_id] = d;
    });
    state.signs = state.signs.filter(function (x) { return !done[x.client_id]; });
    save();
  }
  function duty_name(dutyId) {
    var li = document.querySelector("#duty-list li[data-duty-id='" + dutyId + "']");
    return li ? li.firstElementChild.firstChild.textContent.trim() : "";
  }

  /* ---------------------------------------------------------------- sending */

  function postSigns(body) {
    return fetch(cfg.signUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": cfg.csrf, "Accept": "application/json" },
      body: JSON.stringify(body)
    });
  }
  function post(body) {
    return fetch(cfg.uploadUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": cfg.csrf, "Accept": "application/json" },
      body: JSON.stringify(body)
    });
  }
  function flushSoon() { nextTryAt = 0; setTimeout(flush, 0); }
  function flush() {
    if (flushing) { return Promise.resolve(); }
    if (navigator.locks && navigator.locks.request) {
      return navigator.locks.request("wangge.upload." + cfg.key, { ifAvailable: true }, function (lock) {
        if (!lock) { return null; }
        state = loadState();
        return flushNow();
      })["catch"](function () { return flushNow(); });
    }
    return flushNow();
  }
  function fail(status) {
    failures += 1;
    nextTryAt = Date.now() + Math.min(MAX_BACKOFF_MS, 1000 * Math.pow(2, failures));
    lastNet = status === 401 || status === 403 ? "login" : (navigator.onLine === false ? "offline" : "unreachable");
  }
  function flushSigns() {
    var batch = state.signs.slice(0, BATCH);
    flushing = true;
    return postSigns({ signs: batch }).then(function (resp) {
      if (resp.status === 200) {
        return resp.json().then(function (data) { lastNet = "online"; failures = 0; applySigns(batch, data.results || []); });
      }
      fail(resp.status);
    })["catch"](function () { fail(0); }).then(function () {
      flushing = false;
      render();
      if (state.signs.length && failures === 0) { setTimeout(flush, 0); }
    });
  }
  function pending() { return state.queue.length + state.signs.length; }
  function flushNow() {
    if (flushing || !pending()) { render(); return Promise.resolve(); }
    if (navigator.onLine === false) { lastNet = "offline"; render(); return Promise.resolve(); }
    if (!state.queue.length) { return flushSigns(); }
    var batch = state.queue.slice(0, BATCH);  /* in order, oldest first */
    flushing = true;
    return post({ entries: batch }).then(function (resp) {
      if (resp.status === 200) {
        return resp.json().then(function (data) { lastNet = "online"; failures = 0; apply(data.results || []); });
      }
      fail(resp.status);
      if (resp.status === 422) {
        return resp.json().then(function (d) { say("refused", fmt(S.server_error, { m: (d && d.detail) || resp.status })); }, function () {});
      }
    })["catch"](function () { fail(0); }).then(function () {
      flushing = false;
      render();
      if (pending() && failures === 0) { setTimeout(flush, 0); }
    });
  }
  function apply(results) {
    var byId = {};
    results.forEach(function (r) { byId[r.client_id] = r; });
    state.queue = state.queue.filter(function (e) {
      var r = byId[e.client_id];
      if (!r) { return true; }
      state.recent.forEach(function (x) {
        if (x.client_id !== e.client_id) { return; }
        x.status = r.status;
        if (r.screening_id) { x.note = S.screened; }
        if (r.escalation_id) { x.note = S.escalated; }
        if (r.status === "accepted" && r.message && !r.screening_id && !r.escalation_id) { x.note = r.message; }
        if (r.status === "refused") { x.note = r.message; }
      });
      if (r.status === "refused") {
        state.problems.unshift({ id: e.client_id, message: r.message, entry: e });
        state.problems = state.problems.slice(0, 50);
      }
      return false;
    });
    save();
  }

  /* ---------------------------------------------------------------- view */

  function hhmm(iso) {
    var d = new Date(iso); var two = function (v) { return (v < 10 ? "0" : "") + v; };
    return two(d.getHours()) + ":" + two(d.getMinutes());
  }
  function renderDuties() {
    Array.prototype.forEach.call(document.querySelectorAll("#duty-list li[data-duty-id]"), function (li) {
      var local = state.duties[li.dataset.dutyId] || {};
      var inAt = local.in_at || li.dataset.signedIn, outAt = local.out_at || li.dataset.signedOut;
      var waiting = local.in_status === "queued" || local.out_status === "queued";
      var form = li.querySelector("form.cp-sign-form");
      var label = li.querySelector(".cp-sign-state");
      li.dataset.sign = !inAt ? "none" : (!outAt ? "in" : "out");
      li.dataset.signState = waiting ? "queued" : "sent";
      label.textContent = (!inAt ? "" : (!outAt ? fmt(S.signed_in, { t: hhmm(inAt) }) : fmt(S.signed_out, { a: hhmm(inAt), b: hhmm(outAt) }))) +
        (waiting ? " " + S.sign_queued : "");
      if (!form) { return; }
      Array.prototype.forEach.call(form.querySelectorAll("button, span, input[name=out]"), function (el) { el.remove(); });
      if (outAt) { return; }
      var b = document.createElement("button");
      b.type = "submit";
      b.className = inAt ? "btn btn-outline-primary btn-sm" : "btn btn-primary btn-sm";
      b.dataset.action = inAt ? "out" : "in";
      b.textContent = inAt ? S.sign_out : S.sign_in;
      form.appendChild(b);
    });
  }
  function oldest() {
    var times = state.queue.map(function (e) { return e.at; }).concat(state.signs.map(function (x) { return x.at; }));
    times.sort();
    return times[0];
  }
  function render() {
    renderDuties();
    var n = pending();
    var net = $("net-status");
    var state_ = navigator.onLine === false ? "offline" : lastNet;
    net.dataset.state = state_;
    net.textContent = S[state_] || S.online;
    var q = $("queue-count");
    q.dataset.count = String(n);
    q.textContent = n ? fmt(S.waiting, { n: n, t: hhmm(oldest()) }) : S.all_sent;
    var ul = $("entry-recent");
    ul.textContent = "";
    state.recent.forEach(function (x) {
      var li = document.createElement("li");
      li.dataset.status = x.status;
      li.dataset.clientId = x.client_id;
      li.textContent = hhmm(x.at) + " · " + x.label + (x.origin ? " · " + x.origin : "") + " · " +
        (S[x.status] || x.status) + (x.note ? " · " + x.note : "");
      ul.appendChild(li);
    });
    var pl = $("entry-problems");
    pl.textContent = "";
    $("problems-box").hidden = !state.problems.length;
    state.problems.forEach(function (p) {
      var li = document.createElement("li");
      li.textContent = (p.entry.plate || p.entry.name || maskId(p.entry.id_number) || "…") + " · " + p.message + " ";
      var b = document.createElement("button");
      b.type = "button"; b.className = "btn btn-link btn-sm cp-dismiss"; b.dataset.problemId = p.id; b.textContent = S.dismiss;
      li.appendChild(b);
      pl.appendChild(li);
    });
  }

  /* ---------------------------------------------------------------- camera */

  var scanner = null;
  function startCamera() {
    if (!window.Html5Qrcode) { say("refused", S.camera_missing); return; }
    $("reader-box").hidden = false;
    if (scanner && scanner.isScanning) { return; }
    scanner = scanner || new window.Html5Qrcode("reader");
    scanner.start({ facingMode: "environment" }, { fps: 10, qrbox: 220 }, function (text) {
      $("entry-code").value = text;
      stopCamera();
    }, function () {}).catch(function () { $("reader-box").hidden = true; say("refused", S.camera_failed); });
  }
  function stopCamera() {
    if (scanner && scanner.isScanning) { scanner.stop().then(function () { $("reader-box").hidden = true; }); }
    else { $("reader-box").hidden = true; }
  }

  /* ---------------------------------------------------------------- wiring */

  function showKind() {
    var v = kind() === "vehicle";
    $("vehicle-fields").hidden = !v;
    $("person-fields").hidden = v;
  }
  Array.prototype.forEach.call(document.querySelectorAll("input[name=kind]"), function (r) { r.addEventListener("change", showKind); });
  $("entry-form").addEventListener("submit", function (e) {
    e.preventDefault();
    if (logEntry()) {
      ["entry-code", "entry-id-number", "entry-name", "entry-plate", "entry-origin", "entry-temp", "entry-purpose"].forEach(function (id) { $(id).value = ""; });
      render();
    }
  });
  var dutyList = $("duty-list");
  if (dutyList) {
    dutyList.addEventListener("submit", function (e) {
      var form = e.target.closest("form.cp-sign-form");
      if (!form) { return; }
      e.preventDefault();
      var li = form.closest("li[data-duty-id]");
      var b = form.querySelector("button[data-action]");
      signDuty(li.dataset.dutyId, b ? b.dataset.action : (li.dataset.sign === "in" ? "out" : "in"));
    });
  }
  $("scan-code").addEventListener("click", startCamera);
  $("scan-stop").addEventListener("click", stopCamera);
  $("entry-problems").addEventListener("click", function (e) {
    var b = e.target.closest(".cp-dismiss");
    if (!b) { return; }
    state.problems = state.problems.filter(function (p) { return p.id !== b.dataset.problemId; });
    save(); render();
  });
  window.addEventListener("online", function () { failures = 0; nextTryAt = 0; lastNet = "online"; render(); flush(); });
  window.addEventListener("offline", function () { lastNet = "offline"; render(); });
  window.addEventListener("storage", function (e) { if (e.key === cfg.key) { state = loadState(); render(); } });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && pending()) { nextTryAt = 0; flush(); }
  });
  setInterval(function () { if (pending() && Date.now() >= nextTryAt) { flush(); } }, TICK_MS);

  window.wanggeCheckpoint = {
    state: function () { return state; },
    storageKey: cfg.key,
    flush: function () { nextTryAt = 0; return flush(); }
  };
  showKind();
  render();
  flush();
})();
