"""``!!python/...`` tags that a config's own loader refuses.

lightning-lint loads YAML safely and never constructs a tagged object, so a tag does not
stop it; but the loader of the training run does stop on it. LightningCLI (jsonargparse)
loads configs with a safe loader that refuses every ``!!python`` tag; OmegaConf, and so
Hydra, adds constructors for pathlib's ``Path``, ``PosixPath`` and ``WindowsPath`` only
(checked against the installed releases by tests/test_yaml_tags.py). Where the loader
refuses a tag, the whole file fails to load: the extractor reports it as a parse error
(LL900) with that reason; where it loads, nothing is said.
"""

from __future__ import annotations

from typing import Optional, Tuple

from lightning_lint.extract.yaml import CONSUMER_JSONARGPARSE, CONSUMER_OMEGACONF, YNode

_YAML_TAG = "tag:yaml.org,2002:"
PYTHON_TAG = _YAML_TAG + "python/"
# omegaconf._utils.get_yaml_loader: the tags it adds to yaml.SafeLoader.
OMEGACONF_TAGS = frozenset(PYTHON_TAG + "object/apply:pathlib." + name for name in ("Path", "PosixPath", "WindowsPath"))
LOADERS = {CONSUMER_JSONARGPARSE: "LightningCLI (jsonargparse)", CONSUMER_OMEGACONF: "OmegaConf (and Hydra)"}


def refused_tag(root: YNode, consumer: str) -> Optional[Tuple[str, int, int]]:
    """(message, line, column) of the first ``!!python`` tag the consumer's loader
    refuses; None when every tag loads or the loader is not known."""
    loader = LOADERS.get(consumer)
    if loader is None:
        return None
    for key_path, node in root.walk():
        tag = node.tag
        if not tag or not tag.startswith(PYTHON_TAG):
            continue
        if consumer == CONSUMER_OMEGACONF and tag in OMEGACONF_TAGS:
            continue
        accepts = (
            "it accepts only pathlib's Path, PosixPath and WindowsPath"
            if consumer == CONSUMER_OMEGACONF
            else "it loads YAML safely and refuses every !!python tag"
        )
        where = f" at `{key_path}`" if key_path else ""
        message = (
            f"`!!{tag[len(_YAML_TAG) :]}`{where}: {loader} cannot load this file ({accepts}): "
            f"could not determine a constructor for the tag '{tag}'"
        )
        return message, node.span.start_line, node.span.start_col
    return None
