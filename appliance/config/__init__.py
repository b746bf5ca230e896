"""Configuration: fields, section dataclasses, loading, conversion, rules, display."""
