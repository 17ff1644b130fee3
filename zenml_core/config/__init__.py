"""Configuration as data: frozen attrs classes, one cattrs converter, YAML and env loading."""
