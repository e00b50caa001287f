// Alert and incident pages: the action buttons call the API, then the page shows the new state.
import { bindActions } from "./actions.js";

const main = document.getElementById("main");
bindActions(main, () => {
  window.location.reload();
});
