/* Wangge · registers the service worker (wangge/core/sw.js, served at /sw.js), on every page.
 *
 * Its <script> tag says (data attributes, set by templates/core/_offline_head.html):
 *   data-sw           the worker's URL
 *   data-offline="1"  this page declared itself offline-capable: ask the worker to keep it now
 *                     (a first visit comes before the worker controls the page); when kept,
 *                     <html data-offline-ready="1"> is set
 *   data-signed-in="0" nobody is logged in: the worker drops the pages it kept
 * On the "no network" page (#offline-pages), it lists the pages this phone can open offline.
 */
(function () {
  "use strict";

  var me = document.currentScript;
  if (!me || !("serviceWorker" in navigator)) { return; }
  var swUrl = me.dataset.sw;
  var wantsKeep = me.dataset.offline === "1";
  var signedOut = me.dataset.signedIn === "0";

  function post(message) {
    return navigator.serviceWorker.ready.then(function (reg) {
      if (reg.active) { reg.active.postMessage(message); }
    });
  }

  navigator.serviceWorker.addEventListener("message", function (event) {
    var data = event.data || {};
    if (data.type === "page-kept" && data.url === location.href) {
      document.documentElement.dataset.offlineReady = data.ok ? "1" : "0";
      document.documentElement.dataset.offlineVersion = data.version || "";
    }
  });

  if (swUrl) {
    navigator.serviceWorker.register(swUrl, { scope: "/" })["catch"](function () { /* no worker: online only */ });
  }
  if (signedOut) { post({ type: "forget-pages" })["catch"](function () {}); }
  if (wantsKeep) { post({ type: "keep-page", url: location.href })["catch"](function () {}); }

  var list = document.getElementById("offline-pages");
  if (list && window.caches) {
    /* the pages kept on this phone, by their <title> */
    window.caches.keys().then(function (names) {
      var pages = names.filter(function (n) { return n.indexOf("wangge-pages-") === 0; });
      return Promise.all(pages.map(function (name) {
        return window.caches.open(name).then(function (cache) {
          return cache.keys().then(function (reqs) {
            return Promise.all(reqs.map(function (req) {
              return cache.match(req, { ignoreVary: true }).then(function (r) { return r ? r.text() : ""; }).then(function (html) {
                var title = html ? new DOMParser().parseFromString(html, "text/html").title : "";  /* inert */
                return { url: req.url, title: (title || req.url).trim() };
              });
            }));
          });
        });
      }));
    }).then(function (groups) {
      var seen = {};
      [].concat.apply([], groups).forEach(function (p) {
        if (seen[p.url]) { return; }
        seen[p.url] = true;
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = p.url;
        a.textContent = p.title;
        li.appendChild(a);
        list.appendChild(li);
      });
      var box = document.getElementById("offline-pages-box");
      if (box) { box.hidden = !list.children.length; }
    })["catch"](function () {});
  }
})();
