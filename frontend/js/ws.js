// WebSocket to the backend's /ws: reconnects by itself with jittered backoff, and re-subscribes.
// The URL is relative to the page, so the dashboard works behind a path prefix (/ai-sim-coach/ws).

import { askForToken, currentToken } from "./access.js";

const FIRST_DELAY_MS = 500;
// The close code of a dashboard WebSocket refused for a missing or wrong access token.
const UNAUTHORISED = 4401;
const MAX_DELAY_MS = 5000;

/**
 * @param {{rig: () => string, onMessage: (m: object) => void, onState: (s: string, attempt: number) => void,
 *          onOpen: (first: boolean) => void}} handlers
 */
export function connect({ rig, onMessage, onState, onOpen }) {
  let delay = FIRST_DELAY_MS;
  let attempt = 0;
  let socket = null;
  let opened = 0;

  function url() {
    const u = new URL("ws", location.href);
    u.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    u.search = "";
    u.searchParams.set("rig", rig() || "all");
    const token = currentToken();
    if (token) u.searchParams.set("access_token", token); // a browser cannot set headers on a WebSocket
    return u;
  }

  function open() {
    onState(attempt ? "reconnecting" : "connecting", attempt);
    socket = new WebSocket(url());
    socket.onopen = () => {
      delay = FIRST_DELAY_MS;
      attempt = 0;
      opened += 1;
      onState("open", 0);
      onOpen(opened === 1);
    };
    socket.onmessage = (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return; // the backend only sends JSON; a broken message is not worth a console error
      }
      onMessage(message);
    };
    socket.onclose = (event) => {
      socket = null;
      if (event.code === UNAUTHORISED) {
        // Refused for its access token: ask (once), then try again at once with it.
        onState("reconnecting", attempt + 1);
        askForToken(event.reason || "This server needs its access token.").then((given) => {
          if (given) open();
          else onState("closed", attempt);
        });
        return;
      }
      attempt += 1;
      onState("reconnecting", attempt);
      // Jitter, so that a room full of tablets does not knock on a restarted backend in step.
      setTimeout(open, delay * (0.75 + Math.random() * 0.5));
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    };
  }
  open();

  return {
    send(message) {
      if (socket && socket.readyState === WebSocket.OPEN) {
        socket.send(JSON.stringify(message));
        return true;
      }
      return false;
    },
  };
}
