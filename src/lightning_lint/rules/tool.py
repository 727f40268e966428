"""LL9xx: findings about the tool itself. The engine emits them; these classes carry
their codes, names and documentation."""

from __future__ import annotations

from lightning_lint.model.diagnostics import Severity
from lightning_lint.rules.base import Rule, example


class ParseError(Rule):
    """
    ## What it does
    Reports a Python or YAML file that does not parse, with the parser's line, column
    and reason. The other files of the run are still linted. A file nested deeper than
    lightning-lint follows (an expression hundreds of levels deep, YAML nested more than
    200 levels, a YAML "billion laughs" alias bomb) is reported here too, instead of
    exhausting the stack or the memory. So is a YAML config with a `!!python/...` tag
    that its own loader refuses: LightningCLI (jsonargparse) refuses every such tag,
    OmegaConf and Hydra all but pathlib's `Path`, `PosixPath` and `WindowsPath` (the
    tags they load are accepted; lightning-lint never constructs any of them). In a
    Jupyter notebook, a code cell that does not parse with its IPython syntax masked is
    reported by cell, and the other cells are still checked (docs/notebooks.md).

    ## Why is this bad?
    Nothing in the file can be checked, and the training job would fail the same way.
    A Python file that is valid only for a newer Python than the one running
    lightning-lint is not reported; it is skipped with a note under `--verbose`.
    See docs/reliability.md for how each kind of bad input is reported.
    """

    code = "LL900"
    name = "parse-error"
    severity = Severity.ERROR
    summary = "A Python or YAML file does not parse."
    VALID = ["import lightning as L\nL.Trainer(max_epochs=1)\n"]
    INVALID = [
        example("from lightning import Trainer\nTrainer(max_epochs=1\n", message="SyntaxError"),
        example("trainer:\n  max_epochs: [1\n", path="config.yaml"),
        example("trainer:\n  max_epochs: 3\n  max_steps: !!python/tuple [1]\nmodel: {}\n", path="config.yaml"),
    ]


class UnreadableFile(Rule):
    """
    ## What it does
    Reports a file that cannot be read as text: not valid UTF-8 (or its declared
    encoding), UTF-16, binary content, larger than `max-file-size` (4 MB by default),
    unreadable permissions, a broken symbolic link or a link loop, a pipe or device
    named like a source file, or a file that disappeared during the run; a `.ipynb` file
    that is not an nbformat 4 notebook (invalid JSON, a Git LFS pointer, another format).
    """

    code = "LL901"
    name = "unreadable-file"
    severity = Severity.ERROR
    summary = "A file cannot be read as text (encoding, binary, size limit, permissions)."


class ConfirmFailed(Rule):
    """
    ## What it does
    `lightning-lint confirm` ran the configuration and Lightning raised while building
    the Trainer, its callbacks or the dataloaders, or during the dry `fast_dev_run` fit;
    or LightningCLI refused a config value. The message carries Lightning's exception and
    points at the argument it names (in the `Trainer(...)` call or the YAML key), or at
    the line of your code that raised during the dry fit. When a rule describes the
    exception (an invalid accelerator name is LL402), that rule's finding is confirmed.

    ## Why is this bad?
    The training job would fail the same way, after queueing for its GPUs.

    ## Example
    ```yaml
    # lightning-lint confirm main.py -- fit --config fit.yaml
    trainer:
      accelerator: ddp  # LL902: You selected an invalid accelerator name: `accelerator='ddp'`
    ```

    See `docs/confirm.md` for how confirm runs your code.
    """

    code = "LL902"
    name = "confirm-failed"
    severity = Severity.ERROR
    summary = "confirm ran the configuration and Lightning raised."


class ConfirmRefuted(Rule):
    """
    ## What it does
    `lightning-lint confirm` measured facts that contradict a static finding, so the
    finding is withdrawn; this note says which finding and which measurement contradicts
    it. It happens when the batch count stated in `[tool.lightning-lint.facts]` is not the
    real one, or when the command line overrides the config the static check read.

    ## Example
    With `train-batches-per-epoch = 10` stated and `Trainer(max_epochs=30, max_steps=400)`,
    the static LL002 says training stops at step 300. The real loader has 16 batches, so
    `max_steps` is reached in epoch 25: "LL002 (max-steps-unreachable) withdrawn: confirm
    measured 16 training batches per epoch ...".

    ## How to fix
    Correct the stated facts, or store the measured ones with `confirm --save-facts`.
    See `docs/confirm.md` for how confirm runs your code.
    """

    code = "LL903"
    name = "confirm-refuted"
    severity = Severity.INFO
    summary = "confirm measured facts that contradict a static finding; the finding is withdrawn."


class UnusedSuppression(Rule):
    """
    ## What it does
    Reports a `# noqa: LL...` or `# lightning-lint: ignore[...]` comment that silences
    nothing (like ruff's RUF100), or names an unknown LL code. Bare `# noqa` and codes of
    other tools are left alone.

    ## Why is this bad?
    A stale suppression hides the next real finding on that line.

    ## Fix safety
    Safe: the fix removes only the unused codes (or the whole comment).
    """

    code = "LL904"
    name = "unused-suppression"
    severity = Severity.INFO
    fix_availability = "always"
    summary = "A suppression comment that suppresses nothing."
    VALID = [
        "from lightning import Trainer\nTrainer(gpus=2)  # noqa: LL302\n",
        "from lightning import Trainer\nTrainer(max_epochs=1)  # noqa: E501\n",
    ]
    INVALID = [
        example(
            "from lightning import Trainer\nTrainer(max_epochs=1)  # noqa: LL302\n",
            fixed="from lightning import Trainer\nTrainer(max_epochs=1)\n",
        ),
        example("trainer:\n  max_epochs: 1  # noqa: LL301\n", path="config.yaml"),
    ]


class RuleFailed(Rule):
    """
    ## What it does
    A rule (or, rarer, the reading of the file itself) raised an internal error on a
    file. The run goes on and the other rules still report on that file; the message
    names the rule and asks for a bug report.
    """

    code = "LL905"
    name = "rule-failed"
    severity = Severity.ERROR
    summary = "A rule raised an internal error on a file."
