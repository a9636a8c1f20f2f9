// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  // Invitation links: select the whole link when the field gets focus, ready to copy.
  document.querySelectorAll("input.copy").forEach(function (field) {
    field.addEventListener("focus", function () { field.select(); });
  });
  // Wiki editing: ask before leaving a form with unsaved changes.
  document.querySelectorAll("form.wide, .conflict form").forEach(function (form) {
    var changed = false;
    form.addEventListener("input", function () { changed = true; });
    form.addEventListener("submit", function () { changed = false; });
    window.addEventListener("beforeunload", function (event) {
      if (changed) { event.preventDefault(); event.returnValue = ""; }
    });
  });
});
