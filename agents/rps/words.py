"""Plain words for the strategies that choose an agent's move, for a person to read.

A screen says what the deciding strategy noticed ("it noticed you repeat your move after a
win", "it expects you to beat the move it plays most"); the technical name ("markov-1, second
guess - Sicilian meta layer") goes on a small detail line. Each phrase says what the
strategy's prediction rests on; a relation to the last round ("repeat your move") is only
said by the strategies whose prediction is that relation (order-1 Markov on the last round,
the habit reader, the rotation counter), and only when the move it names was the strategy's
likeliest.

`last` is (the agent's last move, the opponent's last move), None before the first round.
"""

from __future__ import annotations

from game.sim.rps import outcome

# The opponent's view of the last round, for "after a win".
_AFTER = {1: "a win", -1: "a loss", 0: "a draw"}

# What each source noticed about the opponent ("you"), by the meta layer's base names.
_ABOUT_YOU = {
    "frequency": "it noticed which move you play most",
    "frequency, last 20": "it noticed which move you played most in the last 20 rounds",
    "frequency, decay 0.9": "it noticed which move you have played most lately",
    "frequency, decay 0.97": "it noticed which move you have played most lately",
    "markov-1": "it noticed what you tend to play after each kind of round",
    "habits": "it noticed your habits after a win, a loss or a draw",
    "markov-2": "it noticed what you tend to play after rounds like the last two",
    "markov-3": "it noticed what you tend to play after rounds like the last three",
    "markov-2 on their moves": "it noticed what you tend to play after your own last two moves",
    "rotation": "it noticed how you tend to change your move from one round to the next",
    "pattern": "it found the last few rounds earlier in the game, and what you played next",
    "pattern on their moves": "it found your last few moves earlier in the game, and what "
    "you played next",
    "pattern on my moves": "it found its own last few moves earlier in the game, and what "
    "you played next",
    "LSTM": "its neural network (LSTM) read a pattern in the recent rounds",
    "Iocaine in their seat": "it pictured a classic strategy bot in your seat and expects "
    "you to play like it",
    "fast Iocaine in their seat": "it pictured a quick-changing strategy bot in your seat and "
    "expects you to play like it",
}

# The same sources run from the opponent's side: what the opponent might notice about the
# agent, whose likely move they then beat. Keyed by the name as it predicts the opponent.
_ABOUT_ME = {
    "frequency": "it expects you to beat the move it plays most",
    "frequency, last 20": "it expects you to beat the move it played most in the last 20 rounds",
    "frequency, decay 0.9": "it expects you to beat the move it has played most lately",
    "frequency, decay 0.97": "it expects you to beat the move it has played most lately",
    "markov-1": "it expects you to know what it tends to play after each kind of round, and "
    "beat that",
    "habits": "it expects you to know its habits after a win, a loss or a draw, and beat "
    "that",
    "markov-2": "it expects you to know what it tends to play after rounds like the last two, "
    "and beat that",
    "markov-3": "it expects you to know what it tends to play after rounds like the last "
    "three, and beat that",
    "markov-2 on their moves": "it expects you to know what it plays after its own last two "
    "moves, and beat that",
    "rotation": "it expects you to know how it changes its move from round to round, and beat "
    "that",
    "pattern": "it expects you to find the last few rounds earlier in the game and beat the "
    "move it played next",
    "pattern on their moves": "it expects you to find its last few moves earlier in the game "
    "and beat the move it played next",
    "pattern on my moves": "it expects you to find your own last few moves earlier in the "
    "game and beat the move it played next",
    "Iocaine in my seat": "it pictured a classic strategy bot playing its side, and expects "
    "you to beat that bot's move",
    "fast Iocaine in my seat": "it pictured a quick-changing strategy bot playing its side, "
    "and expects you to beat that bot's move",
}

# A strategy's rotation k (0: as predicted; 2: the second guess; 1: the third guess).
_ROTATION = (
    "",
    ", but expects you to be two steps ahead of its counter",
    ", but expects you to see its counter coming and beat it",
)

RANDOM_FALLBACK = "you were beating its predictions, so it plays at random until they work again"


def _shift(move: int, last: int, whose: str) -> str:
    """`move` as a change from `last`: "repeat your move", "switch to what beats your last"."""
    d = (move - last) % 3
    if d == 0:
        return f"repeat {whose} move"
    if d == 1:
        return f"switch to what beats {whose} last move"
    return f"switch to what {whose} last move beats"


def about_you(
    source: str, noticed: int | None, last: tuple[int, int] | None, rotation: int = 0
) -> str:
    """What `source`, predicting the opponent, noticed: `noticed` is the opponent move its
    own (unrotated) prediction aimed at, None when that was not its likeliest move (then no
    relation to the last round is claimed)."""
    if source in ("markov-1", "habits", "rotation") and last is not None and noticed is not None:
        mine, yours = last
        shift = _shift(noticed, yours, "your")
        if source in ("markov-1", "habits"):
            text = f"it noticed you tend to {shift} after {_AFTER[outcome(yours, mine)]}"
        else:
            text = f"it noticed you tend to {shift} from one round to the next"
    else:
        text = _ABOUT_YOU.get(source, f"it used its {source} predictor")
    return text + _ROTATION[rotation % 3]


def about_me(source: str, rotation: int = 0) -> str:
    """What `source`, run from the opponent's side, says the opponent will do."""
    return _ABOUT_ME.get(source, f"it expects you to read it ({source}) and beat its move") + (
        _ROTATION[rotation % 3]
    )
