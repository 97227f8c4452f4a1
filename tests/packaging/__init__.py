"""Tests of ravensec as another project installs it: the built wheel, in a virtual environment of its own."""
