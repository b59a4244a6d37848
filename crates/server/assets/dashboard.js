// Waylink dashboard: small enhancements; every page works without them.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Copy buttons: the value is in data-copy, never in the script.
  for (const button of document.querySelectorAll("button[data-copy]")) {
    button.addEventListener("click", async () => {
      const text = button.getAttribute("data-copy");
      try {
        await navigator.clipboard.writeText(text);
      } catch (_) {
        const area = document.createElement("textarea");
        area.value = text;
        document.body.appendChild(area);
        area.select();
        document.execCommand("copy");
        area.remove();
      }
      button.textContent = "Copied";
      setTimeout(() => { button.textContent = "Copy link"; }, 2000);
    });
  }
  // "Add a parameter": one more empty custom row.
  for (const button of document.querySelectorAll("button[data-add-row]")) {
    button.addEventListener("click", () => {
      const rows = button.previousElementSibling;
      const last = rows && rows.lastElementChild;
      if (!last) return;
      const row = last.cloneNode(true);
      for (const input of row.querySelectorAll("input")) input.value = "";
      rows.appendChild(row);
      row.querySelector("input").focus();
    });
  }
  // Sortable tables: a header button sorts by its column, again to reverse.
  for (const table of document.querySelectorAll("table.sortable")) {
    const headers = [...table.querySelectorAll("thead th")];
    headers.forEach((th, column) => {
      th.setAttribute("aria-sort", "none");
      const button = th.querySelector("button[data-sort]");
      if (!button) return;
      button.addEventListener("click", () => {
        const ascending = th.getAttribute("aria-sort") !== "ascending";
        headers.forEach((h) => h.setAttribute("aria-sort", "none"));
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        const numeric = button.getAttribute("data-sort") === "number";
        const body = table.tBodies[0];
        const key = (row) => {
          const text = row.cells[column].textContent.trim();
          return numeric ? parseFloat(text.replace("%", "")) || 0 : text.toLowerCase();
        };
        const rows = [...body.rows].sort((a, b) => {
          const x = key(a), y = key(b);
          const order = x < y ? -1 : x > y ? 1 : 0;
          return ascending ? order : -order;
        });
        for (const row of rows) body.appendChild(row);
      });
    });
  }
});
