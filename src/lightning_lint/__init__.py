"""lightning-lint: a static linter for PyTorch Lightning training configurations."""

__version__ = "0.1.0"

HOMEPAGE = "https://github.com/lightning-lint/lightning-lint"
RULES_URL = HOMEPAGE + "/blob/main/docs/rules.md"


def rule_url(code: str, name: str) -> str:
    """Where a rule's documentation lives (an anchor in docs/rules.md)."""
    return f"{RULES_URL}#{code.lower()}-{name}"
