"""`python -m kechuang` runs the CLI, for hosts where the console script is not on PATH."""

from kechuang.cli.main import main

main()
