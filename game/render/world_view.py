"""Top-down view of a track that follows a car: grass, road, edge lines, dashes, kerbs, cars.

Fast by construction: the track is drawn once into square tiles (lazily, then cached), so a
frame is a handful of tile blits plus one rotated sprite per car. Tiles with no road share a
single grass tile. North is up; the camera centre is chosen by the caller (`lead_point`
puts the car a little behind the centre so the player sees the road ahead).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pygame

from game.render import theme
from game.render.theme import Color
from game.sim.track import Track

TILE = 256  # px
DEFAULT_SCALE = 8.0  # px per metre
DASH_M, GAP_M = 3.0, 3.0  # centre line dash pattern
KERB_M = 0.9  # kerb width outside the road edge
KERB_BLOCK_M = 2.0  # length of one red or white kerb block
KERB_MIN_CURVATURE = 1.0 / 60.0  # kerbs only where bends are tighter than 60 m radius
EDGE_INSET_M = 0.3  # white edge line, this far inside the road edge
TREE_CLEARANCE_M = 4.0  # trees keep this far from the kerbs' outer edge
GRASS_VARIANTS = 4  # road-free tiles pick one of these (some with trees) by position


@dataclass
class CarSprite:
    """One car to draw: pose in world metres/radians, body colour, optional label."""

    x: float
    y: float
    yaw: float
    color: Color = theme.CAR_COLORS[0]
    label: str = ""


def lead_point(
    x: float, y: float, yaw: float, speed: float, seconds: float = 1.2, max_m: float = 16.0
) -> tuple[float, float]:
    """A camera centre ahead of the car, so more road ahead than behind is visible."""
    d = min(speed * seconds, max_m)
    return x + math.cos(yaw) * d, y + math.sin(yaw) * d


class FollowCamera:
    """Eases the view's lead ahead of a car, so steering never jerks the picture."""

    def __init__(self, time_constant_s: float = 0.5) -> None:
        self.time_constant_s = time_constant_s
        self.lead = (0.0, 0.0)

    def reset(self) -> None:
        self.lead = (0.0, 0.0)

    def update(self, yaw: float, speed: float, dt: float) -> None:
        tx, ty = lead_point(0.0, 0.0, yaw, speed)
        k = 1.0 - math.exp(-dt / self.time_constant_s)
        self.lead = (self.lead[0] + (tx - self.lead[0]) * k, self.lead[1] + (ty - self.lead[1]) * k)

    def center(self, x: float, y: float) -> tuple[float, float]:
        return x + self.lead[0], y + self.lead[1]


