"""Property: a kept compile (backend.services.prepared) is exactly what compiling the spec
again gives. A random spec is asked through the API first (that path loads the statistics
joins need and keeps the compile), at one page; then the query service's compile of that
spec at another page, answered from the kept compile, must render the same paged, unpaged
and count SQL and describe the same columns, datasets, join order and notes as a fresh
compile, or fail with the same error; the API's `sql` is the fresh compile's; and the
result cache keys of its blocks (cut from a template, backend.services.paged_sql) are the
keys of the blocks' own trees."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from backend.query.compiler import compile_query
from backend.query.context import CompiledQuery
from backend.query.spec import QuerySpec
from backend.security.principal import User
from backend.services.blocks import blocks
from backend.services.queries import QueryService
from backend.services.result_cache import result_key
from tests.property.conftest import SLICES
from tests.property.specs import query_spec
from tests.store.fixtures import ADMIN, ADMIN_PASSWORD, USER_PASSWORD, Api

CALLERS = {
    ADMIN: User(id=1, username=ADMIN, display_name=ADMIN, role="admin", attributes={}),
    **{
        name: User(id=i, username=name, display_name=name, role="viewer", attributes={"region": r})
        for i, (name, r) in enumerate(sorted(SLICES.items()), start=2)
    },
}


def _fresh(queries: QueryService, spec: QuerySpec, caller: User) -> CompiledQuery:
    """The spec compiled from scratch, as the service did before compiles were kept."""
    compiled = compile_query(spec, queries.context(caller))
    return queries.materialized.rewrite(compiled) if queries.materialized else compiled


def _outcome(queries: QueryService, compile: Callable[[], CompiledQuery]) -> Any:
    try:
        c = compile()
    except Exception as e:  # the same refusal, in the same words
        return type(e).__name__, str(e)
    render = queries.adapter.render
    sql = (render(c.tree), render(c.unpaged), render(c.count))
    return sql, c.columns, c.datasets, c.join_order, c.notes, c.keys


@settings(max_examples=40)
@given(
    user=st.sampled_from(sorted(CALLERS)),
    spec=query_spec(dataset="sales"),
    other_page=st.integers(1, 40),
)
def test_a_kept_compile_equals_a_fresh_one(
    property_api: Api, user: str, spec: dict[str, Any], other_page: int
) -> None:
    password = ADMIN_PASSWORD if user == ADMIN else USER_PASSWORD
    r = property_api.client.post(
        "/api/query", json=spec, headers=property_api.headers(user, password)
    )
    assert r.status_code < 500, r.text[:600]
    try:
        asked = QuerySpec.model_validate(spec)
    except ValidationError:
        event("invalid spec")
        return
    queries: QueryService = property_api.app.state.context.services.queries
    caller = CALLERS[user]
    if r.status_code == 200:
        assert r.json()["sql"] == queries.adapter.render(_fresh(queries, asked, caller).tree)
    other = asked.model_copy(update={"page": other_page})
    hits = queries._prepared.hits
    kept = _outcome(queries, lambda: queries.compile(other, caller))
    event("kept" if queries._prepared.hits > hits else "compiled")
    assert kept == _outcome(queries, lambda: _fresh(queries, other, caller)), spec
    if isinstance(kept[0], tuple):  # compiled: its blocks' cache keys, cut from templates
        compiled = queries.compile(other, caller)
        scope = queries.adapter.name
        for block in blocks(compiled.unpaged, range(3), 7, 1_000_000):
            expected = result_key(block.tree, ["v1"], scope=scope)
            assert queries._block_key(block, ["v1"]) == expected, spec
