// Progressive enhancement only; every page works without JavaScript.
document.addEventListener("htmx:configRequest", (event) => {
  const token = document.querySelector('input[name="csrf_token"]');
  if (token) { event.detail.headers["X-CSRFToken"] = token.value; }
});
// Controls that only work with JavaScript (e.g. the employer search box) start hidden.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-js-only]").forEach((el) => { el.hidden = false; });
});
// Issue 15: a table wider than its frame scrolls inside it; make that frame reachable by
// keyboard (and named) so the hidden columns can be scrolled to without a mouse.
(function () {
  function frameTables(root) {
    (root || document).querySelectorAll("main table").forEach(function (table) {
      var frame = getComputedStyle(table).display === "block" ? table : table.closest(".table-wrap");
      if (!frame || frame.scrollWidth <= frame.clientWidth || frame.hasAttribute("tabindex")) { return; }
      frame.setAttribute("tabindex", "0");
      if (frame !== table) {
        frame.setAttribute("role", "region");
        var caption = table.querySelector("caption");
        frame.setAttribute("aria-label", caption ? caption.textContent.trim() : (document.title || "").split(" · ")[0]);
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () { frameTables(); });
  window.addEventListener("resize", function () { frameTables(); });
  document.addEventListener("htmx:afterSettle", function (e) { frameTables(e.target); });
})();
