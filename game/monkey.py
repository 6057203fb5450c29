"""A seeded monkey: random keys, clicks and mouse moves over every screen of the game.

Used by the monkey test (headless, in `make test`) and `bench/monkey.py` (a real window for
N minutes). The monkey never quits the game on purpose: on the menu it opens the next screen
itself instead of pressing Esc/Enter there. Everything else is fair game, including the keys
that start training, load models, record, switch tracks or fine-tune.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pygame

from game.app import SIM_DT, App
from game.paths import user_dir
from game.scenes import menu_entries

# Keys the screens use, weighted towards driving and playing; the rest of the keyboard is
# sampled now and then too, to find keys nobody expected.
GAME_KEYS = [
    *[pygame.K_LEFT, pygame.K_RIGHT, pygame.K_UP, pygame.K_DOWN] * 6,
    *[pygame.K_r, pygame.K_p, pygame.K_s, pygame.K_1, pygame.K_2, pygame.K_3] * 3,
    pygame.K_RETURN,
    pygame.K_KP_ENTER,
    pygame.K_ESCAPE,
    pygame.K_TAB,
    pygame.K_SPACE,
    pygame.K_BACKSPACE,
    pygame.K_PLUS,
    pygame.K_MINUS,
    pygame.K_EQUALS,
    pygame.K_KP_PLUS,
    pygame.K_KP_MINUS,
    pygame.K_LEFTBRACKET,
    pygame.K_RIGHTBRACKET,
    pygame.K_h,
    pygame.K_F12,
]
LETTERS_AND_DIGITS = [*range(pygame.K_a, pygame.K_z + 1), *range(pygame.K_0, pygame.K_9 + 1)]
MENU_ONLY_KEYS = (pygame.K_ESCAPE, pygame.K_RETURN, pygame.K_KP_ENTER)


@dataclass
class MonkeyReport:
    events: int = 0
    frames: int = 0
    seconds: float = 0.0
    screens: dict[str, int] = field(default_factory=dict)  # events sent per screen
    crash_logs: list[Path] = field(default_factory=list)
    slowest_frame_s: float = 0.0
    slowest_screen: str = ""
    hangs: int = 0  # frames slower than the hang threshold

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0


class Monkey:
    """Sends random input to `app`; `frame(events)` plays one frame (headless or real)."""

    def __init__(self, app: App, seed: int, hang_s: float = 1.0) -> None:
        self.app = app
        self.rng = random.Random(seed)
        self.held: set[int] = set()
        self.hang_s = hang_s
        w, h = app.screen.get_size()
        self.size = (w, h)

    def _key(self, down: bool, k: int) -> pygame.event.Event:
        kind = pygame.KEYDOWN if down else pygame.KEYUP
        return pygame.event.Event(kind, key=k, mod=0, unicode="", scancode=0)

    def random_events(self) -> list[pygame.event.Event]:
        """0-3 events: a key press or release, a click, or a mouse move."""
        rng, out = self.rng, []
        on_menu = self.app.scene is not None and self.app.scene.scene_name == "menu"
        for _ in range(rng.randint(0, 3)):
            roll = rng.random()
            if roll < 0.25 and self.held:
                k = rng.choice(sorted(self.held))
                self.held.discard(k)
                out.append(self._key(False, k))
            elif roll < 0.75:
                pool = LETTERS_AND_DIGITS if rng.random() < 0.2 else GAME_KEYS
                k = rng.choice(pool)
                if on_menu and k in MENU_ONLY_KEYS:
                    continue  # the monkey opens screens itself; it never quits the game
                self.held.add(k)
                out.append(self._key(True, k))
            elif roll < 0.9:
                pos = (rng.randrange(self.size[0]), rng.randrange(self.size[1]))
                out.append(
                    pygame.event.Event(pygame.MOUSEMOTION, pos=pos, rel=(0, 0), buttons=(0, 0, 0))
                )
            elif not on_menu:
                pos = (rng.randrange(self.size[0]), rng.randrange(self.size[1]))
                button = rng.choice((1, 1, 1, 3, 4, 5))
                out.append(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=button))
                out.append(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=button))
        return out

    def release_all(self) -> list[pygame.event.Event]:
        events = [self._key(False, k) for k in sorted(self.held)]
        self.held.clear()
        return events

    def _play_frame(
        self, events: list[pygame.event.Event], report: MonkeyReport, real_time: bool
    ) -> None:
        app = self.app
        start = time.perf_counter()
        if real_time:
            app.clock.tick(60)
            events = [*pygame.event.get(), *events]
            app.frame(events, SIM_DT)
        else:
            app.frame([*pygame.event.get(), *events], SIM_DT)
        took = time.perf_counter() - start
        if took > report.slowest_frame_s:
            report.slowest_frame_s = took
            report.slowest_screen = app.scene.scene_name if app.scene else ""
        report.hangs += took > self.hang_s
        report.frames += 1

    def run(
        self,
        events_per_screen: int,
        rounds: int = 1,
        real_time: bool = False,
        stop: Callable[[], bool] = lambda: False,
    ) -> MonkeyReport:
        """Visit every menu screen `rounds` times, `events_per_screen` events each."""
        app, report = self.app, MonkeyReport()
        t0 = time.perf_counter()
        screens = [e.name for e in menu_entries()]
        for _ in range(rounds):
            for name in screens:
                if stop() or not app.running:
                    break
                sent = 0
                while sent < events_per_screen and app.running and not stop():
                    if app.scene is None or app.scene.scene_name == "menu":
                        app.push(name)  # (re)open it: Esc or a crash may have closed it
                    events = self.random_events()
                    sent += len(events)
                    report.screens[name] = report.screens.get(name, 0) + len(events)
                    self._play_frame(events, report, real_time)
                report.events += sent
                self._play_frame(self.release_all(), report, real_time)
                while app.running and len(app.stack) > 1:
                    app.pop()  # back to the menu for the next screen
            if stop() or not app.running:
                break
        report.seconds = time.perf_counter() - t0
        report.crash_logs = list(app.crash_logs)
        return report


def plant_broken_files() -> dict[str, Path]:
    """Put a broken model, session and track in the user folder, as a careless user might."""
    models, recordings, tracks = user_dir("models"), user_dir("recordings"), user_dir("tracks")
    planted = {}
    model = models / "broken-pilotnet.h5"
    model.write_bytes(b"\x89HDF\r\n\x1a\n" + b"junk" * 500)
    (models / "broken-pilotnet.card.json").write_text('{"architecture": "pilotnet", "input": ')
    planted["model"] = model
    session = recordings / "20260101-000000_broken"
    (session / "frames").mkdir(parents=True, exist_ok=True)
    (session / "meta.json").write_text("[" * 100_000 + "]" * 100_000)
    (session / "log.csv").write_text("frame,steering\nframes/0.png,NaN\n,,,\n")
    planted["session"] = session
    track = tracks / "broken.json"
    track.write_text('{"name": "Broken", "centerline": [[0, 0], [100, 0], [0, 100], [100, 100]]}')
    planted["track"] = track
    return planted
