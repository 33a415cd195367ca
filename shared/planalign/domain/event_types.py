"""The engine's event types (no NumPy here: the API functions name them without loading the engine)."""

# Codes stored in the int8 `event_type` column.
EVENT_TYPES = (
    "hire",
    "termination",
    "new_hire_termination",
    "promotion",
    "raise",
    "eligibility",
    "enrollment",
    "opt_out",
    "deferral_escalation",
    "deferral_match_response",
)

# The Studio's names of our event types, those of the reference engine's yearly events, which the
# Studio's charts read ('hire', 'termination', 'promotion'): a new hire's termination is a termination
# there, and an opt-out an enrollment_change.
STUDIO_EVENT_TYPES = {
    "hire": "hire",
    "termination": "termination",
    "new_hire_termination": "termination",
    "promotion": "promotion",
    "raise": "raise",
    "eligibility": "eligibility",
    "enrollment": "enrollment",
    "opt_out": "enrollment_change",
    "deferral_escalation": "deferral_escalation",
    "deferral_match_response": "deferral_match_response",
}
