"""A large synthetic registry for scale tests: CSV files of recombined real text, bulk-loaded."""

from .generate import Sizes, generate
from .load import Loaded, load_registry

__all__ = ["Loaded", "Sizes", "generate", "load_registry"]
