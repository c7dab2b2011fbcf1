// MedEd's small progressive enhancements. Loaded on every page; no inline scripts (the CSP forbids them).
document.addEventListener("DOMContentLoaded", () => {
  // A page that reports a problem (e.g. a refused import) moves keyboard and screen-reader focus
  // to the report, so it is read out first.
  const target = document.querySelector("[data-focus-on-load]");
  if (target) {
    target.focus();
  }
});

// The check-in screen: fetch the next QR code, short code and count as the code rotates.
document.addEventListener("DOMContentLoaded", () => {
  const screen = document.querySelector("[data-check-in-state-url]");
  if (!screen) {
    return;
  }
  const refresh = async () => {
    try {
      const response = await fetch(screen.dataset.checkInStateUrl, { credentials: "same-origin" });
      if (!response.ok) {
        return;
      }
      const state = await response.json();
      screen.querySelector("[data-check-in-svg]").innerHTML = state.svg; // our own server's SVG
      screen.querySelector("[data-check-in-code]").textContent = state.code;
      screen.querySelector("[data-check-in-count]").textContent = state.count;
      screen.querySelector("[data-check-in-seconds]").textContent = state.seconds;
    } catch (error) {
      // Offline for a moment: the next tick tries again.
    }
  };
  setInterval(refresh, 2000);
});

// The dashboard: a print button, and every chart's data table opened for printing or saving as PDF.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-print]").forEach((button) => {
    button.addEventListener("click", () => window.print());
  });
});
window.addEventListener("beforeprint", () => {
  document.querySelectorAll("details.chart-data, [data-testid='summary-figures']").forEach((details) => {
    details.dataset.wasOpen = details.open ? "1" : "";
    details.open = true;
  });
});
window.addEventListener("afterprint", () => {
  document.querySelectorAll("details.chart-data, [data-testid='summary-figures']").forEach((details) => {
    details.open = details.dataset.wasOpen === "1";
  });
});

// The error pages' "Go back" link returns to the previous page when there is one; without
// JavaScript, or on a page opened directly, it follows its href to the home page.
document.addEventListener("click", (event) => {
  const link = event.target.closest("[data-history-back]");
  if (link && window.history.length > 1) {
    event.preventDefault();
    window.history.back();
  }
});
