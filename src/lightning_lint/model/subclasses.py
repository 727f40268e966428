"""Classes that extend a Lightning class: what their ``__init__`` does with its keywords.

A ``class MyTrainer(pl.Trainer)`` (in the project or in a library such as NeMo 2) is a
Trainer to the linter. What a call ``MyTrainer(a=1, b=2)`` means for the Trainer follows
from the subclass's ``__init__``:

- a parameter it *consumes* (``def __init__(self, ckpt_dir, **kwargs)``) is its own: it
  never reaches the base and is never an "unknown argument";
- a parameter it *passes on by name* (``super().__init__(max_epochs=epochs)``) is the base's
  argument under that name, and the parameter's literal default becomes the base's default;
- what reaches ``**kwargs`` (when ``**kwargs`` goes on to ``super().__init__``) is checked as
  the base's own argument; without ``**kwargs`` Python rejects any other keyword;
- a literal passed to ``super().__init__`` (``accelerator="gpu"``) is set by the subclass;
- anything else passed to ``super().__init__`` (``*args``, ``**built``, a computed value)
  makes what the base receives unknown.

``InitInfo`` is plain data (JSON-able, so project facts can cache it); the Python extractor
reads it from source (``extract/subclasses.py``); known library subclasses are listed here,
read from their sources (the file named in ``where``), and ``map_call`` applies a chain of
them to the keywords of a call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from lightning_lint.model import lightning_api


@dataclass(frozen=True)
class InitInfo:
    """One class's ``__init__`` as far as the base's arguments are concerned."""

    name: str  # the class name
    module: str = ""  # the dotted module that defines it ("" when unknown)
    bases: Tuple[str, ...] = ()  # dotted names of the bases, as resolved in the defining file
    has_init: bool = False  # False: the inherited __init__ is used, keywords pass unchanged
    params: Tuple[str, ...] = ()  # keyword parameters in order (without self, *args, **kwargs)
    own: Tuple[str, ...] = ()  # parameters consumed by the class
    renames: Tuple[Tuple[str, str], ...] = ()  # parameter -> the base argument it is passed as
    param_defaults: Tuple[Tuple[str, Any], ...] = ()  # literal defaults of passed-on parameters
    fixed: Tuple[Tuple[str, Any], ...] = ()  # base arguments given a literal by the class
    computed: Tuple[str, ...] = ()  # base arguments given values the linter cannot read
    forwards: bool = False  # **kwargs reach super().__init__
    open_reason: Optional[str] = None  # what the base receives cannot be read
    where: str = ""  # where the class is defined, for messages

    @property
    def qualname(self) -> str:
        return f"{self.module}.{self.name}" if self.module else self.name

    def to_json(self) -> Dict[str, Any]:
        return {
            "name": self.name,
            "module": self.module,
            "bases": list(self.bases),
            "has_init": self.has_init,
            "params": list(self.params),
            "own": list(self.own),
            "renames": [list(r) for r in self.renames],
            "param_defaults": [[k, v] for k, v in self.param_defaults],
            "fixed": [[k, v] for k, v in self.fixed],
            "computed": list(self.computed),
            "forwards": self.forwards,
            "open_reason": self.open_reason,
            "where": self.where,
        }

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "InitInfo":
        return cls(
            name=str(data["name"]),
            module=str(data.get("module", "")),
            bases=tuple(str(b) for b in data.get("bases", ())),
            has_init=bool(data.get("has_init")),
            params=tuple(str(p) for p in data.get("params", ())),
            own=tuple(str(p) for p in data.get("own", ())),
            renames=tuple((str(a), str(b)) for a, b in data.get("renames", ())),
            param_defaults=tuple((str(k), v) for k, v in data.get("param_defaults", ())),
            fixed=tuple((str(k), v) for k, v in data.get("fixed", ())),
            computed=tuple(str(c) for c in data.get("computed", ())),
            forwards=bool(data.get("forwards")),
            open_reason=data.get("open_reason"),
            where=str(data.get("where", "")),
        )


# -- known library subclasses ---------------------------------------------------------------
# Read from the sources named in `where` (NeMo 2, github.com/NVIDIA/NeMo, main in 2025).

_NEMO_TRAINER = InitInfo(
    name="Trainer",
    module="nemo.lightning.pytorch.trainer",
    bases=("lightning.pytorch.Trainer",),
    has_init=False,  # no __init__: IOMixin.__new__ only records the arguments
    where="nemo/lightning/pytorch/trainer.py (class Trainer(pl.Trainer, IOMixin), no __init__)",
)

_NEMO_CHECKPOINT_PASSED = (
    ("monitor", "val_loss"),
    ("verbose", True),
    ("save_last", True),
    ("save_top_k", 3),
    ("save_weights_only", False),
    ("mode", "min"),
    ("every_n_epochs", None),
    ("every_n_train_steps", None),
    ("train_time_interval", None),
    ("save_on_train_epoch_end", False),
)
_NEMO_CHECKPOINT = InitInfo(
    name="ModelCheckpoint",
    module="nemo.lightning.pytorch.callbacks.model_checkpoint",
    bases=("lightning.pytorch.callbacks.ModelCheckpoint",),
    has_init=True,
    params=tuple(name for name, _ in _NEMO_CHECKPOINT_PASSED)
    + ("save_optim_on_train_end", "always_save_context", "save_context_on_train_end"),
    own=("save_optim_on_train_end", "always_save_context", "save_context_on_train_end"),
    renames=tuple((name, name) for name, _ in _NEMO_CHECKPOINT_PASSED),
    param_defaults=_NEMO_CHECKPOINT_PASSED,
    forwards=True,
    where="nemo/lightning/pytorch/callbacks/model_checkpoint.py (ModelCheckpoint.__init__)",
)

# dotted names a program may use -> the class's data
LIBRARY_SUBCLASSES: Dict[str, InitInfo] = {
    "nemo.lightning.Trainer": _NEMO_TRAINER,
    "nemo.lightning.pytorch.trainer.Trainer": _NEMO_TRAINER,
    "nemo.lightning.ModelCheckpoint": _NEMO_CHECKPOINT,
    "nemo.lightning.pytorch.callbacks.ModelCheckpoint": _NEMO_CHECKPOINT,
    "nemo.lightning.pytorch.callbacks.model_checkpoint.ModelCheckpoint": _NEMO_CHECKPOINT,
}


# Library functions that take a Trainer and never fit with it (read from their sources).
_NEMO_GENERATE = "NeMo's `generate` runs inference with it (nemo/collections/llm/api.py)"
_NEMO_RESTORE = "NeMo's `_setup_trainer_and_restore_model` restores a model for inference (llm/inference/base.py)"
NOT_TRAINING_CALLS: Dict[str, str] = {
    "nemo.collections.llm.generate": _NEMO_GENERATE,
    "nemo.collections.llm.api.generate": _NEMO_GENERATE,
    "nemo.collections.llm.inference.base._setup_trainer_and_restore_model": _NEMO_RESTORE,
    "nemo.collections.llm.inference._setup_trainer_and_restore_model": _NEMO_RESTORE,
}
# Methods of library Trainer subclasses after which the Trainer is not the one that trains:
# method -> (the class that has it, why)
NOT_TRAINING_METHODS: Dict[str, Tuple[str, str]] = {
    "to_fabric": (
        "nemo.lightning.pytorch.trainer.Trainer",
        "it is converted to a Fabric with NeMo's `Trainer.to_fabric()` (nemo/lightning/pytorch/trainer.py)",
    ),
}


def lightning_symbol(dotted: str) -> Optional[str]:
    """The Lightning class (``Trainer`` / ``callbacks.<Name>``) a dotted name is, directly."""
    symbol = lightning_api.canonical_symbol(dotted)
    if symbol == "Trainer" or (symbol is not None and symbol.startswith("callbacks.")):
        return symbol
    return None


@dataclass(frozen=True)
class Resolved:
    """A subclass resolved down to the Lightning class it extends."""

    symbol: str  # "Trainer" or "callbacks.<Name>"
    chain: Tuple[InitInfo, ...]  # most derived first

    @property
    def kind(self) -> str:
        """The Lightning class's short name: ``Trainer``, ``ModelCheckpoint``, ..."""
        return self.symbol.split(".", 1)[1] if self.symbol.startswith("callbacks.") else self.symbol

    @property
    def label(self) -> str:
        return self.chain[0].name if self.chain else self.kind

    def describe(self) -> str:
        names = " -> ".join(info.name for info in self.chain)
        return f"`{names}` (a subclass of `{self.kind}`)"


