"""``python -m kecheng``: the command line."""

from kecheng.cli import app

app(prog_name="kecheng")
