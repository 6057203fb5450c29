"""The Arena's difficulty levels, each one opponent in the registry.

- Novice (`novice`): learns from scratch during the match, reads only your last few moves
  (which move you have played most lately), and plays at random a quarter of the time;
- Standard (`lstm`): the full agent (LSTM, pattern-spotters, meta layer, habit reader), its
  habit reader starting from what people do on average (agents.rps.habits.PEOPLE_PRIOR);
- Veteran (`veteran`): the same, its habit reader starting from everyone's saved games
  (the habits pooled over every saved round: a prior, not a fixed rule; people on average
  until there are saved games).

`LEVEL_OF` maps an opponent name to its level, so a saved game knows it (agents.rps.games).
"""

from __future__ import annotations

import os

from agents.rps.base import Decision, register, register_factory
from agents.rps.habits import PEOPLE_PRIOR, HabitPrior
from agents.rps.lstm_agents import LSTMAgent
from agents.rps.predictors import FrequencyModel, HistoryModel, PredictorAgent, reply_decision
from agents.rps.words import about_you

LEVELS = ("novice", "standard", "veteran")
LEVEL_AGENTS = {"novice": "novice", "standard": "lstm", "veteran": "veteran"}
LEVEL_OF = {agent: level for level, agent in LEVEL_AGENTS.items()}
LEVEL_LABELS = {"novice": "Novice", "standard": "Standard", "veteran": "Veteran"}

NOVICE_DECAY = 0.5  # each round halves the weight of the older ones: the last few moves
NOVICE_RANDOM = 0.25  # share of random moves
NOVICE_RANDOM_WORDS = "it is a novice: it played at random this time"


def level_of(opponent: str) -> str:
    """The level of a game against `opponent` ("" when it is not one of the levels)."""
    return LEVEL_OF.get(opponent, "")


@register(
    "novice",
    "predictor",
    "Novice: reads only your last few moves, from scratch, and plays a little randomly",
)
class NoviceAgent(PredictorAgent):
    """Beats the move you have played most lately (decay 0.5), a quarter of moves random."""

    known_as = "frequency, decay 0.9"  # its words: "which move you have played most lately"

    def make_model(self) -> HistoryModel:
        return FrequencyModel(decay=NOVICE_DECAY)

    def _act(self) -> int:
        if self.rng.random() < NOVICE_RANDOM:
            move = self.random_move()
            self._decision = Decision(NOVICE_RANDOM_WORDS, move, detail="novice: random move")
            return move
        move = super()._act()
        d = self._decision
        if d is not None and d.dist is not None:  # its own words: "lately" is its last few
            last = (self.own[-1], self.opp[-1]) if self.own else None

            def words(noticed: int | None) -> str:
                return about_you(self.known_as, noticed, last)

            self._decision = reply_decision(words, d.dist, move, detail="novice predictor")
        return move


def prior_from_saved_games() -> HabitPrior | None:
    """Everyone's habits from the saved games (None when there are none or none are readable)."""
    from agents.rps.games import load_games, sessions
    from game.errors import UserFacingError

    try:
        rounds, _ = load_games()
    except (UserFacingError, OSError):  # an unreadable games file: start from nothing
        return None
    games = [[(r.ai, r.human) for r in group] for group in sessions(rounds).values()]
    prior = HabitPrior.from_games(games)
    return prior if any(any(row) for row in prior.shifts) else None


def prior_from_people(games: int, rounds: int = 300) -> HabitPrior:
    """A prior from `games` simulated people of the "tune" split playing a random opponent:
    what Veteran would have learnt from everyone's games (for the bench; never the people
    it is measured on)."""
    import numpy as np

    from agents.rps.people import make_person

    out = []
    for seed in range(games):
        person = make_person(seed, "tune")
        person.reset()
        rng = np.random.default_rng([seed, 9])
        game = []
        for _ in range(rounds):
            ai, me = int(rng.integers(3)), person.act()
            person.observe(own=me, opponent=ai)
            game.append((ai, me))
        out.append(game)
    return HabitPrior.from_games(out)


def make_level_agent(
    level: str,
    seed: int = 0,
    model_path: str | os.PathLike[str] | None = None,
    prior: HabitPrior | None = None,
):
    """The agent of `level`; Veteran's `prior` defaults to the saved games'."""
    if level == "novice":
        return NoviceAgent(seed=seed)
    if level == "standard":
        return LSTMAgent(seed=seed, model_path=model_path)
    if level == "veteran":
        return VeteranAgent(seed=seed, model_path=model_path, prior=prior)
    raise ValueError(f"unknown level {level!r}; levels: {', '.join(LEVELS)}")


class VeteranAgent(LSTMAgent):
    """`lstm` whose habit reader starts from everyone's saved games (or a given prior)."""

    def __init__(
        self,
        seed: int = 0,
        model_path: str | os.PathLike[str] | None = None,
        prior: HabitPrior | None = None,
    ) -> None:
        saved = prior if prior is not None else prior_from_saved_games()
        self.habit_prior = saved or PEOPLE_PRIOR  # no saved games yet: people on average
        super().__init__(seed=seed, model_path=model_path)


register_factory(
    "veteran",
    "lstm",
    "Veteran: the full agent, starting from the habits in everyone's saved games",
    VeteranAgent,
)
VeteranAgent.name = "veteran"
