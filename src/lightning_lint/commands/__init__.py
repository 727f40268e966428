"""The commands a user runs: ``cli`` (arguments and dispatch), ``check``, ``explain``,
``config``, ``rule``, ``schema``, ``confirm``, and ``docs`` (the generated rule docs).

The top stage: it may import every package below it (``lsp`` and ``confirm`` included,
which ``server`` and ``confirm`` dispatch to); nothing imports it but ``__main__``.
"""
