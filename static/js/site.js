// Small behaviours for the whole site; no inline scripts, so a strict CSP can apply.
(function () {
  "use strict";
  // Buttons with data-confirm ask before their form is sent.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) {
      event.preventDefault();
    }
  });
  // After a failed form, move the focus to the summary of errors.
  var summary = document.getElementById("form-errors");
  if (summary) { summary.focus(); }
})();
