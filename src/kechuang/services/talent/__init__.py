"""Talent evaluation (M5): schemes, evaluations, representative works, contests."""
