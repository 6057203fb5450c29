"""Sound synthesis in numpy: every sound the game plays is computed here at start-up.

No assets and no pygame: each function returns an int16 array of shape (samples, 2)
(stereo, interleaved by pygame.sndarray) at the given sample rate, peaking below full scale
so nothing clips. game.audio turns them into pygame.mixer Sounds.

Loops (engine, tyre squeal) are seamless: the engine buffer holds a whole number of cycles
of every partial, and the squeal's noise is filtered in the frequency domain, which is
circular, so the end of the buffer runs on into its start without a click.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

DEFAULT_RATE = 44100
PEAK = 0.9  # of int16 full scale: headroom so mixing two sounds rarely saturates

# The engine note: one pre-rendered loop per pitch, chosen by speed (and a little throttle).
ENGINE_IDLE_HZ = 48.0
ENGINE_TOP_HZ = 190.0
ENGINE_TOP_SPEED = 32.0  # m/s at which the note reaches ENGINE_TOP_HZ (the car tops out at 30)
ENGINE_THROTTLE_REV = 0.12  # full throttle raises the note this fraction
ENGINE_PITCHES = 12
ENGINE_LOOP_S = 0.5  # long enough that whole even cycles step the pitch by 4 Hz


def to_stereo_int16(mono: np.ndarray, peak: float = PEAK) -> np.ndarray:
    """Scale a float signal so its largest sample is `peak` of full scale; (n, 2) int16."""
    mono = np.asarray(mono, dtype=np.float64)
    top = float(np.max(np.abs(mono))) if mono.size else 0.0
    if top > 0:
        mono = mono * (peak * 32767.0 / top)
    pcm = np.clip(np.round(mono), -32767, 32767).astype(np.int16)
    return np.repeat(pcm[:, None], 2, axis=1)


def _samples(duration_s: float, rate: int) -> int:
    if duration_s <= 0 or rate <= 0:
        raise ValueError(f"duration and rate must be positive (got {duration_s} s, {rate} Hz)")
    return int(round(duration_s * rate))


def envelope(n: int, rate: int, attack_s: float = 0.005, release_s: float = 0.03) -> np.ndarray:
    """Linear attack, flat, linear release: no click at either end."""
    env = np.ones(n)
    a = min(n, max(1, int(attack_s * rate)))
    r = min(n - a, max(1, int(release_s * rate)))
    env[:a] = np.linspace(0.0, 1.0, a, endpoint=False)
    if r > 0:
        env[n - r :] = np.linspace(1.0, 0.0, r)
    return env


def tone(
    freq_hz: float,
    duration_s: float,
    rate: int = DEFAULT_RATE,
    level: float = 0.5,
    decay_s: float | None = None,
    harmonics: tuple[float, ...] = (1.0, 0.25, 0.08),
) -> np.ndarray:
    """A short note: a few harmonics, optional exponential decay, soft ends."""
    n = _samples(duration_s, rate)
    t = np.arange(n) / rate
    wave = sum(a * np.sin(2 * np.pi * freq_hz * (k + 1) * t) for k, a in enumerate(harmonics))
    wave = wave * envelope(n, rate)
    if decay_s is not None:
        wave = wave * np.exp(-t / decay_s)
    return to_stereo_int16(wave, PEAK * level)


def countdown_beep(rate: int = DEFAULT_RATE, final: bool = False) -> np.ndarray:
    """3, 2, 1: short 880 Hz beeps; GO: one long, higher beep."""
    if final:
        return tone(1320.0, 0.6, rate, level=0.8, decay_s=0.5)
    return tone(880.0, 0.14, rate, level=0.7)


def lap_chime(rate: int = DEFAULT_RATE) -> np.ndarray:
    """A rising three-note arpeggio (C6, E6, G6), each note ringing on under the next."""
    n = _samples(0.7, rate)
    t = np.arange(n) / rate
    out = np.zeros(n)
    for i, f in enumerate((1046.5, 1318.5, 1568.0)):
        start = 0.09 * i
        tt = t - start
        on = tt >= 0
        bell = np.sin(2 * np.pi * f * tt) + 0.3 * np.sin(2 * np.pi * 2.76 * f * tt)
        out += np.where(on, bell * np.exp(-np.clip(tt, 0, None) / 0.22), 0.0)
    out *= envelope(n, rate, 0.002, 0.05)
    return to_stereo_int16(out, PEAK * 0.6)


def menu_move(rate: int = DEFAULT_RATE) -> np.ndarray:
    """Cursor moved: a very short soft tick."""
    return tone(1500.0, 0.035, rate, level=0.3, decay_s=0.012, harmonics=(1.0,))


def menu_click(rate: int = DEFAULT_RATE) -> np.ndarray:
    """Something chosen: an upward two-step blip."""
    n = _samples(0.09, rate)
    t = np.arange(n) / rate
    f = np.where(t < 0.04, 660.0, 990.0)
    phase = 2 * np.pi * np.cumsum(f) / rate  # continuous phase across the step
    wave = (np.sin(phase) + 0.2 * np.sin(2 * phase)) * envelope(n, rate, 0.002, 0.02)
    return to_stereo_int16(wave, PEAK * 0.45)


# --- loops ---------------------------------------------------------------------------------
def engine_pitch_hz(speed: float, throttle: float | None = None) -> float:
    """The engine note's fundamental for a speed (m/s) and throttle (0..1, None: unknown)."""
    frac = min(max(speed / ENGINE_TOP_SPEED, 0.0), 1.0)
    hz = ENGINE_IDLE_HZ + (ENGINE_TOP_HZ - ENGINE_IDLE_HZ) * frac**0.8
    if throttle is not None:
        hz *= 1.0 + ENGINE_THROTTLE_REV * min(max(throttle, 0.0), 1.0)
    return hz


