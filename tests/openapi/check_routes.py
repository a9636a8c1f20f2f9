#!/usr/bin/env python3
"""Checks Sources/Node/Resources/openapi.yaml against the routes the node registers.

1. The document must be a valid OpenAPI description (openapi-spec-validator).
2. Every route registered in Sources/Node/API/*.swift (`group.get("...")`,
   `group.post(`, `group.patch(`, `group.put(`, `group.delete(` under
   `/api/v1/`) and every `router.get("...")` of OperationsController.swift
   must be documented, with the same method.
3. Every operation the document lists must be a registered route.

Prints one line per failure and ends with `N passed, M failed`; exits 1 when
anything failed. Uses only the standard library, PyYAML and
openapi-spec-validator.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "Sources/Node/Resources/openapi.yaml"
API_DIR = ROOT / "Sources/Node/API"
OPERATIONS = API_DIR / "OperationsController.swift"
API_PREFIX = "/api/v1/"

METHODS = ("get", "post", "patch", "put", "delete")
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
GROUP_ROUTE = re.compile(r'\bgroup\s*\.\s*(' + "|".join(METHODS) + r')\s*\(\s*"([^"]*)"')
ROUTER_ROUTE = re.compile(r'\brouter\s*\.\s*(get)\s*\(\s*"([^"]*)"')
PARAMETER = re.compile(r":([A-Za-z_][A-Za-z0-9_]*)")


def openapi_path(path: str) -> str:
    """`api/v1/users/:username` → `/api/v1/users/{username}`."""
    path = "/" + path.strip("/")
    return PARAMETER.sub(r"{\1}", path)


def strip_comments(source: str) -> str:
    """Drops `//` line comments and `/* */` blocks so that routes named in
    documentation comments are not taken for registrations. String literals
    holding `//` (URLs) are kept intact."""
    out, i, n = [], 0, len(source)
    while i < n:
        c = source[i]
        if c == '"':
            j = i + 1
            while j < n and source[j] != '"' and source[j] != "\n":
                j += 2 if source[j] == "\\" else 1
            out.append(source[i:j + 1])
            i = j + 1
        elif source.startswith("//", i):
            j = source.find("\n", i)
            i = n if j < 0 else j
        elif source.startswith("/*", i):
            j = source.find("*/", i + 2)
            i = n if j < 0 else j + 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def code_routes() -> dict[tuple[str, str], str]:
    """(METHOD, path) → where it is registered."""
    routes: dict[tuple[str, str], str] = {}
    for file in sorted(API_DIR.glob("*.swift")):
        source = strip_comments(file.read_text(encoding="utf-8"))
        for match in GROUP_ROUTE.finditer(source):
            method, path = match.group(1).upper(), openapi_path(API_PREFIX + match.group(2))
            routes.setdefault((method, path), file.name)
    source = strip_comments(OPERATIONS.read_text(encoding="utf-8"))
    for match in ROUTER_ROUTE.finditer(source):
        method, path = match.group(1).upper(), openapi_path(match.group(2))
        routes.setdefault((method, path), OPERATIONS.name)
    return routes


def spec_routes(spec: dict) -> set[tuple[str, str]]:
    routes = set()
    for path, item in (spec.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        for key in item:
            if key.lower() in HTTP_METHODS:
                routes.add((key.upper(), path))
    return routes


def main() -> int:
    passed = failed = 0

    def check(ok: bool, message: str) -> None:
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
            print(f"FAIL: {message}")

    try:
        import yaml
        from openapi_spec_validator import validate
    except ImportError as error:
        print(f"FAIL: {error}; install tests/requirements.txt (make test-deps)")
        print("0 passed, 1 failed")
        return 1

    spec = None
    try:
        spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
        if not isinstance(spec, dict):
            raise ValueError("the document is empty or not a mapping")
        validate(spec)
        check(True, "")
    except Exception as error:  # noqa: BLE001 — any failure means the spec is unusable
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        check(False, f"{SPEC.relative_to(ROOT)} is not a valid OpenAPI document: {first_line}")

    in_code = code_routes()
    if not in_code:
        check(False, f"no routes found in {API_DIR.relative_to(ROOT)}; has the registration syntax changed?")
    documented = spec_routes(spec) if isinstance(spec, dict) else set()

    for method, path in sorted(in_code, key=lambda r: (r[1], r[0])):
        check((method, path) in documented,
              f"{method} {path} (registered in {in_code[(method, path)]}) is missing from the spec")
    for method, path in sorted(documented, key=lambda r: (r[1], r[0])):
        check((method, path) in in_code, f"{method} {path} is in the spec but no such route is registered")

    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
