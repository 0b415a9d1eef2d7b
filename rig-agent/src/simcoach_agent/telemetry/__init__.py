"""The telemetry frame, the protocol messages and their wire codec."""

from simcoach_agent.telemetry.frame import PROTOCOL_VERSION, WHEELS, Frame, SessionInfo, blank_frame

__all__ = ["PROTOCOL_VERSION", "WHEELS", "Frame", "SessionInfo", "blank_frame"]
