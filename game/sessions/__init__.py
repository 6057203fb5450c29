"""Screen sessions: each screen family's state and rules, without pygame."""
