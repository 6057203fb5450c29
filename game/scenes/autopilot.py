"""The Autopilot screen: a CNN steers from the dashcam pixels; the person can take over.

Every sim step the dashcam frame is rendered once; that same array is what the dashcam panel
shows 1:1 and what the CNN steers from (the saliency tint, when on, is drawn over a copy).
Cruise control holds the speed. Any steering input from the person (arrow keys, the mouse
held down over the road, a gamepad stick) takes control at once (DAgger): while they steer,
frames are recorded with source=takeover, and F fine-tunes the model on its original data
plus those takeovers in a background worker, then drives on with the new model.

A missing or corrupt model file is shown on screen and the car waits, parked; L/Tab picks
another model. The model is loaded, and trained, only in workers: this module imports no
TensorFlow.
"""

from __future__ import annotations

import random
import textwrap
from collections import deque
from pathlib import Path

import numpy as np
import pygame

from agents.driving import dagger
from agents.driving.expert import ExpertDriver
from agents.driving.model_catalog import available_models, default_model
from agents.driving.recording import Recorder
from game.errors import UserFacingError
from game.render import theme
from game.render.dashcam_panel import DashcamPanel
from game.render.hud import draw_lane_offset_bar, draw_pill, draw_speed, draw_steering_gauge
from game.render.minimap import Minimap
from game.render.widgets import draw_bar, draw_label_value
from game.render.world_view import CarSprite, FollowCamera, WorldView
from game.scenes import register_scene
from game.scenes.base import Scene
from game.scenes.drive import SteeringControls, track_label
from game.sim.dashcam import LOOKS, Dashcam
from game.sim.tracks_catalog import list_tracks, resolve_track
from game.sim.world import World, autonomy_pct
from game.workers import CANCELLED, DONE, FAILED, Worker, WorkerContext

# --- layout (1280 x 720) ----------------------------------------------------------------------
VIEW = pygame.Rect(0, 0, 920, 720)
SIDE = pygame.Rect(920, 0, 360, 720)
DASHCAM_AT = (940, 96)
STATS = pygame.Rect(934, 278, 332, 236)
MAP_CARD = pygame.Rect(934, 526, 332, 182)
DASHBOARD = pygame.Rect(VIEW.centerx - 380, VIEW.bottom - 134, 760, 118)

CRUISE_RATE = 4.0  # m/s per second while Up/Down is held
TAKEOVER_RATE_HZ = 20.0
MIN_TAKEOVER_FRAMES = 20  # a fine-tune needs a few seconds of corrections to split 80/20
FINE_TUNE_EPOCHS = dagger.DEFAULT_EPOCHS
SALIENCY_EVERY = 3  # VisualBackProp costs ~3 ms: every 3rd step keeps frames under budget
TIMING_WINDOW = 120  # steps of inference times behind the HUD's median
FALLBACK_TRACK = "gen:1"


def load_driver_job(path: Path):
    """Worker job: load a saved model as a CnnDriver (its tf.function is built and warmed)."""

    def job(ctx: WorkerContext):
        ctx.progress(None, f"loading {path.name}")
        from agents.driving.cnn_driver import CnnDriver

        return CnnDriver(path)

    return job


def fine_tune_job(model_path: Path, takeovers: list[Path], epochs: int = FINE_TUNE_EPOCHS):
    """Worker job: DAgger fine-tune (agents.driving.dagger), then reload the model."""

    def job(ctx: WorkerContext):
        from agents.driving.cnn_driver import CnnDriver

        ctx.progress(0.0, f"fine-tuning on your {len(takeovers)} takeover session(s)")

        def report(event: dict) -> None:
            if event.get("phase") == "train" and event.get("batches"):
                done = event["epoch"] - 1 + event["batch"] / event["batches"]
                ctx.progress(
                    done / event["epochs"],
                    f"epoch {event['epoch']}/{event['epochs']}  loss {event['loss']:.4f}",
                )

        result, n_original = dagger.fine_tune(
            model_path, takeovers, epochs, progress=report, cancel=ctx.cancel
        )
        if result.cancelled or result.model_path is None:
            return None
        ctx.progress(1.0, "reloading the model")
        return result, CnnDriver(result.model_path), n_original

    return job


