"""core.events: listeners run after commit, not on rollback; unknown names refused."""

import pytest
from django.db import transaction

from hafennetz.core import events


@pytest.mark.django_db
def test_emit_runs_listeners_on_commit(django_capture_on_commit_callbacks):
    seen = []

    def handler(name, **ids):
        seen.append((name, ids))

    events.listen(handler)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            events.emit("round.opened", round_id=3)
            assert seen == []
        assert seen == [("round.opened", {"round_id": 3})]
    finally:
        events.unlisten(handler)


@pytest.mark.django_db
def test_rolled_back_emit_announces_nothing(django_capture_on_commit_callbacks):
    seen = []
    events.listen(seen.append)
    try:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            try:
                with transaction.atomic():
                    events.emit("round.opened", round_id=3)
                    raise RuntimeError
            except RuntimeError:
                pass
        assert callbacks == []
        assert seen == []
    finally:
        events.unlisten(seen.append)


def test_unknown_event_and_non_identifier_refused():
    with pytest.raises(ValueError):
        events.emit("no.such.event", x=1)
    with pytest.raises(TypeError):
        events.emit("round.opened", round_id=object())
