"""What watches the catalogue for its users: saved needs, the challenges published from them,
and (built on them) alerts and introductions."""
