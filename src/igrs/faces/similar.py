"""Before filing, on the portal and the console: open complaints the person may mean instead
(the same mobile's, or the same problem at the same place). The form is shown again with
them; the person joins one ("link_to") or files anyway ("file_anyway"). No script needed."""

import uuid

from django.http import QueryDict

from igrs.grievances import similar
from igrs.grievances.services import NewComplaint


def similar_to_offer(
    posted: QueryDict, new: NewComplaint, key: uuid.UUID | None
) -> list[similar.Similar]:
    """What to offer before filing this: nothing once the person chose, nor for a form
    already filed (a double tap files once and answers with that complaint)."""
    if posted.get("file_anyway") or posted.get("link_to") or similar.filed_under(key):
        return []
    return similar.similar_open(
        mobile=new.mobile,
        category_id=new.category_id,
        place_id=new.place_id,
        description=new.description,
    )
