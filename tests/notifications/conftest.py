import pytest

from tests.factories import MemberFactory


@pytest.fixture
def lead(db):
    return MemberFactory(first_name="Lena", last_name="Lead", email="lena@example.ac.uk", roles=["teacher"])
