"""A benchmark family defined outside skbbench, for the test that adding a family needs
no edit of skbbench (tests/test_family_plugin.py): its spec and descriptor (spec.py), a
bench module with a jitted timed kernel (bench.py) and a report (report.py), registered
by a ``skbbench.families`` entry point."""
