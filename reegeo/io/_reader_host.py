"""``python -m reegeo.io._reader_host ADDRESS PARENT_PID``: the reader host of a threaded process (see :mod:`reegeo.io.bounded`)."""

import sys

from reegeo.io.bounded import serve_reader_host

if __name__ == "__main__":
    serve_reader_host(sys.argv[1], int(sys.argv[2]))
