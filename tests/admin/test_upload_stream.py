"""The multipart receiver: a stream that breaks off or grows past the limit leaves no file."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from backend.datasets_admin.uploads import receive_upload
from backend.errors import InvalidUpload, PayloadTooLarge

BOUNDARY = "xYzBoundary"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


def _body(file: bytes, **fields: str) -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    parts.append(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="d.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n".encode()
        + file
        + b"\r\n"
    )
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


async def _chunks(body: bytes, size: int = 7, fail_at: int | None = None) -> AsyncIterator[bytes]:
    for i in range(0, len(body), size):
        if fail_at is not None and i >= fail_at:
            raise ConnectionResetError("client went away")
        yield body[i : i + size]


def _receive(body: bytes, folder: Path, max_bytes: int = 1000, **kw: int) -> object:
    return asyncio.run(receive_upload(CONTENT_TYPE, None, _chunks(body, **kw), folder, max_bytes))


def test_fields_and_the_file_arrive_in_small_chunks(tmp_path: Path) -> None:
    upload = _receive(_body(b"a,b\r\n1,2\r\n", key="sales", load_id="7"), tmp_path)
    assert upload.fields == {"key": "sales", "load_id": "7"}  # type: ignore[attr-defined]
    assert upload.path.read_bytes() == b"a,b\r\n1,2\r\n"  # type: ignore[attr-defined]
    assert upload.format == "csv" and upload.filename == "d.csv"  # type: ignore[attr-defined]


def test_a_stream_that_breaks_off_leaves_no_file(tmp_path: Path) -> None:
    body = _body(b"a\n" + b"1\n" * 200, key="k")
    with pytest.raises(ConnectionResetError):
        _receive(body, tmp_path, fail_at=len(body) // 2)
    assert list(tmp_path.iterdir()) == []


def test_a_file_past_the_limit_stops_the_stream_and_leaves_no_file(tmp_path: Path) -> None:
    with pytest.raises(PayloadTooLarge):
        _receive(_body(b"x" * 2000, key="k"), tmp_path, max_bytes=1000)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "body",
    [
        _body(b"a\n1\n")[:-30],  # cut inside the file part
        b"--" + BOUNDARY.encode() + b"\r\nnot a header line\r\n\r\n",
    ],
)
def test_a_broken_form_is_refused_and_leaves_no_file(tmp_path: Path, body: bytes) -> None:
    with pytest.raises(InvalidUpload):
        _receive(body, tmp_path)
    assert list(tmp_path.iterdir()) == []
