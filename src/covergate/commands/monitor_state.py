"""The state file of ``covergate log monitor``: the last checkpoint it verified.

Its own module so that ``commands.log`` stays light to import: subclassing
:class:`~covergate.transparency.monitor.MonitorState` loads the log's crypto.
"""

from __future__ import annotations

from covergate.commands.common import on_path, read_input_file
from covergate.tlog.checkpoint import Checkpoint, open_checkpoint
from covergate.tlog.note import NoteVerifier
from covergate.transparency.monitor import MonitorState


class StateFile(MonitorState):
    """The monitor's state file; its filesystem errors are one line naming it."""

    def load(self, verifier: NoteVerifier) -> tuple[Checkpoint, bytes] | None:
        with on_path(self.path, "cannot read the monitor state"):
            exists = self.path.exists()
        if not exists:
            return None
        note = read_input_file(self.path)
        return open_checkpoint(note, verifier), note

    def save(self, note: bytes) -> None:
        with on_path(self.path, "cannot save the monitor state"):
            super().save(note)
