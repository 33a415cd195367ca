"""The state machine's Catch target: the run ends failed with the stage's error (a cancelled run's
outputs are deleted)."""

from planalign.services.stage_handler import stage_handler
from planalign.services.stages import mark_failed

handler = stage_handler("failed", mark_failed)
