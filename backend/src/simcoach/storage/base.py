"""The interface every frame store offers the writer."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field


@dataclass(slots=True)
class RigFrames:
    """Frames of one rig as the writer hands them to a store, oldest first, column-wise.

    ``keys`` holds the indexed columns of each frame (seq, t in Unix seconds,
    lap, lap distance in metres) and ``data`` its msgpack bytes, at the same
    index. Plain lists, not an object per frame: the writer fills them on the
    event loop for every frame taken, and a store turns them into one statement.
    """

    rig: str
    keys: list[tuple[int, float, int | None, float | None]] = field(default_factory=list)
    data: list[bytes] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.keys)


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
    def write(self, frames: list[RigFrames], sessions: list[tuple[str, float, bytes]]) -> None:
        """Store a batch of frames and (rig, time, JSON) session messages in one transaction.

        All or nothing: on return everything is durable, on an exception nothing
        is. A frame already stored (same rig and seq) is ignored, so a retried
        batch never doubles.
        """

    @abstractmethod
    def close(self) -> None:
        """Flush and release."""

    def describe(self) -> dict[str, object]:
        """What the status page shows about this store."""
        return {"backend": self.name}
