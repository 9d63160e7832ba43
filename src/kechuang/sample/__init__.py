"""The built-in sample data set (JSON Lines), written by the Kechuang team."""
