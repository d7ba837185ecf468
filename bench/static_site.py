#!/usr/bin/env python3
"""The static admin's first-page WebAssembly: what a browser fetches before the first page of
`make static`'s build (target/static) renders, per first page, raw, gzip -9 and the brotli files
`--precompress` wrote — the same measure `bench/depot_only.py` takes of `depot serve`'s bundle.

    make static && python3 bench/static_site.py [target/static]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from depot_only import wasm_per_page_in  # noqa: E402


def kb(n):
    return "—" if n is None else (f"{n / 1e6:.2f} MB" if n >= 1e6 else f"{n / 1e3:.0f} KB")


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "target", "static")
    pages = wasm_per_page_in(os.path.join(root, "pkg"))
    if not pages:
        sys.exit(f"no split build in {root}/pkg: run make static first")
    print("| first page opened | files | raw | gzip | brotli |")
    print("|---|---|---|---|---|")
    for p in pages:
        print(f"| {p['page']} | {p['files']} | {kb(p['bytes'])} | {kb(p['gzip_bytes'])} | {kb(p['brotli_bytes'])} |")


if __name__ == "__main__":
    main()
