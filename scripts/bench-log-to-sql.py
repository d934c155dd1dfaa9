#!/usr/bin/env python3
"""Turns PostgreSQL server log text (log_min_duration_statement = 0) on stdin
into a psql script of the statements it shows, with their bound parameters
written in as literals: the exact SQL a Verity command ran, replayable with
`psql -f`. Used by scripts/bench.sh for the report's reference."""
import re
import sys

entries = []  # [kind, text]
current = None
for raw in sys.stdin:
    line = raw.rstrip("\n")
    m = re.search(r"LOG:  duration: [0-9.]+ ms  (?:execute [^:]*|statement): (.*)$", line)
    if m:
        current = ["sql", m.group(1)]
        entries.append(current)
        continue
    m = re.search(r"DETAIL:  [Pp]arameters: (.*)$", line)
    if m:
        current = ["params", m.group(1)]
        entries.append(current)
        continue
    if line.startswith("\t") and current is not None:
        current[1] += "\n" + line[1:]
    elif re.search(r"(LOG|ERROR|WARNING|STATEMENT|HINT|DETAIL):", line):
        current = None

def parameters(text):
    values = {}
    for m in re.finditer(r"\$(\d+) = (NULL|'(?:[^']|'')*')", text):
        values[int(m.group(1))] = m.group(2)
    return values

statements = []
for i, (kind, text) in enumerate(entries):
    if kind != "sql":
        continue
    values = {}
    if i + 1 < len(entries) and entries[i + 1][0] == "params":
        values = parameters(entries[i + 1][1])
    for n in sorted(values, reverse=True):
        text = re.sub(r"\$%d(?!\d)" % n, lambda _: values[n], text)
    text = text.strip().rstrip(";")
    if text.upper() in ("BEGIN", "COMMIT", "ROLLBACK") or not text:
        statements.append(text + ";")
        continue
    statements.append(text + ";")
print("\n".join(statements))
