"""The shared controls: one check list, one stepper (clamps at its ends), one progress bar."""

import pygame
import pytest

from game.render import theme
from game.render.controls import CheckList, CheckRow, ProgressBar, Stepper, Tick, tick_all


@pytest.fixture(scope="module", autouse=True)
def _pygame():
    pygame.init()
    yield


def key(k: int, mod: int = 0) -> pygame.event.Event:
    return pygame.event.Event(pygame.KEYDOWN, key=k, mod=mod)


def click(pos) -> pygame.event.Event:
    return pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=pos)


def make_list(n: int = 5) -> CheckList:
    cl = CheckList(pygame.Rect(10, 100, 200, 3 * 30), row_h=30)
    cl.rows = [CheckRow(f"row {i}", right="x", checked=i == 1) for i in range(n)]
    return cl


def test_checklist_keys_move_wrap_and_tick():
    cl = make_list()
    assert cl.handle_event(key(pygame.K_DOWN)) is None
    assert cl.cursor == 1
    assert cl.handle_event(key(pygame.K_SPACE)) == Tick(1)
    cl.handle_event(key(pygame.K_UP))
    cl.handle_event(key(pygame.K_UP))
    assert cl.cursor == 4  # wrapped from the top to the last row
    assert cl.scroll == 2  # and scrolled it into view (3 rows visible)
    assert cl.handle_event(key(pygame.K_a, pygame.KMOD_CTRL)) == Tick(None)
    assert cl.handle_event(key(pygame.K_a)) is None  # plain A is not "all"


def test_checklist_click_ticks_the_row_under_the_mouse_and_wheel_scrolls():
    cl = make_list()
    assert cl.handle_event(click((50, 100 + 30 + 5))) == Tick(1)
    assert cl.cursor == 1
    assert cl.handle_event(click((50, 50))) is None  # above the list
    cl.handle_event(pygame.event.Event(pygame.MOUSEWHEEL, x=0, y=-10))
    assert cl.scroll == 2  # clamped: the last page
    assert cl.handle_event(click((50, 105))) == Tick(2)


def test_checklist_empty_and_draw():
    cl = make_list(0)
    assert cl.handle_event(key(pygame.K_SPACE)) is None
    assert cl.handle_event(key(pygame.K_DOWN)) is None
    surface = pygame.Surface((300, 300))
    make_list().draw(surface)  # draws without a display
    # A ticked box is filled with the GOOD colour, an unticked one is not.
    from game.render import theme

    cl = make_list()
    surface.fill((0, 0, 0))
    cl.draw(surface)
    ticked = cl.row_rect(1)
    unticked = cl.row_rect(2)
    assert surface.get_at((ticked.x + 8 + 9, ticked.centery))[:3] == theme.GOOD
    assert surface.get_at((unticked.x + 8 + 9, unticked.centery))[:3] != theme.GOOD


def test_tick_all_ticks_all_then_none():
    assert tick_all({1, 2}, set()) == {1, 2}
    assert tick_all({1, 2}, {1}) == {1, 2}
    assert tick_all({1, 2}, {1, 2}) == set()


def test_stepper_clamps_at_both_ends():
    s = Stepper(pygame.Rect(0, 0, 200, 30), "epochs", (1, 2, 5), value=2)
    assert s.step(+1) and s.value == 5
    assert not s.step(+1) and s.value == 5  # clamps, never wraps to the start
    assert s.step(-5) and s.value == 1
    assert not s.step(-1) and s.value == 1
    s.set(4)
    assert s.value == 5  # nearest choice
    s.enabled = False
    assert not s.step(-1) and s.value == 5


def test_stepper_buttons_step_it():
    s = Stepper(pygame.Rect(0, 0, 200, 30), "rounds", (50, 100, 300), value=100)
    assert s.handle_event(click(s.more.rect.center)) and s.value == 300
    assert not s.handle_event(click(s.more.rect.center))
    assert s.handle_event(click(s.less.rect.center)) and s.value == 100
    assert not s.handle_event(click((10, 15)))  # the label, not a button
    s.draw(pygame.Surface((300, 40)))


def test_progress_bar_known_and_unknown_amounts():
    surface = pygame.Surface((300, 40))
    bar = ProgressBar(pygame.Rect(10, 10, 200, 16), "epoch 1/2")
    y = bar.rect.centery
    bar.fraction = 0.5
    bar.draw(surface)
    # Half full: the left end is filled, the right end is not (the label sits in the middle).
    assert surface.get_at((bar.rect.x + 12, y))[:3] == theme.ACCENT[:3]
    assert surface.get_at((bar.rect.right - 12, y))[:3] != theme.ACCENT[:3]

    # Unknown amount: a block that moves with the clock instead of a fill.
    def filled_columns(clock: float) -> list[int]:
        surface.fill((0, 0, 0))
        bar.draw(surface, clock=clock)
        return [x for x in range(bar.rect.x + 4, bar.rect.right - 4)
                if surface.get_at((x, bar.rect.y + 2))[:3] == theme.ACCENT[:3]]  # fmt: skip

    bar.fraction = None
    low, high = filled_columns(-0.63), filled_columns(0.63)  # sin at -1 and +1: both ends
    assert low and high and max(low) < min(high)
    assert len(low) < bar.rect.w // 2  # a block, not a fill
