"""Support for the test suite and the benchmarks; never production code.

``testkit.homeserver`` starts throwaway Synapses (one factory for the tests'
session homeserver, the fault tests' own ones and the benchmarks), and
``testkit.process`` runs ``kindred run`` as a real process. Kindred's own
packages never import this one (an import-linter contract says so).
"""
