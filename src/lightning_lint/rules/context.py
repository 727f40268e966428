"""What a rule may consult besides the spec it is given.

The engine (``linter/``) builds one ``RuleContext`` per linted file. Rules see the
settings and the project only through the two protocols below, so that this package
depends on the model alone: the engine's ``Settings`` and ``Project`` satisfy them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Protocol

from lightning_lint.model.facts import ProjectFacts
from lightning_lint.model.sources import SourceFile
from lightning_lint.model.spec import Extraction, TrainerSpec
from lightning_lint.model.target import TargetVersion


class RuleSettings(Protocol):
    """The settings that apply to the linted file (``linter.settings.Settings``)."""

    @property
    def config_path(self) -> Optional[Path]: ...  # read-only: ``Settings`` is a frozen dataclass

    def is_debug_path(self, path: Path, project_root: Optional[Path] = None) -> bool: ...

    def facts_for(self, path: Path) -> Dict[str, Any]: ...

    def options_for(self, code: str) -> Dict[str, Any]: ...


class RuleProject(Protocol):
    """The project the linted file belongs to (``linter.engine.Project``)."""

    root: Optional[Path]

    @property
    def facts(self) -> ProjectFacts: ...

    def lightning_modules_at_least(self, count: int) -> bool: ...

    def target(self, settings: Any, path: Optional[Path] = None) -> TargetVersion: ...

    def measured_for(self, path: Path) -> Dict[str, Any]: ...

    def yaml_documents(self, path: str) -> Optional[List[Any]]: ...


@dataclass
class RuleContext:
    """What a rule may consult besides the spec it is given."""

    source: SourceFile
    settings: RuleSettings
    project: RuleProject
    extraction: Extraction
    path: Path

    @property
    def target(self) -> TargetVersion:
        # asked by most rules of every spec: resolved (and its dependency recorded) once per file
        found = self.__dict__.get("_target")
        if found is None:
            found = self.__dict__["_target"] = self.project.target(self.settings, self.path)
        return found

    @property
    def facts(self) -> ProjectFacts:
        return self.project.facts

    def options(self, code: str) -> Dict[str, Any]:
        """The rule's options: its defaults, overridden by [tool.lightning-lint.rules.CODE]."""
        from lightning_lint import rules

        rule = rules.get(code)
        merged = {name: default for name, (_, default) in rule.OPTIONS.items()} if rule is not None else {}
        merged.update(self.settings.options_for(code))
        return merged

    def user_facts(self) -> Dict[str, Any]:
        """Facts stated for this file in ``[tool.lightning-lint.facts]``, else the facts
        ``confirm --save-facts`` measured for it."""
        return self.settings.facts_for(self.path) or self.project.measured_for(self.path)

    def schedule(self, spec: TrainerSpec) -> Any:
        from lightning_lint.model import schedule

        cache = self.extraction.facts.setdefault("_schedules", {})
        if id(spec) not in cache:
            cache[id(spec)] = schedule.for_spec(spec, self)
        return cache[id(spec)]
