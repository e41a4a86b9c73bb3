// job.js follows a running ingest on its page: it polls the run's status
// every second and updates the progress bar until the run ends. Without
// JavaScript the page shows the state it was loaded with.
(function () {
  "use strict";
  var job = document.getElementById("job");
  if (!job) { return; }
  var url = job.getAttribute("data-status-url");
  function set(id, text) { document.getElementById(id).textContent = text; }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error("status " + r.status); } return r.json(); })
      .then(function (s) {
        var bar = document.getElementById("bar");
        bar.max = s.total > 0 ? s.total : 1;
        bar.value = s.done;
        set("counts", s.done + "/" + s.total + " files, " + s.chunks + " chunks");
        set("current", s.current);
        set("summary", s.summary);
        set("run-error", s.error);
        var st = document.getElementById("status");
        st.textContent = s.status;
        st.className = "status-" + s.status;
        if (s.status === "running" || s.status === "queued") { setTimeout(poll, 1000); }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  var st = document.getElementById("status").textContent;
  if (st === "running" || st === "queued") { setTimeout(poll, 500); }
})();
