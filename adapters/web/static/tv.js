// The TV page follows the team's board. It asks the server to answer when the board's stamp
// differs from its own (the server holds the question up to 25 s, then it is asked again); the
// answer brings the new board, drawn in place. After an error it waits 30 s; a link turned off
// reloads to say so.
(function () {
  var script = document.currentScript;
  var stamp = script.dataset.stamp, url = script.dataset.url;
  var board = document.getElementById("tv-board");
  function ask() {
    fetch(url + "?since=" + encodeURIComponent(stamp), { cache: "no-store" })
      .then(function (r) {
        if (r.status === 410) { location.reload(); }
        return r.ok ? r.json() : Promise.reject(r.status);
      })
      .then(function (body) {
        if (body.stamp !== stamp) {
          if (typeof body.board !== "string") { location.reload(); return; }
          board.innerHTML = body.board;
          stamp = body.stamp;
        }
        ask();
      })
      .catch(function () { setTimeout(ask, 30000); });
  }
  ask();
})();
