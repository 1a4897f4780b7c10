"""A multipart upload streamed straight to disk, under a size limit.

FastAPI's `UploadFile` reads the whole body (spooled to the system temp folder) before the
route runs, so a limit could only be checked afterwards. Here the request stream feeds
python-multipart chunk by chunk: the one file part goes to `<uploads>/<random>.<format>`,
the other parts are small text fields. Past the limit, or on any error, the partial file is
removed before the error leaves, so a refused upload leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from backend.errors import InvalidUpload, PayloadTooLarge
from backend.ingest.reader import detect_format

FIELD_MAX_BYTES = 64 * 1024
FIELDS_MAX = 20
# Room for the part headers and the text fields around the file.
OVERHEAD_BYTES = FIELDS_MAX * FIELD_MAX_BYTES


@dataclass
class ReceivedUpload:
    path: Path
    filename: str
    format: str
    size: int
    fields: dict[str, str] = field(default_factory=dict)

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


def is_multipart(content_type: str) -> bool:
    return parse_options_header(content_type)[0] == b"multipart/form-data"


def _too_large(max_bytes: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"The file is larger than the upload limit of {max_bytes // 2**20} MB.")


class _Receiver:
    """python-multipart callbacks: one file part to disk, text parts to `fields`."""

    def __init__(self, folder: Path, max_bytes: int) -> None:
        self.folder, self.max_bytes = folder, max_bytes
        self.upload: ReceivedUpload | None = None
        self.fields: dict[str, str] = {}
        self._header_name = self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._name: str | None = None
        self._file: IO[bytes] | None = None
        self._buffer = bytearray()

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": self._header_field,
            "on_header_value": self._header_val,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
        }

    def _part_begin(self) -> None:
        self._headers, self._name, self._buffer = {}, None, bytearray()

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_val(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._header_name.lower()] = self._header_value
        self._header_name = self._header_value = b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        if filename is None:
            if len(self.fields) >= FIELDS_MAX:
                raise InvalidUpload("The upload form has too many fields.")
            return
        if self.upload is not None or self._name != "file":
            raise InvalidUpload("Send exactly one file, in the form field 'file'.")
        name = Path(filename.decode("utf-8", "replace")).name
        fmt = detect_format(name)
        path = self.folder / f"{uuid.uuid4().hex}.{fmt}"
        self.upload = ReceivedUpload(path=path, filename=name, format=fmt, size=0)
        self._file = path.open("xb")

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._file is not None and self.upload is not None:
            self.upload.size += end - start
            if self.upload.size > self.max_bytes:
                raise _too_large(self.max_bytes)
            self._file.write(data[start:end])
            return
        self._buffer += data[start:end]
        if len(self._buffer) > FIELD_MAX_BYTES:
            raise InvalidUpload(f"The form field '{self._name}' is too long.")

    def _part_end(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        elif self._name:
            self.fields[self._name] = self._buffer.decode("utf-8", "replace")

    @property
    def complete(self) -> bool:
        """A file arrived and its part ended (a truncated body leaves it open)."""
        return self.upload is not None and self._file is None

    def discard(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
        if self.upload is not None:
            self.upload.discard()


async def receive_upload(
    content_type: str,
    content_length: str | None,
    stream: AsyncIterator[bytes],
    folder: Path,
    max_bytes: int,
) -> ReceivedUpload:
    """The uploaded file on disk and the form's text fields; the caller discards the file."""
    kind, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise InvalidUpload("Send the file as multipart/form-data.")
    if (
        content_length
        and content_length.isdigit()
        and int(content_length) > max_bytes + OVERHEAD_BYTES
    ):
        raise _too_large(max_bytes)
    folder.mkdir(parents=True, exist_ok=True)
    receiver = _Receiver(folder, max_bytes)
    try:
        parser = MultipartParser(boundary, receiver.callbacks())  # type: ignore[arg-type]
        async for chunk in stream:
            parser.write(chunk)
        parser.finalize()
    except MultipartParseError as e:
        receiver.discard()
        raise InvalidUpload(f"The upload is not a valid multipart form: {e}") from e
    except BaseException:
        receiver.discard()
        raise
    if not receiver.complete or receiver.upload is None:
        receiver.discard()
        raise InvalidUpload("The upload has no file: send it in the form field 'file'.")
    receiver.upload.fields = receiver.fields
    return receiver.upload
