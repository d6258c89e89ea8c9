"""``python -m kecheng``: the command line."""

from kecheng.cli import main

main()
