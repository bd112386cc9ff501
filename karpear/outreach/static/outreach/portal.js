// The quick exit: leave at once, and take this site out of the back button (location.replace). Escape twice too.
(function () {
  var link = document.getElementById("quick-exit");
  if (!link) return;
  function leave(event) {
    if (event) event.preventDefault();
    document.body.hidden = true;
    window.location.replace(link.href);
  }
  link.addEventListener("click", leave);
  var last = 0;
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var now = Date.now();
    if (now - last < 800) leave(event);
    last = now;
  });
})();