@dataclass
class Mapped:
    """What a subclass call hands to the Lightning class."""

    args: Dict[str, Any] = field(default_factory=dict)  # base argument -> the call's Value
    own: Dict[str, Any] = field(default_factory=dict)  # consumed keyword -> Value
    defaults: Dict[str, Any] = field(default_factory=dict)  # base argument -> default set by the subclass
    fixed: Dict[str, Tuple[Any, str]] = field(default_factory=dict)  # base argument -> (literal, class name)
    computed: Dict[str, str] = field(default_factory=dict)  # base argument -> class name
    open_reason: Optional[str] = None


def map_call(chain: Sequence[InitInfo], args: Dict[str, Any], positional: Sequence[Any] = ()) -> Mapped:
    """Apply the ``__init__`` of each class in ``chain`` (most derived first) to a call's
    keywords (``args``: name -> value, any value type) and positional values."""
    result = Mapped()
    current: Dict[str, Any] = dict(args)
    pending_positional = list(positional)
    for info in chain:
        if info.open_reason and result.open_reason is None:
            result.open_reason = f"`{info.name}.__init__` {info.open_reason}"
        if not info.has_init:
            continue
        for name, value in zip(info.params, pending_positional):
            current.setdefault(name, value)
        if len(pending_positional) > len(info.params):
            result.open_reason = result.open_reason or f"positional arguments of `{info.name}(...)` are not followed"
        pending_positional = []
        renames = dict(info.renames)
        own = set(info.own)
        passed: Dict[str, Any] = {}
        for name, value in current.items():
            if name in renames:
                passed[renames[name]] = value
            elif name in own:
                result.own[name] = value
            else:
                passed[name] = value  # to **kwargs, or rejected by Python: checked as the base's
        for param, default in info.param_defaults:
            target = renames.get(param)
            if target is not None and param not in current and target not in result.defaults:
                result.defaults[target] = default
        for name, literal in info.fixed:
            result.fixed.setdefault(name, (literal, info.name))
            passed.pop(name, None)
        for name in info.computed:
            result.computed.setdefault(name, info.name)
            passed.pop(name, None)
        current = passed
    if pending_positional:
        result.open_reason = result.open_reason or "positional arguments may set any argument"
    result.args = current
    # a default set lower in the chain is overridden by one given higher up
    for name in list(result.defaults):
        if name in result.args or name in result.fixed or name in result.computed:
            del result.defaults[name]
    return result


