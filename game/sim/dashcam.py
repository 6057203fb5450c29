"""The forward dashcam: a pinhole camera on the car that renders the road in perspective.

Pure numpy and fast (thousands of frames/s on one core) because almost everything is fixed:
- the camera sits at a fixed height and pitch on the car, so the ground point (forward, left)
  that each pixel sees, in the CAR frame, is computed once;
- per frame those points are rotated and moved to the car's pose and looked up in the track's
  top-down material raster (game/sim/raster.py);
- colour comes from one palette lookup per pixel: the palette holds every (distance band,
  texture-noise level, material) combination already shaded and fogged for the chosen look;
- the sky is a precomputed panorama whose columns are picked by the car's heading.
Far away the dashed centre line and the kerb stripes are blended to their average colour and
fade into the horizon haze, so distant texels do not flicker.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from functools import lru_cache

import numpy as np

from game.sim import raster as rs
from game.sim.track import Track

LOOKS = ("day", "dusk", "overcast", "night")
SKY = 255  # material id that Dashcam.materials() reports above the horizon and beyond range

FOG_LEVELS = 32  # distance bands; the last one is "beyond max distance": pure haze
NOISE_LEVELS = 8
MATERIAL_SLOTS = 8  # >= len(rs.MATERIALS); palette index = band*64 + noise*8 + material
NOISE_TILE = 512  # texels; the ground noise repeats every 512 texels (~40 m)


@dataclass(frozen=True)
class CameraParams:
    """Where the camera sits on the car and what it sees. Saved with recordings and models."""

    height_px: int = 160
    width_px: int = 320
    mount_height_m: float = 1.4
    pitch_deg: float = 7.5  # downwards; puts the horizon about a third of the way down
    hfov_deg: float = 75.0
    forward_offset_m: float = 0.5  # ahead of the car's reference point
    max_distance_m: float = 80.0  # beyond this the ground is horizon haze
    bonnet_px: int = 10  # height of the bonnet drawn at the bottom (0: none)
    road_crop: tuple[int, int] = (56, 150)  # rows [top, bottom) a model should look at

    def __post_init__(self) -> None:
        object.__setattr__(self, "road_crop", tuple(int(r) for r in self.road_crop))
        if self.height_px < 8 or self.width_px < 8:
            raise ValueError(f"camera size {self.height_px}x{self.width_px} is too small")
        if not 0.2 <= self.mount_height_m <= 10.0:
            raise ValueError(f"mount_height_m {self.mount_height_m} must be 0.2-10 m")
        if not -30.0 < self.pitch_deg < 60.0:
            raise ValueError(f"pitch_deg {self.pitch_deg} must be between -30 and 60 degrees")
        if not 10.0 <= self.hfov_deg <= 150.0:
            raise ValueError(f"hfov_deg {self.hfov_deg} must be between 10 and 150 degrees")
        if not 5.0 <= self.max_distance_m <= 1000.0:
            raise ValueError(f"max_distance_m {self.max_distance_m} must be 5-1000 m")
        if not 0 <= self.bonnet_px < self.height_px // 2:
            raise ValueError(f"bonnet_px {self.bonnet_px} must be 0-{self.height_px // 2 - 1}")
        top, bottom = self.road_crop
        if not 0 <= top < bottom <= self.height_px:
            raise ValueError(
                f"road_crop {self.road_crop} must be rows 0 <= top < bottom <= {self.height_px}"
            )

    @property
    def focal_px(self) -> float:
        return (self.width_px / 2.0) / math.tan(math.radians(self.hfov_deg) / 2.0)

    @property
    def horizon_row(self) -> float:
        """Image row (from the top, may be fractional) where the flat ground meets the sky."""
        return self.height_px / 2.0 - self.focal_px * math.tan(math.radians(self.pitch_deg))

    @property
    def road_rows(self) -> tuple[int, int]:
        """Same as road_crop: (first row, row after the last) of the road part of a frame."""
        return self.road_crop

    def to_dict(self) -> dict:
        d = asdict(self)
        d["road_crop"] = list(self.road_crop)
        return d

    @classmethod
    def from_dict(cls, data: dict) -> CameraParams:
        """Inverse of to_dict; raises ValueError naming an unknown or badly typed field."""
        if not isinstance(data, dict):
            raise ValueError("camera parameters must be a JSON object")
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ValueError(f"unknown camera parameter(s): {', '.join(unknown)}")
        kwargs = {}
        for name, value in data.items():
            if name == "road_crop":
                ok = (
                    isinstance(value, (list, tuple))
                    and len(value) == 2
                    and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
                )
            elif known[name].type == "int":
                ok = isinstance(value, int) and not isinstance(value, bool)
            else:
                ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            if not ok:
                raise ValueError(f"camera parameter {name!r} has a bad value: {value!r}")
            kwargs[name] = value
        return cls(**kwargs)


@dataclass(frozen=True)
class _Look:
    zenith: tuple  # sky colour overhead
    horizon: tuple  # sky colour at the horizon
    haze: tuple  # what distant ground fades to
    hills: tuple
    clouds: tuple
    cloud_cover: float  # 0..1
    fog_start_m: float
    fog_power: float  # >1: clear until far, <1: hazy (or dark at night) early
    noise: float  # texture contrast
    colours: dict  # material name -> RGB


_LOOKS = {
    "day": _Look(
        zenith=(62, 118, 205),
        horizon=(178, 202, 228),
        haze=(178, 202, 228),
        hills=(86, 116, 98),
        clouds=(248, 248, 250),
        cloud_cover=0.35,
        fog_start_m=12.0,
        fog_power=1.5,
        noise=1.0,
        colours={
            "grass": (72, 128, 52),
            "asphalt": (92, 94, 99),
            "edge_line": (238, 238, 232),
            "dash": (238, 238, 232),
            "dash_gap": (92, 94, 99),
            "kerb_red": (205, 42, 38),
            "kerb_white": (236, 236, 236),
        },
    ),
    "dusk": _Look(
        zenith=(52, 48, 112),
        horizon=(246, 158, 96),
        haze=(214, 140, 100),
        hills=(72, 52, 78),
        clouds=(236, 130, 120),
        cloud_cover=0.3,
        fog_start_m=6.0,
        fog_power=1.1,
        noise=0.9,
        colours={
            "grass": (62, 82, 42),
            "asphalt": (74, 68, 74),
            "edge_line": (232, 214, 190),
            "dash": (232, 214, 190),
            "dash_gap": (74, 68, 74),
            "kerb_red": (178, 44, 44),
            "kerb_white": (224, 206, 194),
        },
    ),
    "overcast": _Look(
        zenith=(146, 150, 156),
        horizon=(204, 206, 208),
        haze=(198, 200, 202),
        hills=(118, 128, 122),
        clouds=(176, 178, 184),
        cloud_cover=0.8,
        fog_start_m=0.0,
        fog_power=0.9,
        noise=0.8,
        colours={
            "grass": (84, 112, 70),
            "asphalt": (102, 103, 106),
            "edge_line": (228, 228, 226),
            "dash": (228, 228, 226),
            "dash_gap": (102, 103, 106),
            "kerb_red": (182, 64, 58),
            "kerb_white": (222, 222, 222),
        },
    ),
    "night": _Look(
        zenith=(6, 8, 22),
        horizon=(26, 32, 56),
        haze=(4, 4, 8),
        hills=(10, 12, 22),
        clouds=(34, 38, 58),
        cloud_cover=0.2,
        fog_start_m=2.0,
        fog_power=0.55,
        noise=0.7,
        colours={
            "grass": (34, 62, 30),
            "asphalt": (56, 56, 62),
            "edge_line": (236, 236, 222),
            "dash": (236, 236, 222),
            "dash_gap": (56, 56, 62),
            "kerb_red": (170, 40, 36),
            "kerb_white": (220, 220, 212),
        },
    ),
}
_NOISE_AMPLITUDE = {
    "grass": 0.30,
    "asphalt": 0.13,
    "edge_line": 0.05,
    "dash": 0.05,
    "dash_gap": 0.13,
    "kerb_red": 0.08,
    "kerb_white": 0.05,
}
# Far away, patterns finer than the pixel footprint turn into their average colour.
_MIP_AVERAGE = {
    "dash": ("dash", "dash_gap", rs.DASH_LENGTH_M / rs.DASH_PERIOD_M),
    "dash_gap": ("dash", "dash_gap", rs.DASH_LENGTH_M / rs.DASH_PERIOD_M),
    "kerb_red": ("kerb_red", "kerb_white", 0.5),
    "kerb_white": ("kerb_red", "kerb_white", 0.5),
}
_MIP_NEAR_M, _MIP_FAR_M = 16.0, 32.0
_BONNET = (128, 24, 30)


class Dashcam:
    """Renders (height_px, width_px, 3) uint8 frames of `track` from any car pose."""

    def __init__(
        self, track: Track, params: CameraParams | None = None, look: str = "day", seed: int = 0
    ) -> None:
        if look not in _LOOKS:
            raise ValueError(f"unknown dashcam look {look!r}; choose one of {', '.join(LOOKS)}")
        self.track = track
        self.params = params or CameraParams()
        self.look = look
        self.seed = seed
        self.raster = rs.raster_for(track)
        self._setup_geometry()
        self._palette, self._noise, self._sky = _look_textures(
            look, self.params, self._ground_row, seed
        )
        self._bonnet, self._bonnet_mask = _bonnet(_LOOKS[look], self.params)

    def _setup_geometry(self) -> None:
        """Per-pixel ground points in the car frame, in texels, and their distance bands."""
        p, r = self.params, self.raster
        h, w, f = p.height_px, p.width_px, p.focal_px
        v = (np.arange(h) + 0.5 - h / 2.0)[:, None]  # pixel offsets: right and down positive
        u = (np.arange(w) + 0.5 - w / 2.0)[None, :]
        pitch = math.radians(p.pitch_deg)
        # Ray (1, -u/f, -v/f) in camera axes (forward, left, up), tilted down by the pitch.
        fwd = math.cos(pitch) - math.sin(pitch) * v / f + 0.0 * u
        left = -u / f + 0.0 * v
        up = -math.sin(pitch) - math.cos(pitch) * v / f + 0.0 * u
        self._ground_row = int(np.argmax(up[:, 0] < 0)) if (up[:, 0] < 0).any() else h
        g = self._ground_row
        fwd, left, up = fwd[g:], left[g:], up[g:]
        t = p.mount_height_m / -up
        dist = t * np.hypot(fwd, left)
        # Beyond max distance the ground is pure haze: clamp the points (any texel will do).
        t = np.where(dist > p.max_distance_m, t * p.max_distance_m / dist, t)
        band = np.minimum(
            (dist / p.max_distance_m * (FOG_LEVELS - 1)).astype(np.int32), FOG_LEVELS - 1
        )
        self._fwd_tx = ((t * fwd + p.forward_offset_m) / r.res).astype(np.float32).reshape(-1)
        self._left_tx = (t * left / r.res).astype(np.float32).reshape(-1)
        self._band_base = (band * (NOISE_LEVELS * MATERIAL_SLOTS)).astype(np.int32).reshape(-1)
        self._beyond = (band == FOG_LEVELS - 1).reshape(-1)
        # Columns' bearings (left positive) for picking sky panorama columns by heading.
        self._col_bearing = np.arctan2(-u[0], f)
        n = self._fwd_tx.size
        self._buf = [np.empty(n, np.float32) for _ in range(3)]

    # --- rendering -----------------------------------------------------------------------

    def _texels(self, x: float, y: float, yaw: float) -> tuple[np.ndarray, np.ndarray]:
        """Raster (row, col) of every ground pixel for a car at (x, y, yaw)."""
        r = self.raster
        c, s = math.cos(yaw), math.sin(yaw)
        u0, v0 = (x - r.x0) / r.res, (y - r.y0) / r.res
        bx, by, tmp = self._buf
        np.multiply(self._fwd_tx, c, out=bx)
        np.multiply(self._left_tx, s, out=tmp)
        bx -= tmp
        bx += u0
        np.multiply(self._fwd_tx, s, out=by)
        np.multiply(self._left_tx, c, out=tmp)
        by += tmp
        by += v0
        rows, cols = r.shape
        col = np.clip(bx.astype(np.int32), 0, cols - 1)
        row = np.clip(by.astype(np.int32), 0, rows - 1)
        return row, col

    def render(self, x: float, y: float, yaw: float) -> np.ndarray:
        """One frame from a car at (x, y) heading `yaw` (rad, counter-clockwise from +x)."""
        p = self.params
        g = self._ground_row
        frame = np.empty((p.height_px, p.width_px, 3), np.uint8)
        if g > 0:
            k = self._sky.shape[1]
            cols = ((yaw + self._col_bearing) * (k / (2.0 * math.pi))).astype(np.int64) % k
            frame[:g] = self._sky.take(cols, axis=1)
        if g < p.height_px:
            row, col = self._texels(x, y, yaw)
            noise = self._noise.take(
                ((row & (NOISE_TILE - 1)) * NOISE_TILE) + (col & (NOISE_TILE - 1))
            )
            index = self._band_base + noise
            index += self.raster.lookup(row, col)
            frame[g:] = self._palette.take(index, axis=0).reshape(p.height_px - g, p.width_px, 3)
        if self._bonnet is not None:
            bottom = frame[p.height_px - self._bonnet.shape[0] :]
            np.copyto(bottom, self._bonnet, where=self._bonnet_mask)
        return frame

    def render_world(self, world) -> np.ndarray:
        """The frame for a World's car (game.sim.world.World)."""
        st = world.car.state
        return self.render(st.x, st.y, st.yaw)

    def materials(self, x: float, y: float, yaw: float) -> np.ndarray:
        """(height_px, width_px) uint8 material ids (raster.MATERIALS) of what each pixel sees;
        SKY above the horizon and beyond max distance. The bonnet is not drawn here."""
        p = self.params
        out = np.full((p.height_px, p.width_px), SKY, np.uint8)
        g = self._ground_row
        if g < p.height_px:
            row, col = self._texels(x, y, yaw)
            ids = self.raster.lookup(row, col)
            ids[self._beyond] = SKY
            out[g:] = ids.reshape(p.height_px - g, p.width_px)
        return out


