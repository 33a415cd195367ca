"""Stage simulation: the workforce and DC plan model, year by year."""

from planalign.services.stage_handler import stage_handler
from planalign.services.stages import simulation_stage

handler = stage_handler("simulation", simulation_stage)
