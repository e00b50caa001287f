// Keyboard use of the alert list: j/k move, Enter opens (the row's link), a acks (roles that may act
// only), / searches.
import { mayAct } from "./role.js";

const typing = (el) => el instanceof HTMLElement && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));

export function bindListKeys(tbody) {
  let current = -1;

  function focusRow(index) {
    const rows = tbody.rows;
    if (!rows.length) return;
    current = Math.min(Math.max(index, 0), rows.length - 1);
    for (const row of rows) row.classList.remove("current");
    const row = rows[current];
    row.classList.add("current");
    row.querySelector("a").focus();
  }

  function rowIndexOfFocus() {
    const row = document.activeElement && document.activeElement.closest ? document.activeElement.closest("tr") : null;
    return row && row.parentElement === tbody ? row.sectionRowIndex : current;
  }

  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) return;
    if (event.key === "j") {
      focusRow(rowIndexOfFocus() + 1);
    } else if (event.key === "k") {
      focusRow(rowIndexOfFocus() - 1);
    } else if (event.key === "a" && mayAct()) {
      const index = rowIndexOfFocus();
      const button = index >= 0 && tbody.rows[index] ? tbody.rows[index].querySelector('[data-action="acknowledge"]') : null;
      if (button) button.click();
    } else if (event.key === "/") {
      const search = document.getElementById("f-q");
      if (search) search.focus();
    } else {
      return;
    }
    event.preventDefault();
  });
}
