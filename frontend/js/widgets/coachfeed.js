// Coaching feed: the newest message large, with its corner and lap, and the older ones below.

import { byId, element, setData, setText } from "../dom.js";
import { state } from "../state.js";

const OLDER_SHOWN = 6;

function where(event) {
  return [event.corner, event.lap ? `lap ${event.lap}` : null].filter(Boolean).join(" · ");
}

export function mountCoachFeed() {
  const latest = byId("coach-latest");
  const older = byId("coach-older");
  let seen = 0;
  let seenReference = 0;

  return {
    draw() {
      if (seen === state.rev.events && seenReference === state.rev.reference) return;
      seen = state.rev.events;
      seenReference = state.rev.reference;
      const [first, ...rest] = state.data.events;
      if (!first) {
        // With a reference (the demo has one from the start) the coach is already at work on this lap.
        setText(
          latest,
          state.data.referenceStatus === "ok"
            ? "No coaching yet: every corner is compared with the reference lap as you drive."
            : "No coaching yet: drive a lap.",
        );
        setData(latest, "severity", "none");
        older.replaceChildren();
        return;
      }
      latest.replaceChildren(element("div", "coach-message", first.message), element("div", "coach-where", where(first)));
      latest.__text = undefined;
      setData(latest, "severity", first.severity || "info");
      setData(latest, "kind", first.kind || "");
      setData(latest, "lap", String(first.lap ?? ""));
      older.replaceChildren(
        ...rest.slice(0, OLDER_SHOWN).map((e) => {
          const item = element("li", `sev-${e.severity || "info"}`);
          Object.assign(item.dataset, { severity: e.severity || "info", kind: e.kind || "", lap: String(e.lap ?? "") });
          item.append(element("span", "coach-message", e.message), element("span", "coach-where", where(e)));
          return item;
        }),
      );
    },
  };
}