@register_scene(
    "autopilot",
    label="Autopilot",
    order=30,
    description="The CNN drives from the dashcam; steer to take over, F to learn from it",
)
class AutopilotScene(Scene):
    title = "Autopilot"
    help_lines = [
        ("Left / Right, A / D", "take over: steer yourself (recorded)"),
        ("Mouse held on road", "take over with the mouse (x = wheel)"),
        ("Gamepad stick", "take over with a gamepad"),
        ("F", "fine-tune on the original data + your takeovers"),
        ("V", "saliency overlay (VisualBackProp) on / off"),
        ("K", "first conv layer's feature maps on / off"),
        ("L / Tab", "next model (Shift+Tab: previous)"),
        ("Up / Down, W / S", "cruise speed faster / slower"),
        ("N / B, G", "next / previous track, random track"),
        ("C", "next dashcam look"),
        ("P", "pause"),
    ]

    fine_tune_epochs = FINE_TUNE_EPOCHS

    def __init__(
        self,
        app,
        track: str | None = None,
        model: str | Path | None = None,
        look: str = "day",
    ) -> None:
        super().__init__(app)
        self.track_names = list_tracks() or [FALLBACK_TRACK]
        self.track_index = 0
        self.look = look if look in LOOKS else LOOKS[0]
        self.controls = SteeringControls()
        self.expert = ExpertDriver()
        self.panel = DashcamPanel(DASHCAM_AT)
        self.paused = False
        self.cruise: float | None = None
        # Driving state
        self.driver = None  # a CnnDriver once loaded
        self.model_path: Path | None = Path(model) if model is not None else default_model()
        self.error: str | None = None  # why there is no model (shown on screen)
        self.loader: Worker | None = None
        self.tuner: Worker | None = None
        self.cnn_cmd: float | None = None
        self.expert_cmd = 0.0
        self.steering_cmd = 0.0
        self.inference_ms: deque[float] = deque(maxlen=TIMING_WINDOW)
        # Takeover (DAgger)
        self.taking_over = False
        self.takeovers = 0  # times the person took control
        self.recorder: Recorder | None = None
        self.takeover_sessions: list[Path] = []
        self.takeover_frames = 0
        self._mouse_held = False
        # Saliency
        self.show_saliency = False
        self.show_maps = False
        self.vbp = None  # VisualBackProp for the current driver, built in a worker
        self.vbp_loader: Worker | None = None
        self.saliency_mask: np.ndarray | None = None
        self.feature_maps: pygame.Surface | None = None
        self._frame: np.ndarray | None = None
        self._flash = 0.0
        self.follow_cam = FollowCamera()

        spec = track or app.track_spec or self.track_names[0]
        for candidate in (spec, self.track_names[0], FALLBACK_TRACK):
            if self.load_track(candidate):
                break
        self.load_model(self.model_path)

    # --- tracks --------------------------------------------------------------------------
    def load_track(self, spec: str) -> bool:
        try:
            track = resolve_track(spec)
        except UserFacingError as e:
            self.app.toast(f"bad track: {e}", "error")
            return False
        self.stop_recording()
        if spec in self.track_names:
            self.track_index = self.track_names.index(spec)
        self.track = track
        self.world = World(track)
        self.expert.reset(self.world)
        self._apply_cruise()
        self.dashcam = Dashcam(track, look=self.look)
        self.view = WorldView(track)
        self.view.prerender()
        self.minimap = Minimap(track, (MAP_CARD.w - 16, MAP_CARD.h - 38))
        self.takeovers = 0
        self._frame = None
        self.follow_cam = FollowCamera()
        return True

    def cycle_track(self, step: int) -> None:
        self.track_index = (self.track_index + step) % len(self.track_names)
        if self.load_track(self.track_names[self.track_index]):
            self.app.toast(f"track: {track_label(self.track)}")

    def cycle_look(self) -> None:
        self.look = LOOKS[(LOOKS.index(self.look) + 1) % len(LOOKS)]
        self.dashcam = Dashcam(self.track, look=self.look)
        self.stop_recording()  # one look per takeover session
        self.app.toast(f"dashcam look: {self.look}")

    # --- models --------------------------------------------------------------------------
    def load_model(self, path: Path | None) -> None:
        """Load `path` in a worker; the car waits, parked, until a model drives it."""
        self.driver = None
        self.vbp = None
        self.saliency_mask = None
        self.feature_maps = None
        self.cnn_cmd = None
        self.inference_ms.clear()
        self.model_path = path
        if self.loader is not None:
            self.loader.cancel()  # its result is ignored: only the newest load counts
        self.loader = None
        self._apply_cruise()
        if path is None:
            self.error = "no model found: record laps in Drive, then train one in Train"
            return
        self.error = None
        self.loader = Worker(load_driver_job(path), name=f"load {path.name}").start()

    def cycle_model(self, step: int) -> None:
        models = available_models()
        if not models:
            self.app.toast("no models: train one in the Train screen", "error")
            return
        paths = [m.path for m in models]
        i = paths.index(self.model_path) if self.model_path in paths else -1
        entry = models[(i + step) % len(models)]
        self.app.toast(f"model: {entry.label}")
        self.load_model(entry.path)

    @property
    def model_label(self) -> str:
        return self.model_path.stem if self.model_path is not None else "no model"

    def _apply_cruise(self) -> None:
        car = self.world.car
        if self.driver is None:
            car.set_cruise(0.0)  # no model: the car waits
        else:
            car.set_cruise(self.cruise if self.cruise is not None else car.params.default_cruise)

    def _poll_workers(self) -> None:
        if self.loader is not None:
            self.loader.poll()
            if self.loader.finished:
                worker, self.loader = self.loader, None
                if worker.state == DONE:
                    self._use_driver(worker.result)
                elif worker.state == FAILED:
                    self.error = worker.error
                    self.app.toast(worker.error or "model failed to load", "error")
        if self.vbp_loader is not None:
            self.vbp_loader.poll()
            if self.vbp_loader.finished:
                worker, self.vbp_loader = self.vbp_loader, None
                if worker.state == DONE and worker.result[0] is self.driver:
                    self.vbp = worker.result[1]
                elif worker.state == FAILED:
                    self.show_saliency = self.show_maps = False
                    self.app.toast(f"saliency unavailable: {worker.error}", "error")
        if self.tuner is not None:
            self.tuner.poll()
            if self.tuner.finished:
                self._fine_tune_finished(self.tuner)
                self.tuner = None

    def _use_driver(self, driver) -> None:
        self.driver = driver
        self.driver.reset(self.world)
        self.error = None
        self.inference_ms.clear()
        self._apply_cruise()
        if self.show_saliency or self.show_maps:
            self._prepare_saliency()

    def _model_failed(self, message: str) -> None:
        """The loaded model cannot drive on: the car waits and the banner says why."""
        self.driver = None
        self.vbp = None
        self.cnn_cmd = None
        self.error = message
        self._apply_cruise()
        self.app.toast(message, "error")

    # --- saliency --------------------------------------------------------------------------
    def toggle_saliency(self, maps: bool = False) -> None:
        if maps:
            self.show_maps = not self.show_maps
        else:
            self.show_saliency = not self.show_saliency
        if (self.show_saliency or self.show_maps) and self.vbp is None:
            self._prepare_saliency()

    def _prepare_saliency(self) -> None:
        """Build VisualBackProp for the current driver in a worker (its first trace is ~1 s)."""
        driver = self.driver
        if driver is None or self.vbp_loader is not None:
            return

        def job(ctx: WorkerContext):
            from agents.driving.saliency import VisualBackProp

            return driver, VisualBackProp(driver.model, driver.spec)

        self.vbp_loader = Worker(job, name="saliency").start()

    def _update_saliency(self, frame: np.ndarray) -> None:
        if self.vbp is None or not (self.show_saliency or self.show_maps):
            return
        if self.world.steps % SALIENCY_EVERY:
            return
        result = self.vbp(frame)
        self.saliency_mask = result.mask
        if self.show_maps:
            from agents.driving.saliency import feature_grid

            grid = feature_grid(result.first_maps, columns=4)
            surf = pygame.image.frombuffer(
                np.ascontiguousarray(grid), (grid.shape[1], grid.shape[0]), "RGB"
            )
            box = (MAP_CARD.w - 16, MAP_CARD.h - 38)
            k = min(box[0] / grid.shape[1], box[1] / grid.shape[0])
            size = (int(grid.shape[1] * k), int(grid.shape[0] * k))
            self.feature_maps = pygame.transform.smoothscale(surf, size)

    # --- takeover and fine-tuning -----------------------------------------------------------
    def _human_steering(self, dt: float) -> float | None:
        """The person's steering command while they steer, else None (the CNN drives)."""
        app = self.app
        left = app.key_held(pygame.K_LEFT, pygame.K_a)
        right = app.key_held(pygame.K_RIGHT, pygame.K_d)
        stick = app.gamepad_axis(0)
        stick_active = stick is not None and abs(stick) > SteeringControls.STICK_DEADZONE
        if not (left or right or stick_active or self._mouse_held):
            return None
        self.controls.mouse_mode = self._mouse_held
        mouse_x = (app.mouse_pos[0] - VIEW.centerx) / (VIEW.w / 2.0)
        return self.controls.update(dt, left, right, mouse_x=mouse_x, stick=stick)

    def _record_takeover(self, frame: np.ndarray, command: float) -> None:
        if self.recorder is None:
            self.recorder = Recorder(
                None,
                self.dashcam.params,
                self.track.name,
                self.look,
                rate_hz=TAKEOVER_RATE_HZ,
                source="takeover",
            )
            self.takeover_sessions.append(self.recorder.dir)
        try:
            if self.recorder.update(self.world, frame, command, source="takeover", look=self.look):
                self.takeover_frames += 1
        except OSError as e:  # e.g. disk full: stop recording, keep what was written
            self.app.toast(f"takeover recording stopped: {e}", "error")
            self.stop_recording()

    def stop_recording(self) -> None:
        if self.recorder is not None:
            rec, self.recorder = self.recorder, None
            rec.close()

    def fine_tune(self) -> None:
        """F: fine-tune the current model on its original data plus the takeovers."""
        if self.tuner is not None:
            self.app.toast("fine-tuning is already running")
            return
        if self.driver is None or self.model_path is None:
            self.app.toast("no model loaded to fine-tune", "error")
            return
        if self.takeover_frames < MIN_TAKEOVER_FRAMES:
            need = MIN_TAKEOVER_FRAMES / TAKEOVER_RATE_HZ
            self.app.toast(f"take over for at least {need:.0f} s first (steer to take over)")
            return
        self.stop_recording()  # flush and close: the trainer reads the session folders
        job = fine_tune_job(self.model_path, list(self.takeover_sessions), self.fine_tune_epochs)
        self.tuner = Worker(job, name="fine-tune").start()
        self.app.toast("fine-tuning in the background; the current model drives on")

    def _fine_tune_finished(self, worker: Worker) -> None:
        if worker.state == DONE and worker.result is not None:
            result, driver, n_original = worker.result
            self.model_path = Path(result.model_path)
            self._use_driver(driver)
            self.vbp = None
            if self.show_saliency or self.show_maps:
                self._prepare_saliency()
            self.takeover_sessions.clear()
            self.takeover_frames = 0
            note = "" if n_original else " (original data not on this machine: takeovers only)"
            self.app.toast(f"fine-tuned: now driving {self.model_path.name}{note}", seconds=5.0)
        elif worker.state == FAILED:
            self.app.toast(worker.error or "fine-tuning failed", "error")
        elif worker.state == CANCELLED or worker.result is None:
            self.app.toast("fine-tuning cancelled: the model is unchanged")

    def on_exit(self) -> None:
        self.stop_recording()
        for worker in (self.loader, self.tuner, self.vbp_loader):
            if worker is not None:
                worker.cancel()

    # --- input ---------------------------------------------------------------------------
    def handle_event(self, event: pygame.event.Event) -> None:
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            self._mouse_held = VIEW.collidepoint(event.pos)
            return
        if event.type == pygame.MOUSEBUTTONUP and event.button == 1:
            self._mouse_held = False
            return
        if event.type != pygame.KEYDOWN:
            return
        key = event.key
        shift = bool(getattr(event, "mod", 0) & pygame.KMOD_SHIFT)
        if key == pygame.K_ESCAPE:
            self.app.pop()
        elif key == pygame.K_p:
            self.paused = not self.paused
        elif key == pygame.K_l or key == pygame.K_TAB:
            self.cycle_model(-1 if shift else +1)
        elif key == pygame.K_f:
            self.fine_tune()
        elif key == pygame.K_v:
            self.toggle_saliency()
        elif key == pygame.K_k:
            self.toggle_saliency(maps=True)
        elif key == pygame.K_n:
            self.cycle_track(+1)
        elif key == pygame.K_b:
            self.cycle_track(-1)
        elif key == pygame.K_g:
            if self.load_track(f"gen:{random.randrange(1_000_000)}"):
                self.app.toast(f"track: {track_label(self.track)}")
        elif key == pygame.K_c:
            self.cycle_look()

    # --- simulation ----------------------------------------------------------------------
    def update(self, dt: float) -> None:
        self._poll_workers()
        if self.paused:
            return
        app, car = self.app, self.world.car
        if self.driver is not None:
            if app.key_held(pygame.K_UP, pygame.K_w):
                car.set_cruise(car.cruise_speed + CRUISE_RATE * dt)
                self.cruise = car.cruise_speed
            if app.key_held(pygame.K_DOWN, pygame.K_s):
                car.set_cruise(car.cruise_speed - CRUISE_RATE * dt)
                self.cruise = car.cruise_speed
        frame = self.dashcam.render_world(self.world)
        self._frame = frame  # the panel shows exactly the pixels the CNN steers from
        self.expert_cmd = self.expert.steer(self.world, None)
        if self.driver is not None:
            try:
                self.cnn_cmd = self.driver.steer(self.world, frame)
            except UserFacingError as e:  # e.g. the model output NaN: park and say so
                self._model_failed(str(e))
        if self.driver is not None:
            if self.driver.last_inference_ms is not None:
                self.inference_ms.append(self.driver.last_inference_ms)
            self._update_saliency(frame)
        human = self._human_steering(dt) if self.driver is not None else None
        if human is not None:
            if not self.taking_over:
                self.takeovers += 1
            self.taking_over = True
            self.steering_cmd = human
            self._record_takeover(frame, human)
        else:
            self.taking_over = False
            self.steering_cmd = self.cnn_cmd if self.cnn_cmd is not None else 0.0
            # The wheel starts from where the CNN holds it when the person grabs it.
            self.controls.value = self.steering_cmd
        self.world.step(self.steering_cmd)
        if self.world.intervened:
            self._flash = 0.8
        self._flash = max(0.0, self._flash - dt)
        car = self.world.car.state
        self.follow_cam.update(car.yaw, car.speed, dt)

    # --- read-outs -------------------------------------------------------------------------
    @property
    def autonomy(self) -> float:
        """NVIDIA's autonomy %: lane departures and the person's takeovers both count."""
        return autonomy_pct(self.world.interventions + self.takeovers, self.world.time)

    @property
    def median_inference_ms(self) -> float | None:
        return float(np.median(self.inference_ms)) if self.inference_ms else None

    def camera_frame(self) -> np.ndarray:
        if self._frame is None:
            self._frame = self.dashcam.render_world(self.world)
        return self._frame

    # --- drawing -------------------------------------------------------------------------
    def draw(self, surface: pygame.Surface) -> None:
        st = self.world.car.state
        car = CarSprite(st.x, st.y, st.yaw, theme.CAR_COLORS[1])
        center = self.follow_cam.center(st.x, st.y)
        self.view.draw(surface, VIEW, center, [car])
        self._draw_view_overlays(surface)
        self._draw_dashboard(surface)

        info = f"{self.track.length / 1000:.2f} km   look {self.look}"
        theme.draw_side_header(surface, SIDE, track_label(self.track), info)
        frame = self.camera_frame()
        if self.show_saliency and self.saliency_mask is not None:
            from agents.driving.saliency import saliency_overlay

            frame = saliency_overlay(frame, self.saliency_mask)
        note = "saliency" if self.show_saliency else f"CNN input - {self.model_label}"
        self.panel.draw(surface, frame, note=note)
        self._draw_stats(surface)
        theme.draw_panel(surface, MAP_CARD, theme.PANEL, theme.PANEL_EDGE, radius=10)
        if self.show_maps:
            title = "FIRST CONV LAYER"
            if self.feature_maps is not None:
                surface.blit(self.feature_maps, (MAP_CARD.x + 8, MAP_CARD.y + 30))
        else:
            title = "TRACK MAP"
            self.minimap.draw(surface, (MAP_CARD.x + 8, MAP_CARD.y + 30), [car])
        theme.blit_text(
            surface,
            title,
            (MAP_CARD.x + 14, MAP_CARD.y + 16),
            theme.SMALL,
            theme.ACCENT,
            anchor="midleft",
        )

    def _draw_dashboard(self, surface: pygame.Surface) -> None:
        """Speed, the CNN's steering beside the expert's, and the lane offset."""
        rect = DASHBOARD
        theme.draw_panel(surface, rect, theme.PANEL_DARK, theme.PANEL_EDGE, radius=14, alpha=215)
        quarter = rect.w // 4
        st = self.world.car.state
        draw_speed(
            surface,
            (rect.x + quarter // 2, rect.centery - 6),
            st.speed,
            self.world.car.cruise_speed,
        )
        gauges = (
            ("CNN", self.cnn_cmd, theme.ACCENT_2),
            ("EXPERT", self.expert_cmd, theme.GOOD),
        )
        for k, (label, value, color) in enumerate(gauges):
            cx = rect.x + quarter * (k + 1) + quarter // 2
            cy = rect.centery + 14
            # The amber tick on the CNN's dial: what actually steers while the person does.
            tick = self.steering_cmd if (self.taking_over and label == "CNN") else None
            draw_steering_gauge(surface, (cx, cy), 40, 0.0 if value is None else value, tick)
            theme.blit_text(surface, label, (cx, rect.y + 12), theme.SMALL, color, anchor="center")
            text = "--" if value is None else f"{value:+.2f}"
            theme.blit_text(
                surface, text, (cx + 50, cy - 4), theme.SMALL, theme.TEXT_MUTED, anchor="midleft"
            )
        bar = pygame.Rect(rect.x + 3 * quarter + 8, rect.centery - 4, quarter - 28, 14)
        draw_lane_offset_bar(surface, bar, self.world.metrics.offset, self.track.lane_width / 2)

    def _draw_stats(self, surface: pygame.Surface) -> None:
        rect = STATS
        theme.draw_panel(surface, rect, theme.PANEL, theme.PANEL_EDGE, radius=10)
        theme.blit_text(
            surface,
            "AUTOPILOT",
            (rect.x + 14, rect.y + 16),
            theme.SMALL,
            theme.ACCENT,
            anchor="midleft",
        )
        w = self.world
        auto = self.autonomy
        ms = self.median_inference_ms
        offset = w.metrics.offset
        rows = [
            (
                "Autonomy",
                f"{auto:.1f} %",
                theme.GOOD if auto >= 90 else theme.WARN if auto >= 50 else theme.BAD,
            ),
            ("Lane departures", f"{w.interventions}", theme.BAD if w.interventions else theme.TEXT),
            ("Takeovers", f"{self.takeovers}", theme.WARN if self.takeovers else theme.TEXT),
            ("Lap", f"{w.laps + 1}   {theme.format_time(w.lap_time)}", theme.TEXT),
            ("Offset", f"{offset:+.2f} m", theme.TEXT),
            ("Inference", "--" if ms is None else f"{ms:.2f} ms", theme.ACCENT_2),
            ("Takeover frames", f"{self.takeover_frames}", theme.TEXT),
        ]
        y = rect.y + 42
        step = (rect.bottom - 16 - y) / (len(rows) - 1)
        for label, value, color in rows:
            draw_label_value(
                surface, (rect.x + 14, int(y)), label.upper(), value, rect.w - 28, color
            )
            y += step

    def _draw_view_overlays(self, surface: pygame.Surface) -> None:
        if self.error is not None:
            mode, color = "NO MODEL", theme.BAD
        elif self.driver is None:
            mode, color = "LOADING MODEL", theme.WARN
        elif self.taking_over:
            mode, color = "TAKEOVER - RECORDING", theme.BAD
        else:
            mode, color = "AUTOPILOT", theme.GOOD
        x = draw_pill(surface, (16, 20), mode, color).right + 8
        x = draw_pill(surface, (x, 20), f"model: {self.model_label}  (L)").right + 8
        if self.show_saliency:
            label = "saliency on" if self.vbp is not None else "saliency: preparing"
            x = draw_pill(surface, (x, 20), label, theme.GOOD).right + 8
        draw_pill(surface, (x, 20), "H  help")
        if self.tuner is not None:
            self._progress_card(surface, self.tuner)
        if self._flash > 0:
            width = 6 if int(self._flash * 10) % 2 == 0 else 3
            pygame.draw.rect(surface, theme.BAD, VIEW, width)
            theme.blit_text(
                surface,
                "LANE DEPARTURE",
                (VIEW.centerx, 90),
                theme.LARGE,
                theme.BAD,
                anchor="center",
            )
        if self.error is not None:
            self._banner(
                surface,
                "NO MODEL",
                self.error,
                "the car waits  -  L / Tab: another model  -  Train: make one",
            )
        elif self.driver is None:
            self._banner(surface, "LOADING", f"{self.model_label}: building the network")
        elif self.paused:
            self._banner(surface, "PAUSED", "press P to drive on")

    def _progress_card(self, surface: pygame.Surface, worker: Worker) -> None:
        card = pygame.Rect(16, 56, 420, 56)
        theme.draw_panel(surface, card, theme.PANEL_DARK, theme.ACCENT, radius=10, alpha=225)
        theme.blit_text(
            surface,
            "FINE-TUNING  " + (worker.message or ""),
            (card.x + 12, card.y + 16),
            theme.SMALL,
            theme.ACCENT,
            anchor="midleft",
        )
        bar = pygame.Rect(card.x + 12, card.y + 32, card.w - 24, 12)
        draw_bar(surface, bar, worker.fraction or 0.0, 0.0, 1.0, theme.ACCENT)

    def _banner(self, surface: pygame.Surface, title: str, line: str, hint: str = "") -> None:
        """A big centred card over the road view; long messages (file errors) wrap."""
        lines = textwrap.wrap(line, 78)[:3] or [""]
        width = max(theme.text(t, theme.BODY).get_width() for t in lines) + 48
        height = 84 + 26 * len(lines) + (26 if hint else 0)
        card = pygame.Rect(0, 0, min(max(width, 380), VIEW.w - 40), height)
        card.center = (VIEW.centerx, VIEW.y + 200)
        theme.draw_panel(surface, card, theme.PANEL_DARK, theme.ACCENT, radius=14, alpha=230)
        theme.blit_text(
            surface, title, (card.centerx, card.y + 38), theme.TITLE, theme.ACCENT, anchor="center"
        )
        y = card.y + 80
        for text in lines:
            theme.blit_text(surface, text, (card.centerx, y), theme.BODY, theme.TEXT, "center")
            y += 26
        if hint:
            theme.blit_text(
                surface, hint, (card.centerx, y + 4), theme.SMALL, theme.TEXT_MUTED, anchor="center"
            )
