// The top bar: rig picker, session (game, track, car, session type) and connection status.

import { byId, element, setData, setText } from "../dom.js";
import { session, state } from "../state.js";

const CONNECTION_TEXT = {
  connecting: "connecting",
  open: "live",
  reconnecting: "reconnecting",
  closed: "needs the access token (reload to enter it)",
};

export function mountHeader({ onPick }) {
  const picker = byId("rig-picker");
  const sessionNode = byId("session");
  const conn = byId("conn");
  const seen = { conn: 0, rigs: 0, session: 0 };

  picker.addEventListener("change", () => onPick(picker.value));

  function drawPicker() {
    const names = state.rigs.map((r) => r.rig);
    if (state.rig && !names.includes(state.rig)) names.push(state.rig);
    const key = names.map((n) => `${n}:${state.rigs.find((r) => r.rig === n)?.connected ? 1 : 0}`).join(",");
    if (picker.__key !== key) {
      picker.__key = key;
      picker.replaceChildren(
        ...names.map((name) => {
          const live = state.rigs.find((r) => r.rig === name)?.connected;
          const option = element("option", "", live ? name : `${name} (offline)`);
          option.value = name;
          return option;
        }),
      );
      picker.__value = undefined;
    }
    if (picker.__value !== state.rig) {
      picker.__value = state.rig;
      picker.value = state.rig || "";
    }
    picker.disabled = names.length < 2 && Boolean(state.rig);
  }

  return {
    draw() {
      if (seen.conn !== state.rev.conn) {
        seen.conn = state.rev.conn;
        const stateName = state.connection;
        let text = CONNECTION_TEXT[stateName] || stateName;
        if (stateName === "reconnecting" && state.attempt > 1) text = `reconnecting (${state.attempt})`;
        setText(conn, text);
        setData(conn, "state", stateName);
      }
      if (seen.rigs !== state.rev.rigs) {
        seen.rigs = state.rev.rigs;
        drawPicker();
      }
      if (seen.session !== state.rev.session || seen.rigs !== state.rev.rigs) {
        seen.session = state.rev.session;
        const s = session();
        const rig = state.rigs.find((r) => r.rig === state.rig);
        let text = "waiting for a rig…";
        if (s) {
          text = [s.game, s.track, s.car, s.car_class, s.session_type, s.driver].filter(Boolean).join(" · ");
        } else if (state.rig) text = `${state.rig}: no session yet`;
        if (rig && !rig.connected) text += " · rig offline";
        setText(sessionNode, text);
        setData(sessionNode, "rig", state.rig || "");
      }
    },
  };
}
