"""Stage exports: the results workbook of a completed run, made after the run completed."""

from planalign.services.stage_handler import stage_handler
from planalign.services.stages import exports_stage

handler = stage_handler("exports", exports_stage)