class WorldView:
    """Draws `track` and cars into a rectangle of a surface, centred on a world point."""

    def __init__(self, track: Track, scale: float = DEFAULT_SCALE, seed: int = 0) -> None:
        self.track = track
        self.scale = scale
        x0, y0, x1, y1 = track.bounds(margin=60.0)
        self.origin = (x0, y1)  # world point at tile-space pixel (0, 0)
        self.seed = seed
        self._grass = _grass_tile(seed)
        self._grass_variants = [
            self._decorated(self._grass.copy(), k, None) for k in range(GRASS_VARIANTS)
        ]
        self._tiles: dict[tuple[int, int], pygame.Surface] = {}
        self._sprites: dict[tuple[Color, int], pygame.Surface] = {}
        self._prepare_geometry()

    # --- coordinates ---------------------------------------------------------------------
    def to_px(self, x: float, y: float) -> tuple[float, float]:
        """World metres to tile-space pixels (y flipped: north is up)."""
        return (x - self.origin[0]) * self.scale, (self.origin[1] - y) * self.scale

    def world_to_screen(
        self, x: float, y: float, rect: pygame.Rect, center: tuple[float, float]
    ) -> tuple[int, int]:
        px, py = self.to_px(x, y)
        cx, cy = self.to_px(*center)
        return int(round(rect.centerx + px - cx)), int(round(rect.centery + py - cy))

    # --- drawing -------------------------------------------------------------------------
    def draw(
        self,
        surface: pygame.Surface,
        rect: pygame.Rect,
        center: tuple[float, float],
        cars: Iterable[CarSprite] = (),
    ) -> None:
        rect = pygame.Rect(rect)
        cx, cy = self.to_px(*center)
        left, top = cx - rect.w / 2.0, cy - rect.h / 2.0
        old_clip = surface.get_clip()
        surface.set_clip(rect)
        tx0, ty0 = math.floor(left / TILE), math.floor(top / TILE)
        tx1, ty1 = math.floor((left + rect.w) / TILE), math.floor((top + rect.h) / TILE)
        for ty in range(ty0, ty1 + 1):
            for tx in range(tx0, tx1 + 1):
                pos = (rect.x + round(tx * TILE - left), rect.y + round(ty * TILE - top))
                surface.blit(self.tile(tx, ty), pos)
        for car in cars:
            self._draw_car(surface, rect, (cx, cy), car)
        surface.set_clip(old_clip)

    def tile(self, tx: int, ty: int) -> pygame.Surface:
        """The cached tile at grid (tx, ty), drawn on first use."""
        surf = self._tiles.get((tx, ty))
        if surf is None:
            runs = self._tile_runs.get((tx, ty))
            if runs is None:
                return self._grass_variants[(tx * 7 + ty * 13) % GRASS_VARIANTS]
            surf = self._render_tile(tx, ty, runs)
            self._tiles[(tx, ty)] = surf
        return surf

    def prerender(self, max_tiles: int | None = None) -> int:
        """Draw not-yet-drawn road tiles now (e.g. on a loading frame). Returns how many."""
        done = 0
        for key in self._tile_runs:
            if key not in self._tiles:
                self.tile(*key)
                done += 1
                if max_tiles is not None and done >= max_tiles:
                    break
        return done

    # --- geometry, computed once per track -----------------------------------------------
    def _prepare_geometry(self) -> None:
        t = self.track
        c, nrm, w = t.centerline, t.normals, t.lane_width

        def px(a: np.ndarray) -> np.ndarray:
            return np.column_stack(
                [(a[:, 0] - self.origin[0]) * self.scale, (self.origin[1] - a[:, 1]) * self.scale]
            )

        self._c = px(c)
        self._left = px(c + nrm * w)
        self._right = px(c - nrm * w)
        self._left_line = px(c + nrm * (w - EDGE_INSET_M))
        self._right_line = px(c - nrm * (w - EDGE_INSET_M))
        self._left_kerb = px(c + nrm * (w + KERB_M))
        self._right_kerb = px(c - nrm * (w + KERB_M))
        self._kerb = np.abs(t.curvature) > KERB_MIN_CURVATURE
        self._dash = (t.s % (DASH_M + GAP_M)) < DASH_M
        self._kerb_red = (t.s // KERB_BLOCK_M).astype(int) % 2 == 0

        # Which segments touch which tile: segment i joins point i and i + 1.
        n = t.n
        nxt = np.roll(np.arange(n), -1)
        pts = np.stack(
            [self._left_kerb, self._right_kerb, self._left_kerb[nxt], self._right_kerb[nxt]]
        )
        # Tiles near the road get their own surface (so trees there can keep clear of it).
        near = (TREE_CLEARANCE_M + 3.0) * self.scale
        lo = np.floor((pts.min(axis=0) - near) / TILE).astype(int)
        hi = np.floor((pts.max(axis=0) + near) / TILE).astype(int)
        by_tile: dict[tuple[int, int], list[int]] = {}
        for i in range(n):
            for ty in range(lo[i, 1], hi[i, 1] + 1):
                for tx in range(lo[i, 0], hi[i, 0] + 1):
                    by_tile.setdefault((tx, ty), []).append(i)
        self._tile_runs = {key: _runs(idx, n) for key, idx in by_tile.items()}

    def _decorated(
        self, surf: pygame.Surface, key: int, road_px: np.ndarray | None
    ) -> pygame.Surface:
        """Scatter a few trees on a grass tile, none within reach of the road."""
        rng = np.random.default_rng([self.seed, key & 0xFFFFFFFF])
        count = int(rng.choice([0, 0, 1, 3, 6]))
        keep_out = (self.track.lane_width + KERB_M + TREE_CLEARANCE_M) * self.scale
        for _ in range(count):
            r = float(rng.uniform(1.6, 3.2)) * self.scale
            x, y = rng.uniform(r + 4, TILE - r - 4, size=2)
            if road_px is not None and len(road_px):
                if np.min(np.hypot(road_px[:, 0] - x, road_px[:, 1] - y)) < keep_out + r:
                    continue
            _draw_tree(surf, (x, y), r, rng)
        return surf

    def _render_tile(self, tx: int, ty: int, runs: list[list[int]]) -> pygame.Surface:
        off = np.array([tx * TILE, ty * TILE], dtype=float)
        road = self._c[[i for run in runs for i in run]] - off
        surf = self._decorated(self._grass.copy(), tx * 73856093 ^ ty * 19349663, road)

        def poly(a: np.ndarray, idx: list[int]) -> list[tuple[float, float]]:
            return [tuple(p) for p in (a[idx] - off)]

        n = self.track.n
        for run in runs:
            ext = run + [(run[-1] + 1) % n]  # segment i ends at point i + 1
            for i in run:  # kerbs first, the road is drawn over their inner edge
                if self._kerb[i]:
                    color = theme.KERB_RED if self._kerb_red[i] else theme.KERB_WHITE
                    j = (i + 1) % n
                    for edge, kerb in (
                        (self._left, self._left_kerb),
                        (self._right, self._right_kerb),
                    ):
                        quad = [edge[i], edge[j], kerb[j], kerb[i]]
                        pygame.draw.polygon(surf, color, [tuple(p - off) for p in quad])
            pygame.draw.polygon(
                surf, theme.ASPHALT, poly(self._left, ext) + poly(self._right, ext[::-1])
            )
        for run in runs:
            ext = run + [(run[-1] + 1) % n]
            pygame.draw.lines(surf, theme.ROAD_EDGE, False, poly(self._left_line, ext), 2)
            pygame.draw.lines(surf, theme.ROAD_EDGE, False, poly(self._right_line, ext), 2)
            for i in run:
                if self._dash[i]:
                    a, b = self._c[i] - off, self._c[(i + 1) % n] - off
                    pygame.draw.line(surf, theme.CENTRE_DASH, tuple(a), tuple(b), 2)
            if 0 in run:
                self._draw_start_line(surf, off)
        return surf.convert() if pygame.display.get_surface() else surf

    def _draw_start_line(self, surf: pygame.Surface, off: np.ndarray) -> None:
        """A chequered strip across the road at s = 0."""
        a, b = self._left[0] - off, self._right[0] - off
        d = self._c[1] - self._c[0]
        d = d / max(np.linalg.norm(d), 1e-9) * self.scale * 0.7
        cells = 8
        for k in range(cells):
            for row in range(2):
                p0 = a + (b - a) * (k / cells) + d * row
                p1 = a + (b - a) * ((k + 1) / cells) + d * row
                quad = [p0, p1, p1 + d, p0 + d]
                color = (245, 245, 245) if (k + row) % 2 == 0 else (20, 20, 20)
                pygame.draw.polygon(surf, color, [tuple(p) for p in quad])

    # --- cars ----------------------------------------------------------------------------
    def _draw_car(
        self, surface: pygame.Surface, rect: pygame.Rect, cam: tuple[float, float], car: CarSprite
    ) -> None:
        px, py = self.to_px(car.x, car.y)
        sx, sy = rect.centerx + px - cam[0], rect.centery + py - cam[1]
        if not rect.inflate(80, 80).collidepoint(sx, sy):
            return
        angle = int(round(math.degrees(car.yaw) / 3.0)) % 120 * 3  # 3 degree steps, cached
        key = (car.color, angle)
        sprite = self._sprites.get(key)
        if sprite is None:
            sprite = pygame.transform.rotozoom(_car_sprite(car.color, self.scale), angle, 0.5)
            self._sprites[key] = sprite
        surface.blit(sprite, sprite.get_rect(center=(round(sx), round(sy))))
        if car.label:
            theme.blit_text(
                surface,
                car.label,
                (round(sx), round(sy) - 26),
                theme.SMALL,
                theme.TEXT,
                anchor="center",
            )


def _runs(indices: list[int], n: int) -> list[list[int]]:
    """Split sorted segment indices into runs of consecutive ones (joining across 0)."""
    runs: list[list[int]] = []
    for i in indices:
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    if len(runs) > 1 and runs[0][0] == 0 and runs[-1][-1] == n - 1:
        runs[0] = runs.pop() + runs[0]
    return runs


def _grass_tile(seed: int) -> pygame.Surface:
    """Mown-lawn stripes with speckles; identical tiles repeat without visible seams."""
    rng = np.random.default_rng(seed)
    img = np.empty((TILE, TILE, 3), np.uint8)
    img[:] = theme.GRASS
    band = (np.arange(TILE) // 32) % 2 == 1  # 32 px stripes, TILE is a multiple of 64
    img[:, band] = theme.GRASS_STRIPE
    noise = rng.integers(-7, 8, size=(TILE, TILE, 1))
    img = np.clip(img.astype(int) + noise, 0, 255).astype(np.uint8)
    speck = rng.random((TILE, TILE)) < 0.02
    img[speck] = theme.GRASS_SPECK
    surf = pygame.surfarray.make_surface(img.transpose(1, 0, 2))
    return surf.convert() if pygame.display.get_surface() else surf


def _draw_tree(
    surf: pygame.Surface, center: tuple[float, float], r: float, rng: np.random.Generator
) -> None:
    """A tree seen from above: shadow, dark canopy, lighter clumps on the sunny side."""
    x, y = center
    pygame.draw.circle(surf, (38, 78, 36), (x + r * 0.35, y + r * 0.35), r)  # shadow
    base = theme.lerp_color((34, 92, 40), (60, 110, 38), float(rng.random()))
    pygame.draw.circle(surf, base, (x, y), r)
    light = theme.lerp_color(base, (150, 200, 90), 0.35)
    for _ in range(3):
        a = rng.uniform(0, 2 * math.pi)
        d = rng.uniform(0.1, 0.45) * r
        pygame.draw.circle(
            surf, light, (x - r * 0.2 + math.cos(a) * d, y - r * 0.2 + math.sin(a) * d), r * 0.45
        )


def _car_sprite(color: Color, scale: float) -> pygame.Surface:
    """A car seen from above, pointing east (+x), drawn at 2x for smooth rotation."""
    k = 2.0 * scale
    length, width = 4.4 * k, 1.9 * k
    w, h = int(length) + 4, int(width) + 4
    s = pygame.Surface((w, h), pygame.SRCALPHA)
    body = pygame.Rect(2, 2, int(length), int(width))
    # Shadow, wheels, body, cabin glass, roof, lights.
    tyre = (20, 20, 22)
    for fx in (0.18, 0.72):
        for fy in (-0.04, 0.80):
            pygame.draw.rect(
                s,
                tyre,
                (body.x + fx * length, body.y + fy * width, 0.16 * length, 0.24 * width),
                border_radius=3,
            )
    pygame.draw.rect(s, color, body.inflate(0, -int(0.12 * width)), border_radius=int(0.3 * width))
    dark = theme.lerp_color(color, (0, 0, 0), 0.45)
    light = theme.lerp_color(color, (255, 255, 255), 0.25)
    glass = (40, 52, 70)
    cabin = pygame.Rect(0, 0, int(0.46 * length), int(0.70 * width))
    cabin.center = (int(body.x + 0.47 * length), body.centery)
    pygame.draw.rect(s, glass, cabin, border_radius=int(0.18 * width))
    roof = cabin.inflate(-int(0.2 * length), -int(0.14 * width))
    roof.x -= int(0.03 * length)
    pygame.draw.rect(s, light, roof, border_radius=int(0.12 * width))
    pygame.draw.line(s, dark, (body.x + 4, body.centery), (cabin.left - 2, body.centery), 2)
    for fy in (0.22, 0.78):
        pygame.draw.circle(s, (255, 244, 200), (body.right - 4, body.y + fy * width), 0.07 * width)
        pygame.draw.circle(s, (200, 30, 30), (body.x + 4, body.y + fy * width), 0.06 * width)
    return s
