"""The language server: ``server`` (pygls: the protocol, the only module that imports
pygls or lsprotocol), ``session`` (settings, linter and per-project facts of an editor
session) and ``positions`` (line and column to LSP positions in the negotiated encoding).

Imports ``linter``, ``rules``, ``extract`` and ``model``.
"""
