"""``lightning-lint confirm``: prove (or withdraw) static findings by running the user's
entry point under a probe, measuring the real dataloaders and doing a dry
``fast_dev_run`` fit.

The command itself (arguments, report, exit code) is ``commands/confirm.py``.

- ``runner.py``: the subprocess (process group, timeout, progress display);
- ``probe.py``: the child side, run by path in the user's Python (standard library only,
  one file, so it needs no lightning-lint there);
- ``configuration.py``: the files involved, where the Trainer's configuration is written,
  and the real configuration as a ``TrainerSpec``;
- ``measure.py``: the measured train data per device of the configured run;
- ``findings.py``: what the probe saw, turned into confirmed / withdrawn findings;
- ``messages.py``: Lightning's errors and warnings that a rule describes;
- ``notebook.py``: a Jupyter notebook run as the script of its code cells, and its places
  (frames, findings, texts) given by cell.

Nothing here is imported by the static check. Imports: ``model``, ``extract``, ``rules``,
``linter`` and ``report`` (the parent side); ``probe.py`` imports nothing of the project.
"""
