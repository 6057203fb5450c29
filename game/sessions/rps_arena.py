"""The RPS Arena's state and rules, without pygame: a person against one agent.

The screen (game.scenes.rps_arena) turns keys and clicks into calls on `ArenaSession` and
draws what it holds. The AI's side of a round (its act, observe and any online fine-tune)
runs in a game.workers.Worker; so do loading an LSTM and "Train on my games"
(game.sessions.rps_training). After each reveal `explanation` says why the AI played its
move (game.sessions.rps_reasons), all from the agent's Decision record for that move: the
strategy that chose it, its odds (the bars), what it expected; the confidence chart plots
the same record's chance of the person's move.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np

from agents.rps.card import CARD_MIN_ROUNDS, Card, last_card, learned_card, save_card
from agents.rps.levels import LEVEL_AGENTS, LEVEL_LABELS, LEVELS, level_of
from game.sessions import rps_agents, rps_levels, rps_training
from game.sessions.rps_agents import (
    FALLBACK_AGENT,
    Notify,
    Points,
    agent_job,
    agent_names,
    cycle_name,
    moving_average,
    no_notice,
)
from game.sessions.rps_reasons import Explanation, Played, explain, play_round
from game.sim.rps import Match, Round
from game.textfmt import plural
from game.workers import DONE, FAILED, Worker

ENDLESS = 1_000_000  # the arena has no fixed length: a match runs until you leave
ARENA_CONFIDENCE_WINDOW = 10  # rounds in the confidence chart's moving average
# The confidence chart's series: the deciding odds of the move you played, each round and
# their moving average; the legend says so in words ("each round 94%", "10-round average 92%").
CHANCE_SERIES = "each round"
AVERAGE_SERIES = f"{ARENA_CONFIDENCE_WINDOW}-round average"


class Phase(StrEnum):
    READY = "ready"  # taking the person's move
    COUNTDOWN = "countdown"  # committed; the AI's side runs in a worker
    REVEAL = "reveal"  # both moves shown, animating


@dataclass(frozen=True)
class ArenaStats:
    """Score read-outs from the person's side."""

    rounds: int = 0
    wins: int = 0
    losses: int = 0
    draws: int = 0
    streak: int = 0  # > 0: rounds won in a row now; < 0: lost in a row
    best: int = 0  # the longest run of wins
    win_rate: float = 0.0

    @property
    def net(self) -> int:
        return self.wins - self.losses

    @classmethod
    def of(cls, outcomes: list[int]) -> ArenaStats:
        streak = 0
        for o in reversed(outcomes):
            if o == 0 or (streak and (o > 0) != (streak > 0)):
                break
            streak += o
        best = run = 0
        for o in outcomes:
            run = run + 1 if o == 1 else 0
            best = max(best, run)
        wins, n = outcomes.count(1), len(outcomes)
        return cls(n, wins, outcomes.count(-1), outcomes.count(0), streak, best,
                   wins / n if n else 0.0)  # fmt: skip


