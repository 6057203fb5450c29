"""The "Teach a car to drive" screen: the first-run path from the main menu, in three steps.

1. Drive two laps with recording on: the Drive screen (DriveScene, sharing this flow's
   DriveSession) under a band that says what to do and which lap it is. The keys that would
   end the recording or change the track are off here.
2. Train: the road stays behind a card with the progress bar (Esc cancels; the laps stay).
3. Watch: the Autopilot screen (made through the registry) drives with the new model on the
   same track, under a band that says what is shown and what next; then the result card
   (game/scenes/result_card.py) over the paused car until Enter (an unseen track), R or Esc.

The steps and their rules are game.sessions.teach's TeachSession; this module passes keys on
and draws. No TensorFlow here: training and the model load run in workers.
"""

from __future__ import annotations

import pygame

from game.actions import Action, action_for
from game.render import theme
from game.render.controls import ProgressBar
from game.render.driving_widgets import draw_instruction_band
from game.scenes import register_scene
from game.scenes.base import Scene
from game.scenes.drive import DriveScene
from game.scenes.result_card import draw_result_card
from game.sessions.teach import Step, TeachSession

BAND_H = 58  # the instruction band at the top of the road view
BAND_UNDER_PILLS_Y = 54  # while watching: below the Autopilot screen's own labels
# While the laps are recorded these keys would end the recording or change the track.
OFF_WHILE_RECORDING = {
    Action.RECORD,
    Action.NEXT_TRACK,
    Action.PREV_TRACK,
    Action.RANDOM_TRACK,
}


