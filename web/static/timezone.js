// The rounds page's time zone starts as the browser's own, when the person has
// not chosen one yet and the list knows it. Without this script the field is
// an ordinary list (UTC unless changed).
(function () {
  "use strict";
  var field = document.querySelector("select[data-from-browser]");
  if (!field || !window.Intl) return;
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  for (var i = 0; i < field.options.length; i++) {
    if (field.options[i].value === zone) {
      field.value = zone;
      return;
    }
  }
})();
