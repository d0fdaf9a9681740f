// The TV page reloads itself when the team's change stamp moves (a light poll every 30 s).
(function () {
  var script = document.currentScript;
  var stamp = script.dataset.stamp, url = script.dataset.url;
  setInterval(function () {
    fetch(url, { cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) { if (body && body.stamp !== stamp) { location.reload(); } })
      .catch(function () {});
  }, 30000);
})();
