"""Only what setup.cfg cannot say: the top-level ``macros/`` folder (the ribbon XML and the
VBA callback module, kept at the top level where Excel people look for them) is installed
as the package ``xlreport.macros`` (see ``package_dir`` in setup.cfg)."""
from setuptools import find_packages, setup

setup(packages=find_packages(include=["xlreport", "xlreport.*"]) + ["xlreport.macros"])
