# Installs what building and testing Depot needs, each only when missing or at the wrong
# version. Sourced by .ci/serve and .ci/test; safe to run again and again.
set -euo pipefail

CARGO_LEPTOS_VERSION=0.3.10
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$PATH"
# One target folder shared by every checkout on this machine, so a fresh clone (CI's) reuses
# the compiled dependencies instead of rebuilding them all.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/depot/target}"

say() { printf '\n== %s\n' "$*"; }

# The wasm-bindgen CLI must match the wasm-bindgen crate in Cargo.lock exactly.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$REPO_ROOT/Cargo.lock"
}

ensure_build_tools() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  if [[ "$(cargo leptos --version 2>/dev/null || true)" != *"$CARGO_LEPTOS_VERSION"* ]]; then
    say "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 15 minutes on 2 cores)"
    cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads
  fi
  local wanted
  wanted="$(wasm_bindgen_version)"
  if [[ "$(wasm-bindgen --version 2>/dev/null || true)" != *"$wanted"* ]]; then
    say "installing wasm-bindgen-cli $wanted (about 8 minutes)"
    # Not --locked: a dependency version in its lock file is missing from the registry.
    cargo install wasm-bindgen-cli --version "$wanted" --force
  fi
}

# A release build runs wasm-opt. This one is npm's binaryen: wasm-opt compiled to WebAssembly and
# run by Node, installed in seconds — not Debian's binaryen 108, whose output throws
# "WebAssembly.Table.set(): Argument 1 is invalid for table" in Chromium, so the page never
# hydrates; nor the crates.io wasm-opt crate, a 12-minute C++ compile.
BINARYEN_VERSION=132.0.0

# Node.js runs the release build's wasm-opt, frontend/bundle-parts.mjs and Playwright.
ensure_node() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    say "installing Node.js and npm"
    apt_install nodejs npm
  fi
}

# The release build's WebAssembly is compiled by a pinned nightly Rust, which can rebuild the
# standard library for the page (-Zbuild-std, sized for size) and leave out the source file
# and line of every possible panic (-Zlocation-detail=none; a panic still says what failed).
# That makes every first page about 5 % (10-17 KB brotli) smaller, and keeps each under
# 300 KB (README, "The first page's WebAssembly"). Everything else — the server, the debug
# WebAssembly every other test runs — stays on the stable toolchain. rustup fetches this one
# (about 10 seconds, with the library's source) the first time.
RELEASE_WASM_TOOLCHAIN=nightly-2026-05-20

ensure_release_tools() {
  ensure_build_tools
  ensure_node
  if ! rustup component list --toolchain "$RELEASE_WASM_TOOLCHAIN" --installed 2>/dev/null | grep -q '^rust-src'; then
    say "installing Rust $RELEASE_WASM_TOOLCHAIN with the standard library's source (the release WebAssembly)"
    rustup toolchain install "$RELEASE_WASM_TOOLCHAIN" --profile minimal --component rust-src
  fi
  local dir="$HOME/.cache/depot/binaryen-$BINARYEN_VERSION"
  if [[ ! -x "$dir/node_modules/.bin/wasm-opt" ]]; then
    say "installing wasm-opt (npm's binaryen $BINARYEN_VERSION)"
    mkdir -p "$dir"
    (cd "$dir" && npm install --no-save --no-audit --no-fund --silent "binaryen@$BINARYEN_VERSION")
  fi
  export PATH="$dir/node_modules/.bin:$PATH"
}

# `cargo leptos build --split ARGS`, then each page's WebAssembly parts bundled into one file
# (frontend/bundle-parts.mjs), precompressed when the build is. The bundling belongs to every
# split build: without it the site works, but a first page fetches its parts one by one. The
# site goes to $LEPTOS_SITE_ROOT (cargo-leptos' own default, target/site, when unset).
# A release build compiles the server and the WebAssembly apart: the latter on the pinned
# nightly (RELEASE_WASM_TOOLCHAIN).
build_site() {
  local args=() part frontend=yes server=yes
  for part in "$@"; do
    case "$part" in
      --frontend-only) server=no ;;
      --server-only) frontend=no ;;
      *) args+=("$part") ;;
    esac
  done
  if [[ " ${args[*]} " != *" --release "* ]]; then
    cargo leptos build --split "$@"
  else
    if [[ $server == yes ]]; then
      cargo leptos build --split --server-only "${args[@]}"
    fi
    if [[ $frontend == yes ]]; then
      # cargo-leptos puts these rustflags before its own (--cfg erase_components and the
      # split's relocations).
      RUSTUP_TOOLCHAIN="$RELEASE_WASM_TOOLCHAIN" \
        CARGO_UNSTABLE_BUILD_STD=std,panic_abort \
        CARGO_UNSTABLE_BUILD_STD_FEATURES=optimize_for_size \
        CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-Zlocation-detail=none" \
        cargo leptos build --split --frontend-only "${args[@]}"
    fi
  fi
  if [[ $frontend == yes ]]; then
    local precompress=()
    if [[ " $* " == *" --precompress "* ]]; then precompress=(--precompress); fi
    node "$REPO_ROOT/frontend/bundle-parts.mjs" "${LEPTOS_SITE_ROOT:-$REPO_ROOT/target/site}/pkg" "${precompress[@]}"
  fi
}

apt_install() {
  if [[ ! -f /var/lib/apt/periodic/depot-updated ]]; then
    apt-get update -qq
    mkdir -p /var/lib/apt/periodic && touch /var/lib/apt/periodic/depot-updated
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

ensure_test_tools() {
  if [[ ! -x /usr/bin/chromium ]]; then
    say "installing Debian's chromium for the browser tests"
    apt_install chromium
  fi
  if ! command -v haproxy >/dev/null; then
    say "installing Debian's haproxy for the replica tests"
    apt_install haproxy
  fi
  if [[ ! -x /usr/sbin/nginx ]]; then
    say "installing Debian's nginx for the static-site test"
    apt_install nginx
  fi
  ensure_node
  if [[ ! -d "$REPO_ROOT/end2end/node_modules/@playwright/test" ]] \
     || [[ "$REPO_ROOT/end2end/package-lock.json" -nt "$REPO_ROOT/end2end/node_modules/.package-lock.json" ]]; then
    say "installing the end-to-end test packages"
    (cd "$REPO_ROOT/end2end" && npm ci --no-audit --no-fund)
  fi
}

# The tests need PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth): start it, or
# install it, when it is not there.
ensure_postgres() {
  if ! command -v psql >/dev/null; then
    say "installing PostgreSQL's client (the tests load Chinook with psql)"
    apt_install postgresql-client
  fi
  if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
    return
  fi
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    say "installing PostgreSQL"
    apt_install postgresql
    local conf
    conf="$(ls -d /etc/postgresql/*/main | head -n1)/pg_hba.conf"
    sed -i -E 's/^(host\s+all\s+all\s+127\.0\.0\.1\/32\s+)\S+/\1trust/; s/^(local\s+all\s+postgres\s+)\S+/\1trust/' "$conf"
  fi
  say "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  for _ in $(seq 1 30); do
    pg_isready -h 127.0.0.1 -p 5432 -q && return
    sleep 1
  done
  echo "PostgreSQL did not start on 127.0.0.1:5432" >&2
  exit 1
}
