from igrs.grievances.models import Status

from .conftest import TEHSILDAR, new_complaint


def test_registration_routes_to_the_tehsildar(agent):
    complaint = new_complaint(agent)
    assert complaint.status == Status.ASSIGNED
    assert complaint.current_post.code == TEHSILDAR