class Index:
    """Resolves dotted class names to the Lightning class they extend: library data,
    classes of the file being read (``<local>.Name``), and project classes (by name,
    disambiguated by module) found by the project scan."""

    def __init__(
        self,
        project: Optional[Callable[[str], List[InitInfo]]] = None,
        local: Optional[Dict[str, InitInfo]] = None,
    ) -> None:
        self.project = project  # dotted name -> the project classes of its name (asked lazily)
        self.local = local or {}
        self._memo: Dict[str, Optional[Resolved]] = {}

    def resolve(self, dotted: str) -> Optional[Resolved]:
        if dotted in self._memo:
            return self._memo[dotted]
        self._memo[dotted] = None  # a cycle resolves to nothing
        found = self._resolve(dotted, 0)
        self._memo[dotted] = found
        return found

    def _resolve(self, dotted: str, depth: int) -> Optional[Resolved]:
        if depth > 16:
            return None
        symbol = lightning_symbol(dotted)
        if symbol is not None:
            return Resolved(symbol, ())
        info = LIBRARY_SUBCLASSES.get(dotted) or self._find(dotted)
        if info is None:
            return None
        for base in info.bases:
            below = self._resolve(self._qualify(base, info), depth + 1)
            if below is not None:
                return Resolved(below.symbol, (info,) + below.chain)
        return None

    def _qualify(self, base: str, info: InitInfo) -> str:
        """A base named ``<local>.Name`` in the defining file: that file's class."""
        if base.startswith("<local>.") and info.module:
            return f"{info.module}.{base.split('.', 1)[1]}"
        return base

    def _find(self, dotted: str) -> Optional[InitInfo]:
        if dotted.startswith("<local>."):
            return self.local.get(dotted.split(".", 1)[1])
        if self.project is None:
            return None
        module = dotted.rsplit(".", 1)[0].lstrip(".") if "." in dotted else ""
        candidates = self.project(dotted)
        if not candidates:
            return None
        if module:
            candidates = [c for c in candidates if _module_matches(c.module, module)]
        return candidates[0] if len(candidates) == 1 else None


def _module_matches(defined: str, imported: str) -> bool:
    """``src.utils.trainer`` is what ``utils.trainer`` imports when ``src`` is on the path;
    a relative import names only the tail."""
    return defined == imported or defined.endswith("." + imported) or imported.endswith("." + defined)


def index_from_facts(entries: Iterable[Dict[str, Any]]) -> Dict[str, List[InitInfo]]:
    found: Dict[str, List[InitInfo]] = {}
    for entry in entries:
        info = InitInfo.from_json(entry)
        found.setdefault(info.name, []).append(info)
    return found
