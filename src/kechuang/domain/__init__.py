"""Plain domain model: entities, enums, rules and errors; imports nothing else of Kechuang."""
