"""The PlanAlign API from Python and the command line (`planalign runs|upload|workspaces|scenarios`)."""
