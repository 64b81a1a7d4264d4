// A job's page: keep the progress bar current from /api/v1/jobs/{id} until the job ends, then
// show the download link (a book) or the error. Loaded as a file: the pages allow no inline script.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) { return; }
  var url = box.getAttribute("data-job-url");
  var bar = document.getElementById("job-progress");
  var percent = document.getElementById("job-percent");
  var status = document.getElementById("job-status");
  var message = document.getElementById("job-message");
  var error = document.getElementById("job-error");
  var download = document.getElementById("job-download");
  var fileName = document.getElementById("job-file-name");
  var doneLink = document.getElementById("job-done-link");
  var DELAY = 500;

  function show(job) {
    if (job.percent !== null && job.percent !== undefined) {
      bar.value = job.percent;
      bar.textContent = job.percent + " %";
      percent.textContent = job.percent + " %";
    }
    status.textContent = box.getAttribute("data-label-" + job.status) || job.status;
    status.className = "job-status job-" + job.status;
    status.setAttribute("data-status", job.status);
    message.textContent = job.message || "";
    if (job.error) { error.textContent = job.error; error.hidden = false; }
    if (job.file_name) { fileName.textContent = job.file_name; download.hidden = false; }
    if (doneLink && job.status === "done") { doneLink.hidden = false; }
    var cancel = document.getElementById("job-cancel");
    if (cancel && job.finished) { cancel.hidden = true; }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (job) {
        if (!job) { return; }
        show(job);
        if (!job.finished) { window.setTimeout(poll, DELAY); }
      })
      .catch(function () { window.setTimeout(poll, 4 * DELAY); });
  }

  if (status.getAttribute("data-status") !== "done" && status.getAttribute("data-status") !== "failed" &&
      status.getAttribute("data-status") !== "cancelled") {
    poll();
  }
}());
