"""Validates ninjs files against an IPTC ninjs JSON schema.

Usage: validate_ninjs.py SCHEMA FILE...
Exit 0 when every file is valid, 1 with the errors when not, 77 when the
jsonschema package is missing (the Rust test then skips or fails, as told).
"""
import json
import sys

try:
    import jsonschema
except ImportError:
    print("the Python package jsonschema is not installed")
    sys.exit(77)

schema_path, *files = sys.argv[1:]
with open(schema_path, encoding="utf-8") as handle:
    schema = json.load(handle)
validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
failed = 0
for path in files:
    with open(path, encoding="utf-8") as handle:
        item = json.load(handle)
    for error in validator.iter_errors(item):
        failed += 1
        print(f"{path}: {'/'.join(map(str, error.path))}: {error.message}")
print(f"{len(files)} ninjs files checked, {failed} errors")
sys.exit(1 if failed else 0)
