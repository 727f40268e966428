"""The model: what a configuration means, whatever it was written in.

``spec`` (TrainerSpec, CallbackSpec, LoaderSpec and their values: known, unknown, absent),
``schedule`` (Lightning's loop arithmetic over a spec), ``facts`` (project-wide facts),
``lightning_api`` (Lightning's parameters, defaults, removed arguments and releases, as
data), ``target`` (the release checked against), ``diagnostics`` (findings and fixes),
``sources`` (source files: decoding, positions, a safe ``ast`` parse) and ``dependencies``
(what a lint consulted besides its file, for the results cache).

The lowest stage: it imports nothing of the project above it.
"""
