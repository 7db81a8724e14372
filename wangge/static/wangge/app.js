/* Behaviour shared by every page. The Content-Security-Policy allows no inline script and no
   inline handlers (onclick=, onchange=, ...), so pages mark elements with data attributes and
   this file, loaded by base.html after Bootstrap's bundle, does the rest.

   form[data-confirm="question"]   asks before the form is sent (Bootstrap's dialog
                                   #confirm-dialog of base.html; the browser's own without it)
   [data-print]                    a button that prints the page
   [data-autosubmit]               a select or checkbox that sends its form when it changes
   The menus of the top bar are Bootstrap's (dropdowns, and an offcanvas panel on a phone).
*/
(function () {
  "use strict";

  /* Helpers every field page (table.js, checkpoint.js, inspect.js, gathering_day.js) uses. */
  function maskId(n) {  /* as wangge.core.masking.mask_id */
    n = String(n || "").replace(/\s+/g, "");
    if (!n) { return ""; }
    var stars = function (k) { return new Array(k + 1).join("*"); };
    if (n.length <= 8) { return n.slice(0, 2) + stars(n.length - 2); }
    if (n.length < 15) { return n.slice(0, 2) + stars(n.length - 4) + n.slice(-2); }
    return n.slice(0, 6) + stars(n.length - 10) + n.slice(-4);
  }
  window.Wangge = {
    byId: function (id) { return document.getElementById(id); },
    fmt: function (text, values) {
      return String(text).replace(/%\((\w+)\)s/g, function (_m, k) { return values[k] === undefined ? "" : values[k]; });
    },
    uuid4: function () {
      var b = new Uint8Array(16);
      window.crypto.getRandomValues(b);
      b[6] = (b[6] & 0x0f) | 0x40;
      b[8] = (b[8] & 0x3f) | 0x80;
      var h = [];
      for (var i = 0; i < 16; i++) { h.push((b[i] + 0x100).toString(16).slice(1)); }
      return h.slice(0, 4).join("") + "-" + h.slice(4, 6).join("") + "-" + h.slice(6, 8).join("") + "-" +
        h.slice(8, 10).join("") + "-" + h.slice(10, 16).join("");
    },
    maskId: maskId
  };

  var confirmed = null;  // the form the dialog said yes to: its next submit goes through

  function ask(form, submitter) {
    var el = document.getElementById("confirm-dialog");
    if (!el || !window.bootstrap) { return window.confirm(form.dataset.confirm); }
    el.querySelector("[data-confirm-text]").textContent = form.dataset.confirm;
    var dialog = window.bootstrap.Modal.getOrCreateInstance(el);
    var ok = el.querySelector("[data-confirm-ok]");
    var fresh = ok.cloneNode(true);  // one listener: the form asked about now
    ok.parentNode.replaceChild(fresh, ok);
    fresh.addEventListener("click", function () {
      dialog.hide();
      confirmed = form;
      if (form.requestSubmit) { form.requestSubmit(submitter || undefined); } else { form.submit(); }
    });
    el.addEventListener("shown.bs.modal", function () { fresh.focus(); }, { once: true });
    dialog.show();
    return false;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target.closest ? event.target.closest("form[data-confirm]") : null;
    if (!form) { return; }
    if (confirmed === form) { confirmed = null; return; }
    if (!ask(form, event.submitter)) { event.preventDefault(); }
  }, true);

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-print]") : null;
    if (button) { event.preventDefault(); window.print(); }
  });

  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches && field.matches("[data-autosubmit]") && field.form) { field.form.submit(); }
  });
})();
