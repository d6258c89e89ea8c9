"""kecheng: weekly timetables for community colleges, solved with OR-Tools CP-SAT."""

__version__ = "0.1.0"
