"""Run the offline retrieval eval: the same as `coach eval` (builds the index first if missing).

Usage: .venv/bin/python eval/run.py [coach eval options]
"""

import sys

from assistant.cli import main

if __name__ == "__main__":
    code = main(["index"])
    raise SystemExit(code or main(["eval", *sys.argv[1:]]))
