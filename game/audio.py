"""The game's sound: game.synth's numpy sounds played through pygame.mixer.

One `Audio` per App. Everything is synthesised once when the mixer opens (~50 ms); after
that every call is a few cheap mixer calls, safe to make each frame:

  play(name)                 one-shot: "beep", "go" (countdown), "lap", "move", "click"
  set_engine(speed, throttle) the engine note (applied at most ENGINE_UPDATE_HZ times a s)
  set_squeal(level)          tyre squeal loudness 0..1 (0: silent)
  stop_loops()               engine and squeal off (the app calls it on a screen change)

The engine is a bank of pre-rendered seamless loops, one per pitch; a change of pitch
cross-fades between two reserved channels, so nothing is resampled while a frame runs.
The master volume and mute (game.settings) scale every Sound's own volume.

No audio device (or SDL_AUDIODRIVER=dummy where it fails) is not an error: `enabled` is
False, one line is logged, and every call does nothing.
"""

from __future__ import annotations

import logging
import math
import time
from functools import lru_cache
from typing import Any, Protocol

import numpy as np
import pygame

from game import synth
from game.settings import Settings

log = logging.getLogger(__name__)

MIXER_RATE = 44100
MIXER_BUFFER = 512  # samples: ~12 ms of latency at 44.1 kHz
ENGINE_UPDATE_HZ = 8.0
ENGINE_FADE_MS = 60
SQUEAL_FADE_MS = 80
# Per-sound loudness under the master volume: the engine sits under the effects.
GAINS = {"beep": 0.8, "go": 0.9, "lap": 0.8, "move": 0.5, "click": 0.7}
ENGINE_GAIN = 0.55
SQUEAL_GAIN = 0.6
ENGINE_A, ENGINE_B, SQUEAL = 0, 1, 2  # the reserved channels
RESERVED = 3


def engine_level(speed: float, throttle: float | None = None) -> float:
    """How loud the engine loop plays (0..1): louder with speed, and with throttle when the
    car reports one (without it, speed alone)."""
    frac = min(max(speed / synth.ENGINE_TOP_SPEED, 0.0), 1.0)
    if throttle is None:
        return 0.3 + 0.5 * frac
    return 0.2 + 0.35 * frac + 0.45 * min(max(throttle, 0.0), 1.0)


def squeal_level(sliding: bool, grip_used: float | None = None) -> float:
    """Tyre squeal loudness (0..1) for a car: silent unless sliding, then louder the further
    past the grip limit it is (grip_used 1.0 = at the limit)."""
    if not sliding:
        return 0.0
    if grip_used is None or not np.isfinite(grip_used):
        return 0.7
    return float(min(max(0.5 + 1.5 * (grip_used - 1.0), 0.5), 1.0))


