// Optional niceties; every page works without this file.
// "/" focuses the search box (unless typing in a field already).
document.addEventListener("keydown", function (e) {
  var q = document.getElementById("q");
  if (e.key === "/" && q && document.activeElement !== q && !(e.target instanceof HTMLInputElement)) {
    e.preventDefault();
    q.focus();
    q.select();
  }
});
