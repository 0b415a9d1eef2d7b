// The backend's optional access token (SIMCOACH_ACCESS_TOKEN): asked for once, when the backend first
// refuses, and kept in this browser's localStorage so that a reload or a reconnect does not ask again.

const KEY = "simcoach.accessToken";
let asking = null;
let declined = false;

export function accessToken() {
  try {
    return localStorage.getItem(KEY) || "";
  } catch {
    return ""; // storage blocked (private mode): ask each time the page loads
  }
}

/** Ask for the token (one prompt however many requests were refused at once); true when one was given. */
export function askForToken(reason) {
  if (declined) return Promise.resolve(false);
  if (!asking) {
    asking = new Promise((resolve) => {
      // After the current task, so that a refused request and a refused WebSocket share the prompt.
      setTimeout(() => {
        const given = (window.prompt(`${reason}\n\nAccess token for this simcoach server:`, "") || "").trim();
        asking = null;
        if (!given) {
          declined = true; // not again until the page is reloaded
          resolve(false);
          return;
        }
        try {
          localStorage.setItem(KEY, given);
        } catch {
          // kept for this page only
        }
        sessionToken = given;
        resolve(true);
      }, 0);
    });
  }
  return asking;
}

let sessionToken = "";

/** The token to send: the one given on this page, else the one kept. */
export function currentToken() {
  return sessionToken || accessToken();
}
