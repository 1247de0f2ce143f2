// Refreshes the progress panel on a background job's admin page (templates/reports/job_progress.html)
// from the job's JSON status; no inline script, so it works under a Content-Security-Policy.
(function () {
  "use strict";
  var panel = document.querySelector("[data-job-status-url]");
  if (!panel || !panel.dataset.jobStatusUrl || panel.dataset.jobFinished === "1") {
    return;
  }
  var url = panel.dataset.jobStatusUrl;
  function field(name) {
    return panel.querySelector('[data-job-field="' + name + '"]');
  }
  function show(data) {
    field("status_label").textContent = data.status_label;
    field("done").textContent = data.done;
    field("total").textContent = data.total === null ? "?" : data.total;
    field("percent").textContent = data.percent === null ? "?" : data.percent;
    field("bar").value = data.percent === null ? 0 : data.percent;
    field("message").textContent = data.message || "";
  }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 403 || response.status === 404) {
          return null; // Not this user's job any more (or logged out): stop asking.
        }
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (data) {
        if (data === null) {
          return;
        }
        show(data);
        if (data.finished) {
          // The download link and the report are drawn by the server: reload once.
          window.location.reload();
        } else {
          window.setTimeout(poll, 1500);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }
  window.setTimeout(poll, 1000);
})();
