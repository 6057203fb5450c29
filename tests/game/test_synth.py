"""The numpy sound synthesis: shapes, dtype, headroom, seamless loops, engine pitch."""

import numpy as np
import pytest

from game import synth

RATES = [22050, 44100]


@pytest.mark.parametrize("rate", RATES)
def test_one_shots_are_stereo_int16_of_their_length(rate):
    expected_s = {"beep": 0.14, "go": 0.6, "lap": 0.7, "move": 0.035, "click": 0.09}
    sounds = synth.all_sounds(rate)
    assert set(sounds) == set(expected_s)
    for name, pcm in sounds.items():
        assert pcm.dtype == np.int16, name
        assert pcm.shape == (round(expected_s[name] * rate), 2), name
        assert np.array_equal(pcm[:, 0], pcm[:, 1]), name


def test_tone_length_follows_duration_and_rate():
    assert synth.tone(440.0, 0.25, 8000).shape == (2000, 2)
    assert synth.tone(440.0, 1.0, 22050).shape == (22050, 2)
    with pytest.raises(ValueError):
        synth.tone(440.0, 0.0, 22050)


def _every_sound(rate):
    yield from synth.all_sounds(rate).values()
    for hz in synth.engine_pitches():
        yield synth.engine_loop(hz, rate)
    yield synth.tyre_squeal(rate)


@pytest.mark.parametrize("rate", RATES)
def test_no_sound_clips_and_none_is_silent(rate):
    for pcm in _every_sound(rate):
        peak = int(np.max(np.abs(pcm.astype(np.int32))))
        assert peak <= synth.PEAK * 32767 + 1  # headroom: never at full scale
        assert peak > 0.1 * 32767


def test_a_loud_signal_is_scaled_not_clipped():
    pcm = synth.to_stereo_int16(np.array([0.0, 5.0, -10.0, 2.0]))
    assert pcm.dtype == np.int16 and pcm.shape == (4, 2)
    assert pcm[2, 0] == -round(synth.PEAK * 32767)
    assert pcm[1, 0] == round(synth.PEAK * 32767 / 2)


def test_engine_pitch_rises_with_speed():
    rate = 22050
    speeds = [0.0, 5.0, 10.0, 20.0, 30.0]
    asked = [synth.engine_pitch_hz(v) for v in speeds]
    heard = [synth.fundamental_hz(synth.engine_loop(hz, rate), rate) for hz in asked]
    assert all(b > a for a, b in zip(heard, heard[1:], strict=False)), heard
    for want, got in zip(asked, heard, strict=True):
        assert got == pytest.approx(want, rel=0.06)  # rounded to whole cycles in the loop


def test_throttle_revs_the_engine_and_the_bank_covers_every_pitch():
    assert synth.engine_pitch_hz(15.0, 1.0) > synth.engine_pitch_hz(15.0, 0.0)
    assert synth.engine_pitch_hz(15.0, -1.0) == synth.engine_pitch_hz(15.0, 0.0)  # braking
    pitches = synth.engine_pitches()
    picks = [synth.nearest_pitch(pitches, synth.engine_pitch_hz(v)) for v in range(0, 31, 3)]
    assert picks == sorted(picks) and picks[0] == 0
    assert synth.nearest_pitch(pitches, synth.engine_pitch_hz(40.0, 1.0)) == len(pitches) - 1


@pytest.mark.parametrize("make", [lambda r: synth.engine_loop(80.0, r), synth.tyre_squeal])
def test_loops_run_on_seamlessly(make):
    pcm = make(22050)[:, 0].astype(np.int32)
    steps = np.abs(np.diff(pcm))
    wrap = abs(int(pcm[0]) - int(pcm[-1]))
    assert wrap <= np.percentile(steps, 99.9)  # the loop point is like any other sample step


def test_squeal_is_a_high_band():
    rate = 22050
    x = synth.tyre_squeal(rate)[:, 0].astype(np.float64)
    power = np.abs(np.fft.rfft(x)) ** 2
    freqs = np.fft.rfftfreq(len(x), 1.0 / rate)
    band = power[(freqs > 600) & (freqs < 6000)].sum()
    assert band > 0.9 * power.sum()
