"""The headless game every screen and sound test starts from: the app with the menu open."""

import pytest

from game.app import App


@pytest.fixture
def app():
    a = App(headless=True)
    a.push("menu")
    yield a
    a.close()
