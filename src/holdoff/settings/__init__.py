"""Holdoff's configuration: typed sections (:mod:`.model`), read from the environment, the env file
and the YAML file (:mod:`.loading`), with errors that point at what to fix (:mod:`.errors`)."""

from holdoff.settings.file import ConfigError
from holdoff.settings.loading import load_settings
from holdoff.settings.model import Settings

__all__ = ["ConfigError", "Settings", "load_settings"]
