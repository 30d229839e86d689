"""The state file of ``covergate log monitor``: the last checkpoint it verified.

Its own module so that ``commands.log`` stays light to import: subclassing
:class:`~covergate.transparency.monitor.MonitorState` loads the log's crypto.
"""

from __future__ import annotations

from covergate.commands.common import on_path, read_input_file
from covergate.transparency.monitor import MonitorState


class StateFile(MonitorState):
    """The monitor's state file; its filesystem errors are one line naming it."""

    def read(self) -> bytes | None:
        with on_path(self.path, "cannot read the monitor state"):
            exists = self.path.exists()
        if not exists:
            return None
        return read_input_file(self.path)

    def save(self, note: bytes) -> None:
        with on_path(self.path, "cannot save the monitor state"):
            super().save(note)
