"""The interface every frame store offers the writer."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StoredFrame:
    """One frame as the writer hands it to a store: indexed columns plus the msgpack bytes."""

    rig: str
    seq: int
    t: float
    lap: int | None
    lap_dist_m: float | None
    data: bytes


class FrameStore(ABC):
    """A durable home for frames and session messages.

    Writes are blocking and called from a worker thread, in batches; a store
    must make a batch durable before ``write`` returns, because the backend
    acknowledges frames to rigs only once they are stored.
    """

    name: str

    @abstractmethod
    def open(self) -> None:
        """Create or attach to the storage; raise with the setting to fix when it cannot."""

    @abstractmethod
    def last_seqs(self) -> dict[str, int]:
        """The highest stored seq of each rig, so that a restarted backend still drops resent frames."""

    @abstractmethod
    def write(self, frames: list[StoredFrame], sessions: list[tuple[str, float, bytes]]) -> None:
        """Store a batch of frames and (rig, time, JSON) session messages; duplicates are ignored."""

    @abstractmethod
    def close(self) -> None:
        """Flush and release."""

    def describe(self) -> dict[str, object]:
        """What the status page shows about this store."""
        return {"backend": self.name}
