// The coding screen's keyboard shortcuts (loaded by templates/feedback/coding_screen.html only).
// A code's key (shown on its label) ticks or unticks it; Enter saves and moves on. The keys work
// only while focus is inside the coding form (WCAG 2.1.4, character key shortcuts: a speech-input
// user or a stray keypress elsewhere on the page triggers nothing). Keys typed into a field are
// left alone, so are keys with Ctrl, Alt or Cmd.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("[data-coding-form]");
  if (!form) {
    return;
  }
  const help = form.querySelector("[data-coding-keys-help]");
  if (help) {
    help.hidden = false;
  }
  const isTyping = (element) =>
    element instanceof HTMLElement &&
    (element.isContentEditable ||
      element.matches("textarea, select, input:not([type=checkbox]):not([type=radio])"));

  form.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey || event.isComposing) {
      return;
    }
    const target = event.target;
    if (isTyping(target)) {
      return;
    }
    if (event.key === "Enter") {
      // Enter on a link or a button keeps its own meaning (Skip stays a skip).
      if (target instanceof HTMLElement && target.closest("a, button, summary")) {
        return;
      }
      event.preventDefault();
      form.requestSubmit(form.querySelector("button[type=submit]"));
      return;
    }
    if (event.key.length !== 1) {
      return;
    }
    const box = form.querySelector(`input[data-shortcut="${CSS.escape(event.key.toLowerCase())}"]`);
    if (box) {
      event.preventDefault();
      box.checked = !box.checked;
      box.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });
});
