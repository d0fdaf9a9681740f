// The TV page reloads itself when the team's change stamp moves. It asks the server to answer
// when the stamp differs from its own (the server holds the question up to 25 s, then it asks
// again), so a check-in shows within about a second; after an error it waits 30 s.
(function () {
  var script = document.currentScript;
  var stamp = script.dataset.stamp, url = script.dataset.url;
  function ask() {
    fetch(url + "?since=" + encodeURIComponent(stamp), { cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (body) {
        if (body.stamp !== stamp) { location.reload(); } else { ask(); }
      })
      .catch(function () { setTimeout(ask, 30000); });
  }
  ask();
})();
