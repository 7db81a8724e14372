/* Behaviour shared by every page. The Content-Security-Policy allows no inline script and no
   inline handlers (onclick=, onchange=, ...), so pages mark elements with data attributes and
   this file, loaded by base.html, does the rest.

   form[data-confirm="question"]   asks before the form is sent
   [data-print]                    a button that prints the page
   [data-autosubmit]               a select or checkbox that sends its form when it changes
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

  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches && field.matches("[data-autosubmit]") && field.form) { field.form.submit(); }
  });
})();
