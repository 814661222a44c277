// Scan-to-find: a barcode scanner is a keyboard that types a code and
// Enter into whatever has focus. Keys typed while no field has focus are
// collected; Enter after at least four of them opens the phone the code
// names (/find answers, and says so when no phone has it). Typing in a
// field, a modifier or any other key starts again, so ordinary use of the
// page is left alone. Nothing here depends on how fast the keys come.
(function () {
  "use strict";
  var code = "";
  function editable(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }
  document.addEventListener("keydown", function (e) {
    if (editable(e.target) || e.ctrlKey || e.altKey || e.metaKey) { code = ""; return; }
    if (e.key === "Enter") {
      if (code.length >= 4) {
        e.preventDefault();
        location.assign("/find?code=" + encodeURIComponent(code));
      }
      code = "";
      return;
    }
    if (e.key.length === 1) {
      code = (code + e.key).slice(-128);
    } else if (e.key !== "Shift") {
      code = "";
    }
  });
})();
