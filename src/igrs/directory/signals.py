from igrs.core.cache import clear_when_saved

from . import models

clear_when_saved(
    models.Unit,
    models.Department,
    models.Category,
    models.Post,
    models.Officer,
    models.Posting,
    models.RoutingRule,
    models.TimeLimit,
    models.Holiday,
)
