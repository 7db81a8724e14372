/* The camera scanners (html5-qrcode): the personal-code scan page, packing a box, and a
   resident's own look-up (/s/my-measure/).

   <section data-qr-scan="code" | "tubes" | "lookup"
            data-msg-no-scanner="..." data-msg-no-camera="...">   (translated messages)
     #reader, #scan-start, #scan-stop, #scan-status
*/
(function () {
  "use strict";

  function submit(form) {
    if (window.htmx) { window.htmx.trigger(form, "submit"); } else { form.submit(); }
  }

  /* Wires the start and stop buttons; onText(text) gets every new reading. */
  function scanner(root, config, onText) {
    var startBtn = document.getElementById("scan-start");
    var stopBtn = document.getElementById("scan-stop");
    var status = document.getElementById("scan-status");
    var reader = null, last = "", lastAt = 0;
    function onScan(text) {
      var now = Date.now();
      if (text === last && now - lastAt < 3000) { return; }  /* the same card held in front of the camera */
      last = text; lastAt = now;
      onText(text, status);
    }
    startBtn.addEventListener("click", function () {
      if (!window.Html5Qrcode) { status.textContent = root.dataset.msgNoScanner; return; }
      reader = reader || new window.Html5Qrcode("reader");
      reader.start({ facingMode: "environment" }, config, onScan, function () {})
        .then(function () { startBtn.hidden = true; stopBtn.hidden = false; })
        .catch(function () { status.textContent = root.dataset.msgNoCamera; });
    });
    function stop() {
      if (reader && reader.isScanning) {
        reader.stop().finally(function () { startBtn.hidden = false; stopBtn.hidden = true; });
      }
    }
    stopBtn.addEventListener("click", stop);
    return { stop: stop };
  }

  /* The personal-code scan page: a scan or a typed ID number, looked up with htmx. */
  function codePage(root) {
    var form = document.getElementById("scan-form");
    var tokenInput = document.getElementById("scan-token");
    var numberInput = document.getElementById("scan-id-number");
    /* Typing a number clears a previous scan; a scan clears the typed number. */
    numberInput.addEventListener("input", function () { tokenInput.value = ""; });
    form.addEventListener("htmx:afterRequest", function () { tokenInput.value = ""; });
    /* Once found, the typed number leaves the screen (phones are shared and shown around). */
    document.body.addEventListener("htmx:afterSwap", function () {
      if (document.querySelector("#scan-result [data-outcome=found]")) { numberInput.value = ""; }
    });
    scanner(root, { fps: 10, qrbox: 220 }, function (text) {
      tokenInput.value = text;
      numberInput.value = "";
      if (navigator.vibrate) { navigator.vibrate(80); }
      submit(form);
    });
  }

  /* Packing a box: each tube's barcode goes into the tubes form (swapped by htmx, so looked up each time). */
  function tubesPage(root) {
    scanner(root, { fps: 10, qrbox: { width: 260, height: 120 } }, function (text, status) {
      var input = document.querySelector("#box-tubes form[hx-post] textarea[name=tubes]");
      if (!input) { return; }
      input.value = text;
      if (navigator.vibrate) { navigator.vibrate(80); }
      status.textContent = text;
      submit(input.form);
    });
  }

  /* A resident's look-up: the scanned QR goes into the code field; with the end of the ID number
     typed already, the form is sent, else that field waits for it. */
  function lookupPage(root) {
    var form = document.getElementById("lookup-form");
    var code = document.getElementById("id_code");
    var tail = document.getElementById("id_id_tail");
    /* The scanning box follows the viewfinder (80% of its shorter side): a fixed box cut the edges
       off a card held close to a small phone's camera, and nothing was read. */
    var box = function (w, h) { var s = Math.max(50, Math.floor(Math.min(w, h) * 0.8)); return { width: s, height: s }; };
    var handle = scanner(root, { fps: 10, qrbox: box }, function (text, status) {
      code.value = text;
      handle.stop();
      if (navigator.vibrate) { navigator.vibrate(80); }
      if (tail.value.trim().length === 4) { form.requestSubmit(); return; }
      status.textContent = root.dataset.msgRead;
      tail.focus();
    });
  }

  var root = document.querySelector("[data-qr-scan]");
  if (!root) { return; }
  var mode = root.dataset.qrScan;
  if (mode === "code") { codePage(root); } else if (mode === "lookup") { lookupPage(root); } else { tubesPage(root); }
})();
