// MedEd's small progressive enhancements. Loaded on every page; no inline scripts (the CSP forbids them).
document.addEventListener("DOMContentLoaded", () => {
  // A page that reports a problem (e.g. a refused import) moves keyboard and screen-reader focus
  // to the report, so it is read out first.
  const target = document.querySelector("[data-focus-on-load]");
  if (target) {
    target.focus();
  }
});
