"""Finding the project module an import names, for helpers followed across modules.

``from mypkg.config import trainer_kwargs`` then ``Trainer(**trainer_kwargs(args))``: the
extractor asks for ``mypkg.config`` and reads the helper's ``return`` there. Only files
inside the project root are read (never an installed package), each lookup is recorded
for the results cache (the files read, and the paths probed that did not exist), and the
search is bounded by the extractor (a few imports deep, each module once).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, List, Optional

from lightning_lint.linter.discovery import find_project_root
from lightning_lint.model import dependencies
from lightning_lint.model.sources import SourceFile, UnreadableSource, read_source


class ModuleFinder:
    """Finds modules for the file at ``linted`` (shown as ``display``) and for the
    modules found from it."""

    def __init__(self, linted: Path, display: str, root: Optional[Path] = None) -> None:
        self.root = root if root is not None else find_project_root(linted)
        self._paths: Dict[str, Path] = {display: Path(os.path.abspath(linted))}

    def __call__(self, importing: str, module: str) -> Optional[SourceFile]:
        here = self._paths.get(importing)
        if here is None or self.root is None:
            return None
        for candidate in self._candidates(here, module):
            if not _inside(candidate, self.root) or not dependencies.is_file(candidate):
                continue
            dependencies.note_file(candidate)
            display = os.path.relpath(candidate, self.root)
            try:
                source = read_source(candidate, display)
            except (UnreadableSource, OSError):
                return None
            self._paths[display] = candidate
            return source
        return None

    def _candidates(self, here: Path, module: str) -> List[Path]:
        assert self.root is not None  # checked by the caller
        if module.startswith("."):  # relative to the importing file's package
            level = len(module) - len(module.lstrip("."))
            base = here.parent
            for _ in range(level - 1):
                base = base.parent
            parts = [p for p in module.lstrip(".").split(".") if p]
            bases = [base]
        else:
            parts = module.split(".")
            bases = [self.root, self.root / "src", here.parent]
        found = []
        for base in bases:
            target = base.joinpath(*parts)
            if parts:
                found.append(target.with_name(target.name + ".py"))
            found.append(target / "__init__.py")
        return found


def _inside(path: Path, root: Path) -> bool:
    absolute, top = os.path.abspath(path), os.path.abspath(root)
    return absolute == top or absolute.startswith(top.rstrip(os.sep) + os.sep)
