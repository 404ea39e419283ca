"""A need taken apart: its aspects, how well entities cover them, and partner sets."""
