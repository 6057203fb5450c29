"""The game window: a stack of scenes run by a fixed-timestep loop.

The sim advances in exact 1/60 s steps (`Scene.update`), however fast or slow frames are
drawn; drawing is capped at 60 FPS. The app owns what every screen shares: the window, the
scene stack, global keys (F12 screenshot, F3 frame rate, H help overlay, U mute, Page Up /
Down volume), sound (game.audio; the engine loop stops when the screen changes), held-key /
mouse / gamepad state, and toasts, where a bad file or other UserFacingError is shown instead of
crashing.

Headless use (tests, benchmarks): ``App(headless=True)`` opens no window (SDL dummy driver)
and ``run_frames(n, events_per_frame=fn)`` plays n frames with scripted events.
"""

from __future__ import annotations

import errno
import io
import logging
import os
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import pygame

from agents.driving import tflite_runner
from agents.modelio import remove_stale_temporaries
from game.actions import Action, action_for
from game.audio import Audio
from game.crashlog import write_crash_log
from game.errors import UserFacingError
from game.fileio import atomic_write_bytes, claim_file
from game.paths import user_dir, user_home
from game.render import theme
from game.render.widgets import Toasts, draw_fps, draw_help_overlay
from game.scenes import SCENE_ERRORS, SCENES, discover_scenes
from game.scenes.base import Scene
from game.settings import load_settings, save_settings
from game.shutdown import QuitOnSignals
from game.sim.raster import fill_disk_cache
from game.sim.tracks_catalog import list_tracks, resolve_track
from game.workers import Worker, WorkerContext

WINDOW_SIZE = (1280, 720)
MIN_WINDOW_SIZE = (1024, 640)  # the smallest size every screen is laid out for
FPS = 60
SIM_DT = 1.0 / 60.0
MAX_STEPS_PER_FRAME = 5  # after a long stall, drop sim time rather than spiral
GLOBAL_HELP = [
    ("H", "show / hide this help"),
    ("F12", "save a screenshot"),
    ("F3", "frame rate on / off"),
    ("U", "sound off / on"),
    ("Page Up / Down", "volume up / down"),
    ("Esc", "back / main menu"),
]


