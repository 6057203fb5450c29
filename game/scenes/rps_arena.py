"""RPS Arena: a person plays rock-paper-scissors against an AI from the agent registry.

Flow of a round: the person commits (R/P/S, 1/2/3 or a click on a hand) -> the AI's side
of the round (Match.step: its act, then observe and any online fine-tune) runs in a
background worker while the "rock... paper... scissors!" countdown plays; the round is saved
as soon as it is played -> animated reveal (the countdown holds its last beat if the AI is
still busy) -> the AI's prediction for the move just played is shown. The prediction is
taken by the engine before the round and kept hidden until the reveal (`shown_prediction` is
what the screen draws), so it can never help or hint before the person commits.

Only one round is ever in flight, and the agent is only touched by that round's thread
while it runs: anything else that uses the agent (new match, switch, model swap, leaving)
first waits for the round with `_settle_round`.

T trains the LSTM on the saved games in a background worker; when it finishes, an `lstm`
opponent switches to the new model (the user's copy in user_dir("models")).
"""

from __future__ import annotations

import random

import numpy as np
import pygame

from game.render import theme
from game.render.charts import PAD_BOTTOM, PAD_LEFT, PAD_RIGHT, PAD_TOP, LineChart
from game.render.widgets import Button, draw_label_value
from game.scenes import register_scene
from game.scenes.base import Scene
from game.scenes.rps_common import (
    MOVE_KEYS,
    OUTCOME_COLORS,
    AgentPicker,
    agent_description,
    agent_job,
    agent_names,
    draw_hand_badge,
    draw_history_strip,
    draw_prediction_bars,
    draw_progress,
    make_agent_now,
    moving_average,
    needs_worker,
    pop_scale,
)
from game.sim.rps import MOVE_NAMES, Match, Round
from game.workers import DONE, FAILED, Worker, WorkerContext

ENDLESS = 1_000_000  # the arena has no fixed length: a match runs until you leave
BEATS = ("ROCK...", "PAPER...", "SCISSORS!")
VERBS = {(0, 2): "rock crushes scissors", (1, 0): "paper covers rock", (2, 1): "scissors cut paper"}
CONFIDENCE_WINDOW = 10  # rounds in the confidence chart's moving average
FALLBACK_OPPONENT = "iocaine"  # when no LSTM model is installed
TRAIN_EPOCHS = 40  # upper bound: training stops early once validation loss stalls

# Stage geometry (1280 x 720)
YOU_X, AI_X, STAGE_Y, BADGE_R = 300, 980, 235, 104


def default_opponent() -> str:
    """`lstm` when a model file for it exists (no TensorFlow needed to check), else iocaine."""
    try:
        from agents.rps.lstm_agents import default_model_path

        return "lstm" if default_model_path().exists() else FALLBACK_OPPONENT
    except ImportError:
        return FALLBACK_OPPONENT


def train_job(seed: int):
    """Worker job for "Train on my games": train the LSTM on the saved games, then build and
    warm up an `lstm` agent on the new model. Returns (model card, agent)."""

    def job(ctx: WorkerContext):
        from agents.rps import lstm_train
        from agents.rps.lstm_agents import user_model_path

        ctx.progress(None, "preparing training data...")
        batches = {"per_epoch": 0}
        epochs = TRAIN_EPOCHS

        def on_batch(epoch: int, batch: int, logs: dict) -> None:
            if batch < 0:  # an epoch ended; the first one tells how many batches an epoch has
                if epoch == 0:
                    batches["per_epoch"] = max(batches["per_epoch"], 1)
                return
            if epoch == 0:
                batches["per_epoch"] = max(batches["per_epoch"], batch + 1)
                ctx.progress(None, f"epoch 1, batch {batch + 1}")
                return
            frac = (epoch + min((batch + 1) / batches["per_epoch"], 1.0)) / epochs
            loss = logs.get("loss", 0.0)
            ctx.progress(frac, f"epoch {epoch + 1}/{epochs}  loss {loss:.2f}")

        card = lstm_train.train_user_model(epochs=epochs, callback=on_batch, cancel=ctx.cancel)
        if ctx.cancelled:
            return card, None
        agent = agent_job("lstm", seed, model_path=user_model_path())(ctx)
        return card, agent

    return job


