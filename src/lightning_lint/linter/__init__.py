"""The engine: which files, with which settings, linted how.

``discovery`` (paths, excludes, .gitignore, the project root), ``settings`` (the closest
configuration file), ``versions``/``pins``/``tomlread`` (the target Lightning release from
the project's pins), ``prefilter`` (a byte scan before parsing), ``engine`` (one file in,
diagnostics out), ``project_facts`` (the project scan), ``run`` (one run over the paths a
command names), ``runner`` (the results cache, then a process pool), ``cache``,
``suppressions`` (``noqa``) and ``fixer`` (applying fixes safely).

Imports ``rules``, ``extract`` and ``model``; never ``report``, ``commands``, ``lsp`` or
``confirm``.
"""
