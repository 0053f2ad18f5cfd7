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

// A wide screen shows the refinements beside the results, open (the style sheet does
// this where browsers let it style an unopened <details>; this covers the rest).
if (window.matchMedia && window.matchMedia("(min-width: 48.01rem)").matches) {
  document.querySelectorAll("details.refine").forEach(function (d) { d.open = true; });
}

// The search form sends only the filters that are set: empty fields (and the default
// order) stay out of the address.
document.querySelectorAll("form.searchbox").forEach(function (form) {
  form.addEventListener("submit", function () {
    form.querySelectorAll("input, select").forEach(function (el) {
      if (el.name && el.name !== "q" && (el.value === "" || (el.name === "sort" && el.value === "relevance"))) {
        el.disabled = true;
      }
    });
  });
});
// Coming back to the page (the back button), the fields are usable again.
window.addEventListener("pageshow", function () {
  document.querySelectorAll("form.searchbox :disabled").forEach(function (el) { el.disabled = false; });
});