class ArenaSession:
    """A person against one agent. Flow of a round: `commit(move)` starts the AI's side
    (Match.step: its act, then observe and any online fine-tune) in a worker and the
    countdown; the round is saved as soon as it is played; the reveal follows (the countdown
    holds its last beat while the AI is busy); then why the AI played its move (`explanation`)
    and its prediction for the move just played may be shown. Only one round is ever in
    flight, and anything else that uses the agent (new match, switch, model swap, close)
    first waits for it (`_settle_round`).
    """

    def __init__(
        self,
        opponent: str,
        seed: int,
        countdown_s: float = 0.9,
        reveal_s: float = 0.45,
        notify: Notify = no_notice,
    ) -> None:
        self.names = agent_names()
        self.seed = seed
        self.countdown_s = countdown_s
        self.reveal_s = reveal_s
        self.notify = notify
        self.wanted = opponent  # the name on the picker: loading, or playing
        self.opponent = ""  # the agent playing now
        self.agent = None
        self.loader: Worker | None = None
        self.trainer: Worker | None = None  # the running "Train on my games", if any
        self.player: Worker | None = None  # the AI's side of the committed round, in flight
        self.last_training: Worker | None = None
        self.last_score: Any = None  # held-out accuracy before / after the last training
        self.recorder = None
        self.match: Match | None = None
        self.match_no = 0  # counts new matches: a trained model catches up on the right one
        self.confidence: Points = {}  # the chart: P(your move) and its moving average
        # "What it learned about you": the card on screen (None: hidden) and the last saved.
        self.card: Card | None = None
        self.card_is_final = False  # True: the card of a match that ended (F2, new opponent)
        self.previous_card: Card | None = None
        # "Your games by level" (T): open while `levels_open`; `levels` holds the results per
        # level and the ticked ones once `levels_reader` has read the saved games.
        self.levels_open = False
        self.levels: rps_levels.LevelChoice | None = None
        self.levels_reader: Worker | None = None
        self._clear_rounds()

    # --- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        self.previous_card = last_card()
        self.set_opponent(self.wanted)

    def close(self) -> None:
        self._settle_round()  # a committed round is saved even when the person leaves at once
        self._end_card()  # saved with the games, shown next time as "last time"
        self._close_recorder()
        for worker in (self.loader, self.trainer, self.levels_reader):
            if worker is not None:
                worker.cancel()

    @property
    def loading(self) -> bool:
        return self.loader is not None

    @property
    def training(self) -> bool:
        return self.trainer is not None and self.trainer.running

    # --- match state -----------------------------------------------------------------------
    def new_match(self) -> None:
        """Score back to zero against the same opponent (a new saved session)."""
        self._settle_round()  # Match() resets the agent: the round in flight must end first
        ended = self._end_card()
        if ended is not None:
            self.card, self.card_is_final = ended, True
        self._close_recorder()
        self._clear_rounds()
        self.match_no += 1
        self.match = Match(None, self.agent, rounds=ENDLESS)

    def _clear_rounds(self) -> None:
        self.rounds: list[Round] = []
        self.pending: Round | None = None  # committed, not yet revealed
        self.revealed: Round | None = None  # the latest round whose reveal has finished
        self.pending_decision: Any = None  # the AI's Decision for the pending round, if any
        self.revealed_decision: Any = None
        self.phase = Phase.READY
        self.phase_t = 0.0
        # The chance the deciding strategy gave to the person's move, by round number (rounds
        # decided without odds, e.g. random play, have no point).
        self.p_actual: list[tuple[int, float]] = []
        self.exploited = False  # the agent's flag, read only while no round is in flight
        self.confidence.clear()

    def set_opponent(self, name: str) -> None:
        """Switch to opponent `name`; LSTMs load in a worker while the stage says so."""
        self.wanted = name
        if self.loader is not None:
            self.loader.cancel()
            self.loader = None
        if rps_agents.needs_worker(name):
            self.loader = Worker(agent_job(name, self.seed), name=f"load {name}").start()
            return
        self._install(rps_agents.make_agent_now(name, self.seed), name)

    def cycle_opponent(self, step: int) -> None:
        if not self.loading:
            self.set_opponent(cycle_name(self.names, self.wanted, step))

    # --- difficulty levels and the card ----------------------------------------------------
    @property
    def level(self) -> str:
        """The difficulty level being played ("" for an opponent that is not a level)."""
        return level_of(self.opponent)

    def level_label(self) -> str:
        """The level as the screen shows it."""
        level = level_of(self.wanted)
        return LEVEL_LABELS[level] if level else "custom opponent"

    def cycle_level(self, step: int) -> None:
        """Next / previous difficulty level (from another opponent: Standard)."""
        if self.loading:
            return
        level = level_of(self.wanted)
        nxt = LEVELS[(LEVELS.index(level) + step) % len(LEVELS)] if level else "standard"
        self.set_opponent(LEVEL_AGENTS[nxt])

    def _moves(self) -> list[tuple[int, int]]:
        return [(r.move_b, r.move_a) for r in self.rounds]

    def _end_card(self) -> Card | None:
        """The card of the match ending now, saved (None: too short for one)."""
        if len(self.rounds) < CARD_MIN_ROUNDS:
            return None
        session = getattr(self.recorder, "session", "")
        card = learned_card(self._moves(), self.previous_card, session, self.level)
        try:
            save_card(card)
        except OSError as e:
            self.notify(f"could not save what it learned about you: {e.strerror or e}", "error")
        self.previous_card = card
        return card

    def toggle_card(self) -> None:
        """Show what it has learned about you so far in this match (again: hide it)."""
        if self.card is not None:
            self.card = None
            return
        self.card = learned_card(self._moves(), self.previous_card, level=self.level)
        self.card_is_final = False

    def _install(self, agent, name: str) -> None:
        self.agent, self.opponent, self.wanted = agent, name, name
        self.new_match()

    def _close_recorder(self) -> None:
        """Close the match's games file; rounds it still could not save are reported lost."""
        if self.recorder is not None:
            recorder, self.recorder = self.recorder, None
            recorder.close()  # tries the waiting rounds once more; never raises
            if recorder.unsaved:
                lost = plural(len(recorder.unsaved), "round")
                self.notify(f"{recorder.path}: {lost} could not be saved ({recorder.reason})",
                            "error")  # fmt: skip

    def _save_round(self, rnd: Round) -> None:
        """Append the round to games.csv; a failed save never stops the match: the round
        waits in the recorder and goes with the next one (or at close)."""
        was = self.recorder.reason if self.recorder is not None else ""
        if self.recorder is None:
            from agents.rps.games import GameRecorder

            self.recorder = GameRecorder(opponent=self.opponent, level=self.level)
        self.recorder.record(human=rnd.move_a, ai=rnd.move_b)
        if self.recorder.reason and self.recorder.reason != was:  # once, not every round
            self.notify(self.recorder.error, "error")
        elif was and not self.recorder.reason:
            self.notify(f"{self.recorder.path}: the waiting rounds are saved now", "info")

    @property
    def shown_prediction(self) -> np.ndarray | None:
        """The odds behind the AI's move that the bars show: only ever those of the move just
        revealed (the deciding strategy's, from its Decision), nothing from a commit until its
        reveal is over, and None when the move was chosen without odds."""
        why = self.explanation
        return None if why is None or why.bars is None else np.array(why.bars)

    @property
    def explanation(self) -> Explanation | None:
        """Why the AI played its move in the round just revealed, from its Decision; None
        before the reveal is over and for an agent that gives no Decision."""
        if self.phase != Phase.READY or self.revealed is None:
            return None
        return explain(self.revealed_decision, self.revealed.move_a)

    @property
    def taking_moves(self) -> bool:
        return self.agent is not None and not self.loading and self.phase != Phase.COUNTDOWN

    def commit(self, move: int) -> bool:
        """The person plays `move`: the AI's side of the round starts in a worker and the
        countdown begins. False when no move is taken (loading, or a round in flight)."""
        if not self.taking_moves:
            return False
        self.card = None  # playing on hides the card
        if self.phase == Phase.REVEAL:
            self._finish_reveal()
        match = self.match
        # Off the main thread: an LSTM opponent fine-tunes every few rounds (~0.1-0.16 s),
        # which would freeze the countdown. Match.step still asks the agent to act before it
        # observes the person's move.
        self.player = Worker(lambda ctx: play_round(match, move), name="the AI's move").start()
        self.phase, self.phase_t = Phase.COUNTDOWN, 0.0
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
            self.notify(player.error or "the AI's move was cancelled", "error")
            self.phase, self.phase_t = Phase.READY, 0.0  # nothing was played: play again
            return
        played: Played = player.result
        rnd = played.round
        self._save_round(rnd)  # saved (or kept to retry) before it is shown
        self.rounds.append(rnd)
        self.pending, self.pending_decision = rnd, played.decision_b
        self.exploited = bool(getattr(self.agent, "exploited", False))

    def _settle_round(self) -> None:
        """Wait for the round in flight (it saves it): the agent is then free to reuse."""
        self._poll_round(wait=True)

    def _finish_reveal(self) -> None:
        rnd = self.pending
        if rnd is None:
            return
        self.revealed, self.pending, self.phase = rnd, None, Phase.READY
        self.revealed_decision, self.pending_decision = self.pending_decision, None
        why = self.explanation
        if why is not None and why.chance is not None:
            self.p_actual.append((len(self.rounds), why.chance))
            xs = [float(x) for x, _ in self.p_actual]
            avg = moving_average([p for _, p in self.p_actual], ARENA_CONFIDENCE_WINDOW)
            self.confidence[CHANCE_SERIES] = [(float(x), p) for x, p in self.p_actual]
            self.confidence[AVERAGE_SERIES] = list(zip(xs, avg, strict=True))

    # --- read-outs -------------------------------------------------------------------------
    @property
    def visible_rounds(self) -> list[Round]:
        """Rounds the screen may show: a committed round stays hidden during its countdown."""
        if self.phase == Phase.COUNTDOWN and self.pending is not None:
            return self.rounds[:-1]
        return self.rounds

    def stats(self) -> ArenaStats:
        """Score read-outs over the visible rounds (the countdown must not give it away)."""
        return ArenaStats.of([r.outcome for r in self.visible_rounds])

    def countdown_beat(self) -> tuple[int, float]:
        """(beat 0..2 of "rock... paper... scissors!", fraction of that beat)."""
        # Just short of the end, so a held countdown rests on the end of its last beat.
        beats = min(self.phase_t, 0.999 * self.countdown_s) / (self.countdown_s / 3)
        return min(int(beats), 2), beats % 1.0

    def status(self) -> str:
        """The AI's side in a few words, under its hand."""
        if self.exploited:
            return "you are exploiting me: I play at random for now"
        if self.loading:
            return "getting ready..."
        return "both moves locked in" if self.phase == Phase.COUNTDOWN else "waiting for you..."

    @property
    def reveal_t(self) -> float:
        """0..1 through the reveal animation; 1 once it is over."""
        return self.phase_t / self.reveal_s if self.phase == Phase.REVEAL else 1.0

    # --- your games by level, and training on them ------------------------------------------
    def open_levels(self) -> None:
        """T: show your games by level (read afresh: this match's rounds are saved too), each
        level ticked for training (also while a training runs: Enter then says so)."""
        self.card = None
        self.levels_open, self.levels = True, None
        if self.levels_reader is not None:
            self.levels_reader.cancel()
        self.levels_reader = Worker(rps_levels.read_job(), name="read games").start()

    def close_levels(self) -> None:
        self.levels_open = False
        if self.levels_reader is not None:
            self.levels_reader.cancel()
            self.levels_reader = None

    def train_ticked(self) -> None:
        """Enter on the panel: train on the ticked levels' games and close it."""
        choice = self.levels
        if choice is None:
            return  # still reading
        if self.training:
            self.notify("training is already running", "info")
            return
        if not choice.ticked:
            self.notify("tick at least one level to train on (Space)", "info")
            return
        have, need = choice.ticked_rounds, rps_training.MIN_PERSON_ROUNDS
        if have < need:  # the trainer would refuse: say so here, the panel stays
            self.notify(f"play {need - have} more rounds at {choice.phrase()} first: training "
                        f"needs {need} (you have {have})", "info")  # fmt: skip
            return
        self.close_levels()
        self.start_training(choice.levels, choice.phrase())

    def start_training(self, levels: set[str] | None = None, phrase: str = "all levels") -> None:
        """Train on your saved games at `levels` (None: all of them) in the background."""
        if self.training:
            self.notify("training is already running", "info")
            return
        job = rps_training.train_job(self.seed, history=self.history, levels=levels)
        self.trainer = Worker(job, name="training").start()
        self.notify(f"training the LSTM on your saved games, {phrase} (keep playing!)", "info")

    def cancel_training(self) -> bool:
        """Esc: cancel a running training; False when there is none (Esc then leaves)."""
        if not self.training:
            return False
        self.trainer.cancel()
        self.notify("cancelling training...", "info")
        return True

    def history(self) -> rps_training.History:
        """This match's rounds as (AI move, person move), with the match's number; safe to
        call from a worker (it only copies). (-1, []) if a new match began meanwhile."""
        no = self.match_no
        moves = [(r.move_b, r.move_a) for r in list(self.rounds)]
        return (no, moves) if no == self.match_no else (-1, [])

    def _swap_in(self, result: rps_training.TrainingDone) -> None:
        """The new model takes over the match: it has seen every round of it (most of them
        in the trainer's worker, the few since then here) and the score goes on."""
        agent = result.agent
        no, seen = result.caught_up
        if no != self.match_no:  # a new match began since: start its history afresh
            agent.reset()
            seen = 0
        rps_training.catch_up(agent, [(r.move_b, r.move_a) for r in self.rounds[seen:]])
        self.agent = agent
        self.match.agent_b = agent
        self.exploited = bool(getattr(agent, "exploited", False))

    def _training_finished(self, worker: Worker) -> None:
        """The trainer's outcome: a new model takes over an `lstm` opponent's match at once;
        the score goes on (F2 starts a new match)."""
        if worker.state == FAILED:
            self.notify(f"training failed: {worker.error}", "error")
            return
        if worker.state != DONE:
            self.notify("training cancelled; the previous model is kept", "info")
            return
        result = worker.result
        if isinstance(result, rps_training.TrainingRefused):
            self.notify(result.message, "info")
            return
        self.last_score = result.score
        line = rps_training.score_line(result.score)
        note = f" ({line})" if line else ""
        if self.opponent == "lstm" and result.agent is not None:
            self._swap_in(result)
            self.notify(
                f"new model trained{note}: lstm plays with it from now on, the score goes on "
                "(F2: new match)", "info",
            )  # fmt: skip
        else:
            self.notify(f"new model trained{note}: pick lstm to play it", "info")

    def _poll_levels(self) -> None:
        if self.levels_reader is None:
            return
        self.levels_reader.poll()
        if not self.levels_reader.finished:
            return
        reader, self.levels_reader = self.levels_reader, None
        if reader.state == DONE:
            self.levels = reader.result
        elif reader.state == FAILED:  # e.g. games.csv is a folder: say so, keep playing
            self.notify(reader.error, "error")
            self.levels_open = False

    def _poll_workers(self) -> None:
        self._poll_levels()
        if self.loader is not None:
            self.loader.poll()
            if self.loader.finished:
                loader, self.loader = self.loader, None
                if loader.state == DONE:
                    self._install(loader.result, self.wanted)
                elif loader.state == FAILED:
                    self.notify(f"cannot load {self.wanted}: {loader.error}", "error")
                    if self.agent is None:
                        agent = rps_agents.make_agent_now(FALLBACK_AGENT, self.seed)
                        self._install(agent, FALLBACK_AGENT)
                    self.wanted = self.opponent
        if self.trainer is not None:
            self.trainer.poll()
            # A new model waits for the round on screen to be revealed before it takes over.
            if self.trainer.finished and self.phase == Phase.READY:
                self.last_training, self.trainer = self.trainer, None
                self._training_finished(self.last_training)

    def update(self, dt: float) -> None:
        self._poll_workers()
        self._poll_round()
        if self.phase == Phase.COUNTDOWN:
            # Hold the last beat until the AI's round is in (pending is set then).
            self.phase_t = min(self.phase_t + dt, self.countdown_s)
            if self.phase_t >= self.countdown_s and self.pending is not None:
                self.phase, self.phase_t = Phase.REVEAL, 0.0
        elif self.phase == Phase.REVEAL:
            self.phase_t += dt
            if self.phase_t >= self.reveal_s:
                self._finish_reveal()
