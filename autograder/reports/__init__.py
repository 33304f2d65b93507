"""Class-level reports of a batch: CSV gradebook, JUnit, nbgrader's gradebook, HTML report."""
