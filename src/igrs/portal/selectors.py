"""Reads for the portal's pages: a complainant's complaints."""

from igrs.grievances.models import Complaint


def complaints_of(mobile: str, limit: int = 100) -> list[Complaint]:
    return list(
        Complaint.objects.filter(mobile=mobile)
        .select_related("category", "current_post__unit")
        .order_by("-created_at")[:limit]
    )
