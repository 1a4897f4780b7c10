"""Admin: the PostgreSQL sources polled for change data capture, on the datasets page.

List them with their last poll, add or edit one in a dialog (the API's refusal shown beside
the field it names), delete one after a confirmation in its row, and poll one now with the
outcome in its row. A source's connection URL is write-only: the form sends it when typed,
forgets it when the dialog closes, and the API never returns it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

from aurora import cdc_forms as cf
from aurora.api_client import ApiClient, ApiError
from aurora.cdc_forms import CdcItem
from aurora.state import session
from aurora.state.admin_datasets import AdminDatasetsState
from aurora.state.base import PageState


def _with_outcome(fresh: CdcItem, old: CdcItem | None) -> CdcItem:
    """A source as listed again, still showing this page's last Run now of it."""
    if old is None:
        return fresh
    return dataclasses.replace(fresh, outcome=old.outcome, outcome_ok=old.outcome_ok)


@session.forgotten
class CdcState(PageState, rx.State):
    sources: list[CdcItem] = []
    notice: str = ""
    form_open: bool = False
    form_id: str = ""  # "" adds a source; else the one being edited
    form: dict[str, str] = cf.empty_form()
    form_enabled: bool = True
    form_has_url: bool = False  # the edited source has a URL of its own
    form_url_clear: bool = False  # go back to the server's CDC_POSTGRES_URL
    form_error: str = ""
    field_errors: dict[str, str] = cf.no_errors()
    confirm_delete: str = ""  # the source whose row asks "delete?"
    running: str = ""  # the source being polled now

    @rx.event
    async def load(self):
        """on_load of the datasets page, beside AdminDatasetsState.load."""
        client, away = await self._signed_in_api(admin=True)
        if client is None:
            return away
        return await self._refresh(client)

    async def _refresh(self, client: ApiClient) -> Any:
        try:
            listing = await client.cdc_sources()
        except ApiError as exc:
            return self._failed(exc)
        kept = {s.id: s for s in self.sources}
        self.sources = [_with_outcome(cf.item(s), kept.get(str(s.get("id")))) for s in listing]
        return None

    def _show_failure(self, exc: ApiError) -> None:
        self.error, self.notice = exc.message, ""

    @rx.event
    def open_new(self):
        self._open_form("", cf.empty_form(), enabled=True, has_url=False)

    @rx.event
    def open_edit(self, source_id: str):
        found = next((s for s in self.sources if s.id == source_id), None)
        if found is not None:
            self._open_form(found.id, cf.form_of(found), found.enabled, found.has_own_url)

    def _open_form(
        self, source_id: str, form: dict[str, str], enabled: bool, has_url: bool
    ) -> None:
        self.form_id, self.form, self.form_enabled = source_id, form, enabled
        self.form_has_url, self.form_url_clear = has_url, False
        self.form_error, self.field_errors, self.form_open = "", cf.no_errors(), True

    @rx.event
    def set_form_open(self, value: bool):
        self.form_open = value
        if not value:
            self.form = self.form | {"url": ""}  # a typed URL never outlives its dialog

    @rx.event
    def set_form_field(self, name: str, value: str):
        if name in cf.FIELDS and not (name == "dataset" and self.form_id):
            self.form = self.form | {name: value}
            self.field_errors = self.field_errors | {name: ""}

    @rx.event
    def set_form_enabled(self, value: bool):
        self.form_enabled = bool(value)

    @rx.event
    def set_form_url_clear(self, value: bool):
        self.form_url_clear = bool(value)

    @rx.event
    async def save(self):
        new = not self.form_id
        body, problems = cf.source_body(
            self.form, self.form_enabled, new=new, url_clear=self.form_url_clear
        )
        self.field_errors = cf.no_errors() | problems
        self.form_error = "Correct the marked fields." if problems else ""
        if problems:
            return None
        client = await self._api()
        try:
            if new:
                saved = await client.create_cdc_source(body)
            else:
                saved = await client.update_cdc_source(self.form_id, body)
        except ApiError as exc:
            return self._refused(exc)
        self.form_open, self.error = False, ""
        self.form = self.form | {"url": ""}  # a typed URL never outlives its dialog
        verb = "Added" if new else "Saved"
        self.notice = f"{verb} the source of '{saved.get('dataset', '')}'."
        return await self._refresh(client)

    def _refused(self, exc: ApiError) -> Any:
        if exc.status == 401:
            return self._failed(exc)
        marked = cf.field_errors(exc.message, exc.details)
        self.field_errors = cf.no_errors() | marked
        self.form_error = "" if marked else exc.message  # said once: beside its field
        return None

    @rx.event
    def ask_delete(self, source_id: str):
        self.confirm_delete = source_id

    @rx.event
    def cancel_delete(self):
        self.confirm_delete = ""

    @rx.event
    async def delete(self, source_id: str):
        if self.confirm_delete != source_id:
            return None  # only from the row's confirmation
        self.confirm_delete = ""
        name = next((s.dataset for s in self.sources if s.id == source_id), source_id)
        client = await self._api()
        try:
            await client.delete_cdc_source(source_id)
        except ApiError as exc:
            return self._failed(exc)
        self.error = ""
        self.notice = f"Stopped polling into '{name}'; the dataset and its versions stay."
        return await self._refresh(client)

    # A background event: a first poll of a big table takes a while, and a handler holding
    # the tab's state lock past Reflex's Redis lock expiration (10 s) loses its work.
    @rx.event(background=True)
    async def run(self, source_id: str):
        async with self:
            if self.running:
                return
            self.running = source_id
            self._set_outcome(source_id, "Polling…", True)
            client, generation = await self._api(), await self._begin()
        try:
            answer = await client.run_cdc_source(source_id)
        except ApiError as exc:
            async with self:
                self.running = ""
                self._set_outcome(source_id, exc.message, False)
                ended = self._failed(exc) if await self._current(generation) else None
            if ended is not None:
                yield ended
            return
        async with self:
            self.running = ""
            if not await self._current(generation):
                return
            self._took(source_id, answer)
        if answer.get("last_change_at") and answer["last_change_at"] == answer.get("last_run_at"):
            yield AdminDatasetsState.load  # a new version: the datasets list's rows change

    def _took(self, source_id: str, answer: dict[str, Any]) -> None:
        text, ok = cf.run_outcome(answer)
        done = dataclasses.replace(cf.item(answer), outcome=text, outcome_ok=ok)
        self.sources = [done if s.id == source_id else s for s in self.sources]

    def _set_outcome(self, source_id: str, text: str, ok: bool) -> None:
        self.sources = [
            dataclasses.replace(s, outcome=text, outcome_ok=ok) if s.id == source_id else s
            for s in self.sources
        ]
