/* Live progress for background jobs: polls /jobs/<id> (JSON) for every element rendered by
   the job_progress() macro and updates the bar and figures.  The server decides everything;
   without JavaScript the page still shows the state at load time and the forms still work. */
(function () {
  "use strict";
  var FINISHED = { done: 1, failed: 1, cancelled: 1 };
  var BADGE = { done: "badge-ok", failed: "badge-bad", cancelled: "badge-warn", running: "", queued: "" };

  function locale() { return document.documentElement.lang || undefined; }
  function num(v, digits) {
    if (v === null || v === undefined) { return null; }
    return Number(v).toLocaleString(locale(), { maximumFractionDigits: digits === undefined ? 2 : digits });
  }
  function pct(v) {
    if (v === null || v === undefined) { return null; }
    return Number(v).toLocaleString(locale(), { style: "percent", maximumFractionDigits: 1 });
  }

  function JobProgress(el) {
    this.el = el;
    this.labels = JSON.parse(el.getAttribute("data-labels") || "{}");
    this.url = el.getAttribute("data-url");
    this.delay = 1000;
    var self = this;
    ["cancel", "retry"].forEach(function (action) {
      var form = el.querySelector('[data-action="' + action + '"]');
      if (form) {
        form.addEventListener("submit", function (ev) { ev.preventDefault(); self.post(form.action, action); });
      }
    });
    if (!FINISHED[el.getAttribute("data-status")]) { this.poll(); }
  }

  JobProgress.prototype.field = function (name) { return this.el.querySelector('[data-field="' + name + '"]'); };
  JobProgress.prototype.set = function (name, text) {
    var f = this.field(name);
    if (f) { f.textContent = (text === null || text === undefined) ? this.labels.none : text; }
  };
  JobProgress.prototype.seconds = function (v) {
    return v === null || v === undefined ? null : (this.labels.seconds || "{n}").replace("{n}", num(v, 0));
  };

  JobProgress.prototype.render = function (s) {
    var p = s.progress || {};
    var status = s.status;
    var badge = this.field("status");
    badge.textContent = (status === "running" && s.cancel_requested) ? this.labels.cancelling : (this.labels[status] || status);
    badge.className = "badge " + (BADGE[status] || "");
    this.el.setAttribute("data-status", status);
    var bar = p.bar === null || p.bar === undefined ? 0 : p.bar;
    var b = this.field("bar");
    b.style.width = (100 * bar).toFixed(1) + "%";
    b.textContent = pct(bar);
    b.parentNode.setAttribute("aria-valuenow", Math.round(100 * bar));
    this.set("message", p.message || "");
    this.set("solutions", num(p.solutions || 0, 0));
    this.set("objective", num(p.objective));
    this.set("bound", num(p.bound));
    this.set("gap", pct(p.gap));
    this.set("elapsed", this.seconds(p.elapsed || 0));
    this.set("time_left", this.seconds(p.time_left));
    var err = this.field("error");
    err.hidden = !s.error;
    err.textContent = s.error || "";
    this.el.querySelector('[data-action="cancel"]').hidden = !!FINISHED[status];
    this.el.querySelector('[data-action="cancel"] button').disabled = !!s.cancel_requested;
    this.el.querySelector('[data-action="retry"]').hidden = !(status === "failed" || status === "cancelled");
    var link = this.field("result-link");
    var target = this.el.getAttribute("data-done-url") || (s.result && s.result.url) || "";
    link.hidden = !(status === "done" && target);
    if (target) { link.href = target; }
  };

  JobProgress.prototype.poll = function () {
    var self = this;
    fetch(this.url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (s) {
        self.render(s);
        self.delay = 1000;
        if (!s.finished) { setTimeout(function () { self.poll(); }, self.delay); }
      })
      .catch(function () {
        self.set("message", self.labels.error);
        self.delay = Math.min(self.delay * 2, 15000);
        setTimeout(function () { self.poll(); }, self.delay);
      });
  };

  JobProgress.prototype.post = function (url, action) {
    var self = this;
    fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": this.el.getAttribute("data-csrf") }
    })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (res) {
        if (!res.ok) { self.set("message", (res.body.error && res.body.error.message) || ""); return; }
        self.render(res.body);
        if (action === "retry" || !res.body.finished) { self.poll(); }
      });
  };

  function start() {
    var els = document.querySelectorAll("[data-job-progress]");
    for (var i = 0; i < els.length; i++) { new JobProgress(els[i]); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
