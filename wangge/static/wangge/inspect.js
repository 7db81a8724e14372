/* Wangge · the inspection team's phone page (inspections:inspect).
 *
 * Offline-safe like the sampling table (table.js): every answer, photo and submission is first
 * written to one queue kept in localStorage under a versioned key (wangge.inspect.v1), for every
 * inspection this phone works on, then sent in order: answers and submissions in batches to
 * POST /api/v1/inspections/sync, a photo on its own to …/photos. An operation leaves the queue
 * only once the server has answered it; network errors and 5xx keep it (with backoff). Each
 * answer carries an id made here, the same for one item on this phone, so a re-sent batch is
 * recognised and never stored twice; an item already answered from another phone is refused by
 * the server and said so here. Photos are resized on the phone with a canvas and re-encoded as
 * JPEG (which drops their metadata, location included) before they are queued.
 *
 * The photos themselves are kept in IndexedDB (database wangge.inspect, store photos, keyed by the
 * photo's client id), not in the queue: a few photos would overflow localStorage's few megabytes.
 * A photo operation in the queue only names its photo. A queue written by the previous version
 * (the photo's data inside the operation) is moved on load, one photo at a time, each removed
 * from the queue's copy only once IndexedDB holds it; without IndexedDB the photo stays inline.
 */
