// WebSocket to the backend's /ws with automatic reconnect and backoff.
// The URL is relative to the page, so the dashboard works behind a path prefix.

export function connect({ rig, onMessage, onState }) {
  let delay = 500;
  let socket = null;

  function open() {
    const url = new URL("ws", location.href);
    url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    if (rig) url.searchParams.set("rig", rig);
    onState("connecting");
    socket = new WebSocket(url);
    socket.onopen = () => { delay = 500; onState("open"); };
    socket.onmessage = (event) => onMessage(JSON.parse(event.data));
    socket.onclose = () => {
      onState("reconnecting");
      setTimeout(open, delay);
      delay = Math.min(delay * 2, 5000);
    };
  }
  open();
  return { send: (msg) => socket && socket.readyState === 1 && socket.send(JSON.stringify(msg)) };
}
