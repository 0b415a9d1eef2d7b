// Optional voice: coaching messages read aloud by the browser's speechSynthesis. Off by default;
// the toggle is remembered on this device.

import { byId } from "../dom.js";

const KEY = "simcoach.voice";
const MAX_QUEUED = 2; // older messages are dropped rather than read late

export function mountVoice() {
  const toggle = byId("voice");
  const synth = "speechSynthesis" in window ? window.speechSynthesis : null;
  let enabled = false;
  let queued = 0;
  if (!synth) {
    toggle.disabled = true;
    toggle.parentElement.title = "This browser cannot speak (no speechSynthesis)";
  } else {
    try {
      enabled = localStorage.getItem(KEY) === "on";
    } catch {
      enabled = false; // storage refused (private mode): stay off
    }
  }
  toggle.checked = enabled;
  toggle.addEventListener("change", () => {
    enabled = toggle.checked && Boolean(synth);
    try {
      localStorage.setItem(KEY, enabled ? "on" : "off");
    } catch {
      // not remembered; still works for this page
    }
    if (!enabled && synth) synth.cancel();
  });

  return {
    get enabled() {
      return enabled;
    },
    /** Read an event's message aloud when the toggle is on; true when it was queued. */
    say(event) {
      if (!enabled || !synth || !event.message) return false;
      if (queued >= MAX_QUEUED) {
        synth.cancel();
        queued = 0;
      }
      const utterance = new SpeechSynthesisUtterance(event.message);
      utterance.rate = 1.1;
      utterance.onend = utterance.onerror = () => {
        queued = Math.max(0, queued - 1);
      };
      queued += 1;
      synth.speak(utterance);
      return true;
    },
  };
}