@register_scene(
    "teach",
    label="Teach a car to drive",
    order=5,
    description="New here? Drive 2 laps, a neural network learns from them, watch it drive",
)
class TeachScene(Scene):
    title = "Teach a car to drive"

    def __init__(
        self,
        app,
        track: str | None = None,
        unseen_track: str | None = None,
        job_factory=None,
        result_factory=None,
    ) -> None:
        """`job_factory`: the training job (game.sessions.training.train_job by default);
        `result_factory`: the result card's (teach_result.result_job); tests pass tiny ones."""
        super().__init__(app)
        extra = {} if job_factory is None else {"job_factory": job_factory}
        if result_factory is not None:
            extra["result_factory"] = result_factory
        self.teach = TeachSession(track or app.track_spec, unseen_track, app.toast, **extra)
        self.driving = DriveScene(app, session=self.teach.drive)
        self.driving.top_inset = BAND_H + 8
        self.watching: Scene | None = None  # the Autopilot screen, in step 3
        self.clock = 0.0

    @property
    def lay(self):
        """The Drive screen's layout (it follows the window's size)."""
        return self.driving.lay

    # --- lifecycle -----------------------------------------------------------------------
    def on_exit(self) -> None:
        self._close_watch()
        self.teach.close()  # the recording is closed: every row written so far is kept

    def _open_watch(self) -> None:
        model = self.teach.model_path
        scene = self.app.make_scene("autopilot", track=self.teach.track_spec, model=str(model))
        scene.on_enter()
        self.watching = scene
        self.teach.attach_watch(scene.session)

    def _close_watch(self) -> None:
        if self.watching is not None:
            self.watching.on_exit()
            self.watching = None

    # --- input ---------------------------------------------------------------------------
    def handle_event(self, event: pygame.event.Event) -> None:
        action = action_for(event)
        step = self.teach.step
        if action is Action.BACK:
            if self.teach.back():
                self.app.pop()
            return
        if step is Step.DRIVE:
            if action not in OFF_WHILE_RECORDING:
                self.driving.handle_event(event)
        elif step is Step.STOPPED:
            if action is Action.CONFIRM:
                self.teach.start_training()
            elif action is Action.RECORD:
                self.teach.teach_more()
        elif step in (Step.WATCH, Step.RESULT):
            if action is Action.RECORD:
                self._close_watch()
                self.teach.teach_more()
            elif action is Action.CONFIRM:
                self.teach.confirm()
            elif step is Step.WATCH and self.watching is not None:
                self.watching.handle_event(event)

    def update(self, dt: float) -> None:
        self.clock += dt
        step = self.teach.step
        if step is Step.DRIVE:
            self.driving.update(dt)
        elif step is Step.WATCH:
            if self.watching is None:
                self._open_watch()
            self.watching.update(dt)
        else:
            self.app.audio.stop_loops()  # the car waits while its network learns
        self.teach.poll()

    # --- drawing -------------------------------------------------------------------------
    def message_area(self, size: tuple[int, int]) -> pygame.Rect:
        return self.lay.messages

    def help(self) -> list[tuple[str, str]]:
        step = self.teach.step
        if step is Step.DRIVE:
            lines = [k for k in self.driving.help() if k[0] not in ("R", "N / B", "G")]
            return [*lines, ("Esc", "stop here (the laps driven so far are kept)")]
        if step is Step.TRAIN:
            return [("Esc", "cancel training (your laps are kept)")]
        if step is Step.STOPPED:
            return [("Enter", "train again"), ("R", "drive more laps"), ("Esc", "main menu")]
        if step is Step.RESULT:
            return [("Enter", "watch your car on a track it has never seen"),
                    ("R", "teach more: drive more laps, then train again"),
                    ("Esc", "main menu (the card is saved with the model: Models, O)")]
        watch = self.watching.help() if self.watching is not None else []
        return [
            ("Enter", "your result card" if not self.teach.watching_unseen
             else "your result card again"),
            ("R", "teach more: drive more laps, then train again"),
            *watch,
            ("Esc", "main menu"),
        ]

    def draw(self, surface: pygame.Surface) -> None:
        step = self.teach.step
        view = self.lay.view
        title, line = self.teach.instruction()
        if step is Step.RESULT:
            self._draw_result(surface)
            return
        if step is Step.WATCH and self.watching is not None:
            self.watching.draw(surface)
            band = pygame.Rect(view.x + 16, view.y + BAND_UNDER_PILLS_Y, view.w - 32, BAND_H)
            draw_instruction_band(surface, band, title, line)
            return
        self.driving.draw(surface)
        if step is Step.DRIVE:
            band = pygame.Rect(view.x + 16, view.y + 8, view.w - 32, BAND_H)
            draw_instruction_band(surface, band, title, line)
        else:
            self._draw_training(surface, title, line)

    def _draw_training(self, surface: pygame.Surface, title: str, line: str) -> None:
        """Step 2 (and a stopped run): a card over the road with the progress bar."""
        view = self.lay.view
        shade = pygame.Surface(view.size, pygame.SRCALPHA)
        shade.fill((0, 0, 0, 120))
        surface.blit(shade, view.topleft)
        card = pygame.Rect(0, 0, view.w - 80, 210)
        card.center = (view.centerx, view.y + 230)
        theme.draw_panel(surface, card, theme.PANEL_DARK, theme.ACCENT, radius=14, alpha=235)
        heading = "TEACHING YOUR CAR" if self.teach.step is Step.TRAIN else "TRAINING STOPPED"
        x = card.x + 24
        theme.blit_text(surface, heading, (x, card.y + 34), theme.LARGE, theme.ACCENT, "midleft")
        theme.blit_text(surface, title, (x, card.y + 74), theme.BODY, theme.TEXT, "midleft")
        bar = ProgressBar(pygame.Rect(x, card.y + 100, card.w - 48, 24))
        bar.fraction = self.teach.progress
        bar.draw(surface, clock=self.clock)
        status = self.teach.status_line()
        theme.blit_text(surface, status, (x, card.y + 144), theme.SMALL, theme.TEXT, "midleft")
        theme.blit_text(surface, line, (x, card.y + 176), theme.SMALL, theme.TEXT_MUTED,
                        "midleft")  # fmt: skip

    def _draw_result(self, surface: pygame.Surface) -> None:
        """The result card over the paused car; it stays until Enter, R or Esc."""
        if self.watching is not None:
            self.watching.draw(surface)
        shade = pygame.Surface(surface.get_size(), pygame.SRCALPHA)
        shade.fill((0, 0, 0, 150))
        surface.blit(shade, (0, 0))
        t = self.teach
        card = surface.get_rect().inflate(-48, -32)
        draw_result_card(surface, card, t.result, t.measuring, t.result_error,
                         keys=t.instruction()[1])  # fmt: skip