# --- precomputed pieces ------------------------------------------------------------------


def _jitter(rgb, rng: np.random.Generator, amount: float = 0.05) -> np.ndarray:
    """A seeded, slightly different shade of a colour: visual variety between seeds."""
    return (
        np.asarray(rgb, float)
        * (1.0 + rng.normal(0.0, amount))
        * (1.0 + rng.normal(0.0, amount / 3.0, 3))
    )


def _palette(look: _Look, max_distance: float, rng: np.random.Generator) -> np.ndarray:
    """RGB for every (distance band, noise level, material): shaded, averaged and fogged."""
    base = np.zeros((MATERIAL_SLOTS, 3))
    amp = np.zeros(MATERIAL_SLOTS)
    for i, name in enumerate(rs.MATERIALS):
        base[i] = _jitter(look.colours[name], rng)
        amp[i] = _NOISE_AMPLITUDE[name] * look.noise
    base[rs.DASH_GAP] = base[rs.ASPHALT]  # gaps are the same asphalt as the road
    haze = np.asarray(look.haze, float)

    band = np.arange(FOG_LEVELS)
    dist = (band + 0.5) * max_distance / (FOG_LEVELS - 1)
    fog = np.clip((dist - look.fog_start_m) / (max_distance - look.fog_start_m), 0.0, 1.0)
    fog = fog**look.fog_power
    fog[-1] = 1.0  # beyond max distance
    mip = np.clip((dist - _MIP_NEAR_M) / (_MIP_FAR_M - _MIP_NEAR_M), 0.0, 1.0)
    mip = mip * mip * (3.0 - 2.0 * mip)  # smoothstep

    colour = np.repeat(base[None], FOG_LEVELS, axis=0)  # (band, material, 3)
    for name, (a, b, frac) in _MIP_AVERAGE.items():
        i = rs.MATERIALS.index(name)
        avg = frac * base[rs.MATERIALS.index(a)] + (1.0 - frac) * base[rs.MATERIALS.index(b)]
        colour[:, i] += mip[:, None] * (avg - base[i])
    noise = np.linspace(-1.0, 1.0, NOISE_LEVELS)
    contrast = 1.0 - 0.7 * mip  # distant texture averages out too
    shade = 1.0 + noise[None, :, None] * amp[None, None, :] * contrast[:, None, None]
    pal = colour[:, None, :, :] * shade[..., None]  # (band, noise, material, 3)
    pal = pal * (1.0 - fog[:, None, None, None]) + haze * fog[:, None, None, None]
    return np.clip(np.rint(pal), 0, 255).astype(np.uint8).reshape(-1, 3)


