"""Tabular import and export: column specs, readers and writers for CSV, XLSX and JSON Lines."""