def help_rows(scene_rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A screen's help rows, then the global ones whose key the screen does not already
    explain (the menu's Esc quits: a second "Esc back" row would contradict it)."""
    own = {key for key, _ in scene_rows}
    return list(scene_rows) + [row for row in GLOBAL_HELP if row[0] not in own]


# After this many unexpected errors within MENU_CRASH_WINDOW_S on the menu itself there is
# no screen left to fall back to: the app stops instead of looping on the same error.
MENU_CRASH_LIMIT = 3
MENU_CRASH_WINDOW_S = 10.0
WORKER_JOIN_S = 30.0

EventSource = Callable[[int], Iterable[pygame.event.Event]]
log = logging.getLogger(__name__)


def disable_framebuffer_acceleration() -> None:
    """Keep SDL from loading the system's OpenGL driver for the window's framebuffer.

    Why: on Linux SDL probes OpenGL to decide how to present the window. Mesa's drivers
    (llvmpipe in VMs/WSL/Xvfb, AMD's radeonsi) link their own LLVM, and TensorFlow carries
    another; with both in one process the game died with SIGSEGV/SIGABRT whenever TensorFlow
    loaded. The plain software framebuffer (X11 shared memory) needs no OpenGL and easily
    keeps 60 FPS at 1280x720 for our 2D drawing. It must be set before the display opens.
    """
    os.environ["SDL_FRAMEBUFFER_ACCELERATION"] = "0"


# How often (seconds) Python may hand the GIL to another thread. The default 5 ms would let
# the drawing code hold the GIL while a model call on a helper thread (agents.driving.overlap)
# waits to start or to return its result; 0.5 ms lets them overlap (bench/*_frame_time.py).
GIL_SWITCH_INTERVAL_S = 0.0005


class App:
    def __init__(
        self, headless: bool = False, track: str | None = None, size: tuple[int, int] = WINDOW_SIZE
    ) -> None:
        if headless:
            os.environ["SDL_VIDEODRIVER"] = "dummy"
            os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
        disable_framebuffer_acceleration()
        sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
        # The screens run a model on a helper thread beside this drawing thread: one XNNPACK
        # thread each fits 2 cores (with 2, Autopilot's saliency frames' p99 doubled).
        tflite_runner.set_threads(1)
        try:
            # Only what the game uses: no audio device needed (pygame.init() would open one).
            pygame.display.init()
            pygame.font.init()
            theme.clear_caches()  # fonts from an earlier pygame session are no longer valid
            pygame.joystick.init()
            self.screen = pygame.display.set_mode(size, pygame.RESIZABLE)
            _set_minimum_size(MIN_WINDOW_SIZE)
        except pygame.error as e:
            pygame.quit()
            raise UserFacingError(f"cannot open the game window ({e}); is DISPLAY set?") from None
        self.headless = headless
        pygame.display.set_caption("Neural Arcade")
        self.clock = pygame.time.Clock()
        self.track_spec = track  # the --track the game was started with (a scene may use it)
        self.stack: list[Scene] = []
        self.toasts = Toasts()
        self.help_visible = False
        self.show_fps = False  # F3: a frame-rate read-out, for checking speed, hidden by default
        self.fps = 0.0  # smoothed frames per second of the wall clock
        self.running = True
        self.keys_down: set[int] = set()
        self.mouse_pos = (0, 0)
        self.joysticks: dict[int, pygame.joystick.JoystickType] = {}
        self.frame_index = 0
        self.sim_steps = 0
        # Sim time owed, started half a step in: frames that take about one step (60 FPS
        # drawing, 60 Hz sim) then get exactly one step each despite timer jitter.
        self._accumulator = SIM_DT / 2.0
        self._screenshot_pending = False
        self.last_screenshot: Path | None = None
        self.quit_reason = ""  # why the loop ended early (a signal), for the exit status
        self.crash_logs: list[Path] = []  # crash logs written this session, newest last
        self._menu_crash_times: list[float] = []
        self.settings, warning = load_settings()
        if warning:
            self.toast(warning, "error")
        # Sound is optional: without an audio device Audio.open() says so once in the log
        # and every sound call does nothing.
        self.audio = Audio(self.settings)
        self.audio.open()
        self._sound_scene: Scene | None = None  # loops stop when the screen changes
        # A training run that was killed leaves its temporary model files behind.
        remove_stale_temporaries(user_dir("models"))
        discover_scenes()
        for module, error in SCENE_ERRORS.items():
            self.toast(f"screen {module!r} failed to load: {error}", "error", seconds=10.0)
        if not headless:  # tests and benches start cold on purpose (and must not wait on it)
            Worker(_fill_raster_cache, name="track rasters").start()

    # --- scene stack ---------------------------------------------------------------------
    @property
    def scene(self) -> Scene | None:
        return self.stack[-1] if self.stack else None

    def make_scene(self, name: str, **kwargs) -> Scene:
        if name not in SCENES:
            known = ", ".join(sorted(SCENES))
            raise UserFacingError(f"unknown screen {name!r}; known screens: {known}")
        return SCENES[name].cls(self, **kwargs)

    def push(self, name: str, **kwargs) -> Scene | None:
        """Open screen `name` on top. Returns it, or None if it could not open (toast shown)."""
        try:
            scene = self.make_scene(name, **kwargs)
        except UserFacingError as e:
            self.toast(str(e), "error")
            return None
        except Exception as e:  # noqa: BLE001 - a screen that can't be built stays closed
            path = write_crash_log(e, f"opening screen {name!r}")
            where = f" (crash log: crashes/{path.name})" if path else ""
            self.toast(f"screen {name!r} could not open{where}", "error", 10.0)
            return None
        self._reset_input()
        self.toasts.clear_info()  # a new screen starts with a clean message area (errors stay)
        self.stack.append(scene)
        if not self._guard(scene.on_enter) and scene not in self.stack:
            return None
        return scene

    def pop(self) -> None:
        """Close the top screen; closing the last one quits the app."""
        if not self.stack:
            return
        scene = self.stack.pop()
        self._guard(scene.on_exit)
        self._reset_input()
        self.toasts.clear_info()
        if self.stack:
            self._guard(self.stack[-1].on_resume)
        else:
            self.running = False

    def replace(self, name: str, **kwargs) -> Scene | None:
        """Swap the top screen for `name` (the previous one gets on_exit)."""
        if self.stack:
            self._guard(self.stack.pop().on_exit)
        return self.push(name, **kwargs)

    def quit(self) -> None:
        self.running = False

    def request_quit(self, reason: str) -> None:
        """Stop at the end of this frame (safe from a signal handler): close() then runs."""
        self.quit_reason = reason
        self.running = False

    def close(self, wait_for_workers_s: float | None = None) -> None:
        """Clean shutdown: every scene gets on_exit (recordings are closed), background work
        is cancelled, then pygame quits. Headless (tests, benches) also waits for the workers,
        up to 30 s by default: a worker thread still inside TensorFlow when the interpreter
        exits aborts the process. The game itself ends with os._exit and does not wait."""
        while self.stack:
            self._exit_quietly(self.stack.pop())
        if wait_for_workers_s is None:
            wait_for_workers_s = WORKER_JOIN_S if self.headless else 0.0
        stuck = Worker.cancel_and_join_all(wait_for_workers_s)
        if stuck:
            log.warning("background work still running at shutdown: %s", ", ".join(stuck))
        self.running = False
        self.audio.close()
        theme.clear_caches()
        pygame.quit()

    # --- messages ------------------------------------------------------------------------
    def toast(self, message: str, kind: str = "info", seconds: float | None = None) -> None:
        """Show a short message at the bottom of the screen; kind "error" shows it in red."""
        self.toasts.push(message, kind, seconds)

    def _guard(self, fn: Callable, *args) -> bool:
        """Run a scene callback. A user-facing problem becomes a toast; any other exception
        is a bug: its traceback goes to a crash log and the app returns to the menu.
        Returns True when the callback finished normally."""
        try:
            fn(*args)
            return True
        except (UserFacingError, OSError) as e:
            self.toast(str(e), "error")
        except Exception as e:  # noqa: BLE001 - a bug in one screen must not end the game
            self._recover_from_crash(e)
        return False

    def _recover_from_crash(self, error: Exception) -> None:
        scene = self.scene
        name = scene.scene_name if scene else "app"
        info = SCENES.get(name)
        label = info.label if info else name
        path = write_crash_log(error, f"screen {name!r}")
        log.error("unexpected error in screen %r (crash log: %s)", name, path)
        if path is not None:
            self.crash_logs.append(path)
        where = f" (crash log: crashes/{path.name})" if path else ""
        self.toast(f"{label} hit an unexpected error and was closed{where}", "error", 10.0)
        self._back_to_menu(menu_failed=len(self.stack) <= 1)

    def _back_to_menu(self, menu_failed: bool) -> None:
        """Close every screen above the menu; a failing menu is replaced by a fresh one."""
        while len(self.stack) > 1:
            self._exit_quietly(self.stack.pop())
        self._reset_input()
        self.help_visible = False
        if menu_failed:
            now = time.monotonic()
            recent = [t for t in self._menu_crash_times if now - t < MENU_CRASH_WINDOW_S]
            self._menu_crash_times = [*recent, now]
            if len(self._menu_crash_times) >= MENU_CRASH_LIMIT:
                self.request_quit("the menu keeps failing")
                return
            if self.stack:
                self._exit_quietly(self.stack.pop())
            self.stack.append(self.make_scene("menu"))
        elif self.stack:
            try:
                self.stack[-1].on_resume()
            except Exception as e:  # noqa: BLE001 - already recovering; log, don't recurse
                write_crash_log(e, "menu on_resume")

    def _exit_quietly(self, scene: Scene) -> None:
        """on_exit for a scene being torn down after a crash: errors are logged, not raised."""
        try:
            scene.on_exit()
        except Exception as e:  # noqa: BLE001
            write_crash_log(e, f"screen {scene.scene_name!r} on_exit")

    # --- the window ----------------------------------------------------------------------
    def resize(self, size: tuple[int, int]) -> None:
        """The window was resized to `size`: the screen surface follows; each screen lays
        itself out again when it next draws (or handles an event) at the new size."""
        size = (max(int(size[0]), 1), max(int(size[1]), 1))
        if self.screen.get_size() != size:
            self.screen = pygame.display.set_mode(size, pygame.RESIZABLE)

    # --- input state shared by scenes ----------------------------------------------------
    def key_held(self, *keys: int) -> bool:
        """True while any of `keys` is held (tracked from events, so scripted events work)."""
        return any(k in self.keys_down for k in keys)

    def gamepad_axis(self, axis: int = 0) -> float | None:
        """Position of an analog stick axis (-1..1) on the first gamepad, None if none."""
        for joy in self.joysticks.values():
            if joy.get_numaxes() > axis:
                return float(joy.get_axis(axis))
        return None

    def _reset_input(self) -> None:
        self.keys_down.clear()

    # --- sound settings ----------------------------------------------------------------
    def toggle_mute(self) -> None:
        self.settings.muted = not self.settings.muted
        self._sound_changed("sound off (U: on)" if self.settings.muted else "sound on")

    def step_volume(self, steps: int) -> None:
        self.settings.step_volume(steps)
        self.settings.muted = False  # turning the volume is asking to hear it
        self._sound_changed(f"volume {self.settings.volume * 100:.0f} %")

    def _sound_changed(self, message: str) -> None:
        self.audio.apply_volume()
        if not self.audio.enabled:
            message += " (no audio device)"
        try:
            save_settings(self.settings)
        except OSError as e:
            self.toast(f"{message}, not saved: {e}", "error")
            return
        self.toast(message)

    # --- screenshots ---------------------------------------------------------------------
    def request_screenshot(self) -> None:
        """Save the next drawn frame (before toasts and overlays are added)."""
        self._screenshot_pending = True

    def _save_screenshot(self) -> None:
        """PNG-encode the frame in memory, then write it to a freshly claimed name; any
        failure (unwritable folder, full disk) is one "not saved" message, never a crash."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        name = self.scene.scene_name if self.scene else "app"
        path = Path("screenshots") / f"{name}-{stamp}-{self.frame_index:06d}.png"
        claimed = None
        try:
            path = user_home() / path
            buf = io.BytesIO()
            pygame.image.save(self.screen, buf, "png")
            if path.parent.exists() and not path.parent.is_dir():
                raise OSError(errno.ENOTDIR, f"{path.parent.name} is a file, not a folder")
            path.parent.mkdir(exist_ok=True)
            claimed = claim_file(path)  # a second game saving in this frame gets -2
            atomic_write_bytes(claimed, buf.getvalue())  # checks that every byte landed
        except (OSError, pygame.error) as e:
            if claimed is not None:
                claimed.unlink(missing_ok=True)
            reason = getattr(e, "strerror", None) or str(e)
            self.toast(f"screenshot not saved: {path} ({reason})", "error")
            return
        self.last_screenshot = claimed
        self.toast(f"screenshot saved: {claimed}")

    # --- the loop ------------------------------------------------------------------------
    def run(self) -> None:
        """Play until the window closes or the last scene is popped."""
        last = time.perf_counter()
        while self.running and self.stack:
            self.clock.tick(FPS)  # the frame-rate cap; its whole-millisecond result is too coarse
            now = time.perf_counter()
            elapsed, last = now - last, now
            self.frame(pygame.event.get(), elapsed)

    def play(self, first_scene: str = "menu") -> int:
        """Open the menu (and `first_scene` on top), run until quit, close. Returns the exit
        status: 0, or 128 + the signal's number when SIGINT/SIGTERM ended the game."""
        with QuitOnSignals(self.request_quit) as signals:
            try:
                self.push("menu")
                if first_scene != "menu":
                    self.push(first_scene)
                self.run()
            finally:
                self.close()
                signals.finished()
        return signals.exit_status or 0

    def run_frames(self, n: int, events_per_frame: EventSource | None = None) -> int:
        """Play n frames of exactly one sim step each; `events_per_frame(i)` gives frame i's
        scripted events. Returns the frames played (fewer if the app quit)."""
        played = 0
        for i in range(n):
            if not (self.running and self.stack):
                break
            events = list(pygame.event.get())
            if events_per_frame is not None:
                events.extend(events_per_frame(i) or ())
            self.frame(events, SIM_DT)
            played += 1
        return played

    def frame(self, events: Iterable[pygame.event.Event], elapsed: float) -> None:
        """One drawn frame: events, as many fixed sim steps as `elapsed` covers, draw."""
        for event in events:
            self._dispatch(event)
            if not self.running:
                return
        self._accumulator += elapsed
        steps = 0
        while self._accumulator >= SIM_DT and steps < MAX_STEPS_PER_FRAME:
            scene = self.scene
            if scene is not None and not (self.help_visible and scene.paused_by_overlay):
                self._guard(scene.update, SIM_DT)
            self._accumulator -= SIM_DT
            self.sim_steps += 1
            steps += 1
        if steps == MAX_STEPS_PER_FRAME and self._accumulator >= SIM_DT:
            self._accumulator = SIM_DT / 2.0  # after a stall, drop the backlog
        paused = self.help_visible and self.scene is not None and self.scene.paused_by_overlay
        if self.scene is not self._sound_scene or paused:
            self._sound_scene = self.scene
            self.audio.stop_loops()  # no engine note droning over another screen or the help
        self.toasts.update(elapsed)
        if elapsed > 0.0:
            rate = 1.0 / elapsed
            self.fps = rate if self.fps == 0.0 else 0.9 * self.fps + 0.1 * rate
        self._draw()
        self.frame_index += 1

    def _dispatch(self, event: pygame.event.Event) -> None:
        et = event.type
        if et == pygame.QUIT:
            self.running = False
            return
        if et == pygame.KEYDOWN:
            self.keys_down.add(event.key)
            if event.key == pygame.K_F12:
                self.request_screenshot()
                return
            if event.key == pygame.K_F3:
                self.show_fps = not self.show_fps
                return
            # A screen taking typed text (a rename box) gets every letter, H and U too.
            typing = bool(getattr(self.scene, "captures_text", False))
            if event.key == pygame.K_h and not typing:
                self.help_visible = not self.help_visible
                return
            sound_keys = {
                Action.MUTE: self.toggle_mute,
                Action.VOLUME_UP: lambda: self.step_volume(+1),
                Action.VOLUME_DOWN: lambda: self.step_volume(-1),
            }
            do = None if typing else sound_keys.get(action_for(event))
            if do is not None:
                do()
                return
            if self.help_visible:
                if event.key == pygame.K_ESCAPE:
                    self.help_visible = False
                return  # the overlay swallows keys meant for the scene below
        elif et == pygame.KEYUP:
            self.keys_down.discard(event.key)
        elif et == pygame.VIDEORESIZE:
            self.resize(event.size)
        elif et == pygame.MOUSEMOTION:
            self.mouse_pos = event.pos
        elif et == pygame.WINDOWFOCUSLOST:
            self._reset_input()  # a key released in another window never sends KEYUP here
        elif et == pygame.JOYDEVICEADDED:
            joy = pygame.joystick.Joystick(event.device_index)
            self.joysticks[joy.get_instance_id()] = joy
            self.toast(f"gamepad connected: {joy.get_name()}")
        elif et == pygame.JOYDEVICEREMOVED:
            self.joysticks.pop(event.instance_id, None)
            self.toast("gamepad disconnected")
        if self.scene is not None:
            self._guard(self.scene.handle_event, event)

    def _draw(self) -> None:
        scene = self.scene
        if scene is None:
            return
        if not self._guard(scene.draw, self.screen):
            scene = self.scene
            if scene is None:
                return
            self.screen.fill(theme.BG)  # the failed frame may be half drawn
        if self._screenshot_pending:
            self._screenshot_pending = False
            self._guard(self._save_screenshot)
        if self.help_visible:
            info = SCENES.get(scene.scene_name)
            title = scene.title or (info.label if info else "Help")
            draw_help_overlay(self.screen, f"{title} - keys", help_rows(scene.help()))
        area = scene.message_area(self.screen.get_size()) if self.scene is scene else None
        self.toasts.draw(self.screen, area)
        if self.show_fps:
            draw_fps(self.screen, self.fps)
        pygame.display.flip()


def _set_minimum_size(size: tuple[int, int]) -> None:
    """Keep the window from being made smaller than the layouts are made for."""
    try:
        pygame.Window.from_display_module().minimum_size = size
    except (AttributeError, pygame.error):  # an older pygame-ce or a driver without windows
        pass


def _fill_raster_cache(ctx: WorkerContext) -> int:
    """Build the shipped tracks' dashcam rasters the disk cache lacks (once per machine), so
    opening a screen on any of them loads in milliseconds instead of freezing up to 1.7 s."""
    return fill_disk_cache((resolve_track(n) for n in list_tracks()), stop=lambda: ctx.cancelled)


def run_app(first_scene: str = "menu", track: str | None = None) -> int:
    """Open the game window on `first_scene` (with the menu underneath it). Returns the exit
    status: 0, or 128 + the signal's number when SIGINT/SIGTERM ended the game."""
    discover_scenes()
    if first_scene not in SCENES:
        raise UserFacingError(
            f"unknown screen {first_scene!r}; known screens: {', '.join(sorted(SCENES))}"
        )
    app = App(track=track)
    if pygame.display.get_driver() in ("offscreen", "dummy") and not os.environ.get(
        "SDL_VIDEODRIVER"
    ):
        # SDL fell back to an invisible window: say so instead of running unseen.
        app.close()
        raise UserFacingError(
            "no display found (is DISPLAY set?); the game needs a desktop session"
        )
    return app.play(first_scene)
