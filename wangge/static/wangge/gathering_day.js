/* Wangge · the supervisor's page on the day of a gathering (gatherings:day).
 *
 * Offline-safe like the checkpoint page: a check is first written to a queue kept in localStorage
 * (wangge.gathering-day.v1.<gathering>) with the id the form carries (client_id), then sent to
 * POST /api/v1/gatherings/<id>/day-checks; the server stores each id once, so a check sent twice
 * is one check. It leaves the queue only when the server has answered it (stored, or refused with
 * a reason); network errors and 5xx keep it, with backoff. A photo cannot wait on the phone: with
 * a photo and a network the form is sent as it is; with no network the check waits without it
 * (the page says so). Plain ES5-ish script, no build step, no inline handlers.
 */
(function () {
  "use strict";

  var form = document.querySelector("form[data-testid=day-form]");
  var box = document.getElementById("day-app");
  if (!form || !box) { return; }
  var S = JSON.parse(document.getElementById("day-strings").textContent);
  var cfg = { url: box.dataset.checkUrl, key: box.dataset.storageKey };
  var TICK_MS = 3000, MAX_BACKOFF_MS = 60000;
  var flushing = false, failures = 0, nextTryAt = 0;

  var shared = window.Wangge;  /* app.js: helpers every field page uses */
  var $ = shared.byId, fmt = shared.fmt, uuid4 = shared.uuid4;
  function hhmm(iso) {
    var d = new Date(iso); var two = function (v) { return (v < 10 ? "0" : "") + v; };
    return two(d.getHours()) + ":" + two(d.getMinutes());
  }
  function csrf() { var el = form.querySelector("input[name=csrfmiddlewaretoken]"); return el ? el.value : ""; }

  function load() {
    var s = null;
    try { s = JSON.parse(window.localStorage.getItem(cfg.key) || "null"); } catch (e) { s = null; }
    if (!s || !(s.queue instanceof Array)) { s = { queue: [], sent: [], problems: [] }; }
    if (!(s.sent instanceof Array)) { s.sent = []; }
    if (!(s.problems instanceof Array)) { s.problems = []; }
    return s;
  }
  var state = load();
  function save() { window.localStorage.setItem(cfg.key, JSON.stringify(state)); }
  function say(cls, text) { var el = $("day-say"); el.className = "msg " + cls; el.textContent = text; }

  function queueCheck(withoutPhoto) {
    var idField = form.querySelector("input[name=client_id]");
    var diners = form.querySelector("input[name=actual_diners]").value.trim();
    var kept = form.querySelector("input[name=conditions_kept]").checked;
    var problems = form.querySelector("textarea[name=problems]").value.trim();
    if (!/^\d+$/.test(diners)) { say("refused", S.need_diners); return false; }
    if (!kept && !problems) { say("refused", S.need_problems); return false; }
    var c = { client_id: idField.value || uuid4(), actual_diners: parseInt(diners, 10), conditions_kept: kept,
              problems: problems, at: new Date().toISOString(), no_photo: !!withoutPhoto };
    state.queue.push(c);
    save();  /* persisted before any network call */
    idField.value = uuid4();  /* the next check is another one */
    form.querySelector("input[name=actual_diners]").value = "";
    form.querySelector("textarea[name=problems]").value = "";
    say("queued", withoutPhoto ? S.queued_no_photo : S.queued);
    render();
    flushSoon();
    return true;
  }

  function fail(status) {
    failures += 1;
    nextTryAt = Date.now() + Math.min(MAX_BACKOFF_MS, 1000 * Math.pow(2, failures));
    return status;
  }
  function flushSoon() { nextTryAt = 0; setTimeout(flush, 0); }
  function flush() {
    if (flushing || !state.queue.length || navigator.onLine === false) { render(); return Promise.resolve(); }
    state = load();
    if (!state.queue.length) { render(); return Promise.resolve(); }
    var c = state.queue[0];
    flushing = true;
    return fetch(cfg.url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), "Accept": "application/json" },
      body: JSON.stringify({ client_id: c.client_id, actual_diners: c.actual_diners, conditions_kept: c.conditions_kept, problems: c.problems, at: c.at })
    }).then(function (resp) {
      if (resp.status === 201 || resp.status === 200) {
        return resp.json().then(function (data) {
          failures = 0;
          state = load();
          state.queue = state.queue.filter(function (x) { return x.client_id !== c.client_id; });
          state.sent.unshift({ client_id: c.client_id, id: data.id, actual_diners: data.actual_diners, conditions_kept: data.conditions_kept, at: data.at });
          state.sent = state.sent.slice(0, 20);
          save();
        });
      }
      if (resp.status === 422 || resp.status === 404) {
        return resp.json().then(function (d) { return (d && d.detail) || String(resp.status); }, function () { return String(resp.status); })
          .then(function (message) {
            state = load();
            state.queue = state.queue.filter(function (x) { return x.client_id !== c.client_id; });
            state.problems.unshift({ client_id: c.client_id, message: message, check: c });
            state.problems = state.problems.slice(0, 20);
            save();
          });
      }
      fail(resp.status);
    })["catch"](function () { fail(0); }).then(function () {
      flushing = false;
      render();
      if (state.queue.length && failures === 0) { setTimeout(flush, 0); }
    });
  }

  function line(c) {
    return hhmm(c.at) + " · " + fmt(S.diners, { n: c.actual_diners }) + " · " + (c.conditions_kept ? S.kept : S.not_kept);
  }
  function render() {
    var n = state.queue.length;
    var q = $("day-queue-count");
    q.dataset.count = String(n);
    q.textContent = n ? fmt(S.waiting, { n: n, t: hhmm(state.queue[0].at) }) : S.all_sent;
    var net = $("day-net");
    net.dataset.state = navigator.onLine === false ? "offline" : "online";
    net.textContent = navigator.onLine === false ? S.offline : S.online;
    var ul = $("day-queue");
    ul.textContent = "";
    state.queue.forEach(function (c) {
      var li = document.createElement("li");
      li.dataset.status = "queued";
      li.dataset.clientId = c.client_id;
      li.textContent = line(c) + " · " + S.waiting_one + (c.no_photo ? " · " + S.no_photo : "");
      ul.appendChild(li);
    });
    /* Checks sent from this page that the server-made list does not show yet. */
    var list = $("day-check-list");
    var shown = {};
    Array.prototype.forEach.call(list.querySelectorAll("li[data-check-id]"), function (li) { shown[li.dataset.checkId] = true; });
    state.sent.forEach(function (c) {
      if (shown[String(c.id)]) { return; }
      var li = document.createElement("li");
      li.dataset.checkId = String(c.id);
      li.dataset.status = "accepted";
      li.textContent = line(c);
      list.appendChild(li);
      shown[String(c.id)] = true;
    });
    $("day-checks").hidden = !list.children.length;
    var pl = $("day-problems");
    pl.textContent = "";
    $("day-problems-box").hidden = !state.problems.length;
    state.problems.forEach(function (p) {
      var li = document.createElement("li");
      li.textContent = line(p.check) + " · " + p.message;
      pl.appendChild(li);
    });
  }

  form.addEventListener("submit", function (e) {
    var photo = form.querySelector("input[type=file]");
    var hasPhoto = photo && photo.files && photo.files.length;
    if (hasPhoto && navigator.onLine !== false) { return; }  /* sent as it is, with its photo */
    e.preventDefault();
    if (queueCheck(hasPhoto) && photo) { photo.value = ""; }
  });
  window.addEventListener("online", function () { failures = 0; nextTryAt = 0; render(); flush(); });
  window.addEventListener("offline", render);
  window.addEventListener("storage", function (e) { if (e.key === cfg.key) { state = load(); render(); } });
  setInterval(function () { if (state.queue.length && Date.now() >= nextTryAt) { flush(); } }, TICK_MS);

  /* A fresh id for the next check: a copy of the page kept offline carries the id of the last one. */
  form.querySelector("input[name=client_id]").value = uuid4();
  window.wanggeDay = { state: function () { return state; }, storageKey: cfg.key, flush: function () { nextTryAt = 0; return flush(); } };
  render();
  flush();
})();
