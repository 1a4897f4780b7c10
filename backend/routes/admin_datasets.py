"""Admin: datasets from uploaded files or existing relations, and their settings.

GET    /api/admin/datasets          every dataset with its settings (and orphaned settings)
GET    /api/admin/datasets/{key}    one, with its loads (the version history)
POST   /api/admin/datasets          multipart (file, key, load_type?, load_id?, types?,
                                    replace?) or JSON {"key", "relation"}
PATCH  /api/admin/datasets/{key}    settings (see backend.datasets_admin.schema)
DELETE /api/admin/datasets/{key}    settings, and the files of an uploaded dataset
"""

from __future__ import annotations

import functools
from typing import Any

import anyio
from fastapi import APIRouter, Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from backend import audit
from backend.datasets_admin.schema import DatasetSettingsPatch
from backend.datasets_admin.service import DatasetAdmin, RegisterRelation, UploadFields
from backend.datasets_admin.uploads import is_multipart, receive_upload
from backend.datasets_admin.views import AdminDataset, DatasetCreated
from backend.deps import AdminUser, ServicesDep, require_admin
from backend.errors import InvalidQuery, PayloadTooLarge
from backend.security.principal import User

router = APIRouter(prefix="/admin/datasets", tags=["admin"], dependencies=[Depends(require_admin)])

JSON_MAX_BYTES = 64 * 1024

_UPLOAD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["file", "key"],
    "properties": {
        "file": {"type": "string", "format": "binary", "description": "CSV, XLSX or Parquet"},
        "key": {"type": "string", "description": "dataset key: letters, digits, _"},
        "load_type": {"type": "string", "description": "with load_id: a new load (partition)"},
        "load_id": {"type": "string"},
        "types": {"type": "string", "description": 'JSON {"column": "DECIMAL(18,2)", ...}'},
        "replace": {"type": "boolean", "description": "replace the file or load if it exists"},
    },
}
_CREATE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {"schema": _UPLOAD_SCHEMA},
            "application/json": {"schema": RegisterRelation.model_json_schema()},
        },
    }
}


@router.get("", response_model=list[AdminDataset])
def list_datasets(services: ServicesDep) -> list[AdminDataset]:
    return services.datasets.list()


@router.get("/{key}", response_model=AdminDataset)
def get_dataset(key: str, services: ServicesDep) -> AdminDataset:
    return services.datasets.view(key, loads=True)


@router.post("", response_model=DatasetCreated, status_code=201, openapi_extra=_CREATE_BODY)
async def create_dataset(
    request: Request, admin: AdminUser, services: ServicesDep
) -> DatasetCreated:
    datasets = services.datasets
    if is_multipart(request.headers.get("content-type", "")):
        result = await _upload(request, admin, datasets, services.settings.upload_max_mb)
    else:
        body = await _relation_body(request)
        view = await anyio.to_thread.run_sync(
            functools.partial(datasets.register, body, by=admin.username)
        )
        result = DatasetCreated(dataset=view, created=True)
    if result.created:
        after = {
            "source": result.dataset.source,
            "relation": result.dataset.relation,
            "settings": result.dataset.settings.model_dump(mode="json"),
        }
        audit.record(
            "dataset.create",
            user=admin,
            dataset=result.dataset.key,
            request=request,
            detail={"before": None, "after": after},
        )
    return result


async def _relation_body(request: Request) -> RegisterRelation:
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > JSON_MAX_BYTES:
        raise PayloadTooLarge("The request body is too large.")
    raw = await request.body()
    if not raw.strip():
        raise InvalidQuery(
            'Send a file as multipart/form-data, or JSON {"key": ..., "relation": ...}.'
        )
    try:
        return RegisterRelation.model_validate_json(raw)
    except ValidationError as e:
        raise RequestValidationError(e.errors(include_url=False)) from e


async def _upload(
    request: Request, admin: User, datasets: DatasetAdmin, max_mb: int
) -> DatasetCreated:
    upload = await receive_upload(
        request.headers.get("content-type", ""),
        request.headers.get("content-length"),
        request.stream(),
        datasets.uploads_dir,
        max_mb * 2**20,
    )
    try:
        fields = UploadFields.parse(upload.fields)
        result = await anyio.to_thread.run_sync(
            functools.partial(datasets.ingest, upload, fields, by=admin.username)
        )
    finally:
        upload.discard()
    detail = {
        "file": upload.filename,
        "bytes": upload.size,
        "load": result.load.model_dump() if result.load else None,
        "replace": fields.replace,
        "rows": result.rows,
        "columns": [c.model_dump() for c in result.columns],
    }
    audit.record("dataset.load", user=admin, dataset=fields.key, request=request, detail=detail)
    return result


@router.patch("/{key}", response_model=AdminDataset)
def update_dataset(
    key: str,
    body: DatasetSettingsPatch,
    admin: AdminUser,
    services: ServicesDep,
    request: Request,
) -> AdminDataset:
    before, view = services.datasets.update(key, body, by=admin.username)
    detail = {
        "before": before.model_dump(mode="json"),
        "after": view.settings.model_dump(mode="json"),
    }
    audit.record("dataset.update", user=admin, dataset=key, request=request, detail=detail)
    return view


@router.delete("/{key}", status_code=204)
def delete_dataset(key: str, admin: AdminUser, services: ServicesDep, request: Request) -> Response:
    entry = services.datasets.delete(key)
    before = {
        "source": entry.source,
        "relation": entry.relation,
        "settings": entry.settings.model_dump(mode="json"),
    }
    detail = {"before": before, "after": None, "files_removed": entry.source == "upload"}
    audit.record("dataset.delete", user=admin, dataset=key, request=request, detail=detail)
    return Response(status_code=204)
