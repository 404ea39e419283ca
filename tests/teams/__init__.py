"""OpenLab team formation: solvers on known problems, clashes explained, engine, API and CLI."""
