# The two commands of the README. Everything they need is installed by .ci/tools.sh.
.PHONY: run test release static screenshots

run:
	bash .ci/serve

test:
	bash .ci/test

# Depot built for deploying: the release binary and the admin UI's optimised, compressed files.
release:
	bash .ci/release

# The admin UI as static files for any host (target/static); DEPOT_API=… names the Depot.
static:
	bash .ci/static

# The README's screenshots (docs/screenshots), taken in headless Chromium from a debug build.
screenshots:
	bash .ci/screenshots
