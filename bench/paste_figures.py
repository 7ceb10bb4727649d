#!/usr/bin/env python3
"""Pastes bench/figures' fragments into the README.

Usage: bench/paste_figures.py README FRAGMENT_DIR

For every <!-- figures:NAME --> ... <!-- /figures:NAME --> pair in README whose
FRAGMENT_DIR/NAME.md exists, replaces what is between the markers with that
fragment; other markers are left as they are.  Prints what it replaced.  Exits
1 (README unchanged) if a marker is unpaired.
"""
import os
import re
import sys

MARKER = re.compile(r"<!-- (/?)figures:([a-z0-9-]+) -->")


def main():
    readme, fragments = sys.argv[1], sys.argv[2]
    with open(readme) as f:
        text = f.read()
    out, pos, replaced = [], 0, []
    markers = list(MARKER.finditer(text))
    i = 0
    while i < len(markers):
        start = markers[i]
        if start.group(1) or i + 1 >= len(markers) or markers[i + 1].group(2) != start.group(2) \
                or not markers[i + 1].group(1):
            print(f"paste_figures: unpaired marker {start.group(0)} in {readme}", file=sys.stderr)
            return 1
        end = markers[i + 1]
        path = os.path.join(fragments, start.group(2) + ".md")
        if os.path.exists(path):
            with open(path) as f:
                fragment = f.read().strip("\n")
            out.append(text[pos:start.end()])
            out.append("\n" + fragment + "\n")
            pos = end.start()
            replaced.append(start.group(2))
        i += 2
    out.append(text[pos:])
    with open(readme, "w") as f:
        f.write("".join(out))
    print(f"paste_figures: replaced {', '.join(replaced) or 'nothing'} in {readme}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
