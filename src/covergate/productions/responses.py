"""What the production routes answer: the manifest, the package, the acknowledgement."""

from __future__ import annotations

from pydantic import Field

from covergate.api_deps import Day, ResponseModel, Timestamp
from covergate.lifecycle.states import RequestState
from covergate.vocabulary import DataCategory, RequestKind

__all__ = ["Acknowledged", "Manifest", "PackageDownload", "Produced"]


class ManifestFile(ResponseModel):
    name: str
    bytes: int
    sha256: str


class ManifestWindow(ResponseModel):
    # "from" is a Python keyword: the field is named from_ and aliased.
    from_: Day | None = Field(alias="from")
    until: Day | None
    categories: list[DataCategory] | None


class Manifest(ResponseModel):
    """``manifest.json`` of the package: what it holds, each file's size and SHA-256."""

    request: str
    kind: RequestKind
    agency: str
    produced_at: Timestamp
    items: int
    authorised: ManifestWindow
    files: list[ManifestFile]


class Produced(ResponseModel):
    manifest: Manifest
    manifest_sha256: str = Field(description="SHA-256 (hex) of manifest.json's bytes.")


class PackageDownload(Produced):
    files: dict[str, str] = Field(description="Each file of the package, base64-encoded.")


class Acknowledged(ResponseModel):
    request: str
    state: RequestState
    acknowledged_at: Timestamp | None
