# Django's zh_Hans formats, with ISO as the only date a form reads: <input type=date> sends it.
from django.conf.locale.zh_Hans.formats import *  # noqa: F403

DATE_INPUT_FORMATS = ["%Y-%m-%d"]
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"]
