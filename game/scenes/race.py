"""The Race screen: the expert, saved CNN models and optionally the person on one track.

Each car is its own World on the same track (cars pass through each other: no collisions),
started a few metres apart. A CNN car steers from its own dashcam frame, exactly as in
`evaluate`. A picker comes first (keyboard or mouse): who races, the track and the laps.
Models load in a worker; this module imports no TensorFlow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pygame

from agents.driving.expert import ExpertDriver
from agents.driving.model_catalog import available_models, default_model
from game.errors import UserFacingError
from game.render import theme
from game.render.minimap import Minimap
from game.render.widgets import Button, draw_bar
from game.render.world_view import CarSprite, FollowCamera, WorldView, lead_point
from game.scenes import register_scene
from game.scenes.base import Scene
from game.scenes.drive import SteeringControls, track_label
from game.sim.dashcam import Dashcam
from game.sim.tracks_catalog import list_tracks, resolve_track
from game.sim.world import World
from game.workers import DONE, FAILED, Worker, WorkerContext

VIEW = pygame.Rect(0, 0, 840, 720)
SIDE = pygame.Rect(840, 0, 440, 720)
TABLE = pygame.Rect(854, 64, 412, 300)
MAP_CARD = pygame.Rect(854, 378, 412, 330)
PICKER = pygame.Rect(0, 0, 560, 0)  # height set by the number of rows

EXPERT, PERSON = "expert", "you"
MAX_CARS = len(theme.CAR_COLORS)
GRID_GAP_M = 9.0  # start positions: each car this far behind the one before
COUNTDOWN_S = 3.0
LAP_CHOICES = (1, 2, 3, 5, 10)
ROW_H = 40


@dataclass
class Entry:
    """One line of the picker: a possible driver."""

    key: str  # EXPERT, PERSON or a model path
    label: str
    chosen: bool = False


@dataclass
class Racer:
    label: str
    color: theme.Color
    world: World
    driver: object | None  # a Driver; None for the person
    grid_m: float = 0.0  # how far behind the start line this car started
    finish_time: float | None = None
    inference_ms: list[float] = field(default_factory=list)
    retired: str = ""  # why the car stopped (e.g. its model produced NaN); "" while racing

    @property
    def progress(self) -> float:
        """Metres past the start line (negative on the grid behind it)."""
        return self.world.metrics.progress - self.grid_m

    def lap(self, laps: int) -> int:
        """The lap being driven, 1..laps."""
        return min(max(int(self.progress // self.world.track.length) + 1, 1), laps)


def load_models_job(paths: list[Path]):
    """Worker job: a CnnDriver per path, or the error message for the ones that fail."""

    def job(ctx: WorkerContext):
        from agents.driving.cnn_driver import CnnDriver

        out: dict[Path, object] = {}
        for i, path in enumerate(paths):
            if ctx.cancelled:
                break
            ctx.progress(i / len(paths), f"loading {path.name}")
            try:
                out[path] = CnnDriver(path)
            except UserFacingError as e:
                out[path] = str(e)
        return out

    return job


def standings(racers: list[Racer]) -> list[Racer]:
    """Finished cars by finish time first, then the others by distance driven; retired
    cars last."""
    return sorted(
        racers,
        key=lambda r: (
            bool(r.retired),
            r.finish_time is None,
            r.finish_time if r.finish_time is not None else -r.progress,
        ),
    )


@register_scene(
    "race",
    label="Race",
    order=40,
    description="Expert, your CNN models and you on the same track",
)
class RaceScene(Scene):
    title = "Race"
    help_lines = [
        ("Up / Down", "picker: choose a row"),
        ("Space / Enter / click", "picker: add or remove a driver, start"),
        ("Left / Right", "picker: track, laps"),
        ("Left / Right, A / D", "race: steer your car (when you race)"),
        ("Tab", "race: camera follows the next car"),
        ("R", "race: start again"),
        ("P", "pause"),
    ]

    def __init__(
        self,
        app,
        track: str | None = None,
        drivers: list[str] | None = None,
        laps: int = 3,
        start: bool = False,
    ) -> None:
        super().__init__(app)
        self.track_names = list_tracks() or ["gen:1"]
        spec = track or app.track_spec or self.track_names[0]
        self.track_spec = spec if self._try_track(spec) else self.track_names[0]
        if self.track_spec in self.track_names:
            self.track_index = self.track_names.index(self.track_spec)
        else:
            self.track_names.insert(0, self.track_spec)
            self.track_index = 0
        self.laps = laps
        self.entries = self._make_entries(drivers)
        self.cursor = 0
        self.racers: list[Racer] = []
        self.racing = False
        self.loader: Worker | None = None
        self._drivers: dict[Path, object] = {}  # CnnDrivers by model path, kept between races
        self.paused = False
        self.follow = 0
        self.countdown = 0.0
        self.race_time = 0.0
        self.controls = SteeringControls()
        self.start_button = Button(pygame.Rect(0, 0, 220, 44), "START RACE", theme.BODY)
        self.follow_cam = FollowCamera()
        if start:
            self.start_race()

    # --- picker --------------------------------------------------------------------------
    def _try_track(self, spec: str) -> bool:
        try:
            self.track = resolve_track(spec)
        except UserFacingError as e:
            self.app.toast(f"bad track: {e}", "error")
            return False
        self.view = WorldView(self.track)
        self.minimap = Minimap(self.track, (MAP_CARD.w - 16, MAP_CARD.h - 38))
        self.dashcam: Dashcam | None = None  # built when a camera driver races
        return True

    def _make_entries(self, drivers: list[str] | None) -> list[Entry]:
        entries = [Entry(EXPERT, "Expert (ground truth)"), Entry(PERSON, "You")]
        known = {EXPERT, PERSON}
        for m in available_models():
            entries.append(Entry(str(m.path), f"CNN {m.label}"))
            known.add(str(m.path))
        for d in drivers or []:
            if d not in known:  # a model path given by the caller, outside the usual folders
                entries.append(Entry(d, f"CNN {Path(d).stem}"))
                known.add(d)
        if drivers is None:
            wanted = {EXPERT} | ({str(default_model())} if default_model() else set())
        else:
            wanted = set(drivers)
        for e in entries:
            e.chosen = e.key in wanted
        return entries

    @property
    def chosen(self) -> list[Entry]:
        return [e for e in self.entries if e.chosen]

    def _rows(self) -> int:
        return len(self.entries) + 3  # + track, laps, start

    def _row_h(self) -> int:
        # Many saved models: rows shrink so the picker still fits the window.
        return max(24, min(ROW_H, (self.app.screen.get_height() - 190) // self._rows()))

    def _picker_rect(self) -> pygame.Rect:
        rect = pygame.Rect(PICKER)
        rect.h = 110 + self._rows() * self._row_h() + 30
        rect.center = (self.app.screen.get_width() // 2, self.app.screen.get_height() // 2)
        return rect

    def _row_rect(self, i: int) -> pygame.Rect:
        card = self._picker_rect()
        row_h = self._row_h()
        y = card.y + 84 + i * row_h + (12 if i >= len(self.entries) else 0)
        return pygame.Rect(card.x + 24, y, card.w - 48, row_h - 6)

    def _activate(self, row: int, step: int = 1) -> None:
        n = len(self.entries)
        if row < n:
            entry = self.entries[row]
            if not entry.chosen and len(self.chosen) >= MAX_CARS:
                self.app.toast(f"at most {MAX_CARS} cars in a race")
                return
            entry.chosen = not entry.chosen
        elif row == n:
            self.track_index = (self.track_index + step) % len(self.track_names)
            if self._try_track(self.track_names[self.track_index]):
                self.track_spec = self.track_names[self.track_index]
        elif row == n + 1:
            i = LAP_CHOICES.index(self.laps) if self.laps in LAP_CHOICES else 0
            self.laps = LAP_CHOICES[(i + step) % len(LAP_CHOICES)]
        else:
            self.start_race()

    def _picker_event(self, event: pygame.event.Event) -> None:
        rows = self._rows()
        if event.type == pygame.KEYDOWN:
            if event.key in (pygame.K_UP, pygame.K_w):
                self.cursor = (self.cursor - 1) % rows
            elif event.key in (pygame.K_DOWN, pygame.K_s):
                self.cursor = (self.cursor + 1) % rows
            elif event.key in (pygame.K_LEFT, pygame.K_RIGHT) and self.cursor >= len(self.entries):
                self._activate(self.cursor, -1 if event.key == pygame.K_LEFT else 1)
            elif event.key in (pygame.K_SPACE, pygame.K_RETURN, pygame.K_KP_ENTER):
                self._activate(self.cursor)
        elif event.type in (pygame.MOUSEMOTION, pygame.MOUSEBUTTONDOWN):
            for i in range(rows):
                rect = self._row_rect(i)
                if rect.collidepoint(event.pos):
                    self.cursor = i
                    if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
                        # Track and laps: left half steps back, right half forward.
                        left = event.pos[0] < rect.centerx and i in (
                            len(self.entries),
                            len(self.entries) + 1,
                        )
                        self._activate(i, -1 if left else 1)
                    break

    # --- race ----------------------------------------------------------------------------
    def start_race(self) -> None:
        """Load the chosen models in a worker; the race starts once they are ready."""
        if not self.chosen:
            self.app.toast("choose at least one driver", "error")
            return
        if self.loader is not None:
            return
        paths = [Path(e.key) for e in self.chosen if e.key not in (EXPERT, PERSON)]
        paths = [p for p in paths if p not in self._drivers]  # loaded for an earlier race
        self.loader = Worker(load_models_job(paths), name="load race models").start()

    def _models_loaded(self, worker: Worker) -> None:
        if worker.state != DONE:
            self.app.toast(worker.error or "loading the models failed", "error")
            return
        loaded: dict[Path, object] = worker.result
        self._drivers.update({p: d for p, d in loaded.items() if not isinstance(d, str)})
        racers: list[Racer] = []
        for entry in self.chosen:
            color = theme.CAR_COLORS[len(racers) % len(theme.CAR_COLORS)]
            grid_m = len(racers) * GRID_GAP_M
            start_s = (-grid_m) % self.track.length
            world = World(self.track, start_s=start_s)
            if entry.key == EXPERT:
                driver, label = ExpertDriver(), "Expert"
            elif entry.key == PERSON:
                driver, label = None, "You"
            else:
                driver = loaded.get(Path(entry.key)) or self._drivers.get(Path(entry.key))
                label = Path(entry.key).stem
                if isinstance(driver, str) or driver is None:
                    self.app.toast(driver or f"{entry.key}: not loaded", "error")
                    continue
            if driver is not None:
                driver.reset(world)
            racers.append(Racer(label, color, world, driver, grid_m))
        if not racers:
            return
        if any(getattr(r.driver, "needs_camera", False) for r in racers):
            self.dashcam = Dashcam(self.track)
        self.view.prerender()
        self.racers = racers
        people = [i for i, r in enumerate(racers) if r.driver is None]
        self.follow = people[0] if people else 0
        self.controls.reset()
        self.countdown = COUNTDOWN_S
        self.race_time = 0.0
        self.racing = True
        self.paused = False

    def back_to_picker(self) -> None:
        self.racing = False
        self.racers = []

    @property
    def finished(self) -> bool:
        return bool(self.racers) and all(
            r.finish_time is not None or r.retired for r in self.racers
        )

    def _step_racer(self, racer: Racer, dt: float) -> None:
        world = racer.world
        if racer.retired:
            return
        if racer.driver is None:
            app = self.app
            cmd = self.controls.update(
                dt,
                left=app.key_held(pygame.K_LEFT, pygame.K_a),
                right=app.key_held(pygame.K_RIGHT, pygame.K_d),
                stick=app.gamepad_axis(0),
            )
        else:
            frame = None
            if racer.driver.needs_camera and self.dashcam is not None:
                frame = self.dashcam.render_world(world)
            try:
                cmd = racer.driver.steer(world, frame)
            except UserFacingError as e:  # a broken model: its car stops, the race goes on
                racer.retired = str(e)
                self.app.toast(f"{racer.label} retired: {e}", "error")
                return
            ms = getattr(racer.driver, "last_inference_ms", None)
            if ms is not None:
                racer.inference_ms.append(ms)
                del racer.inference_ms[:-120]
        world.step(cmd)
        if racer.progress >= self.laps * self.track.length:  # crossed the line on the last lap
            racer.finish_time = world.time

    # --- scene hooks ---------------------------------------------------------------------
    def handle_event(self, event: pygame.event.Event) -> None:
        if event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE:
            if self.racing:
                self.back_to_picker()
            else:
                self.app.pop()
            return
        if not self.racing:
            if self.loader is None:
                if self.start_button.handle_event(event):
                    self.start_race()
                    return
                self._picker_event(event)
            return
        if event.type == pygame.KEYDOWN:
            if event.key == pygame.K_TAB and self.racers:
                self.follow = (self.follow + 1) % len(self.racers)
            elif event.key == pygame.K_p:
                self.paused = not self.paused
            elif event.key == pygame.K_r:
                self.back_to_picker()
                self.start_race()

    def update(self, dt: float) -> None:
        if self.loader is not None:
            self.loader.poll()
            if self.loader.finished:
                worker, self.loader = self.loader, None
                if worker.state in (DONE, FAILED):
                    self._models_loaded(worker)
        if not self.racing or self.paused:
            return
        if self.countdown > 0:
            self.countdown = max(0.0, self.countdown - dt)
            return
        self.race_time += dt
        for racer in self.racers:
            if racer.finish_time is None:
                self._step_racer(racer, dt)
        car = self.racers[self.follow].world.car.state
        self.follow_cam.update(car.yaw, car.speed, dt)

    # --- drawing -------------------------------------------------------------------------
    def _sprites(self) -> list[CarSprite]:
        return [
            CarSprite(
                r.world.car.state.x, r.world.car.state.y, r.world.car.state.yaw, r.color, r.label
            )
            for r in self.racers
        ]

    def draw(self, surface: pygame.Surface) -> None:
        if not self.racing:
            self._draw_picker(surface)
            return
        sprites = self._sprites()
        st = self.racers[self.follow].world.car.state
        center = self.follow_cam.center(st.x, st.y)
        # The followed car is drawn last, on top of any car it is passing through.
        order = sprites[: self.follow] + sprites[self.follow + 1 :] + [sprites[self.follow]]
        self.view.draw(surface, VIEW, center, order)
        self._draw_overlays(surface)
        pygame.draw.rect(surface, theme.BG, SIDE)
        pygame.draw.line(surface, theme.PANEL_EDGE, SIDE.topleft, SIDE.bottomleft, 2)
        theme.blit_text(
            surface,
            track_label(self.track),
            (SIDE.x + 16, 30),
            theme.LARGE,
            theme.TEXT,
            anchor="midleft",
        )
        theme.blit_text(
            surface,
            f"{self.laps} lap{'s' if self.laps > 1 else ''}   {theme.format_time(self.race_time)}",
            (SIDE.right - 16, 32),
            theme.BODY,
            theme.ACCENT,
            anchor="midright",
        )
        self._draw_table(surface)
        theme.draw_panel(surface, MAP_CARD, theme.PANEL, theme.PANEL_EDGE, radius=10)
        theme.blit_text(
            surface,
            "TRACK MAP",
            (MAP_CARD.x + 14, MAP_CARD.y + 16),
            theme.SMALL,
            theme.ACCENT,
            anchor="midleft",
        )
        self.minimap.draw(surface, (MAP_CARD.x + 8, MAP_CARD.y + 30), sprites, follow=self.follow)

    def _draw_table(self, surface: pygame.Surface) -> None:
        rect = TABLE
        theme.draw_panel(surface, rect, theme.PANEL, theme.PANEL_EDGE, radius=10)
        cols = (
            ("POS", 14, "midleft"),
            ("DRIVER", 58, "midleft"),
            ("LAP", 230, "midright"),
            ("GAP", 300, "midright"),
            ("INT", 344, "midright"),
            ("AUTO", 398, "midright"),
        )
        y = rect.y + 20
        for name, x, anchor in cols:
            theme.blit_text(
                surface, name, (rect.x + x, y), theme.SMALL, theme.ACCENT, anchor=anchor
            )
        order = standings(self.racers)
        leader = order[0]
        row_h = min(48, (rect.h - 44) // max(len(order), 1))
        for pos, r in enumerate(order, start=1):
            y = rect.y + 44 + (pos - 1) * row_h + row_h // 2
            if self.racers.index(r) == self.follow:
                hl = pygame.Rect(rect.x + 6, y - row_h // 2 + 3, rect.w - 12, row_h - 6)
                theme.draw_panel(surface, hl, theme.PANEL_DARK, theme.ACCENT, radius=8)
            w = r.world
            if r is leader:
                gap = "LEAD" if r.finish_time is None else theme.format_time(r.finish_time)
            elif r.finish_time is not None and leader.finish_time is not None:
                gap = f"+{r.finish_time - leader.finish_time:.1f}s"
            else:
                metres = leader.progress - r.progress
                gap = f"+{metres / max(w.car.params.default_cruise, 1.0):.1f}s"
            lap = "FIN" if r.finish_time is not None else f"{r.lap(self.laps)}/{self.laps}"
            auto = w.autonomy_pct
            values = (
                (str(pos), theme.TEXT),
                (r.label, theme.TEXT),
                (lap, theme.GOOD if r.finish_time is not None else theme.TEXT),
                (gap, theme.TEXT_MUTED),
                (str(w.interventions), theme.BAD if w.interventions else theme.TEXT),
                (
                    f"{auto:.0f}%",
                    theme.GOOD if auto >= 90 else theme.WARN if auto >= 50 else theme.BAD,
                ),
            )
            for (value, color), (_, x, anchor) in zip(values, cols, strict=True):
                if x == 58:
                    pygame.draw.circle(surface, r.color, (rect.x + x, y), 7)
                    x += 16
                    value = value if len(value) <= 18 else value[:17] + "..."
                theme.blit_text(surface, value, (rect.x + x, y), theme.BODY, color, anchor=anchor)

    def _draw_overlays(self, surface: pygame.Surface) -> None:
        racer = self.racers[self.follow]
        label = f"camera: {racer.label}  (Tab)"
        card = pygame.Rect(16, 16, theme.text(label, theme.SMALL).get_width() + 24, 26)
        theme.draw_panel(surface, card, theme.PANEL_DARK, theme.PANEL_EDGE, radius=13, alpha=210)
        theme.blit_text(surface, label, card.center, theme.SMALL, theme.TEXT_MUTED, anchor="center")
        ms = racer.inference_ms
        if ms:
            theme.blit_text(
                surface,
                f"CNN {np.median(ms):.1f} ms/frame",
                (card.right + 12, card.centery),
                theme.SMALL,
                theme.ACCENT_2,
                anchor="midleft",
            )
        if self.countdown > 0:
            n = math.ceil(self.countdown)
            theme.blit_text(
                surface, str(n), (VIEW.centerx + 4, 204), theme.HUGE * 2, (0, 0, 0), anchor="center"
            )
            theme.blit_text(
                surface, str(n), (VIEW.centerx, 200), theme.HUGE * 2, theme.ACCENT, anchor="center"
            )
        elif self.race_time < 1.0:
            theme.blit_text(
                surface, "GO!", (VIEW.centerx, 200), theme.HUGE * 2, theme.GOOD, anchor="center"
            )
        if self.finished:
            self._banner(
                surface,
                "FINISHED",
                f"winner: {standings(self.racers)[0].label}",
                "R: race again   Esc: picker",
            )
        elif self.paused:
            self._banner(surface, "PAUSED", "press P to race on", "")

    def _banner(self, surface: pygame.Surface, title: str, line: str, hint: str) -> None:
        card = pygame.Rect(0, 0, 420, 130)
        card.center = (VIEW.centerx, VIEW.y + 190)
        theme.draw_panel(surface, card, theme.PANEL_DARK, theme.ACCENT, radius=14, alpha=230)
        theme.blit_text(
            surface, title, (card.centerx, card.y + 38), theme.TITLE, theme.ACCENT, anchor="center"
        )
        theme.blit_text(
            surface, line, (card.centerx, card.y + 82), theme.BODY, theme.TEXT, anchor="center"
        )
        if hint:
            theme.blit_text(
                surface,
                hint,
                (card.centerx, card.y + 108),
                theme.SMALL,
                theme.TEXT_MUTED,
                anchor="center",
            )

    def _draw_picker(self, surface: pygame.Surface) -> None:
        x, y, yaw = self.track.lane_center(0.0)
        self.view.draw(surface, surface.get_rect(), lead_point(x, y, yaw, 10.0))
        shade = pygame.Surface(surface.get_size(), pygame.SRCALPHA)
        shade.fill((*theme.BG, 150))
        surface.blit(shade, (0, 0))
        card = self._picker_rect()
        theme.draw_panel(surface, card, theme.PANEL, theme.ACCENT, radius=16, alpha=240)
        theme.blit_text(
            surface, "RACE", (card.x + 24, card.y + 34), theme.TITLE, theme.ACCENT, anchor="midleft"
        )
        theme.blit_text(
            surface,
            f"{len(self.chosen)}/{MAX_CARS} cars",
            (card.right - 24, card.y + 36),
            theme.BODY,
            theme.TEXT_MUTED,
            anchor="midright",
        )
        n = len(self.entries)
        slot = 0
        for i in range(self._rows()):
            rect = self._row_rect(i)
            focused = i == self.cursor
            if i == n + 2:
                self.start_button.rect.center = (card.centerx, rect.centery + 10)
                self.start_button.enabled = self.loader is None
                self.start_button.draw(surface, focused=focused)
                continue
            if focused:
                theme.draw_panel(surface, rect, theme.PANEL_DARK, theme.ACCENT, radius=8)
            if i < n:
                entry = self.entries[i]
                box = pygame.Rect(rect.x + 10, rect.centery - 9, 18, 18)
                pygame.draw.rect(surface, theme.TEXT_MUTED, box, width=2, border_radius=4)
                if entry.chosen:
                    pygame.draw.rect(surface, theme.GOOD, box.inflate(-6, -6), border_radius=2)
                    color = theme.CAR_COLORS[slot % len(theme.CAR_COLORS)]
                    slot += 1
                    pygame.draw.circle(surface, color, (rect.right - 18, rect.centery), 8)
                theme.blit_text(
                    surface,
                    entry.label,
                    (rect.x + 40, rect.centery),
                    theme.BODY,
                    theme.TEXT if entry.chosen else theme.TEXT_MUTED,
                    anchor="midleft",
                )
            else:
                name, value = (
                    ("Track", track_label(self.track)) if i == n else ("Laps", str(self.laps))
                )
                theme.blit_text(
                    surface,
                    name,
                    (rect.x + 10, rect.centery),
                    theme.BODY,
                    theme.TEXT_MUTED,
                    anchor="midleft",
                )
                theme.blit_text(
                    surface,
                    f"<  {value}  >",
                    (rect.right - 12, rect.centery),
                    theme.BODY,
                    theme.TEXT,
                    anchor="midright",
                )
        if self.loader is not None:
            bar = pygame.Rect(card.x + 24, card.bottom - 26, card.w - 48, 10)
            draw_bar(surface, bar, self.loader.fraction or 0.0, 0.0, 1.0, theme.ACCENT)
            theme.blit_text(
                surface,
                self.loader.message or "loading models",
                (card.centerx, card.bottom - 40),
                theme.SMALL,
                theme.TEXT_MUTED,
                anchor="center",
            )
        else:
            hint = "Up/Down choose   Space add/remove   Left/Right change   Enter start"
            theme.blit_text(
                surface,
                hint,
                (card.centerx, card.bottom - 22),
                theme.SMALL,
                theme.TEXT_DIM,
                anchor="center",
            )
