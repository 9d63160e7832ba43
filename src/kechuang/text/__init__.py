"""Text analysis for the lexical index and match explanations: normalisation, zh/en tokens, stopwords.

Imports only the standard library and third-party packages (rjieba, PyStemmer), nothing else of Kechuang.
"""

from kechuang.text.normalize import detect_script, normalize
from kechuang.text.tokenize import Analyzer, bigrams, query_tokenize, tokenize

__all__ = ["Analyzer", "bigrams", "detect_script", "normalize", "query_tokenize", "tokenize"]
