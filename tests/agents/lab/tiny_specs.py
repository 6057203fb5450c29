"""Lab specs small enough for a test: RPS variants trained in seconds."""


def tiny_rps_spec(windows: tuple[int, ...] = (3, 4)) -> str:
    """A spec of one tiny LSTM per history window in `windows`."""
    return f"""
name = "tiny rps"
task = "rps"
[base]
units = 3
epochs = 1
[vary]
window = {list(windows)}
[eval]
games = 8
rounds = 12
"""


TINY_RPS_SPEC = tiny_rps_spec()
