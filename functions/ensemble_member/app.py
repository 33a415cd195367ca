"""Ensemble member: one item of the state machine's Distributed Map, simulated on its own seed."""

from planalign.services.ensemble import member_stage
from planalign.services.stage_handler import stage_handler

handler = stage_handler("member", member_stage)
