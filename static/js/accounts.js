// Account forms: after a failed submit, move focus to the first problem so
// keyboard and screen-reader users land on it. Works without this file too:
// errors are next to their fields and tied to them with aria-describedby.

const firstProblem =
  document.querySelector("[data-error-summary]") ||
  document.querySelector("main [aria-invalid='true']");
if (firstProblem) {
  firstProblem.focus();
  firstProblem.scrollIntoView({ block: "center" });
}