class Audio:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings if settings is not None else Settings()
        self.enabled = False
        self.rate = synth.DEFAULT_RATE
        self.sounds: dict[str, pygame.mixer.Sound] = {}
        self.pitches = synth.engine_pitches()
        self.engine_bank: list[pygame.mixer.Sound] = []
        self.squeal: pygame.mixer.Sound | None = None
        self.channels: list[pygame.mixer.Channel] = []
        self.engine_index = -1  # the pitch playing, -1: engine off
        self.engine_volume = 0.0
        self.squeal_level = 0.0
        self._engine_slot = ENGINE_A
        self._next_engine_update = 0.0
        self._we_opened_mixer = False

    # --- opening and closing -------------------------------------------------------------
    def open(self) -> bool:
        """Open the mixer and synthesise every sound. False (sound off) when there is no
        usable audio device; never raises for that."""
        try:
            if pygame.mixer.get_init() is None:
                pygame.mixer.init(MIXER_RATE, -16, 2, MIXER_BUFFER)
                self._we_opened_mixer = True
            rate, _fmt, channels = pygame.mixer.get_init()
            self.rate = rate
            make = _maker(channels)
            shots, bank, squeal = synthesise(rate)
            self.sounds = {k: make(v) for k, v in shots.items()}
            self.engine_bank = [make(pcm) for pcm in bank]
            self.squeal = make(squeal)
            pygame.mixer.set_num_channels(max(pygame.mixer.get_num_channels(), RESERVED + 8))
            pygame.mixer.set_reserved(RESERVED)
            self.channels = [pygame.mixer.Channel(i) for i in range(RESERVED)]
        except (pygame.error, ValueError, TypeError) as e:
            log.info("sound off: %s", e)
            self.close()
            return False
        self.enabled = True
        self.apply_volume()
        return True

    def close(self) -> None:
        """Stop everything and release the mixer if this object opened it."""
        if self.enabled:
            self.stop_loops()
        self.enabled = False
        self.sounds, self.engine_bank, self.squeal, self.channels = {}, [], None, []
        if self._we_opened_mixer:
            self._we_opened_mixer = False
            pygame.mixer.quit()

    # --- volume --------------------------------------------------------------------------
    @property
    def volume(self) -> float:
        """The master volume the mixer plays at now (0 when muted)."""
        return self.settings.effective_volume

    def apply_volume(self) -> None:
        """Scale every sound by the master volume (call after changing the settings)."""
        if not self.enabled:
            return
        v = self.volume
        for name, sound in self.sounds.items():
            sound.set_volume(v * GAINS.get(name, 1.0))
        for sound in self.engine_bank:
            sound.set_volume(v * ENGINE_GAIN)
        if self.squeal is not None:
            self.squeal.set_volume(v * SQUEAL_GAIN)

    # --- sounds --------------------------------------------------------------------------
    def play(self, name: str) -> None:
        """Play a one-shot sound by name (unknown names and muted sound: nothing)."""
        sound = self.sounds.get(name)
        if sound is None or self.volume <= 0.0:
            return
        sound.play()

    def set_engine(
        self, speed: float, throttle: float | None = None, now: float | None = None
    ) -> None:
        """The engine note for this speed (m/s) and throttle (0..1, None if unknown). Cheap to
        call every step: the mixer is touched at most ENGINE_UPDATE_HZ times a second."""
        if not self.enabled:
            return
        now = time.monotonic() if now is None else now
        if now < self._next_engine_update:
            return
        self._next_engine_update = now + 1.0 / ENGINE_UPDATE_HZ
        index = synth.nearest_pitch(self.pitches, synth.engine_pitch_hz(speed, throttle))
        self.engine_volume = engine_level(speed, throttle)
        if index != self.engine_index:
            old = self.channels[self._engine_slot]
            self._engine_slot = ENGINE_B if self._engine_slot == ENGINE_A else ENGINE_A
            new = self.channels[self._engine_slot]
            # The volume goes first: a fade-in ramps to the channel's volume at play time.
            new.set_volume(self.engine_volume)
            new.play(self.engine_bank[index], loops=-1, fade_ms=ENGINE_FADE_MS)
            if self.engine_index >= 0:
                old.fadeout(ENGINE_FADE_MS)
            self.engine_index = index
        else:
            self.channels[self._engine_slot].set_volume(self.engine_volume)

    def stop_engine(self) -> None:
        if not self.enabled or self.engine_index < 0:
            return
        for i in (ENGINE_A, ENGINE_B):
            self.channels[i].fadeout(ENGINE_FADE_MS)
        self.engine_index = -1
        self.engine_volume = 0.0
        self._next_engine_update = 0.0  # the next set_engine starts the note at once

    def set_squeal(self, level: float) -> None:
        """Tyre squeal loudness 0..1: the caller's measure of sliding (0: not sliding)."""
        level = min(max(float(level), 0.0), 1.0) if np.isfinite(level) else 0.0
        if not self.enabled or level == self.squeal_level:
            return
        if level > 0.0 and self.squeal_level > 0.0 and abs(level - self.squeal_level) < 0.02:
            return  # too small a change to hear: spare the mixer call
        channel = self.channels[SQUEAL]
        if level <= 0.0:
            channel.fadeout(SQUEAL_FADE_MS)
        elif self.squeal_level <= 0.0 and self.squeal is not None:
            channel.set_volume(level)
            channel.play(self.squeal, loops=-1, fade_ms=SQUEAL_FADE_MS)
        else:
            channel.set_volume(level)
        self.squeal_level = level

    def stop_loops(self) -> None:
        """Engine and squeal off (a screen change, pause)."""
        self.stop_engine()
        self.set_squeal(0.0)

    def follow_car(self, world: Any) -> None:
        """Engine note and squeal for the car of a game.sim World (read by name, so a car
        without throttle or grip figures still gets an engine that follows its speed)."""
        st = world.car.state
        self.set_engine(float(st.speed), getattr(st, "throttle", None))
        sliding = bool(getattr(st, "sliding", False) or getattr(world, "sliding", False))
        self.set_squeal(squeal_level(sliding, getattr(st, "grip_used", None)))


class Player(Protocol):
    def play(self, name: str) -> None: ...


class CountdownBeeps:
    """3, 2, 1 beeps and the long GO beep, from a countdown's seconds left (call each step)."""

    def __init__(self) -> None:
        self._shown = 0

    def update(self, audio: Player, countdown: float) -> None:
        n = math.ceil(countdown) if countdown > 0 else 0
        if n == self._shown:
            return
        if n > 0:
            audio.play("beep")
        elif self._shown > 0:
            audio.play("go")
        self._shown = n

    def reset(self) -> None:
        """No countdown running (e.g. back at the race picker): silently start over."""
        self._shown = 0


class LapChime:
    """The lap chime when a car's count of completed laps goes up. A different car (new
    track, restart, camera on another car) resets it without a chime."""

    def __init__(self) -> None:
        self._car: object | None = None
        self._laps = 0

    def update(self, audio: Player, car: object, laps: int) -> None:
        if car is self._car and laps > self._laps:
            audio.play("lap")
        self._car, self._laps = car, laps


@lru_cache(maxsize=2)
def synthesise(
    rate: int,
) -> tuple[dict[str, np.ndarray], list[np.ndarray], np.ndarray]:
    """Every sound at `rate`: (one-shots by name, engine bank by pitch, squeal loop).
    Cached: an App opened again in the same process (tests, benches) does not redo it."""
    bank = [synth.engine_loop(f, rate) for f in synth.engine_pitches()]
    return synth.all_sounds(rate), bank, synth.tyre_squeal(rate)


def _maker(channels: int):
    """Array -> Sound for the mixer's channel count (synth makes stereo)."""

    def make(pcm: np.ndarray) -> pygame.mixer.Sound:
        if channels == 1:
            pcm = pcm[:, 0]
        elif channels != 2:
            pcm = np.repeat(pcm[:, :1], channels, axis=1)
        return pygame.sndarray.make_sound(np.ascontiguousarray(pcm))

    return make
