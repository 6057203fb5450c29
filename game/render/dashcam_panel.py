"""The dashcam panel: the camera array shown 1:1, exactly those pixels, inside a frame.

What a CNN later sees is exactly what is on screen here, so the image is copied straight
from the array (no scaling, no filtering). The frame and caption are drawn outside the
image rectangle, never on it.
"""

from __future__ import annotations

import numpy as np
import pygame

from game.render import theme
from game.render.table import fit_text


class DashcamPanel:
    """Draws an (H, W, 3) uint8 camera array with its top-left pixel at `image_topleft`."""

    def __init__(
        self,
        image_topleft: tuple[int, int],
        size: tuple[int, int] = (320, 160),
        caption: str = "DASHCAM",
    ) -> None:
        self.image_rect = pygame.Rect(image_topleft, size)  # exactly the camera's pixels
        self.caption = caption
        self._tint: tuple[np.ndarray, pygame.Surface] | None = None  # (layer, its surface)

    @property
    def outer_rect(self) -> pygame.Rect:
        """The panel including its frame and caption bar (for layout)."""
        return self.image_rect.inflate(12, 12).union(
            pygame.Rect(self.image_rect.x - 6, self.image_rect.y - 30, self.image_rect.w + 12, 30)
        )

    def draw(
        self,
        surface: pygame.Surface,
        frame: np.ndarray | None,
        note: str = "",
        tint: np.ndarray | None = None,
    ) -> None:
        """Draw `frame` 1:1; `tint` (H, W, 4) RGBA, e.g. a saliency layer, is alpha-blended
        over it."""
        r = self.image_rect
        theme.draw_panel(surface, self.outer_rect, theme.PANEL_DARK, theme.PANEL_EDGE, radius=8)
        theme.blit_text(
            surface, self.caption, (r.x, r.y - 15), theme.SMALL, theme.ACCENT, anchor="midleft"
        )
        if note:  # cut short of the caption (a long model name)
            room = r.w - theme.text(self.caption, theme.SMALL).get_width() - 16
            note = fit_text(note, room, theme.SMALL)
            theme.blit_text(
                surface, note, (r.right, r.y - 15), theme.SMALL, theme.TEXT_MUTED, anchor="midright"
            )
        if frame is None:
            pygame.draw.rect(surface, (0, 0, 0), r)
            return
        h, w = frame.shape[:2]
        if (w, h) != r.size:
            raise ValueError(f"camera frame is {w}x{h}, the panel shows {r.w}x{r.h} pixels 1:1")
        # frombuffer wraps the array's memory (no copy); blit copies the pixels unchanged.
        image = pygame.image.frombuffer(np.ascontiguousarray(frame), (w, h), "RGB")
        surface.blit(image, r)
        if tint is not None:
            surface.blit(self._tint_surface(tint, (w, h)), r)

    def _tint_surface(self, tint: np.ndarray, size: tuple[int, int]) -> pygame.Surface:
        # Converted to the screen's pixel format once per layer: blitting it then takes
        # ~0.03 ms, where an unconverted RGBA surface took ~1 ms every frame.
        if self._tint is None or self._tint[0] is not tint:
            if tint.shape != (size[1], size[0], 4):
                raise ValueError(f"tint is {tint.shape}, the frame {(size[1], size[0], 4)}")
            layer = pygame.image.frombuffer(np.ascontiguousarray(tint), size, "RGBA")
            self._tint = (tint, layer.convert_alpha())
        return self._tint[1]


def grab_pixels(surface: pygame.Surface, rect: pygame.Rect) -> np.ndarray:
    """The (H, W, 3) uint8 RGB pixels of `rect` on `surface` (e.g. the screen)."""
    sub = surface.subsurface(rect)
    raw = pygame.image.tobytes(sub, "RGB")
    return np.frombuffer(raw, np.uint8).reshape(rect.h, rect.w, 3)
