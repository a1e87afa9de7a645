// The search page: results update as you type (htmx); the page works without JavaScript.
(function () {
  "use strict";
  if (!window.htmx) { return; }
  // No inline styles, eval or scripts from responses, so a strict Content-Security-Policy can apply.
  htmx.config.includeIndicatorStyles = false;
  htmx.config.allowEval = false;
  htmx.config.allowScriptTags = false;
  // Going back asks the server again: results depend on who is logged in and on the time.
  htmx.config.historyCacheSize = 0;

  var results = document.getElementById("results");
  if (!results) { return; }
  // The results region is aria-live: announce the new results once they are in.
  function done() { results.removeAttribute("aria-busy"); }
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.target === results) { results.setAttribute("aria-busy", "true"); }
  });
  document.body.addEventListener("htmx:afterSettle", done);
  document.body.addEventListener("htmx:responseError", done);
  document.body.addEventListener("htmx:sendError", done);
})();
