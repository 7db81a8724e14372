/* Behaviour shared by every page. The Content-Security-Policy allows no inline script and no
   inline handlers (onclick=, onchange=, ...), so pages mark elements with data attributes and
   this file, loaded by base.html, does the rest.

   form[data-confirm="question"]   asks before the form is sent
   [data-print]                    a button that prints the page
   [data-autosubmit]               a select or checkbox that sends its form when it changes
   details.navgroup                the menus of the top bar: one open at a time, closed by a
                                   click elsewhere
*/
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target.closest ? event.target.closest("form[data-confirm]") : null;
    if (form && !window.confirm(form.dataset.confirm)) { event.preventDefault(); }
  }, true);

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-print]") : null;
    if (button) { event.preventDefault(); window.print(); }
  });

  document.addEventListener("toggle", function (event) {
    var opened = event.target;
    if (!opened.matches || !opened.matches("details.navgroup") || !opened.open) { return; }
    document.querySelectorAll("details.navgroup[open]").forEach(function (other) {
      if (other !== opened) { other.open = false; }
    });
  }, true);

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("details.navgroup")) { return; }
    document.querySelectorAll("details.navgroup[open]").forEach(function (menu) { menu.open = false; });
  });

  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches && field.matches("[data-autosubmit]") && field.form) { field.form.submit(); }
  });
})();
