"""The release builder: student versions of the assignments, and the reference solution."""
