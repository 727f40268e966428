"""The generated docs match the registry: README's rule table and docs/rules.md."""

from conftest import REPO
from lightning_lint import rule_url, rules
from lightning_lint.commands import docs


def test_readme_rule_table_is_current():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert docs.readme_with_table(readme) == readme, "run `python -m lightning_lint.commands.docs`"


def test_rules_md_is_current():
    assert (REPO / "docs" / "rules.md").read_text(encoding="utf-8") == docs.rules_markdown(), (
        "run `python -m lightning_lint.commands.docs`"
    )


def test_every_rule_has_an_anchor_that_rule_url_points_to():
    text = docs.rules_markdown()
    for rule in rules.all_rules():
        anchor = rule_url(rule.code, rule.name).split("#", 1)[1]
        assert f'<a id="{anchor}"></a>' in text


def test_ci_runs_the_readme_test_command():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    command = next(line for line in readme.splitlines() if "pytest" in line and line.startswith("python -m pip"))
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert command in ci


def test_readme_first_screen_has_the_two_commands():
    first_screen = "\n".join((REPO / "README.md").read_text(encoding="utf-8").splitlines()[:30])
    assert "lightning-lint examples/" in first_screen
    assert "python -m pytest" in first_screen
