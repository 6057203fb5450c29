"""The whole track in a small box, with a dot per car (the player's with a heading tick)."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pygame

from game.render import theme
from game.render.world_view import CarSprite
from game.sim.track import Track

PAD = 12  # px between the box edge and the track


class Minimap:
    """Pre-renders `track` fitted into `size`; `draw` blits it and the cars on top."""

    def __init__(self, track: Track, size: tuple[int, int]) -> None:
        self.track = track
        self.size = size
        x0, y0, x1, y1 = track.bounds()
        w, h = size
        self.scale = min((w - 2 * PAD) / max(x1 - x0, 1e-6), (h - 2 * PAD) / max(y1 - y0, 1e-6))
        # Centre the track in the box.
        self._ox = (w - (x1 - x0) * self.scale) / 2.0 - x0 * self.scale
        self._oy = (h - (y1 - y0) * self.scale) / 2.0 + y1 * self.scale
        self._base = self._render_base()

    def to_px(self, x: float, y: float) -> tuple[float, float]:
        return self._ox + x * self.scale, self._oy - y * self.scale

    def _render_base(self) -> pygame.Surface:
        surf = pygame.Surface(self.size, pygame.SRCALPHA)
        c = self.track.centerline
        pts = np.column_stack([self._ox + c[:, 0] * self.scale, self._oy - c[:, 1] * self.scale])
        pts = [tuple(p) for p in pts[:: max(1, len(pts) // 600)]]
        road = max(3, int(round(2 * self.track.lane_width * self.scale)))
        pygame.draw.lines(surf, (20, 24, 34), True, pts, road + 4)
        pygame.draw.lines(surf, (150, 156, 170), True, pts, road)
        for p in pts:  # round joins: lines alone leave notches at sharp corners
            pygame.draw.circle(surf, (150, 156, 170), p, road // 2)
        sx, sy, heading = self.track.point_at(0.0)
        nx, ny = -math.sin(heading), math.cos(heading)
        half = self.track.lane_width * 1.6 + 3 / self.scale
        a = self.to_px(sx + nx * half, sy + ny * half)
        b = self.to_px(sx - nx * half, sy - ny * half)
        pygame.draw.line(surf, theme.TEXT, a, b, 3)
        return surf

    def draw(
        self,
        surface: pygame.Surface,
        topleft: tuple[int, int],
        cars: Iterable[CarSprite] = (),
        follow: int = 0,
    ) -> None:
        """Draw at `topleft`; car number `follow` (the player) is drawn bigger, on top."""
        x0, y0 = topleft
        surface.blit(self._base, topleft)
        cars = list(cars)
        order = [i for i in range(len(cars)) if i != follow] + ([follow] if cars else [])
        for i in order:
            car = cars[i]
            px, py = self.to_px(car.x, car.y)
            p = (x0 + px, y0 + py)
            r = 6 if i == follow else 4
            pygame.draw.circle(surface, (10, 10, 14), p, r + 2)
            pygame.draw.circle(surface, car.color, p, r)
            if i == follow:
                tip = (p[0] + math.cos(car.yaw) * 13, p[1] - math.sin(car.yaw) * 13)
                pygame.draw.line(surface, theme.TEXT, p, tip, 2)
