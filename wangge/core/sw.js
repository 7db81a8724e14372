/* Wangge · the service worker, served at /sw.js by wangge.core.views.service_worker (which puts
 * the configuration below in place: see wangge/core/offline.py).
 *
 * - install: precache the app shell and the vendored assets of this version, and the short
 *   "no network" page; activate: carry the kept pages over to this version, delete every older
 *   cache, take the open pages.
 * - a page (a navigation) goes to the network first. An answer that declares itself
 *   offline-capable (header X-Wangge-Offline: 1) is kept; when the network is down (or the server
 *   fails with a 5xx, or is silent for 6 s), the kept copy is shown, or else (network down) the
 *   "no network" page.
 * - a precached asset is answered from the cache; anything else (the API, POSTs, other static
 *   files) goes to the network untouched: the pages' own scripts keep their queues.
 * - messages from a page: {type: "keep-page", url} keeps that page now (its first visit came
 *   before this worker controlled it) and answers {type: "page-kept", url, ok};
 *   {type: "forget-pages"} drops every kept page (someone logged out).
 */
"use strict";

var CONFIG = /*__WANGGE_CONFIG__*/null;
var PREFIX = "wangge-";
var SHELL = PREFIX + "shell-" + CONFIG.version;
var PAGES = PREFIX + "pages-" + CONFIG.version;
var ASSETS = {};
CONFIG.assets.forEach(function (url) { ASSETS[new URL(url, self.location.href).pathname] = true; });
var MATCH = { ignoreVary: true };
var NAV_TIMEOUT_MS = 6000;
var pending = {};  /* url -> promise of a page being put in the cache */

function keepable(resp) {
  return !!resp && resp.status === 200 && !resp.redirected && resp.type === "basic" &&
    resp.headers.get(CONFIG.header) === "1";
}

function keyOf(url) {
  var u = new URL(url, self.location.href);
  u.hash = "";
  return u.href;
}

function put(url, resp) {
  var key = keyOf(url);
  var p = caches.open(PAGES).then(function (cache) { return cache.put(key, resp); });
  pending[key] = p;
  return p.then(function () { if (pending[key] === p) { delete pending[key]; } });
}

function fetchPage(url) {
  return fetch(url, { credentials: "same-origin", cache: "no-store", redirect: "follow" });
}

self.addEventListener("install", function (event) {
  var urls = CONFIG.assets.concat([CONFIG.offline]);
  event.waitUntil(caches.open(SHELL).then(function (cache) {
    return cache.addAll(urls.map(function (u) { return new Request(u, { cache: "reload", credentials: "same-origin" }); }));
  }).then(function () { return self.skipWaiting(); }));
});

/* The pages kept by an older version: fetched again for this one (their assets may have
   changed), or copied as they are when the network does not answer. */
function carryPages(oldNames) {
  return caches.open(PAGES).then(function (target) {
    return Promise.all(oldNames.map(function (name) {
      return caches.open(name).then(function (old) {
        return old.keys().then(function (requests) {
          return Promise.all(requests.map(function (req) {
            var copyOld = function () {
              return old.match(req, MATCH).then(function (r) { return r ? target.put(req.url, r) : null; });
            };
            return fetchPage(req.url).then(function (resp) {
              return keepable(resp) ? target.put(req.url, resp) : copyOld();
            }, copyOld);
          }));
        });
      });
    }));
  });
}

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    var old = names.filter(function (n) { return n.indexOf(PREFIX) === 0 && n !== SHELL && n !== PAGES; });
    var oldPages = old.filter(function (n) { return n.indexOf(PREFIX + "pages-") === 0; });
    return carryPages(oldPages)["catch"](function () {}).then(function () {
      return Promise.all(old.map(function (n) { return caches["delete"](n); }));
    });
  }).then(function () { return self.clients.claim(); }));
});

function offlineAnswer(req) {
  var key = keyOf(req.url);
  return caches.open(PAGES).then(function (cache) { return cache.match(key, MATCH); }).then(function (kept) {
    if (kept) { return kept; }
    return caches.open(SHELL).then(function (cache) { return cache.match(CONFIG.offline, MATCH); });
  }).then(function (answer) {
    return answer || new Response("<!doctype html><meta charset=utf-8><title>离线</title><p>网络已断开，此页面无法离线打开。</p>",
      { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
  });
}

function keptPage(req) {
  return caches.open(PAGES).then(function (cache) { return cache.match(keyOf(req.url), MATCH); });
}

/* Network first. The kept copy of an offline-capable page answers instead when the network is
   down, when the server fails (5xx), or when the server has not answered in NAV_TIMEOUT_MS (a
   round's morning: a registrar should not stare at a blank page); a late answer still refreshes
   the kept copy. */
function navigate(event) {
  var req = event.request;
  var network = fetch(req);
  event.waitUntil(network.then(function (resp) {
    return keepable(resp) ? put(req.url, resp.clone()) : null;
  })["catch"](function () {}));
  return new Promise(function (resolve) {
    var settled = false;
    function answer(resp) { if (!settled) { settled = true; clearTimeout(timer); resolve(resp); } }
    var timer = setTimeout(function () {
      keptPage(req).then(function (kept) { if (kept) { answer(kept); } });
    }, NAV_TIMEOUT_MS);
    network.then(function (resp) {
      if (resp.status >= 500) {
        keptPage(req).then(function (kept) { answer(kept || resp); }, function () { answer(resp); });
      } else {
        answer(resp);
      }
    }, function () { offlineAnswer(req).then(answer); });
  });
}

self.addEventListener("fetch", function (event) {
  var req = event.request;
  if (req.method !== "GET") { return; }
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) { return; }
  if (req.mode === "navigate") { event.respondWith(navigate(event)); return; }
  if (ASSETS[url.pathname] && !url.search) {
    event.respondWith(caches.open(SHELL).then(function (cache) { return cache.match(url.pathname, MATCH); })
      .then(function (hit) { return hit || fetch(req); }));
  }
});

function keepPage(url) {
  var key = keyOf(url);
  var waiting = pending[key] || Promise.resolve();
  return waiting.then(function () {
    return caches.open(PAGES).then(function (cache) { return cache.match(key, MATCH); });
  }).then(function (kept) {
    if (kept) { return true; }
    return fetchPage(key).then(function (resp) {
      if (!keepable(resp)) { return false; }
      return put(key, resp).then(function () { return true; });
    });
  })["catch"](function () { return false; });
}

self.addEventListener("message", function (event) {
  var data = event.data || {};
  var source = event.source;
  if (data.type === "keep-page" && data.url) {
    event.waitUntil(keepPage(data.url).then(function (ok) {
      if (source) { source.postMessage({ type: "page-kept", url: data.url, ok: ok, version: CONFIG.version }); }
    }));
  } else if (data.type === "forget-pages") {
    event.waitUntil(caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) { return n.indexOf(PREFIX + "pages-") === 0; })
        .map(function (n) { return caches["delete"](n); }));
    }));
  }
});
