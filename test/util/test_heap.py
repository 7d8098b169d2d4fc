import gc

import pytest

from main.util.heap import freeze_startup_objects


@pytest.fixture
def thawed():
    yield
    gc.unfreeze()


def test_what_start_up_built_is_out_of_the_collectors_way(thawed):
    long_lived = {"city": ["Walldorf", {"state": "DE-BW"}]}

    frozen = freeze_startup_objects()

    assert frozen >= 3
    tracked = {id(o) for o in gc.get_objects()}
    assert id(long_lived) not in tracked
    assert id(long_lived["city"]) not in tracked


def test_objects_made_after_start_up_are_still_collected(thawed):
    freeze_startup_objects()
    later = {"made": ["after"]}
    assert id(later) in {id(o) for o in gc.get_objects()}
