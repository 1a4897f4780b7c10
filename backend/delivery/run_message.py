"""The message of one scheduled run for one viewer: the first rows of their result as an
HTML table (every value escaped) and as plain text, and their file attached up to
EMAIL_ATTACH_MAX_MB or, above that, a download link that expires (backend.delivery.file_link).
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backend.delivery.message import Attachment, Message
from backend.exports import CONTENT_TYPES

TABLE_ROWS = 20
CHART = "chart.png"
CELL_CHARS = 200


@dataclass(frozen=True)
class Preview:
    """The first rows of a viewer's result, as the query page returned them."""

    columns: list[str]
    rows: list[list[Any]]
    names: list[str] = dataclasses.field(default_factory=list)  # the columns' names


@dataclass(frozen=True)
class Produced:
    """One viewer's finished export of the run."""

    title: str
    export_id: str
    filename: str
    format: str
    path: Path
    rows: int
    preview: Preview | None
    chart: Path | None = None  # the report's chart as a PNG (backend.delivery.chart_image)


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= CELL_CHARS else text[: CELL_CHARS - 1] + "…"


def html_table(preview: Preview) -> str:
    """The rows as an HTML table; nothing in a value can become markup.

    >>> html_table(Preview(["a"], [["<b>&"]])).split("<tr>")[2]
    '<td>&lt;b&gt;&amp;</td></tr></table>'
    """
    head = "".join(f"<th>{html.escape(_cell(c))}</th>" for c in preview.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row) + "</tr>"
        for row in preview.rows[:TABLE_ROWS]
    )
    return f'<table border="1" cellpadding="4" cellspacing="0"><tr>{head}</tr>{body}</table>'


def text_table(preview: Preview) -> str:
    lines = [" | ".join(preview.columns)]
    lines += [" | ".join(_cell(v) for v in row) for row in preview.rows[:TABLE_ROWS]]
    return "\n".join(lines)


def _shown(produced: Produced) -> str:
    if produced.preview is None:
        return ""
    shown = min(len(produced.preview.rows), TABLE_ROWS)
    return f"The first {shown} of {produced.rows} rows:" if shown < produced.rows else ""


def email_message(produced: Produced, *, attach: bool, link: str | None) -> Message:
    """The email: the table, and the file attached (`attach`) or behind `link`."""
    where = (
        f"The file {produced.filename} is attached."
        if attach
        else f"The file {produced.filename} is too big to attach; download it once from this "
        f"link before it expires: {link}"
    )
    texts: Sequence[str] = [f"{produced.title}: {produced.rows} rows.", where, _shown(produced)]
    htmls = [f"<p>{html.escape(t)}</p>" for t in texts[:1]]
    htmls.append(
        f"<p>The file {html.escape(produced.filename)} is attached.</p>"
        if attach
        else f'<p><a href="{html.escape(link or "")}">Download {html.escape(produced.filename)}'
        "</a> (the link works once, until the file expires).</p>"
    )
    text = "\n\n".join(t for t in texts if t)
    if produced.preview is not None:
        text += "\n\n" + text_table(produced.preview)
        htmls += [f"<p>{html.escape(_shown(produced))}</p>", html_table(produced.preview)]
    images: tuple[Attachment, ...] = ()
    if produced.chart is not None:
        images = (Attachment(CHART, "image/png", produced.chart),)
        htmls.insert(1, f'<p><img src="cid:{CHART}" alt="{html.escape(produced.title)}"></p>')
    files = (Attachment(produced.filename, CONTENT_TYPES[produced.format], produced.path),)
    return Message(
        subject=produced.title,
        text=text,
        html="\n".join(htmls),
        attachments=files if attach else (),
        images=images,
        link=None if attach else link,
        facts=facts(produced),
    )


def notice(produced: Produced) -> Message:
    """In-app and webhooks: the facts and where to download, no file."""
    link = f"/api/exports/{produced.export_id}/download"
    text = f"{produced.rows} rows in {produced.filename}."
    return Message(subject=produced.title, text=text, link=link, facts=facts(produced))


def facts(produced: Produced) -> dict[str, Any]:
    return {
        "title": produced.title,
        "rows": produced.rows,
        "format": produced.format,
        "export_id": produced.export_id,
    }