@lru_cache(maxsize=8)
def _look_textures(
    look: str, params: CameraParams, ground_row: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(palette, noise, sky) of a look: the same for every track, so they are made once per
    process (~0.1 s, most of a track change once the raster is cached) and shared read-only."""
    rng = np.random.default_rng(seed)
    palette = _palette(_LOOKS[look], params.max_distance_m, rng)
    noise = _noise_texture(rng).reshape(-1)
    sky = _sky_panorama(_LOOKS[look], params, ground_row, rng)
    for a in (palette, noise, sky):
        a.setflags(write=False)
    return palette, noise, sky


def _smooth_noise(rng: np.random.Generator, shape: tuple[int, int], cutoff: float) -> np.ndarray:
    """Periodic (tileable) smooth noise in [0, 1]: white noise low-passed in Fourier space."""
    spec = np.fft.fft2(rng.normal(size=shape))
    fy = np.fft.fftfreq(shape[0])[:, None]
    fx = np.fft.fftfreq(shape[1])[None, :]
    spec *= np.exp(-(fx * fx + fy * fy) / (2.0 * cutoff * cutoff))
    n = np.fft.ifft2(spec).real
    return (n - n.min()) / max(n.max() - n.min(), 1e-9)


def _noise_texture(rng: np.random.Generator) -> np.ndarray:
    """(NOISE_TILE, NOISE_TILE) noise levels pre-multiplied by MATERIAL_SLOTS: blotches a few
    metres across plus per-texel grain, spread evenly over the levels."""
    shape = (NOISE_TILE, NOISE_TILE)
    n = 0.65 * _smooth_noise(rng, shape, 0.012) + 0.35 * rng.random(shape)
    ranks = np.argsort(np.argsort(n, axis=None)).reshape(shape)
    levels = ranks * NOISE_LEVELS // ranks.size
    return (levels * MATERIAL_SLOTS).astype(np.uint8)


def _sky_panorama(look: _Look, p: CameraParams, rows: int, rng: np.random.Generator) -> np.ndarray:
    """(rows, columns for 360 degrees, 3) sky with clouds and a hill line on the horizon."""
    k = int(math.ceil(2.0 * math.pi * p.focal_px))  # ~1 column per pixel at the image centre
    v = np.arange(rows) + 0.5 - p.height_px / 2.0
    elev = np.arctan2(-v, p.focal_px) - math.radians(p.pitch_deg)  # angle above the horizon
    t = np.clip(elev / math.radians(35.0), 0.0, 1.0)[:, None, None] ** 0.6
    sky = np.asarray(look.horizon, float) * (1 - t) + np.asarray(look.zenith, float) * t
    sky = np.broadcast_to(sky, (rows, k, 3)).copy()
    if rows == 0:
        return sky.astype(np.uint8)

    # Clouds: smooth noise over (elevation, bearing) above a threshold, thinner near the horizon.
    cloud = _smooth_noise(rng, (64, k), 0.02)[np.linspace(0, 63, rows).astype(int)]
    cut = 1.0 - look.cloud_cover
    alpha = np.clip((cloud - cut) / 0.2, 0.0, 1.0) * np.clip(elev / 0.05, 0.0, 1.0)[:, None]
    sky += 0.85 * alpha[..., None] * (np.asarray(look.clouds, float) - sky)

    # Hills: a periodic height profile over bearing (broad shapes plus a bumpy tree line),
    # drawn up from the horizon and paler lower down, where they are seen through more haze.
    bearing = np.arange(k) * 2.0 * math.pi / k
    height = np.zeros(k)
    for freq in (*range(2, 9), *range(20, 80, 7)):
        amp = 1.0 if freq < 10 else 0.12
        height += amp * rng.normal() * np.sin(freq * bearing + rng.uniform(0, 2 * math.pi))
    height = (height - height.min()) / max(height.max() - height.min(), 1e-9)
    top = math.radians(0.5) + height * math.radians(4.5)  # hill top elevation per column
    hill = elev[:, None] <= top[None, :]
    haze_mix = np.clip(0.75 - elev / math.radians(5.0), 0.25, 0.75)[:, None, None]
    hill_rgb = (1 - haze_mix) * np.asarray(look.hills, float) + haze_mix * np.asarray(look.haze)
    sky = np.where(hill[..., None], hill_rgb, sky)
    return np.clip(np.rint(sky), 0, 255).astype(np.uint8)


def _bonnet(look: _Look, p: CameraParams) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The car's bonnet at the bottom: an image and the mask of where it covers the road."""
    n = p.bonnet_px
    if n == 0:
        return None, None
    u = (np.arange(p.width_px) + 0.5 - p.width_px / 2.0) / (p.width_px / 2.0)
    r = np.arange(n)[:, None] + 0.5
    edge = n * (0.15 + 0.85 * np.clip(u * u * 1.1, 0.0, 1.0))[None, :]  # lower at the sides
    mask = r >= edge
    depth = np.clip((r - edge) / n, 0.0, 1.0)[..., None]  # 0 at the bonnet's top edge
    light = 0.55 + 0.45 * np.mean(look.horizon) / 255.0
    car = np.asarray(_BONNET, float) * light
    sheen = 0.35 * np.asarray(look.horizon, float) + 0.65 * car  # sky reflected at the edge
    img = sheen * np.exp(-depth * 6.0) + car * (1.0 - np.exp(-depth * 6.0)) * (1.0 - 0.3 * depth)
    img = np.clip(np.rint(img), 0, 255).astype(np.uint8)
    return img, np.broadcast_to(mask[..., None], img.shape).copy()
