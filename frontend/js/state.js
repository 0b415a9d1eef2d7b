// The one place live data is kept: the newest frame and session per rig.

export const state = {
  rig: new URLSearchParams(location.search).get("rig") || null,
  rigs: [],
  sessions: {},
  frames: {},
  connection: "connecting",
  dirty: true,
};

export function apply(message) {
  switch (message.type) {
    case "rigs":
      state.rigs = message.rigs;
      break;
    case "session":
      state.sessions[message.rig] = message;
      break;
    case "frames": {
      const last = message.frames[message.frames.length - 1];
      if (last) state.frames[message.rig] = last;
      break;
    }
    default:
      return;
  }
  state.dirty = true;
}

export function currentRig() {
  if (state.rig) return state.rig;
  const live = state.rigs.find((r) => r.connected);
  return live ? live.rig : Object.keys(state.frames)[0] || null;
}