@register_scene(
    "rps-arena",
    label="RPS Arena",
    order=60,
    description="Rock-paper-scissors against an AI that learns to read you",
)
class ArenaScene(Scene):
    help_lines = [
        ("R / 1", "rock"), ("P / 2", "paper"), ("S / 3", "scissors"),
        ("click a hand", "play it"), ("Tab / Shift+Tab", "next / previous opponent"),
        ("N", "new match (score back to 0)"), ("T", "train the LSTM on my saved games"),
        ("Esc (training)", "cancel the training"),
    ]  # fmt: skip

    def __init__(
        self,
        app,
        opponent: str | None = None,
        countdown_s: float = 0.9,
        reveal_s: float = 0.45,
        seed: int | None = None,
    ) -> None:
        super().__init__(app)
        self.countdown_s = countdown_s
        self.reveal_s = reveal_s
        self.seed = random.randrange(1 << 30) if seed is None else seed
        names = agent_names()
        self.picker = AgentPicker(
            pygame.Rect(440, 16, 400, 40), names, opponent or default_opponent(), title="OPPONENT"
        )
        self.train_button = Button(pygame.Rect(1000, 16, 260, 40), "T  Train on my games")
        self.hand_buttons = [Button(pygame.Rect(0, 0, 92, 92), "") for _ in range(3)]
        for m, b in enumerate(self.hand_buttons):
            b.rect.center = (YOU_X + (m - 1) * 112, 412)
        self.chart = LineChart(
            pygame.Rect(800, 516, 460, 188),
            "My confidence",
            y_range=(0.0, 1.0),
            colors=((84, 120, 150), theme.ACCENT),
        )
        self.agent = None
        self.opponent = ""
        self.loader: Worker | None = None
        self.trainer: Worker | None = None  # the running "Train on my games", if any
        self.player: Worker | None = None  # the AI's side of the committed round, in flight
        self.last_training: Worker | None = None
        self.recorder = None
        self.clock = 0.0
        self.match: Match | None = None
        self._clear_rounds()
        self._wanted = self.picker.current

    # --- lifecycle -----------------------------------------------------------------------
    def on_enter(self) -> None:
        self.set_opponent(self._wanted)

    def on_exit(self) -> None:
        self._settle_round()  # a committed round is saved even when the person leaves at once
        self._close_recorder()
        for worker in (self.loader, self.trainer):
            if worker is not None:
                worker.cancel()

    # --- match state ---------------------------------------------------------------------
    def new_match(self) -> None:
        """Score back to zero against the same opponent (a new saved session)."""
        self._settle_round()  # Match() resets the agent: the round in flight must end first
        self._close_recorder()
        self._clear_rounds()
        self.match = Match(None, self.agent, rounds=ENDLESS, record_predictions=True)

    def _clear_rounds(self) -> None:
        self.rounds: list[Round] = []
        self.pending: Round | None = None  # committed, not yet revealed
        self.revealed: Round | None = None  # the latest round whose reveal has finished
        self.phase = "ready"  # ready | countdown | reveal
        self.phase_t = 0.0
        self.p_actual: list[float] = []  # probability the AI gave to the person's move
        self.exploited = False  # the agent's flag, read only while no round is in flight
        self.chart.clear()

    def set_opponent(self, name: str) -> None:
        """Switch to opponent `name`; LSTMs load in a worker while the stage says so."""
        self.picker.current = name
        self.picker.open = False
        if self.loader is not None:
            self.loader.cancel()
            self.loader = None
        if needs_worker(name):
            self.loader = Worker(agent_job(name, self.seed), name=f"load {name}").start()
            self._loading_name = name
            return
        self._install(make_agent_now(name, self.seed), name)

    def _install(self, agent, name: str) -> None:
        self.agent = agent
        self.opponent = name
        self.picker.current = name
        self.new_match()

    def _close_recorder(self) -> None:
        if self.recorder is not None:
            self.recorder.close()
            self.recorder = None

    @property
    def loading(self) -> bool:
        return self.loader is not None

    @property
    def shown_prediction(self) -> np.ndarray | None:
        """The AI's prediction the screen shows: only ever the one for the move just revealed,
        and nothing from a commit until its reveal is over."""
        if self.phase != "ready" or self.revealed is None or self.revealed.pred_b is None:
            return None
        return self.revealed.pred_b

    def commit(self, move: int) -> bool:
        """The person plays `move`: the AI's side of the round starts in a worker and the
        countdown begins. Returns False when the screen is not taking moves (also while a
        round is in flight: its phase stays "countdown" until the result is in)."""
        if self.agent is None or self.loading or self.phase == "countdown":
            return False
        if self.phase == "reveal":
            self._finish_reveal()
        match = self.match
        # Off the main thread: an LSTM opponent fine-tunes every few rounds (~0.1-0.16 s),
        # which would freeze the countdown. Match.step still asks the agent to act before it
        # observes the person's move.
        self.player = Worker(lambda ctx: match.step(move_a=move), name="the AI's move").start()
        self.phase, self.phase_t = "countdown", 0.0
        return True

    def _poll_round(self, wait: bool = False) -> None:
        """Take in the AI's round once its worker is done (`wait`: block until it is)."""
        if self.player is None:
            return
        if wait:
            self.player.join()
        self.player.poll()
        if not self.player.finished:
            return
        player, self.player = self.player, None
        if player.state != DONE:
            self.app.toast(player.error or "the AI's move was cancelled", "error")
            self.phase, self.phase_t = "ready", 0.0  # nothing was played: play again
            return
        rnd = player.result
        if self.recorder is None:
            from agents.rps.games import GameRecorder

            self.recorder = GameRecorder(opponent=self.opponent)
        self.recorder.record(human=rnd.move_a, ai=rnd.move_b)  # saved before it is shown
        self.rounds.append(rnd)
        self.pending = rnd
        self.exploited = bool(getattr(self.agent, "exploited", False))

    def _settle_round(self) -> None:
        """Wait for the round in flight (it saves it): the agent is then free to reuse."""
        self._poll_round(wait=True)

    def _finish_reveal(self) -> None:
        rnd = self.pending
        if rnd is None:
            return
        self.revealed = rnd
        self.pending = None
        self.phase = "ready"
        if rnd.pred_b is not None:
            self.p_actual.append(float(rnd.pred_b[rnd.move_a]))
            xs = list(range(1, len(self.p_actual) + 1))
            self.chart.set("P(your move)", self.p_actual, xs)
            self.chart.set(
                f"avg {CONFIDENCE_WINDOW}", moving_average(self.p_actual, CONFIDENCE_WINDOW), xs
            )

    # --- stats ---------------------------------------------------------------------------
    @property
    def visible_rounds(self) -> list[Round]:
        """Rounds the screen may show: a committed round stays hidden during its countdown."""
        if self.phase == "countdown" and self.pending is not None:
            return self.rounds[:-1]
        return self.rounds

    def stats(self) -> dict:
        """Score read-outs over the visible rounds (the countdown must not give it away)."""
        outs = [r.outcome for r in self.visible_rounds]
        wins, losses = outs.count(1), outs.count(-1)
        streak = 0
        for o in reversed(outs):
            if o == 0 or (streak and (o > 0) != (streak > 0)):
                break
            streak += o
        best = run = 0
        for o in outs:
            run = run + 1 if o == 1 else 0
            best = max(best, run)
        return {"rounds": len(outs), "wins": wins, "losses": losses,
                "draws": outs.count(0), "net": wins - losses, "streak": streak,
                "best": best, "win_rate": wins / len(outs) if outs else 0.0}  # fmt: skip

    # --- training ------------------------------------------------------------------------
    def start_training(self) -> None:
        if self.trainer is not None and self.trainer.running:
            self.app.toast("training is already running")
            return
        self.trainer = Worker(train_job(self.seed), name="training").start()
        self.app.toast("training the LSTM on your saved games (keep playing!)")

    def _poll_workers(self) -> None:
        if self.loader is not None:
            self.loader.poll()
            if self.loader.finished:
                loader, self.loader = self.loader, None
                if loader.state == DONE:
                    self._install(loader.result, self._loading_name)
                elif loader.state == FAILED:
                    self.app.toast(f"cannot load {self._loading_name}: {loader.error}", "error")
                    if self.agent is None:
                        self._install(
                            make_agent_now(FALLBACK_OPPONENT, self.seed), FALLBACK_OPPONENT
                        )
                    self.picker.current = self.opponent
        if self.trainer is not None:
            self.trainer.poll()
            # A new model waits for the round on screen to be revealed before it takes over.
            if self.trainer.finished and self.phase == "ready":
                self.last_training, self.trainer = self.trainer, None
                self._training_finished(self.last_training)

    def _training_finished(self, worker: Worker) -> None:
        if worker.state == FAILED:
            self.app.toast(f"training failed: {worker.error}", "error")
            return
        if worker.state != DONE:
            self.app.toast("training cancelled; the previous model is kept")
            return
        card, agent = worker.result
        acc = card.get("val_accuracy") if isinstance(card, dict) else None
        note = f" (validation accuracy {100 * acc:.0f}%)" if isinstance(acc, float) else ""
        if self.opponent == "lstm" and agent is not None:
            self._install(agent, "lstm")
            self.app.toast(f"new model trained{note}: lstm now plays with it, new match")
        else:
            self.app.toast(f"new model trained{note}: pick lstm to play it")

    # --- input ---------------------------------------------------------------------------
    def handle_event(self, event: pygame.event.Event) -> None:
        if self.picker.open:
            chosen = self.picker.handle_event(event)
            if chosen:
                self.set_opponent(chosen)
            return
        chosen = self.picker.handle_event(event)
        if chosen:
            self.set_opponent(chosen)
            return
        if self.train_button.handle_event(event):
            self.start_training()
            return
        for m, b in enumerate(self.hand_buttons):
            if b.handle_event(event):
                self.commit(m)
                return
        if event.type != pygame.KEYDOWN:
            return
        key = event.key
        if key == pygame.K_ESCAPE:
            if self.trainer is not None and self.trainer.running:
                self.trainer.cancel()
                self.app.toast("cancelling training...")
            else:
                self.app.pop()
        elif key in MOVE_KEYS:
            self.commit(MOVE_KEYS[key])
        elif key == pygame.K_TAB and not self.loading:
            step = -1 if event.mod & pygame.KMOD_SHIFT else 1
            self.set_opponent(self.picker.cycle(step))
        elif key == pygame.K_n and not self.loading:
            self.new_match()
        elif key == pygame.K_t:
            self.start_training()

    # --- per frame -----------------------------------------------------------------------
    def update(self, dt: float) -> None:
        self.clock += dt
        self._poll_workers()
        self._poll_round()
        if self.phase == "countdown":
            # Hold the last beat until the AI's round is in (pending is set then).
            self.phase_t = min(self.phase_t + dt, self.countdown_s)
            if self.phase_t >= self.countdown_s and self.pending is not None:
                self.phase, self.phase_t = "reveal", 0.0
        elif self.phase == "reveal":
            self.phase_t += dt
            if self.phase_t >= self.reveal_s:
                self._finish_reveal()

    def draw(self, surface: pygame.Surface) -> None:
        surface.fill(theme.BG)
        self._draw_top_bar(surface)
        self._draw_stage(surface)
        self._draw_hand_buttons(surface)
        st = self.stats()
        strip = pygame.Rect(20, 482, 1240, 22)
        theme.blit_text(
            surface, "HISTORY", (20, 472), theme.SMALL, theme.TEXT_DIM, anchor="midleft"
        )
        shown = self.visible_rounds
        draw_history_strip(surface, strip, [r.move_a for r in shown], [r.outcome for r in shown])
        self._draw_stats(surface, pygame.Rect(20, 516, 300, 188), st)
        self._draw_prediction(surface, pygame.Rect(336, 516, 448, 188))
        self._draw_chart(surface)
        self.picker.draw_list(surface)

    def _draw_top_bar(self, surface: pygame.Surface) -> None:
        theme.blit_text(surface, "RPS", (24, 36), theme.LARGE + 12, theme.ACCENT, anchor="midleft")
        theme.blit_text(surface, "ARENA", (96, 36), theme.LARGE + 12, theme.TEXT, anchor="midleft")
        theme.blit_text(surface, "H help", (250, 38), theme.SMALL, theme.TEXT_DIM, anchor="midleft")
        self.picker.draw(surface)
        desc = agent_description(self.picker.current)
        if len(desc) > 92:
            desc = desc[:89] + "..."
        theme.blit_text(surface, desc, (640, 70), theme.SMALL, theme.TEXT_MUTED, anchor="center")
        if self.trainer is not None and self.trainer.running:
            r = self.train_button.rect
            theme.blit_text(
                surface,
                "Esc cancels",
                (r.centerx, r.bottom + 10),
                theme.SMALL,
                theme.TEXT_DIM,
                anchor="center",
            )
            draw_progress(
                surface,
                r.inflate(0, -12),
                self.trainer.fraction,
                self.trainer.message or "training",
                self.clock,
            )
        else:
            self.train_button.draw(surface)

    def _draw_stage(self, surface: pygame.Surface) -> None:
        st = self.stats()
        # Score board in the middle.
        theme.blit_text(
            surface, "YOU", (YOU_X, 100), theme.LARGE, theme.TEXT_MUTED, anchor="center"
        )
        theme.blit_text(
            surface,
            self.picker.current.upper(),
            (AI_X, 100),
            theme.LARGE,
            theme.TEXT_MUTED,
            anchor="center",
        )
        score = f"{st['wins']}  :  {st['losses']}"
        theme.blit_text(surface, score, (640, 128), theme.TITLE, theme.TEXT, anchor="center")
        theme.blit_text(
            surface,
            f"{st['draws']} draws",
            (640, 170),
            theme.SMALL,
            theme.TEXT_MUTED,
            anchor="center",
        )
        if self.loading:
            draw_hand_badge(surface, None, (YOU_X, STAGE_Y), BADGE_R, dim=True)
            draw_hand_badge(surface, None, (AI_X, STAGE_Y), BADGE_R, dim=True)
            draw_progress(
                surface,
                pygame.Rect(490, 250, 300, 22),
                self.loader.fraction,
                self.loader.message or "loading",
                self.clock,
            )
            theme.blit_text(
                surface,
                "the AI is getting ready",
                (640, 222),
                theme.BODY,
                theme.TEXT_MUTED,
                anchor="center",
            )
            return
        if self.phase == "countdown":
            # Just short of the end, so a held countdown rests on the end of its last beat.
            beats = min(self.phase_t, 0.999 * self.countdown_s) / (self.countdown_s / 3)
            beat, frac = min(int(beats), 2), beats % 1.0
            bob = abs(np.sin(np.pi * frac)) * 24  # fists pump once per beat
            for x in (YOU_X, AI_X):
                draw_hand_badge(surface, 0, (x, STAGE_Y + bob), BADGE_R, color=theme.PANEL_EDGE)
            size = int(theme.TITLE + 16 * (1 - frac))
            theme.blit_text(
                surface, BEATS[beat], (640, STAGE_Y + 10), size, theme.ACCENT, anchor="center"
            )
            return
        rnd = self.pending if self.phase == "reveal" else self.revealed
        if rnd is None:
            draw_hand_badge(surface, None, (YOU_X, STAGE_Y), BADGE_R)
            draw_hand_badge(surface, None, (AI_X, STAGE_Y), BADGE_R)
            theme.blit_text(
                surface,
                "make your move",
                (640, STAGE_Y - 14),
                theme.LARGE,
                theme.TEXT,
                anchor="center",
            )
            theme.blit_text(
                surface,
                "keys R, P, S or 1, 2, 3 - or click a hand",
                (640, STAGE_Y + 22),
                theme.BODY,
                theme.ACCENT,
                anchor="center",
            )
            return
        t = self.phase_t / self.reveal_s if self.phase == "reveal" else 1.0
        scale = pop_scale(t)
        out = rnd.outcome
        you_ring = theme.GOOD if out == 1 else None
        ai_ring = theme.BAD if out == -1 else None
        draw_hand_badge(
            surface,
            rnd.move_a,
            (YOU_X, STAGE_Y),
            BADGE_R * scale,
            you_ring,
            dim=out == -1 and t >= 1,
        )
        draw_hand_badge(
            surface, rnd.move_b, (AI_X, STAGE_Y), BADGE_R * scale, ai_ring, dim=out == 1 and t >= 1
        )
        banner = {1: "YOU WIN!", -1: "AI WINS", 0: "DRAW"}[out]
        color = OUTCOME_COLORS[out] if out else theme.TEXT
        theme.blit_text(
            surface,
            banner,
            (640, STAGE_Y - 6),
            int(theme.TITLE * min(scale, 1.1)),
            color,
            anchor="center",
        )
        pair = (rnd.move_a, rnd.move_b) if out >= 0 else (rnd.move_b, rnd.move_a)
        why = VERBS.get(pair, f"both played {MOVE_NAMES[rnd.move_a]}")
        theme.blit_text(
            surface, why, (640, STAGE_Y + 40), theme.BODY, theme.TEXT_MUTED, anchor="center"
        )
        if self.phase == "ready":
            theme.blit_text(
                surface,
                "your move",
                (640, STAGE_Y + 96),
                theme.SMALL,
                theme.TEXT_DIM,
                anchor="center",
            )

    def _draw_hand_buttons(self, surface: pygame.Surface) -> None:
        keys = ("R / 1", "P / 2", "S / 3")
        taking = self.phase != "countdown" and not self.loading
        for m, b in enumerate(self.hand_buttons):
            hover = b.hovered and taking
            c = b.rect.center
            draw_hand_badge(
                surface,
                m,
                c,
                38 + (3 if hover else 0),
                ring=theme.ACCENT if hover else None,
                dim=not taking,
            )
            theme.blit_text(
                surface,
                keys[m],
                (c[0], b.rect.bottom + 6),
                theme.SMALL,
                theme.TEXT_MUTED,
                anchor="center",
            )
        state = "waiting for you..." if self.phase != "countdown" else "both moves locked in"
        if self.loading:
            state = "getting ready..."
        if self.exploited:
            state = "you are exploiting me: I play at random for now"
        theme.blit_text(surface, state, (AI_X, 412), theme.BODY, theme.TEXT_MUTED, anchor="center")

    def _draw_chart(self, surface: pygame.Surface) -> None:
        """The chance the AI gave to each move you actually played, against pure chance (1/3):
        the line climbs as it learns your sequence."""
        self.chart.draw(surface)
        r = self.chart.rect
        plot = pygame.Rect(
            r.x + PAD_LEFT, r.y + PAD_TOP, r.w - PAD_LEFT - PAD_RIGHT, r.h - PAD_TOP - PAD_BOTTOM
        )
        y = plot.bottom - plot.h / 3
        for x in range(plot.x, plot.right, 12):
            pygame.draw.line(surface, theme.TEXT_MUTED, (x, y), (min(x + 6, plot.right), y))
        theme.blit_text(
            surface,
            "chance",
            (plot.right - 2, y - 9),
            theme.SMALL,
            theme.TEXT_MUTED,
            anchor="midright",
        )
        if not self.p_actual:
            theme.blit_text(
                surface,
                "the chance I gave to each move you played",
                (r.centerx, r.bottom - 16),
                theme.SMALL,
                theme.TEXT_DIM,
                anchor="center",
            )

    def _draw_stats(self, surface: pygame.Surface, rect: pygame.Rect, st: dict) -> None:
        theme.draw_panel(surface, rect)
        theme.blit_text(
            surface,
            "YOUR SCORE",
            (rect.x + 14, rect.y + 18),
            theme.BODY,
            theme.TEXT,
            anchor="midleft",
        )
        x, w, y = rect.x + 16, rect.w - 32, rect.y + 52
        net = st["net"]
        streak = st["streak"]
        streak_txt = "-" if streak == 0 else (f"{streak} won" if streak > 0 else f"{-streak} lost")
        rows = [
            ("rounds", str(st["rounds"]), theme.TEXT),
            ("win rate", f"{100 * st['win_rate']:.0f}%", theme.TEXT),
            ("net score", f"{net:+d}", theme.GOOD if net > 0 else theme.BAD if net < 0
             else theme.TEXT),
            ("streak", streak_txt, theme.GOOD if streak > 0 else theme.BAD if streak < 0
             else theme.TEXT),
            ("best win streak", str(st["best"]), theme.TEXT),
        ]  # fmt: skip
        for label, value, color in rows:
            draw_label_value(surface, (x, y), label, value, w, color)
            y += 27

    def _draw_prediction(self, surface: pygame.Surface, rect: pygame.Rect) -> None:
        theme.draw_panel(surface, rect)
        x = rect.x + 16
        pred = self.shown_prediction
        rnd = self.revealed
        if self.phase != "ready":
            theme.draw_heading(
                surface,
                "WHAT I EXPECTED",
                "locked in: you will see it after the reveal",
                (x, rect.y + 18),
            )
            return
        if rnd is None:
            theme.draw_heading(
                surface,
                "WHAT I EXPECTED",
                "shown after each reveal, never before you play",
                (x, rect.y + 18),
            )
            return
        if pred is None:
            theme.draw_heading(
                surface,
                f"{self.opponent.upper()} DOES NOT PREDICT",
                "it just follows its own rule; pick a predictor,",
                (x, rect.y + 18),
            )
            theme.blit_text(
                surface,
                "meta or lstm opponent to see what it expects of you",
                (x, rect.y + 78),
                theme.SMALL,
                theme.TEXT_MUTED,
                anchor="midleft",
            )
            return
        top = int(np.argmax(pred))
        theme.blit_text(
            surface,
            f"I expected {MOVE_NAMES[top]} {100 * pred[top]:.0f}%",
            (x, rect.y + 20),
            theme.LARGE,
            theme.ACCENT,
            anchor="midleft",
        )
        got = float(pred[rnd.move_a])
        verdict = "read you" if top == rnd.move_a else "missed"
        theme.blit_text(
            surface,
            f"you played {MOVE_NAMES[rnd.move_a]} ({100 * got:.0f}%): I {verdict}",
            (x, rect.y + 48),
            theme.SMALL,
            theme.TEXT_MUTED,
            anchor="midleft",
        )
        draw_prediction_bars(
            surface, pygame.Rect(x + 4, rect.y + 70, rect.w - 36, 114), pred, actual=rnd.move_a
        )
