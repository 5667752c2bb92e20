import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402

SHARED_DATA = os.path.normpath(
    os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")
)


@pytest.fixture(scope="session")
def shared_data():
    """The real data sets beside the project (../shared/data); see its SOURCES.md."""
    if not os.path.isdir(SHARED_DATA):
        raise FileNotFoundError(
            f"The shared data sets are missing at {SHARED_DATA}; the tests need ../shared/data."
        )
    return SHARED_DATA
