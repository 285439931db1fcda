// Newsletter signup, enhanced by htmx: after the form is swapped for the answer or
// for itself with errors, move focus there so keyboard and screen-reader users
// land on what changed. Without JavaScript the form posts and reloads as usual.
// Only the signup form's own request counts: other swaps on the page (say, "More
// comments") must leave focus where the reader is.
document.addEventListener("htmx:afterSwap", (event) => {
  if (!event.detail.requestConfig?.elt?.matches?.(".newsletter-form")) return;
  // The event fires on the swapped-in content, inside the signup block.
  const signup = event.target.closest?.(".newsletter-signup");
  if (!signup) return;
  const invalid = signup.querySelector('[aria-invalid="true"]');
  if (invalid) {
    invalid.focus();
    return;
  }
  const done = signup.querySelector(".newsletter-done");
  if (done) {
    done.setAttribute("tabindex", "-1");
    done.focus();
  }
});
