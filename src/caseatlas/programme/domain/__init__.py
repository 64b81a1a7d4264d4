"""The programme's logic without I/O: what a call starts from, how a file becomes a submission,
who conflicts with whom, who reviews what, how scores rank. Imports no services, store or web."""
