"""CaseAtlas (案例图谱): a library for climate-action case collections."""

__version__ = "0.1.0"
