"""Which call raises for a removed ``*_epoch_end`` hook (LL303 names it)."""

from __future__ import annotations

import pytest

pytest.importorskip("lightning")
pytestmark = pytest.mark.lightning

from claims import claim  # noqa: E402
from tiny import TinyModel, fit, trainer  # noqa: E402


@claim("LL303")
def test_a_removed_test_epoch_end_fails_test_not_fit(tmp_path):
    class Old(TinyModel):
        def test_step(self, batch, batch_idx):
            return self.validation_step(batch, batch_idx)

        def test_dataloader(self):
            return self.val_dataloader()

        def test_epoch_end(self, outputs):
            pass

    model = Old()
    run = trainer(tmp_path, max_epochs=1)
    run.fit(model)  # fit does not look at the test hooks
    assert run.state.finished
    with pytest.raises(NotImplementedError, match="test_epoch_end"):
        run.test(model)


@claim("LL303")
def test_a_removed_validation_epoch_end_fails_fit(tmp_path):
    class Old(TinyModel):
        def validation_epoch_end(self, outputs):
            pass

    with pytest.raises(NotImplementedError, match="validation_epoch_end"):
        fit(tmp_path, model=Old(), max_epochs=1)
