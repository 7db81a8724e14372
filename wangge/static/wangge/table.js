/* Wangge · the registrar's phone page at the sampling table (testing:table).
 *
 * Offline-safe: every action (scan, removal, seal, opening a tube) is first written to a queue kept in
 * localStorage, then sent in batches to POST …/upload. An operation leaves the queue only
 * when the server has answered it; network errors and 5xx keep it (with backoff). Each scan
 * carries a UUID made here, so a re-sent batch is recognised by the server and never stored
 * twice. Plain ES5-ish script, no build step, no inline handlers.
 *
 * Kept across reloads, tab discards and browser restarts: the queue, the open tube and the page's
 * context (site, table, round, tube) live in localStorage under a versioned key
 * (wangge.table.v2.<site>.<table>). A queue written under an older key (v1, by an older version
 * of this page, perhaps from the service worker's copy) is carried over, never dropped: see
 * loadState(). With the service worker (wangge/core/sw.js) the page itself opens with no network.
 * Only one tab sends a table's queue at a time (Web Locks), reading it afresh from storage.
 *
 * One open tube per table: taking a new tube while the open one holds people asks first, and
 * "seal it and open the new one" queues one "open" action that the server runs in one
 * transaction (seal the old tube, open the new one).
 */
(function () {
  "use strict";

  var app = document.getElementById("table-app");
  if (!app) { return; }
  var S = JSON.parse(document.getElementById("table-strings").textContent);
  var cfg = {
    siteId: app.dataset.siteId,
    table: parseInt(app.dataset.table, 10) || 1,
    csrf: app.dataset.csrf,
    uploadUrl: app.dataset.uploadUrl,
    tubesUrl: app.dataset.tubesUrl,
    key: app.dataset.storageKey,
    legacyKeys: (app.dataset.legacyKeys || "").split(/\s+/).filter(Boolean),
    roundId: app.dataset.roundId,
    siteName: app.dataset.siteName || "",
    roundName: app.dataset.roundName || "",
    poolSize: parseInt(app.dataset.poolSize, 10) || 10
  };
  var FORMAT = 2;  /* of the stored state; see upgrade() */
  var LAST_KEY = "wangge.field.last";  /* the last table this phone worked at */
  var BATCH = 200;
  var TICK_MS = 3000;
  var MAX_BACKOFF_MS = 60000;

  var shared = window.Wangge;  /* app.js: helpers every field page uses */
  var $ = shared.byId, fmt = shared.fmt, uuid4 = shared.uuid4, maskId = shared.maskId;

  /* ---------------------------------------------------------------- ids */

  function normBarcode(raw) { return String(raw || "").replace(/\s+/g, "").toUpperCase(); }
  function isCode(text) { return /^WG\d*:/i.test(text); }

  /* ---------------------------------------------------------------- state */

  var state = loadState();
  var flushing = false, failures = 0, nextTryAt = 0, lastNet = "unknown";
  /* Counts upload answers applied, so that a tube list asked for before one of them (and so
     possibly read before the server stored those scans) is known to be stale. */
  var answersApplied = 0;

  function blank() {
    return { format: FORMAT, queue: [], tube: null, problems: [], sealed: [], retest: false, poolSize: cfg.poolSize, ctx: null };
  }
  function read(key) {
    try {
      var raw = window.localStorage.getItem(key);
      return raw ? JSON.parse(raw) : null;
    } catch (e) { return null; }  /* unreadable: start afresh, never throw at page load */
  }
  /* A stored state of any known format, brought to the current one.
     v1 (no "format"): actions had no time of queueing; take the scan's own time, or now. */
  function upgrade(s) {
    if (!s || typeof s !== "object") { return null; }
    var b = blank();
    for (var k in b) { if (s[k] === undefined || s[k] === null && k !== "tube" && k !== "ctx") { s[k] = b[k]; } }
    if (!(s.queue instanceof Array)) { s.queue = []; }
    var now = new Date().toISOString();
    s.queue.forEach(function (op) {
      if (!op.opid) { op.opid = uuid4(); }
      if (!op.at) { op.at = (op.scan && op.scan.scanned_at) || now; }
    });
    s.format = FORMAT;
    return s;
  }
  /* This table's state: the current key, plus whatever an older version of the page left under
     an older key (its actions go first: they were queued before). The merged state is written
     under the current key before the old key is removed, so a failure loses nothing. */
  function loadState() {
    var s = upgrade(read(cfg.key)), moved = false;
    cfg.legacyKeys.forEach(function (k) {
      var old = upgrade(read(k));
      if (!old) { return; }
      moved = true;
      if (!s) { s = old; return; }
      var have = {};
      s.queue.forEach(function (op) { have[op.opid] = true; });
      s.queue = old.queue.filter(function (op) { return !have[op.opid]; }).concat(s.queue);
      if (!s.tube && old.tube) { s.tube = old.tube; }
      s.problems = s.problems.concat(old.problems).slice(0, 100);
      s.sealed = s.sealed.concat(old.sealed).slice(0, 20);
    });
    s = s || blank();
    if (moved) {
      try {
        window.localStorage.setItem(cfg.key, JSON.stringify(s));
        cfg.legacyKeys.forEach(function (k) { window.localStorage.removeItem(k); });
      } catch (e) { /* storage full: keep the old key, try again next time */ }
    }
    return s;
  }
  function context() {
    return {
      site: cfg.siteId, siteName: cfg.siteName, table: cfg.table, round: cfg.roundId, roundName: cfg.roundName,
      tube: state.tube ? state.tube.barcode : null, url: location.pathname + location.search, at: new Date().toISOString()
    };
  }
  function save() {
    state.format = FORMAT;
    state.ctx = context();
    window.localStorage.setItem(cfg.key, JSON.stringify(state));
    try { window.localStorage.setItem(LAST_KEY, JSON.stringify(state.ctx)); } catch (e) { /* only a hint */ }
  }
  function enqueue(op) {
    op.opid = uuid4();
    op.at = new Date().toISOString();
    state.queue.push(op);
    save();  /* persisted before any network call */
  }

  /* ---------------------------------------------------------------- tube */

  function live(tube) {
    return (tube ? tube.members : []).filter(function (m) { return m.status === "queued" || m.status === "accepted" || m.status === "duplicate"; });
  }
  function placesLeft() {
    var t = state.tube;
    return t ? Math.max(0, t.capacity - live(t).length) : 0;
  }
  var pendingOpen = null;
  function openTube(raw, confirmed) {
    var code = normBarcode(raw);
    if (!code) { say("refused", S.no_tube); return; }
    if (state.tube && state.tube.barcode === code) { render(); return; }
    var prev = state.tube;
    var prevLive = prev ? live(prev).length : 0;
    if (prevLive && !confirmed) {
      /* one open tube per table: ask before sealing the one that holds people */
      pendingOpen = code;
      $("tube-switch-text").textContent = fmt(S.still_open, { t: prev.barcode, k: prevLive, "new": code });
      $("tube-switch").hidden = false;
      $("tube-switch-seal").focus();
      return;
    }
    pendingOpen = null;
    $("tube-switch").hidden = true;
    var retest = !!state.retest;
    var capacity = retest ? 1 : (parseInt($("pool-size").value, 10) || cfg.poolSize);
    if (prevLive) {
      enqueue({ kind: "open", tube: code, capacity: capacity, retest: retest, seal: prev.barcode });
      state.sealed.unshift({ barcode: prev.barcode, count: prevLive, capacity: prev.capacity, at: new Date().toISOString() });
      state.sealed = state.sealed.slice(0, 20);
      flushSoon();
    }
    state.tube = {
      barcode: code,
      capacity: capacity,
      retest: retest,
      members: []
    };
    save();
    $("tube-input").value = "";
    say("info", fmt(S.tube_opened, { t: code }));
    render();
    refreshTubes();  /* a tube reopened after a reload: take its members from the server */
    $("person-input").focus();
  }

  function checkIn(text, idType, walkIn) {
    text = String(text || "").trim();
    if (!state.tube) { say("refused", S.no_tube); $("tube-input").focus(); return false; }
    if (!text) { say("refused", S.no_person); return false; }
    if (placesLeft() <= 0) { say("refused", S.full_local); callout(); return false; }
    var code = isCode(text);
    var key = code ? "c:" + text : "i:" + text.replace(/\s+/g, "").toUpperCase();
    var again = live(state.tube).some(function (m) { return m.key === key; });
    if (again) { say("refused", S.same_person); return false; }
    var cid = uuid4();
    var scan = {
      client_id: cid,
      tube: state.tube.barcode,
      scanned_at: new Date().toISOString(),
      capacity: state.tube.capacity,
      retest: state.tube.retest,
      id_type: idType || "resident_id"
    };
    if (code) { scan.code = text; } else { scan.id_number = text.replace(/\s+/g, ""); }
    if (walkIn) { scan.walk_in = walkIn; }
    enqueue({ kind: "scan", scan: scan });
    state.tube.members.push({
      client_id: cid,
      key: key,
      name: walkIn ? walkIn.name : "",
      pid: code ? "" : maskId(scan.id_number),
      status: "queued",
      message: ""
    });
    save();
    say("queued", S.queued + (code ? " · " + S.personal_code : " · " + maskId(scan.id_number)));
    render();
    if (placesLeft() <= 0) { callout(); }
    flushSoon();
    return true;
  }

  function removeMember(cid, reason) {
    reason = String(reason || "").trim();
    if (!reason) { say("refused", S.reason_needed); return false; }
    var m = findMember(cid);
    if (!m) { return false; }
    m.status = "removed";
    m.message = reason;
    enqueue({ kind: "removal", client_id: cid, reason: reason.slice(0, 200) });
    say("info", S.removed + (m.name ? " · " + m.name : ""));
    render();
    flushSoon();
    return true;
  }

  function sealTube() {
    var t = state.tube;
    if (!t) { return; }
    if (!live(t).length) { say("refused", S.seal_empty); return; }
    enqueue({ kind: "seal", barcode: t.barcode });
    state.sealed.unshift({ barcode: t.barcode, count: live(t).length, capacity: t.capacity, at: new Date().toISOString() });
    state.sealed = state.sealed.slice(0, 20);
    state.tube = null;
    save();
    say("info", fmt(S.sealed, { t: t.barcode }));
    render();
    flushSoon();
    $("tube-input").focus();
  }

  function findMember(cid) {
    var t = state.tube;
    if (!t) { return null; }
    for (var i = 0; i < t.members.length; i++) { if (t.members[i].client_id === cid) { return t.members[i]; } }
    return null;
  }

  /* ---------------------------------------------------------------- sending */

  function nextBatch() {
    /* The server handles a batch's scans first, then removals, then seals: never let a scan
       ride after a removal or seal queued before it, so that the order of actions is kept. */
    var batch = [], afterAction = false;
    for (var i = 0; i < state.queue.length && batch.length < BATCH; i++) {
      var op = state.queue[i];
      if (op.kind === "scan" && afterAction) { break; }
      if (op.kind !== "scan") { afterAction = true; }
      batch.push(op);
    }
    return batch;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": cfg.csrf, "Accept": "application/json" },
      body: JSON.stringify(body)
    });
  }

  function flushSoon() { nextTryAt = 0; setTimeout(flush, 0); }

  /* One tab at a time sends this table's queue (another tab, or an older page, may hold the same
     queue): the lock's holder reads the queue afresh from storage. The server knows each scan by
     its client_id, so even a batch sent twice is stored once. */
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

  function flushNow() {
    if (flushing || !state.queue.length) { renderStatus(); return Promise.resolve(); }
    if (navigator.onLine === false) { lastNet = "offline"; renderStatus(); return Promise.resolve(); }
    var batch = nextBatch();
    var body = { table_no: cfg.table, scans: [], removals: [], seals: [], opens: [] };
    batch.forEach(function (op) {
      if (op.kind === "scan") { body.scans.push(op.scan); }
      else if (op.kind === "removal") { body.removals.push({ client_id: op.client_id, reason: op.reason }); }
      else if (op.kind === "seal") { body.seals.push(op.barcode); }
      else if (op.kind === "open") { body.opens.push({ tube: op.tube, capacity: op.capacity, retest: op.retest, seal: op.seal || "" }); }
    });
    flushing = true;
    return post(cfg.uploadUrl, body).then(function (resp) {
      if (resp.status === 200) {
        return resp.json().then(function (data) {
          lastNet = "online";
          if (apply(batch, data)) { failures = 0; } else { fail(200); }  /* no progress: do not spin */
        });
      }
      fail(resp.status);
      if (resp.status === 422) {
        return resp.json().then(function (d) {
          var detail = d && d.detail; if (detail && detail.join) { detail = detail.join("; "); }
          say("refused", fmt(S.server_error, { m: detail || resp.status }));
        }, function () {});
      }
    })["catch"](function () { fail(0); }).then(function () {
      flushing = false;
      renderStatus();
      render();
      if (state.queue.length && failures === 0) { setTimeout(flush, 0); }
    });
  }

  function fail(status) {
    failures += 1;
    nextTryAt = Date.now() + Math.min(MAX_BACKOFF_MS, 1000 * Math.pow(2, failures));
    if (status === 200) { return; }
    lastNet = status === 401 || status === 403 ? "login" : (navigator.onLine === false ? "offline" : "unreachable");
  }

  function apply(batch, data) {
    var results = {}, removals = {}, seals = {}, opens = {};
    (data.results || []).forEach(function (r) { results[r.client_id] = r; });
    (data.removals || []).forEach(function (r) { removals[r.key] = r; });
    (data.seals || []).forEach(function (r) { seals[r.key] = r; });
    (data.opens || []).forEach(function (r) { opens[r.key] = r; });
    var done = {};
    batch.forEach(function (op) {
      if (op.kind === "scan") {
        var r = results[op.scan.client_id];
        if (!r) { return; }
        done[op.opid] = true;
        scanAnswered(op, r);
      } else if (op.kind === "removal") {
        var rm = removals[op.client_id];
        if (!rm || rm.retry) { return; }  /* an outage met this action alone: kept, sent again */
        done[op.opid] = true;
        if (!rm.ok) { problem({ client_id: op.client_id, message: rm.message, name: "", tube: "" }); }
      } else if (op.kind === "seal") {
        var sl = seals[normBarcode(op.barcode)];
        if (!sl || sl.retry) { return; }
        done[op.opid] = true;
        if (!sl.ok) { problem({ client_id: "", message: sl.message, name: "", tube: op.barcode }); }
      } else if (op.kind === "open") {
        var on = opens[normBarcode(op.tube)];
        if (!on || on.retry) { return; }
        done[op.opid] = true;
        if (!on.ok) { problem({ client_id: "", message: on.message, name: "", tube: op.tube }); }
      }
    });
    var before = state.queue.length;
    answersApplied += 1;
    state.queue = state.queue.filter(function (op) { return !done[op.opid]; });
    save();
    return state.queue.length < before;
  }

  function scanAnswered(op, r) {
    var m = null;
    var t = state.tube;
    if (t && t.barcode === op.scan.tube) { m = findMember(op.scan.client_id); }
    var who = [r.person_name || (m && m.name), r.person_id || (m && m.pid)].filter(Boolean).join(" · ");
    if (r.status === "accepted" || r.status === "duplicate") {
      if (m) {
        if (m.status === "queued") { m.status = r.status; }
        m.name = r.person_name || m.name;
        m.pid = r.person_id || m.pid;
      }
      if (t && t.barcode === r.tube && r.capacity) { t.capacity = r.capacity; }
      say(r.status, (r.status === "accepted" ? S.accepted : S.duplicate) + (who ? " · " + who : ""));
    } else {
      if (m) { m.status = "refused"; m.message = r.message; m.name = r.person_name || m.name; m.pid = r.person_id || m.pid; }
      /* a removal queued for a scan that was refused has nothing to remove */
      state.queue = state.queue.filter(function (q) { return !(q.kind === "removal" && q.client_id === op.scan.client_id); });
      problem({ client_id: op.scan.client_id, message: r.message, name: who, tube: op.scan.tube });
      say("refused", S.refused + (who ? " · " + who : "") + " · " + r.message);
    }
    if (r.tube_full && t && t.barcode === r.tube) { callout(); }
  }

  function problem(p) {
    p.id = uuid4();
    p.at = new Date().toISOString();
    state.problems.unshift(p);
    state.problems = state.problems.slice(0, 100);
  }

  /* After a reload (or a tube typed again), take the open tube's members from the server. */
  function refreshTubes() {
    if (navigator.onLine === false) { return; }
    var asked = answersApplied;
    fetch(cfg.tubesUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } }).then(function (resp) {
      if (resp.status !== 200) { return null; }
      return resp.json();
    }).then(function (tubes) {
      if (!tubes) { return; }
      /* An upload was answered while this list was on its way: the list may predate those
         scans and would drop them (or the whole tube). Ask again rather than trust it. */
      if (answersApplied !== asked) { refreshTubes(); return; }
      var byCode = {};
      tubes.forEach(function (t) { byCode[t.barcode] = t; });
      var local = state.tube;
      if (!local) {
        /* after a reload with no tube here: carry on with the table's open tube, unless it is
           one this phone has just sealed (the seal may still be waiting to be sent) */
        var done = {};
        state.sealed.forEach(function (s) { done[s.barcode] = true; });
        state.queue.forEach(function (op) {
          if (op.kind === "seal") { done[op.barcode] = true; }
          if (op.kind === "open" && op.seal) { done[op.seal] = true; }
        });
        var open = tubes.filter(function (t) { return !done[t.barcode]; });
        if (open.length) {
          var last = open[open.length - 1];
          local = state.tube = { barcode: last.barcode, capacity: last.capacity, retest: last.kind === "retest", members: [] };
        }
      }
      if (local && byCode[local.barcode]) {
        var server = byCode[local.barcode];
        local.capacity = server.capacity;
        local.retest = server.kind === "retest";
        var known = {};
        server.members.forEach(function (sm) { known[sm.client_id] = true; });
        var mine = {};
        local.members.forEach(function (m) { mine[m.client_id] = m; });
        var merged = server.members.map(function (sm) {
          var m = mine[sm.client_id] || { client_id: sm.client_id, key: "" };
          m.name = sm.person_name; m.pid = sm.person_id;
          if (m.status !== "removed") { m.status = "accepted"; }
          return m;
        });
        local.members.forEach(function (m) {
          if (!known[m.client_id] && (m.status === "queued" || m.status === "removed" || m.status === "refused")) { merged.push(m); }
        });
        local.members = merged;
      } else if (local && !byCode[local.barcode]) {
        /* not open on the server: sealed elsewhere, unless some of it is still waiting here */
        var waiting = state.queue.some(function (op) { return op.kind === "scan" && op.scan.tube === local.barcode; });
        var sent = local.members.some(function (m) { return m.status === "accepted" || m.status === "duplicate"; });
        if (!waiting && sent) { state.tube = null; }
      }
      save();
      render();
    }, function () {});
  }

  /* ---------------------------------------------------------------- rendering */

  var lastStatus = "";
  function say(kind, text) {
    var el = $("last-result");
    el.dataset.status = kind;
    el.textContent = text;
    lastStatus = kind;
  }

  function callout() {
    var t = state.tube;
    if (!t) { return; }
    $("tube-full-text").textContent = fmt(S.tube_full, { t: t.barcode });
    $("tube-full").hidden = false;
    if (navigator.vibrate) { try { navigator.vibrate([200, 100, 200]); } catch (e) { /* ignore */ } }
  }

  function renderStatus() {
    var net = $("net-status");
    var state_ = navigator.onLine === false ? "offline" : (lastNet === "unknown" ? "online" : lastNet);
    net.dataset.state = state_;
    net.textContent = state_ === "online" ? S.online : (state_ === "offline" ? S.offline : (state_ === "login" ? S.login : S.unreachable));
    var n = state.queue.length;
    var q = $("queue-count");
    q.dataset.count = String(n);
    var oldest = n ? state.queue.reduce(function (a, op) { return op.at && op.at < a ? op.at : a; }, state.queue[0].at || "") : "";
    q.dataset.since = oldest;
    q.textContent = n ? fmt(S.waiting_since, { n: n, t: hhmm(oldest) }) : S.all_sent;
    var detail = $("queue-detail");
    detail.textContent = n ? queueSummary() : "";
    detail.hidden = !n;
  }

  function hhmm(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) { return "?"; }
    var two = function (v) { return (v < 10 ? "0" : "") + v; };
    var day = new Date();
    var same = d.getFullYear() === day.getFullYear() && d.getMonth() === day.getMonth() && d.getDate() === day.getDate();
    return (same ? "" : (d.getMonth() + 1) + "-" + d.getDate() + " ") + two(d.getHours()) + ":" + two(d.getMinutes());
  }
  function queueSummary() {
    var by = { scan: 0, removal: 0, seal: 0, open: 0 };
    state.queue.forEach(function (op) { by[op.kind] = (by[op.kind] || 0) + 1; });
    return fmt(S.queue_kinds, { scans: by.scan, removals: by.removal, seals: by.seal + by.open });
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function render() {
    var t = state.tube;
    $("retest-mode").checked = !!state.retest;
    $("pool-size").disabled = !!state.retest;
    $("tube-info").hidden = !t;
    if (t) {
      var left = placesLeft();
      $("tube-barcode").textContent = t.barcode;
      $("tube-kind").textContent = t.retest ? S.retest_tube : String(t.capacity) + "→1";
      var places = $("tube-places");
      places.dataset.left = String(left);
      places.dataset.capacity = String(t.capacity);
      places.textContent = fmt(S.places, { left: left, n: t.capacity });
      places.className = "ta-places" + (left === 0 ? " full" : "");
      $("tube-bar").style.width = (100 * (t.capacity - left) / t.capacity) + "%";
      $("tube-full").hidden = left > 0;
      if (left === 0) { $("tube-full-text").textContent = fmt(S.tube_full, { t: t.barcode }); }
    } else {
      $("tube-full").hidden = true;
    }
    $("seal-btn").disabled = !(t && live(t).length);
    var list = $("tube-members");
    list.textContent = "";
    (t ? t.members : []).forEach(function (m) {
      var li = el("li", "ta-member st-" + m.status);
      li.dataset.clientId = m.client_id;
      li.dataset.status = m.status;
      var who = el("span", "ta-who", m.name || (m.pid ? "" : S.personal_code));
      if (m.pid) { who.appendChild(el("span", "mono muted", " " + m.pid)); }
      li.appendChild(who);
      var label = { queued: S.queued, accepted: S.accepted, duplicate: S.duplicate, refused: S.refused, removed: S.removed }[m.status] || m.status;
      li.appendChild(el("span", "ta-st", label + (m.message ? " · " + m.message : "")));
      if (m.status === "queued" || m.status === "accepted" || m.status === "duplicate") {
        var b = el("button", "secondary ta-remove-btn btn btn-outline-primary btn-sm", S.remove);
        b.type = "button";
        b.dataset.clientId = m.client_id;
        li.appendChild(b);
      }
      list.appendChild(li);
    });
    var plist = $("problem-list");
    plist.textContent = "";
    state.problems.forEach(function (p) {
      var li = el("li", "ta-problem");
      li.dataset.problemId = p.id;
      li.appendChild(el("span", "", [p.tube, p.name, p.message].filter(Boolean).join(" · ")));
      var b = el("button", "secondary ta-dismiss btn btn-outline-primary btn-sm", S.dismiss);
      b.type = "button";
      b.dataset.problemId = p.id;
      li.appendChild(b);
      plist.appendChild(li);
    });
    $("problems").hidden = !state.problems.length;
    var slist = $("sealed-list");
    slist.textContent = "";
    state.sealed.forEach(function (s) {
      slist.appendChild(el("li", "", s.barcode + " · " + s.count + "/" + s.capacity + " · " + new Date(s.at).toLocaleTimeString()));
    });
    $("sealed-box").hidden = !state.sealed.length;
    renderStatus();
  }

  /* ---------------------------------------------------------------- camera */

  var scanner = null, scanMode = "person", lastText = "", lastAt = 0;
  function onScan(text) {
    var now = Date.now();
    if (text === lastText && now - lastAt < 3000) { return; }  /* the same code held in front of the camera */
    lastText = text; lastAt = now;
    if (navigator.vibrate) { try { navigator.vibrate(60); } catch (e) { /* ignore */ } }
    if (scanMode === "tube") { openTube(text); scanMode = "person"; }
    else { checkIn(text, "resident_id"); }
  }
  function startCamera(mode) {
    scanMode = mode;
    if (!window.Html5Qrcode) { say("refused", S.camera_missing); return; }
    $("reader-box").hidden = false;
    if (scanner && scanner.isScanning) { return; }
    scanner = scanner || new window.Html5Qrcode("reader");
    scanner.start({ facingMode: "environment" }, { fps: 10, qrbox: 220 }, onScan, function () {})
      .catch(function () { $("reader-box").hidden = true; say("refused", S.camera_failed); });
  }
  function stopCamera() {
    if (scanner && scanner.isScanning) { scanner.stop().then(function () { $("reader-box").hidden = true; }); }
    else { $("reader-box").hidden = true; }
  }

  /* ---------------------------------------------------------------- wiring */

  var removing = null;
  $("tube-form").addEventListener("submit", function (e) { e.preventDefault(); openTube($("tube-input").value); });
  $("person-form").addEventListener("submit", function (e) {
    e.preventDefault();
    if (checkIn($("person-input").value, $("person-id-type").value)) { $("person-input").value = ""; }
    $("person-input").focus();
  });
  $("retest-mode").addEventListener("change", function () {
    state.retest = this.checked;
    var t = state.tube;
    if (t && !t.members.length) { t.retest = state.retest; t.capacity = state.retest ? 1 : (parseInt($("pool-size").value, 10) || cfg.poolSize); }
    save(); render();
  });
  $("pool-size").addEventListener("change", function () {
    var t = state.tube;
    if (t && !t.members.length && !t.retest) { t.capacity = parseInt(this.value, 10) || cfg.poolSize; save(); render(); }
  });
  $("scan-tube").addEventListener("click", function () { startCamera("tube"); });
  $("scan-person").addEventListener("click", function () { startCamera("person"); });
  $("scan-stop").addEventListener("click", stopCamera);
  $("seal-btn").addEventListener("click", sealTube);
  $("tube-switch-seal").addEventListener("click", function () { if (pendingOpen) { openTube(pendingOpen, true); } });
  $("tube-switch-keep").addEventListener("click", function () {
    pendingOpen = null;
    $("tube-switch").hidden = true;
    $("person-input").focus();
  });
  $("seal-next").addEventListener("click", function () { sealTube(); if (scanner && scanner.isScanning) { scanMode = "tube"; } });
  $("tube-members").addEventListener("click", function (e) {
    var b = e.target.closest(".ta-remove-btn");
    if (!b) { return; }
    var m = findMember(b.dataset.clientId);
    if (!m) { return; }
    removing = m.client_id;
    $("remove-who").textContent = [m.name, m.pid].filter(Boolean).join(" · ") || S.personal_code;
    $("remove-form").hidden = false;
    $("remove-reason").value = "";
    $("remove-reason").focus();
  });
  $("remove-form").addEventListener("submit", function (e) {
    e.preventDefault();
    if (removing && removeMember(removing, $("remove-reason").value)) { removing = null; this.hidden = true; }
  });
  $("remove-cancel").addEventListener("click", function () { removing = null; $("remove-form").hidden = true; });
  $("walkin-toggle").addEventListener("click", function () {
    var f = $("walkin-form");
    f.hidden = !f.hidden;
    this.setAttribute("aria-expanded", String(!f.hidden));
    if (!f.hidden) { $("walkin-name").focus(); }
  });
  $("walkin-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var name = $("walkin-name").value.trim(), number = $("walkin-id").value.trim();
    if (!name || !number) { say("refused", S.walk_in_needed); return; }
    var grid = parseInt($("walkin-grid").value, 10);
    var ok = checkIn(number, $("walkin-id-type").value, {
      name: name.slice(0, 60),
      phone: $("walkin-phone").value.trim(),
      grid_id: isNaN(grid) ? null : grid
    });
    if (ok) { this.reset(); this.hidden = true; $("walkin-toggle").setAttribute("aria-expanded", "false"); }
  });
  $("problem-list").addEventListener("click", function (e) {
    var b = e.target.closest(".ta-dismiss");
    if (!b) { return; }
    state.problems = state.problems.filter(function (p) { return p.id !== b.dataset.problemId; });
    save(); render();
  });

  window.addEventListener("online", function () { failures = 0; nextTryAt = 0; lastNet = "online"; renderStatus(); flush(); refreshTubes(); });
  window.addEventListener("offline", function () { lastNet = "offline"; renderStatus(); });
  window.addEventListener("storage", function (e) {
    if (e.key === cfg.key || cfg.legacyKeys.indexOf(e.key) >= 0) { state = loadState(); render(); }
  });
  /* back from the background (or a discarded tab restored): send what waits */
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && state.queue.length) { nextTryAt = 0; flush(); }
  });
  setInterval(function () { if (state.queue.length && Date.now() >= nextTryAt) { flush(); } }, TICK_MS);

  /* Exposed for diagnosis (and the browser tests): the queue and a way to send it now. */
  window.wanggeTable = {
    state: function () { return state; },
    storageKey: cfg.key,
    flush: function () { nextTryAt = 0; return flush(); },
    post: function (body) { return post(cfg.uploadUrl, body).then(function (r) { return r.json(); }); }
  };

  save();  /* the context of this visit, and a carried-over queue in the current format */
  render();
  flush();
  refreshTubes();
})();
