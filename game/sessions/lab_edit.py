"""The Lab screen's spec editor: a preset's rows (seeds, samples, each knob of [vary],
[base] and [quick]), one picked; Enter types a new value for it, A types a new `key = value`
row, X removes the row. Each change is checked by the spec parser (agents.lab.edit): a bad
one leaves the draft as it was and `error` says why in one line naming the key.
"""

from __future__ import annotations

from pathlib import Path

from agents.lab.edit import DraftRow, SpecDraft
from agents.lab.recipes import SpecError
from agents.lab.spec import LabSpec, expand

MAX_TEXT = 200


class SpecEditor:
    def __init__(self, spec: LabSpec, path: Path) -> None:
        self.path = path  # where the edited spec will be saved
        self.draft = SpecDraft(spec, path.name)
        self.cursor = 0
        self.typing: str | None = None  # None, "value" (the picked row's) or "row" (a new one)
        self.text = ""
        self.error = ""

    @property
    def rows(self) -> list[DraftRow]:
        return self.draft.rows()

    @property
    def current(self) -> DraftRow:
        rows = self.rows
        return rows[min(self.cursor, len(rows) - 1)]

    def variants(self) -> list[str]:
        """The labels of the variants the draft runs (grid points, sampled, times seeds)."""
        return [v.label for v in expand(self.draft.spec, quick=True)]

    def plans(self) -> str:
        """The data and the judging, which the editor leaves as they are."""
        spec = self.draft.spec
        if spec.task == "rps":
            return f"judged on {spec.eval.games} held-out games, {spec.eval.rounds} rounds a match"
        d, e = spec.data, spec.eval
        cap = f", the first {e.max_seconds:g} s" if e.max_seconds else ""
        return (
            f"data: the expert on {', '.join(d.tracks)} ({d.laps} lap(s) at "
            f"{d.rate_hz:g} Hz) · judged on {', '.join(e.tracks)} ({e.laps} lap(s){cap})"
        )

    def move(self, step: int) -> None:
        self.cursor = (self.cursor + step) % len(self.rows)

    # --- typing ----------------------------------------------------------------------------
    def begin_value(self) -> None:
        """Type a new value for the picked row, starting from its current one."""
        self.typing, self.text, self.error = "value", self.current.text, ""

    def begin_row(self) -> None:
        """Type a new row, `key = value`."""
        self.typing, self.text, self.error = "row", "vary.", ""

    def type_text(self, text: str) -> None:
        if self.typing is not None:
            self.text = (self.text + text.replace("\n", " "))[:MAX_TEXT]

    def backspace(self) -> None:
        self.text = self.text[:-1]

    def cancel_typing(self) -> None:
        self.typing, self.error = None, ""

    def commit(self) -> bool:
        """Apply what was typed; False (and `error` set, typing kept open) when it is refused."""
        try:
            if self.typing == "value":
                self.draft.set(self.current.key, self.text)
            elif self.typing == "row":
                self.draft.add(self.text)
                key = self.text.partition("=")[0].strip()
                self.cursor = next((i for i, r in enumerate(self.rows) if r.key == key),
                                   self.cursor)  # fmt: skip
        except SpecError as e:
            self.error = str(e)
            return False
        self.typing, self.error = None, ""
        return True

    def remove(self) -> None:
        """Remove the picked row (seeds stay: edit their list instead)."""
        try:
            self.draft.remove(self.current.key)
        except SpecError as e:
            self.error = str(e)
            return
        self.error = ""
        self.cursor = min(self.cursor, len(self.rows) - 1)
