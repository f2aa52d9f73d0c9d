/* Live word counter for post forms. No build step, no dependencies.
 *
 * A textarea opts in with data-word-counter="<id of the element that shows the count>"
 * and optional data-min-words / data-max-words. With data-bounds-toggle="<checkbox id>"
 * the bounds apply only while that checkbox is ticked ("post as my role paragraph").
 * The server counts again and decides; this count follows the same idea (Markdown
 * markers and link URLs are not words) so the two agree for ordinary text.
 */
(function () {
  "use strict";

  var WORD = /\S*[\p{L}\p{N}]\S*/gu;

  function countWords(text) {
    var plain = text
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")      // [text](url): only the text counts
      .replace(/<(?:https?|mailto):[^>\s]*>/gi, " x ") // <https://…> autolink: one word
      .replace(/^\s{0,3}(?:[-*+]|\d{1,9}[.)])\s+/gm, "") // list markers
      .replace(/[*_~`#>|]+/g, " ");                     // emphasis, code, headings, quotes, tables
    var words = plain.match(WORD);
    return words ? words.length : 0;
  }

  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }

  function update(textarea) {
    var output = document.getElementById(textarea.dataset.wordCounter);
    if (!output) return;
    var n = countWords(textarea.value);
    var min = parseInt(textarea.dataset.minWords || "", 10);
    var max = parseInt(textarea.dataset.maxWords || "", 10);
    var toggle = textarea.dataset.boundsToggle && document.getElementById(textarea.dataset.boundsToggle);
    var bounded = !isNaN(min) && (!toggle || toggle.checked);
    var message = plural(n, "word");
    var state = "ok";
    if (bounded) {
      if (n < min) { message += " · " + plural(min - n, "more word") + " to reach " + min; state = "short"; }
      else if (n > max) { message += " · " + (n - max) + " over the limit of " + max; state = "over"; }
      else { message += " · within " + min + "–" + max; }
    } else if (!isNaN(max) && n > max) {
      message += " · " + (n - max) + " over the limit of " + max; state = "over";
    }
    output.textContent = message;
    output.dataset.state = state;
  }

  function updateAll(root) {
    (root || document).querySelectorAll("textarea[data-word-counter]").forEach(update);
  }

  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("textarea[data-word-counter]")) update(event.target);
  });
  document.addEventListener("change", function (event) {
    if (event.target.type === "checkbox") updateAll();
  });
  // New forms arrive by htmx swaps; count what they already hold (a kept text after an error).
  document.addEventListener("htmx:load", function (event) { updateAll(event.detail.elt); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { updateAll(); });
  } else {
    updateAll();
  }
})();
