"""Stage pipeline: metrics, quality checks, results.json, exports, run.json; ends the run."""

from planalign.services.stage_handler import stage_handler
from planalign.services.stages import pipeline_stage

handler = stage_handler("pipeline", pipeline_stage)
