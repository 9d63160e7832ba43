"""Batch jobs over the whole registry (issue 14): matching, embedding and market statistics, each with a
local engine (the reference) and a Spark engine that must give the same result."""

ENGINES = ("local", "spark")