def engine_pitches(count: int = ENGINE_PITCHES) -> np.ndarray:
    """The pitches rendered at start-up: geometric steps from idle to full revs."""
    top = ENGINE_TOP_HZ * (1.0 + ENGINE_THROTTLE_REV)
    return np.geomspace(ENGINE_IDLE_HZ, top, count)


def nearest_pitch(pitches: np.ndarray, hz: float) -> int:
    """Index of the rendered pitch closest to `hz` (in log frequency, as the ear hears)."""
    return int(np.argmin(np.abs(np.log(pitches) - np.log(max(hz, 1e-3)))))


def engine_loop(
    freq_hz: float, rate: int = DEFAULT_RATE, duration_s: float = ENGINE_LOOP_S, seed: int = 1
) -> np.ndarray:
    """A seamless engine loop at about `freq_hz`: a buzzy sum of harmonics, a little
    firing-rate pulsing and some exhaust noise. The pitch is rounded so that a whole number
    of cycles fits the buffer (the loop point is then inaudible)."""
    n = _samples(duration_s, rate)
    # An even number of cycles, so the half-rate firing rhythm below also loops whole.
    cycles = max(2, 2 * round(freq_hz * n / rate / 2))
    f = cycles * rate / n
    w = 2 * np.pi * f * np.arange(n) / rate
    # Sawtooth-like: harmonic k at 1/k, the odd ones a little stronger (a rougher tone).
    # sin(k w) by the recurrence sin((k+1)w) = 2 cos(w) sin(kw) - sin((k-1)w): only two
    # trig calls per buffer, which keeps start-up synthesis of the whole bank fast.
    two_cos, prev, cur = 2.0 * np.cos(w), np.zeros(n), np.sin(w)
    wave = 1.3 * cur
    for k in range(2, 9):
        prev, cur = cur, two_cos * cur - prev
        wave += (1.3 if k % 2 else 1.0) / k * cur
    pulse = 1.0 + 0.3 * np.sin(w / 2)  # uneven firing: every other cycle a little louder
    mono = wave * pulse + 0.35 * _engine_noise(n, rate, seed)
    return to_stereo_int16(mono, PEAK * 0.6)


@lru_cache(maxsize=4)
def _engine_noise(n: int, rate: int, seed: int) -> np.ndarray:
    """Exhaust rumble, shared by every pitch of the bank (read-only)."""
    noise = _band_noise(np.random.default_rng(seed).standard_normal(n), rate, 80.0, 900.0)
    noise /= max(float(np.max(np.abs(noise))), 1e-9)
    noise.flags.writeable = False
    return noise


def tyre_squeal(rate: int = DEFAULT_RATE, duration_s: float = 0.5, seed: int = 2) -> np.ndarray:
    """A seamless tyre-squeal loop: noise band-passed around 1-3 kHz with a faint whine."""
    n = _samples(duration_s, rate)
    rng = np.random.default_rng(seed)
    noise = _band_noise(rng.standard_normal(n), rate, 1100.0, 3200.0)
    noise /= max(float(np.max(np.abs(noise))), 1e-9)
    t = np.arange(n) / rate
    cycles = round(2100.0 * n / rate)
    whine = np.sin(2 * np.pi * cycles / n * np.arange(n)) * (0.5 + 0.5 * np.sin(2 * np.pi * 4 * t))
    return to_stereo_int16(noise + 0.4 * whine, PEAK * 0.5)


def _band_noise(noise: np.ndarray, rate: int, low_hz: float, high_hz: float) -> np.ndarray:
    """Band-pass by zeroing FFT bins: circular, so the result loops seamlessly."""
    spec = np.fft.rfft(noise)
    freqs = np.fft.rfftfreq(len(noise), 1.0 / rate)
    # Soft shoulders (a raised cosine an octave wide) rather than a brick wall: less ringing.
    gain = np.clip(np.log2(np.maximum(freqs, 1e-9) / (low_hz / 2)), 0, 1)
    gain *= np.clip(np.log2(2 * high_hz / np.maximum(freqs, 1e-9)), 0, 1)
    return np.fft.irfft(spec * gain, len(noise))


def fundamental_hz(pcm: np.ndarray, rate: int) -> float:
    """The strongest frequency of a sound's left channel (for tests and benches)."""
    x = pcm[:, 0].astype(np.float64)
    spec = np.abs(np.fft.rfft(x - x.mean()))
    return float(np.fft.rfftfreq(len(x), 1.0 / rate)[int(np.argmax(spec))])


def all_sounds(rate: int = DEFAULT_RATE) -> dict[str, np.ndarray]:
    """Every one-shot sound by name (loops are made separately, per pitch)."""
    return {
        "beep": countdown_beep(rate),
        "go": countdown_beep(rate, final=True),
        "lap": lap_chime(rate),
        "move": menu_move(rate),
        "click": menu_click(rate),
    }
