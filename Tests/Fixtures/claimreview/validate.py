#!/usr/bin/env python3
"""Validates a `verity export claimreview` file against google-claimreview-shapes.ttl, offline.

    python3 validate.py EXPORT.json [--expect N]

Every "@context" of the file (Verity writes "https://schema.org") is replaced with the local
schema.org context next to this script, so nothing is fetched. Prints each violation and
"violations: N" last; exits 0 when there are none (and, with --expect, when the file holds
exactly N ClaimReview nodes, so that a context that read nothing cannot pass), 1 otherwise,
2 when pyshacl is missing (scripts/ensure-deps.sh installs it).
"""
import json
import os
import sys

try:
    import pyshacl
    from rdflib import Graph, Namespace, RDF
except ImportError as missing:  # pragma: no cover
    print(f"validate.py needs pyshacl ({missing}); run scripts/ensure-deps.sh", file=sys.stderr)
    sys.exit(2)

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = Namespace("http://schema.org/")


def localised(node, context):
    if isinstance(node, dict):
        return {k: (context if k == "@context" else localised(v, context)) for k, v in node.items()}
    if isinstance(node, list):
        return [localised(v, context) for v in node]
    return node


def main(argv):
    path = argv[1]
    expect = int(argv[argv.index("--expect") + 1]) if "--expect" in argv else None
    with open(os.path.join(HERE, "schemaorg-context.jsonld"), encoding="utf-8") as f:
        context = json.load(f)["@context"]
    with open(path, encoding="utf-8") as f:
        document = localised(json.load(f), context)
    data = Graph().parse(data=json.dumps(document), format="json-ld")
    shapes = Graph().parse(os.path.join(HERE, "google-claimreview-shapes.ttl"), format="turtle")
    reviews = len(set(data.subjects(RDF.type, SCHEMA.ClaimReview)))
    conforms, report, text = pyshacl.validate(data, shacl_graph=shapes, inference="none", allow_warnings=False)
    violations = len(set(report.subjects(RDF.type, Namespace("http://www.w3.org/ns/shacl#").ValidationResult)))
    if not conforms:
        print(text)
    print(f"reviews: {reviews}")
    print(f"violations: {violations}")
    if expect is not None and reviews != expect:
        print(f"expected {expect} ClaimReview nodes, read {reviews}", file=sys.stderr)
        return 1
    return 0 if conforms else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
