// WebSocket to the backend's /ws: reconnects by itself with jittered backoff, and re-subscribes.
// The URL is relative to the page, so the dashboard works behind a path prefix (/ai-sim-coach/ws).

const FIRST_DELAY_MS = 500;
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
    socket.onclose = () => {
      socket = null;
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
