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
  // Uploads: send the same multipart form with XMLHttpRequest to show its progress,
  // then go where the server's redirect leads (the file's page).
  document.querySelectorAll("form.upload").forEach(function (form) {
    var progress = form.querySelector(".upload-progress");
    var status = form.querySelector(".upload-status");
    form.addEventListener("submit", function (event) {
      if (!window.FormData || !progress) { return; }
      event.preventDefault();
      var request = new XMLHttpRequest();
      request.open("POST", form.action);
      progress.hidden = false;
      progress.value = 0;
      status.textContent = form.dataset.uploading || "";
      request.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) { progress.value = Math.round(100 * e.loaded / e.total); }
      });
      request.addEventListener("load", function () {
        if (request.status < 400) { window.location.assign(request.responseURL); return; }
        progress.hidden = true;
        var page = new DOMParser().parseFromString(request.responseText, "text/html");
        var detail = page.querySelector(".field-error") || page.querySelector(".errors li") || page.querySelector("main p");
        status.textContent = (form.dataset.failed || "") + (detail ? " " + detail.textContent : "");
      });
      request.addEventListener("error", function () {
        progress.hidden = true;
        status.textContent = form.dataset.failed || "";
      });
      request.send(new FormData(form));
    });
  });
});
