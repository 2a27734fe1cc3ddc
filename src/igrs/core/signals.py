from .cache import clear_when_saved
from .models import ApiToken

clear_when_saved(ApiToken)
