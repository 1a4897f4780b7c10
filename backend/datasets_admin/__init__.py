"""Dataset administration: settings kept in the metadata store and laid over what the catalog
discovers (labels, hidden columns, formats, vintage, mandatory filters, default sort), who may
see each dataset, row-level security, and datasets made from uploaded files or registered
from the active database's relations.

- `schema`: the settings document (PATCH body) and its validation against a dataset.
- `cache`: the settings of every dataset, held in memory, reloaded on change.
- `overlay`: settings -> the `Dataset` the catalog shows.
- `rules`: `StoreRules`, the `DatasetRules` of `AccessPolicy` (visibility, RLS predicates).
- `relations`: datasets registered from an existing relation, as a catalog source.
- `uploads`: the multipart upload streamed to disk under a size limit.
- `service`: the admin use cases the routes call.
"""
