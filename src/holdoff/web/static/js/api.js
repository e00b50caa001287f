// Talking to Holdoff's JSON API from the page: same origin, the session cookie, and the CSRF header.

/** The CSRF token the server put in the page (empty while no login is configured). */
export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.getAttribute("content") || "" : "";
}

/** The API's `detail` as one line of text (a string, or a list of validation problems). */
export function detailText(data, fallback) {
  if (data && typeof data.detail === "string") return data.detail;
  if (data && Array.isArray(data.detail)) {
    return data.detail.map((p) => (p && p.msg ? String(p.msg) : String(p))).join("; ");
  }
  return fallback;
}

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/**
 * `method url` with an optional JSON body; resolves to the parsed answer (or null when it has none),
 * rejects with an ApiError whose message is the server's own explanation.
 */
export async function request(method, url, body) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers["X-CSRF-Token"] = csrfToken();
  const init = { method, headers, credentials: "same-origin" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(url, init);
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    throw new ApiError(response.status, detailText(data, `${response.status} ${response.statusText}`));
  }
  return data;
}

/** GET that answers null when the endpoint does not exist (yet), so a page can hide what needs it. */
export async function optional(url) {
  try {
    return await request("GET", url);
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 405)) return null;
    throw error;
  }
}

/** Show (or clear, with an empty text) the page's message line. */
export function say(text, kind = "error") {
  const line = document.getElementById("action-message");
  if (!line) return;
  line.textContent = text;
  line.dataset.kind = kind;
  line.hidden = !text;
}