(function () {
  "use strict";

  var app = document.getElementById("inspect-app");
  if (!app) { return; }
  var S = JSON.parse(document.getElementById("inspect-strings").textContent);
  var cfg = {
    id: parseInt(app.dataset.inspectionId, 10),
    csrf: app.dataset.csrf,
    syncUrl: app.dataset.syncUrl,
    photoUrl: app.dataset.photoUrl,
    key: app.dataset.storageKey,
    open: app.dataset.open === "1",
    reinspection: app.dataset.reinspection === "1",
    maxBytes: (parseInt(app.dataset.maxMb, 10) || 5) * 1024 * 1024
  };
  var FORMAT = 2;  /* 2: photos in IndexedDB (1 kept them inline, as data: URLs) */
  var BATCH = 200, TICK_MS = 3000, MAX_BACKOFF_MS = 60000, MAX_SIDE = 1280;

  var shared = window.Wangge;  /* app.js: helpers every field page uses */
  var $ = shared.byId, fmt = shared.fmt, uuid4 = shared.uuid4;

  /* ---------------------------------------------------------------- photos in IndexedDB */

  var DB_NAME = "wangge.inspect", STORE = "photos";
  var dbOpen = null;
  function db() {
    if (!dbOpen) {
      dbOpen = new Promise(function (resolve, reject) {
        if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
        var req = window.indexedDB.open(DB_NAME, 1);
        req.onupgradeneeded = function () { req.result.createObjectStore(STORE); };
        req.onsuccess = function () { resolve(req.result); };
        req.onerror = function () { reject(req.error); };
      });
    }
    return dbOpen;
  }
  function inStore(mode, fn) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var tx = d.transaction(STORE, mode), req = fn(tx.objectStore(STORE));
        tx.oncomplete = function () { resolve(req.result); };
        tx.onerror = tx.onabort = function () { reject(tx.error); };
      });
    });
  }
  function putPhoto(id, blob) { return inStore("readwrite", function (s) { return s.put(blob, id); }); }
  function getPhoto(id) { return inStore("readonly", function (s) { return s.get(id); }); }
  function deletePhoto(id) { return inStore("readwrite", function (s) { return s.delete(id); }).catch(function () {}); }

  /* ---------------------------------------------------------------- state */

  function blank() { return { format: FORMAT, queue: [], answers: {}, photos: {}, done: {}, problems: [] }; }
  function load() {
    var s = null;
    try { s = JSON.parse(window.localStorage.getItem(cfg.key) || "null"); } catch (e) { s = null; }
    if (!s || typeof s !== "object") { return blank(); }
    var b = blank();
    for (var k in b) { if (s[k] === undefined || s[k] === null) { s[k] = b[k]; } }
    s.format = FORMAT;
    return s;
  }
  var state = load();
  function save() { window.localStorage.setItem(cfg.key, JSON.stringify(state)); }
  function mine() {
    if (!state.answers[cfg.id]) { state.answers[cfg.id] = {}; }
    return state.answers[cfg.id];
  }
  function photoCount(item) { return ((state.photos[cfg.id] || {})[item] || 0); }
  function enqueue(op) {
    op.opid = uuid4();
    op.at = new Date().toISOString();
    op.inspection = cfg.id;
    state.queue.push(op);
    save();  /* persisted before any network call */
    renderStatus();
    flushSoon();
  }

  /* ---------------------------------------------------------------- answers */

  function card(item) { return app.querySelector('.insp-item[data-item="' + item + '"]'); }
  function answer(item, result) {
    var a = mine()[item] || { cid: uuid4() };
    a.result = result;
    a.note = card(item).querySelector(".insp-note").value;
    mine()[item] = a;
    /* an answer of the same item still waiting is replaced: only the last one counts */
    state.queue = state.queue.filter(function (op) {
      return !(op.kind === "answer" && op.inspection === cfg.id && op.item === item);
    });
    enqueue({ kind: "answer", item: item, result: result, note: a.note, client_id: a.cid });
    render();
  }

  function photo(item, file) {
    var box = card(item).querySelector(".insp-photo-state");
    if (!file) { return; }
    if (!/^image\//.test(file.type || "")) { box.textContent = S.not_image; return; }
    if (file.size > 4 * cfg.maxBytes) { box.textContent = fmt(S.too_big, { mb: cfg.maxBytes / 1048576 }); return; }
    /* decoded without a blob: or object URL (the page's Content-Security-Policy allows neither) */
    var draw = function (img, width, height) {
      var scale = Math.min(1, MAX_SIDE / Math.max(width, height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(width * scale);
      canvas.height = Math.round(height * scale);
      canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
      /* re-encoded: nothing of the original file's metadata survives */
      var data = canvas.toDataURL("image/jpeg", 0.8);
      var bytes = Math.round((data.length - 23) * 3 / 4);
      if (bytes > cfg.maxBytes) { box.textContent = fmt(S.too_big, { mb: cfg.maxBytes / 1048576 }); return; }
      var id = uuid4();
      var kept = function (op) {
        if (!state.photos[cfg.id]) { state.photos[cfg.id] = {}; }
        state.photos[cfg.id][item] = photoCount(item) + 1;
        enqueue(op);
        box.textContent = fmt(S.photo_kept, { kb: Math.round(bytes / 1024) });
        box.dataset.state = "kept";
        render();
      };
      /* kept in IndexedDB first, then queued by name; without IndexedDB, inline as before */
      putPhoto(id, dataToBlob(data)).then(
        function () { kept({ kind: "photo", item: item, client_id: id, stored: "idb" }); },
        function () { kept({ kind: "photo", item: item, client_id: id, data: data }); }
      );
    };
    var refuse = function () { box.textContent = S.not_image; box.dataset.state = "refused"; };
    if (window.createImageBitmap) {
      window.createImageBitmap(file).then(function (bmp) { draw(bmp, bmp.width, bmp.height); }, refuse);
      return;
    }
    var reader = new FileReader();
    reader.onload = function () {
      var img = new Image();
      img.onload = function () { draw(img, img.naturalWidth, img.naturalHeight); };
      img.onerror = refuse;
      img.src = reader.result;
    };
    reader.onerror = refuse;
    reader.readAsDataURL(file);
  }

  function submit() {
    var items = app.querySelectorAll(".insp-item"), i, el, item, a, problem = "";
    for (i = 0; i < items.length && !problem; i++) {
      el = items[i];
      item = parseInt(el.dataset.item, 10);
      a = mine()[item];
      var result = a ? a.result : el.dataset.serverResult;
      var note = el.querySelector(".insp-note").value.trim();
      var photos = photoCount(item) + (parseInt(el.dataset.photos, 10) || 0);
      if (!result) { problem = S.need_all; }
      else if (result === "fail" && el.dataset.noteOnFail === "1" && !note) { problem = fmt(S.need_note, { item: el.dataset.text }); }
      else if (result === "fail" && el.dataset.photoOnFail === "1" && !photos) { problem = fmt(S.need_photo, { item: el.dataset.text }); }
    }
    if (problem) { $("result").textContent = problem; $("result").dataset.state = "refused"; return; }
    var op = { kind: "submit" };
    if (cfg.reinspection) {
      op.days = parseInt($("extend-days").value, 10) || 0;
      op.reason = $("extend-reason").value;
    } else {
      op.days = parseInt($("deadline-days").value, 10) || 0;
      op.suspend = $("suspend").checked;
    }
    enqueue(op);
    $("result").textContent = S.queued_submit;
    $("result").dataset.state = "queued";
    $("submit-inspection").disabled = true;
  }

  /* ---------------------------------------------------------------- sending */

  var flushing = false, failures = 0, nextTryAt = 0, timer = null;
  var net = navigator.onLine === false ? "offline" : "online";
  function flushSoon() { if (timer) { return; } timer = setTimeout(function () { timer = null; flush(); }, 50); }
  function post(url, body, json) {
    var headers = { "X-CSRFToken": cfg.csrf, "Accept": "application/json" };
    if (json) { headers["Content-Type"] = "application/json"; }
    return fetch(url, { method: "POST", credentials: "same-origin", headers: headers, body: json ? JSON.stringify(body) : body });
  }
  function dataToBlob(data) {
    var bin = atob(data.split(",")[1]), arr = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { arr[i] = bin.charCodeAt(i); }
    return new Blob([arr], { type: "image/jpeg" });
  }
  function fail(status) {
    failures += 1;
    nextTryAt = Date.now() + Math.min(MAX_BACKOFF_MS, 1000 * Math.pow(2, failures));
    net = status === 401 || status === 403 ? "login" : (navigator.onLine === false ? "offline" : "unreachable");
  }
  var moving = true;  /* the previous version's photos are being moved: nothing is sent meanwhile */
  function flush() {
    if (moving) { return Promise.resolve(); }
    if (flushing || !state.queue.length) { renderStatus(); return Promise.resolve(); }
    if (navigator.onLine === false) { net = "offline"; renderStatus(); return Promise.resolve(); }
    var run = function () { return send(); };
    if (navigator.locks && navigator.locks.request) {
      return navigator.locks.request("wangge.inspect.flush", { ifAvailable: true }, function (lock) {
        return lock ? run() : null;
      });
    }
    return run();
  }
  function send() {
    state = load();  /* another tab may have sent part of it */
    if (!state.queue.length) { renderStatus(); return Promise.resolve(); }
    flushing = true;
    var first = state.queue[0], request;
    if (first.kind === "photo") {
      var blob = first.data ? Promise.resolve(dataToBlob(first.data)) : getPhoto(first.client_id);
      request = blob.then(function (file) {
        if (!file) { problem(S.photo_lost); drop([first.opid]); return true; }
        var form = new FormData();
        form.append("item", first.item);
        form.append("client_id", first.client_id);
        form.append("file", file, first.client_id + ".jpg");
        return post(cfg.photoUrl.replace(/\/inspections\/\d+\//, "/inspections/" + first.inspection + "/"), form, false)
          .then(function (resp) {
            if (resp.status === 200) { drop([first.opid]); deletePhoto(first.client_id); return true; }
            if (resp.status === 422 || resp.status === 404) {
              return resp.json().then(function (d) {
                problem((d && d.detail) || resp.status); drop([first.opid]); deletePhoto(first.client_id); return true;
              });
            }
            fail(resp.status); return false;
          });
      });
    } else {
      var batch = [];
      for (var i = 0; i < state.queue.length && batch.length < BATCH && state.queue[i].kind !== "photo"; i++) {
        batch.push(state.queue[i]);
      }
      var ops = batch.map(function (op) {
        var o = { opid: op.opid, kind: op.kind, inspection: op.inspection };
        ["item", "result", "note", "client_id", "days", "suspend", "reason"].forEach(function (k) { if (op[k] !== undefined) { o[k] = op[k]; } });
        return o;
      });
      request = post(cfg.syncUrl, { ops: ops }, true).then(function (resp) {
        if (resp.status === 200) { return resp.json().then(function (d) { applyResults(batch, d.results || []); return true; }); }
        if (resp.status === 422) {
          return resp.json().then(function (d) { problem((d && d.detail) || resp.status); drop(batch.map(function (op) { return op.opid; })); return true; });
        }
        fail(resp.status); return false;
      });
    }
    return request.then(function (ok) {
      if (ok) { failures = 0; net = "online"; }
    }, function () { fail(0); }).then(function () {
      flushing = false;
      renderStatus();
      render();
      if (state.queue.length && failures === 0) { setTimeout(flush, 0); }
    });
  }
  function drop(opids) {
    var gone = {};
    opids.forEach(function (id) { gone[id] = true; });
    state.queue = state.queue.filter(function (op) { return !gone[op.opid]; });
    save();
  }
  function applyResults(batch, results) {
    var byId = {}, done = [];
    results.forEach(function (r) { byId[r.opid] = r; });
    batch.forEach(function (op) {
      var r = byId[op.opid];
      if (!r) { return; }
      done.push(op.opid);
      if (!r.ok) {
        problem(r.message);
        if (op.kind === "answer" && state.answers[op.inspection]) { delete state.answers[op.inspection][op.item]; }
        if (op.kind === "submit" && op.inspection === cfg.id) { $("submit-inspection").disabled = false; $("result").textContent = r.message; $("result").dataset.state = "refused"; }
        return;
      }
      if (op.kind === "submit" && op.inspection === cfg.id) { showOutcome(r); }
    });
    drop(done);
  }
  function showOutcome(r) {
    var verdict = r.verdict === "fail" ? S.fail : S.pass;
    $("result").textContent = fmt(S.submitted, { score: r.score, max: r.max_score, verdict: verdict });
    $("result").dataset.state = "saved";
    var info = "";
    if (r.order) { info = fmt(S.order, { no: r.order.notice_no, deadline: r.order.deadline }); }
    if (r.order_status === "closed") { info = S.order_closed; }
    else if (r.order_status === "open" && r.order_deadline) { info = fmt(S.order_extended, { deadline: r.order_deadline }); }
    $("order-info").textContent = info;
    $("order-info").dataset.state = r.order_status || (r.order ? "open" : "none");
    state.done[cfg.id] = { verdict: r.verdict, info: info };
  }
  function problem(message) {
    state.problems.unshift({ message: String(message), at: new Date().toISOString() });
    state.problems = state.problems.slice(0, 20);
    save();
  }

  /* ---------------------------------------------------------------- display */

  function renderStatus() {
    var el = $("net-status");
    if (navigator.onLine === false) { net = "offline"; }
    el.dataset.state = net;
    el.textContent = net === "offline" ? S.offline : net === "unreachable" ? S.unreachable : net === "login" ? S.login : S.online;
    var n = state.queue.length;
    $("queue-count").dataset.count = String(n);
    $("queue-count").textContent = n ? fmt(S.waiting, { n: n }) : S.all_sent;
  }
  function render() {
    var items = app.querySelectorAll(".insp-item");
    for (var i = 0; i < items.length; i++) {
      var el = items[i], item = parseInt(el.dataset.item, 10), a = mine()[item];
      var result = a ? a.result : el.dataset.serverResult;
      el.dataset.result = result || "";
      var buttons = el.querySelectorAll(".insp-answer");
      for (var j = 0; j < buttons.length; j++) {
        var on = buttons[j].dataset.result === result;
        buttons[j].classList.toggle("active", on);
        buttons[j].setAttribute("aria-pressed", on ? "true" : "false");
      }
      if (a && a.note !== undefined && document.activeElement !== el.querySelector(".insp-note")) { el.querySelector(".insp-note").value = a.note; }
    }
    var box = $("problems");
    box.hidden = !state.problems.length;
    box.textContent = state.problems.map(function (p) { return fmt(S.refused, { m: p.message }); }).join("\n");
    var done = state.done[cfg.id];
    if (done && !$("order-info").textContent) { $("order-info").textContent = done.info; }
  }

  app.addEventListener("click", function (e) {
    var btn = e.target.closest(".insp-answer");
    if (btn && cfg.open) { answer(parseInt(btn.closest(".insp-item").dataset.item, 10), btn.dataset.result); }
  });
  app.addEventListener("change", function (e) {
    var el = e.target;
    var itemEl = el.closest ? el.closest(".insp-item") : null;
    if (!itemEl || !cfg.open) { return; }
    var item = parseInt(itemEl.dataset.item, 10);
    if (el.classList.contains("insp-note")) {
      var a = mine()[item];
      var result = a ? a.result : itemEl.dataset.serverResult;
      if (result) { answer(item, result); }
    } else if (el.classList.contains("insp-photo")) {
      photo(item, el.files && el.files[0]);
      el.value = "";
    }
  });
  $("submit-inspection").addEventListener("click", submit);
  window.addEventListener("online", function () { failures = 0; nextTryAt = 0; net = "online"; flush(); });
  window.addEventListener("offline", function () { net = "offline"; renderStatus(); });
  setInterval(function () { if (state.queue.length && Date.now() >= nextTryAt) { flush(); } }, TICK_MS);

  /* A queue of the previous version: its photos moved to IndexedDB, one at a time, each taken out
     of the queue's copy only once stored (a failure leaves it inline: it is still sent). */
  function movePhotos() {
    var inline = state.queue.filter(function (op) { return op.kind === "photo" && op.data; });
    return inline.reduce(function (chain, op) {
      return chain.then(function () {
        return putPhoto(op.client_id, dataToBlob(op.data)).then(function () {
          state = load();
          state.queue.forEach(function (q) {
            if (q.opid === op.opid) { delete q.data; q.stored = "idb"; }
          });
          save();
        });
      });
    }, Promise.resolve()).catch(function () {});
  }

  /* for tests and the curious */
  window.wanggeInspect = {
    state: function () { return load(); },
    flush: function () { nextTryAt = 0; return flush(); },
    photo: function (id) { return getPhoto(id).then(function (b) { return b ? b.size : null; }); },
    moved: null
  };
  render();
  renderStatus();
  window.wanggeInspect.moved = movePhotos().then(function () {
    moving = false;
    state = load();
    state.format = FORMAT;
    save();
    return flush();
  });
})();
