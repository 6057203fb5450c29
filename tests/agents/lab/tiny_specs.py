"""Lab specs small enough for a test: two RPS variants trained in seconds."""

TINY_RPS_SPEC = """
name = "tiny rps"
task = "rps"
[base]
units = 3
epochs = 1
[vary]
window = [3, 4]
[eval]
games = 8
rounds = 12
"""
