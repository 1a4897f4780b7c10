"""GET /api/datasets/{key}/version: the dataset's current version number, cheaply.

Open explorers ask this every few seconds to tell their user "New data available": it reads
the newest version from the Delta log folder's file names (one listdir), never the log.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from backend.catalog.delta import log_version
from backend.deps import CurrentUser, ServicesDep, require_user

router = APIRouter(tags=["datasets"], dependencies=[Depends(require_user)])


class DatasetVersion(BaseModel):
    dataset: str
    versioned: bool
    version: int | None


@router.get("/datasets/{key}/version", response_model=DatasetVersion)
def dataset_version(key: str, user: CurrentUser, services: ServicesDep) -> DatasetVersion:
    """`versioned: false` and no version for a dataset without versions (not Delta)."""
    dataset = services.policy.dataset_for(key, user)  # 404 for what the caller may not see
    folder = services.catalog.versioned_folder(dataset.key)
    version = None if folder is None else log_version(folder)
    return DatasetVersion(dataset=dataset.key, versioned=folder is not None, version=version)
