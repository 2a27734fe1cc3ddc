from igrs.core.cache import clear_when_saved

from .models import SmsTemplate

clear_when_saved(SmsTemplate)
