"""The dummy bots of the 1999 International RoShamBo Programming Competition.

Written from the bots' published one-line descriptions (Darse Billings' results pages);
where a description leaves a detail open, the choice made here is stated in the docstring.

Randomness: only `random` is truly random (is_random=True). "Random-ish" bots mix a
pattern with noise and so carry some exploitable signal: rps-20-20-60 (biased),
switching and switch-a-lot (repeat statistics), flat (balances its own counts),
foxtrot (every other move random), copy-drift and add-drift (random drift).
"""

from __future__ import annotations

from agents.rps.base import Agent, Decision, register
from game.sim.rps import MOVES, ROCK, beats, loses_to, outcome

FIXED_RULE = "it plays by its own built-in rule, without a prediction of you"


class Bot(Agent):
    """A bot plays a fixed rule: its decision says so (its detail: name and description) and
    predicts nothing."""

    def reset(self) -> None:
        self._last: int | None = None
        super().reset()

    def act(self) -> int:
        self._last = super().act()
        return self._last

    def decision(self) -> Decision | None:
        if self._last is None:
            return None
        return Decision(FIXED_RULE, self._last, detail=f"{self.name}: {self.description}")


@register("random", "bot", "Random (Optimal): uniform random moves; cannot be exploited")
class RandomBot(Bot):
    is_random = True

    def _act(self) -> int:
        return self.random_move()


@register("rock", "bot", "Good Ole Rock: nothing beats rock")
class RockBot(Bot):
    def _act(self) -> int:
        return ROCK


@register("rps-20-20-60", "bot", "R-P-S 20-20-60: random, 20% rock, 20% paper, 60% scissors")
class Biased206060Bot(Bot):
    def _act(self) -> int:
        return int(self.rng.choice(3, p=[0.2, 0.2, 0.6]))


@register("rotate", "bot", "Rotate R-P-S: rock, paper, scissors, rock, ...")
class RotateBot(Bot):
    def _act(self) -> int:
        return len(self.own) % 3


@register("beat-last", "bot", "Beat Last Move: plays what would have beaten the opponent's last")
class BeatLastBot(Bot):
    def _act(self) -> int:
        return beats(self.opp[-1]) if self.opp else self.random_move()


@register("switching", "bot", "Always Switchin': never repeats its previous pick")
class AlwaysSwitchingBot(Bot):
    def _act(self) -> int:
        if not self.own:
            return self.random_move()
        return (self.own[-1] + 1 + int(self.rng.integers(2))) % 3


@register("beat-frequent", "bot", "Beat Frequent Pick: beats the opponent's most frequent move")
class BeatFrequentBot(Bot):
    """Ties between most frequent moves go to the lowest move (rock, then paper)."""

    def _reset(self) -> None:
        self.counts = [0, 0, 0]

    def _observe(self, own: int, opponent: int) -> None:
        self.counts[opponent] += 1

    def _act(self) -> int:
        if not self.opp:
            return self.random_move()
        return beats(self.counts.index(max(self.counts)))


def de_bruijn(k: int, n: int) -> list[int]:
    """The lexicographically least De Bruijn sequence B(k, n): every length-n word once (cyclic).

    Built by concatenating the Lyndon words of length dividing n in order (the
    Fredricksen-Kessler-Maiorana construction).
    """
    seq: list[int] = []
    word = [0] * (n + 1)

    def extend(t: int, p: int) -> None:
        if t > n:
            if n % p == 0:
                seq.extend(word[1 : p + 1])
            return
        word[t] = word[t - p]
        extend(t + 1, p)
        for j in range(word[t - p] + 1, k):
            word[t] = j
            extend(t + 1, t)

    extend(1, 1)
    return seq


DE_BRUIJN_81 = tuple(de_bruijn(3, 4))


@register("de-bruijn", "bot", "De Bruijn: cycles an 81-move sequence holding every 4-move word")
class DeBruijnBot(Bot):
    """Balanced at every length up to 4, so frequency and short-context models see noise;
    it repeats every 81 moves, which a long-memory pattern matcher catches. The start
    offset comes from the seed."""

    def _reset(self) -> None:
        self.offset = int(self.rng.integers(len(DE_BRUIJN_81)))

    def _act(self) -> int:
        return DE_BRUIJN_81[(self.offset + len(self.own)) % len(DE_BRUIJN_81)]


@register("flat", "bot", "Flat: keeps its own move counts flat (80% least-used move)")
class FlatBot(Bot):
    """Random-ish: 80% of the time the move it has played least (ties at random),
    otherwise a uniform random move."""

    def _reset(self) -> None:
        self.counts = [0, 0, 0]

    def _observe(self, own: int, opponent: int) -> None:
        self.counts[own] += 1

    def _act(self) -> int:
        if self.rng.random() < 0.8:
            low = min(self.counts)
            least = [m for m in range(3) if self.counts[m] == low]
            return least[int(self.rng.integers(len(least)))]
        return self.random_move()


