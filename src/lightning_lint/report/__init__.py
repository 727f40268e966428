"""Reports: findings -> text for people and machines.

``formats`` (the format names, the shared context, one renderer per format), ``text``
(full and concise), ``json`` (JSON and JSON lines), ``sarif``, ``ci`` (GitHub, GitLab,
JUnit), ``explanation`` (a Trainer's schedule in words, for ``explain`` and ``confirm``)
and ``json_schema`` (the JSON Schema of LightningCLI configs, from ``model.lightning_api``).

Imports ``model``, and ``rules`` for the catalog a report describes (SARIF's rule list, the
default checkpoint an explanation mentions); never the engine or anything above it.
"""
