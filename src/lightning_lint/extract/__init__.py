"""Extraction: source text -> the model.

``python`` (a Python file, read with ``ast`` through its own import table), ``yaml``
(safe YAML with positions, duplicate keys and bounded aliases), ``config`` (YAML configs:
LightningCLI, OmegaConf, Hydra ``_target_`` sections), ``hydra`` (Hydra's composition of a
config group), ``failure`` (how an extractor says a file cannot be read).

Imports only ``model``. Settings reach it as plain values or through a protocol.
"""