@register("anti-flat", "bot", "Anti-Flat: beats the opponent's least-used move (exploits Flat)")
class AntiFlatBot(Bot):
    """Assumes the opponent balances its counts, so its next move is its least used.
    Ties go to the lowest move."""

    def _reset(self) -> None:
        self.counts = [0, 0, 0]

    def _observe(self, own: int, opponent: int) -> None:
        self.counts[opponent] += 1

    def _act(self) -> int:
        return beats(self.counts.index(min(self.counts)))


@register("foxtrot", "bot", "Foxtrot: random, prev+2, random, prev+1, random, prev+0, repeat")
class FoxtrotBot(Bot):
    """Random-ish: odd turns (1st, 3rd, ...) are random; even turns add 2, 1, 0 (cycling)
    to its own previous move."""

    def _act(self) -> int:
        turn = len(self.own)  # 0-based
        if turn % 2 == 0:
            return self.random_move()
        shift = (2, 1, 0)[(turn // 2) % 3]
        return (self.own[-1] + shift) % 3


DRIFT_CHANCE = 0.1  # per-move chance that a drifting bot's offset moves on


@register("copy-drift", "bot", "Copy-drift: copies the opponent's last move plus a drifting offset")
class CopyDriftBot(Bot):
    """Random-ish: plays opponent's last move + offset; the offset starts at 0 and steps
    by +1 with probability 0.1 each move, so the rule shifts slowly under a predictor."""

    def _reset(self) -> None:
        self.offset = 0

    def _act(self) -> int:
        if not self.opp:
            return self.random_move()
        if self.rng.random() < DRIFT_CHANCE:
            self.offset = (self.offset + 1) % 3
        return (self._anchor() + self.offset) % 3

    def _anchor(self) -> int:
        return self.opp[-1]


@register("add-drift", "bot", "Add-drift: sum of the last pair of moves plus a drifting offset")
class AddDriftBot(CopyDriftBot):
    """Random-ish: plays (own last + opponent last + offset) mod 3; the offset steps by
    +1 with probability 0.1 each move."""

    def _anchor(self) -> int:
        return self.own[-1] + self.opp[-1]


REACT_PERIOD = 10  # Add-react reviews its score this often


@register("add-react", "bot", "Add-react: sum of the last pair of moves, shifted when losing")
class AddReactBot(Bot):
    """Deterministic after move 1: plays (own last + opponent last + shift) mod 3 and
    adds 1 to the shift after any 10-round block in which its net score was negative."""

    def _reset(self) -> None:
        self.shift = 0
        self.block_net = 0

    def _observe(self, own: int, opponent: int) -> None:
        self.block_net += outcome(own, opponent)
        if len(self.own) % REACT_PERIOD == 0:
            if self.block_net < 0:
                self.shift = (self.shift + 1) % 3
            self.block_net = 0

    def _act(self) -> int:
        if not self.opp:
            return self.random_move()
        return (self.own[-1] + self.opp[-1] + self.shift) % 3


@register("anti-rotn", "bot", "Anti-rotn: counts the opponent's rotations, plays the best reply")
class AntiRotnBot(Bot):
    """The one dummy that reads its opponent. It counts the opponent's rotations (move
    minus previous move: 0, +1, +2), predicts the next move as last move + rotation,
    and plays the expected-value best reply EV[x] = P[x+2] - P[x+1] (ties at random).
    Fail-safe: plays random once its net score falls below -4% of the match length."""

    match_length = 1000

    def _reset(self) -> None:
        self.rotations = [0, 0, 0]
        self.score = 0

    def _observe(self, own: int, opponent: int) -> None:
        self.score += outcome(own, opponent)
        if len(self.opp) >= 2:
            self.rotations[(self.opp[-1] - self.opp[-2]) % 3] += 1

    def _act(self) -> int:
        if len(self.opp) < 2 or self.score < -self.match_length / 25:
            return self.random_move()
        last = self.opp[-1]
        prob = [0, 0, 0]
        for r in range(3):
            prob[(last + r) % 3] = self.rotations[r]
        ev = [prob[loses_to(x)] - prob[beats(x)] for x in MOVES]
        best = max(ev)
        choices = [x for x in range(3) if ev[x] == best]
        return choices[int(self.rng.integers(len(choices)))]


SWITCH_A_LOT_REPEAT = 0.12  # chance Switch-a-lot repeats its previous pick


@register("switch-a-lot", "bot", "Switch-a-lot: seldom repeats its previous pick (12%)")
class SwitchALotBot(Bot):
    """Random-ish: repeats its previous move with probability 0.12, otherwise switches
    to one of the other two at random."""

    def _act(self) -> int:
        if not self.own:
            return self.random_move()
        if self.rng.random() < SWITCH_A_LOT_REPEAT:
            return self.own[-1]
        return (self.own[-1] + 1 + int(self.rng.integers(2))) % 3
