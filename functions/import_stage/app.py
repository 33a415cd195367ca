"""Stage import: the uploaded census -> the normalized dataset artifact (or a cache hit)."""

from planalign.services.stage_handler import stage_handler
from planalign.services.stages import import_stage

handler = stage_handler("import", import_stage)
