"""The sign-in form, as the browser gets it before the page's script runs."""

from __future__ import annotations

import json

from aurora.pages.login import login_page


def test_the_sign_in_form_posts_so_an_early_click_keeps_the_password_out_of_the_address() -> None:
    rendered = json.dumps(login_page().render())
    assert 'method:\\"post\\"' in rendered
    assert "onSubmit:" in rendered  # the page's own sign-in still handles the submit
